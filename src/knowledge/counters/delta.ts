// What the kernel counted between two readings. The readings must come from one machine and one
// network namespace: the counters are per namespace (kernel.md §8), so a difference across two
// namespaces means nothing.

import { CounterInputError, type CounterReading } from './parse.js';

export interface KernelDelta {
  before: CounterReading;
  after: CounterReading;
  /** Seconds between the readings when both carry a time (snapshots), else null. */
  seconds: number | null;
  /** after − before for every counter both readings have (or that an absent-is-zero rule gives). */
  delta: Record<string, number>;
  /** Counters that went down: reset, reboot, or the readings are from different namespaces. */
  wentBackwards: string[];
  /** The sysctls of the AFTER reading (else BEFORE); null when neither is a snapshot. */
  sysctls: Record<string, number | null> | null;
  /** Sysctls whose value differs between the two readings. */
  sysctlsChanged: string[];
}

function valueOf(r: CounterReading, name: string): number | undefined {
  const v = r.counters[name];
  if (v !== undefined) return v;
  return r.absentIsZero.some((p) => p === '*' || (name.startsWith(p) && /[A-Z]/.test(name[p.length] ?? ''))) ? 0 : undefined;
}

function label(r: CounterReading): string {
  return r.part === null ? r.file : `${r.file} (reading ${r.part})`;
}

export function kernelDelta(before: CounterReading, after: CounterReading): KernelDelta {
  if (before.netns && after.netns && before.netns !== after.netns) {
    throw new CounterInputError(`${label(after)}: read in network namespace ${after.netns}, but ${label(before)} in ${before.netns}: counters are per namespace, their difference means nothing`);
  }
  if (before.hostname && after.hostname && before.hostname !== after.hostname) {
    throw new CounterInputError(`${label(after)}: read on host "${after.hostname}", but ${label(before)} on "${before.hostname}"`);
  }
  if (before.time !== null && after.time !== null && after.time < before.time) {
    throw new CounterInputError(`${label(after)}: taken at ${new Date(after.time * 1000).toISOString()}, before ${label(before)} (${new Date(before.time * 1000).toISOString()}): give BEFORE first`);
  }
  const delta: Record<string, number> = {};
  const wentBackwards: string[] = [];
  const names = new Set([...Object.keys(before.counters), ...Object.keys(after.counters)]);
  for (const name of [...names].sort()) {
    const b = valueOf(before, name);
    const a = valueOf(after, name);
    if (a === undefined || b === undefined) continue;
    if (a < b) wentBackwards.push(name);
    else delta[name] = a - b;
  }
  const sysctls = after.sysctls ?? before.sysctls;
  const sysctlsChanged =
    before.sysctls && after.sysctls
      ? Object.keys(after.sysctls).filter((k) => before.sysctls![k] !== undefined && before.sysctls![k] !== after.sysctls![k])
      : [];
  return {
    before,
    after,
    seconds: before.time !== null && after.time !== null ? after.time - before.time : null,
    delta,
    wentBackwards,
    sysctls,
    sysctlsChanged,
  };
}

/** after − before of one counter; null when a reading lacks it or it went down. */
export function counterDelta(kd: KernelDelta, name: string): number | null {
  const known = kd.delta[name];
  if (known !== undefined) return known;
  if (kd.wentBackwards.includes(name)) return null;
  // Absent from both readings: 0 only where both formats leave zeros out.
  const b = valueOf(kd.before, name);
  const a = valueOf(kd.after, name);
  return a !== undefined && b !== undefined ? a - b : null;
}
