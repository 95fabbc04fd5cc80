// Value checks for every command's options, in one style: each is a commander argument parser that
// throws InvalidArgumentError with what is wrong, and commander reports it as a usage error (exit 2).

import { isIPv4, isIPv6 } from 'node:net';
import { InvalidArgumentError } from 'commander';
import { nanos, S } from '../capture/time-base.js';
import { formatAddress } from '../decode/address.js';
import { boundAfter, epochBound, fromStartBound, type TimeBound } from '../track/time-bound.js';
import { MAX_CONNECTIONS_LIMIT, SLOT_BYTES } from '../track/limits.js';

// ---- times ------------------------------------------------------------------------------------------

// 2026-11-21, 2026-11-21T10:00, 2026-11-21T10:00:00.123456789, each with an optional Z or ±HH[:]MM.
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** A second's fraction as nanoseconds ('5' → 500 000 000); digits past the ninth (+S and @S take them) are dropped. */
function fractionNanos(frac: string): number {
  return frac ? Number(frac.slice(0, 9).padEnd(9, '0')) : 0;
}

/** An ISO 8601 time as whole epoch seconds and the fraction's digits, exactly. */
function isoExact(v: string): { sec: number; frac: string } | null {
  const m = ISO.exec(v.trim());
  if (!m) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone = 'Z'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 60) return null;
  let offset = 0;
  if (zone.toUpperCase() !== 'Z') {
    const z = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)!;
    const zh = Number(z[2]);
    const zm = Number(z[3] ?? '0');
    if (zh > 23 || zm > 59) return null;
    offset = (z[1] === '-' ? -1 : 1) * (zh * 3600 + zm * 60);
  }
  const whole = Date.UTC(year, month - 1, day, hour, minute, second) / 1000;
  return { sec: whole - offset, frac };
}

const TIME_HELP = 'use an ISO 8601 time (2026-11-21T10:00:00Z; without a zone it is UTC), +SECONDS from the start of the capture, or @EPOCH-SECONDS';

/**
 * `--since/--until`: ISO 8601 (a time without a zone is UTC, as tcpdiag prints times), `+S` seconds from
 * the capture's first packet, `@S` epoch seconds. A bare number is refused: `-3` or `1795253382`
 * could mean either, and guessing filtered away everything without a word.
 */
export function parseTimeBound(v: string): TimeBound {
  const rel = /^\+(\d+)(?:\.(\d+))?$/.exec(v);
  if (rel) return fromStartBound(nanos(Number(rel[1])) + fractionNanos(rel[2] ?? ''));
  const epoch = /^@(\d+)(?:\.(\d+))?$/.exec(v);
  if (epoch) return epochBound(Number(epoch[1]), fractionNanos(epoch[2] ?? ''));
  const iso = isoExact(v);
  if (iso !== null) return epochBound(iso.sec, fractionNanos(iso.frac));
  if (/^-?\d+(\.\d+)?$/.test(v)) throw new InvalidArgumentError(`a bare number is ambiguous: write +${v.replace(/^-/, '')} for seconds from the start, or @${v.replace(/^-/, '')} for epoch seconds`);
  throw new InvalidArgumentError(`not a time: ${TIME_HELP}`);
}

/** A bound as the report shows it: as the user meant it. */
export function boundText(b: TimeBound | undefined): string | null {
  if (!b) return null;
  if (b.kind === 'fromStart') {
    const whole = Math.floor(b.ns / S);
    const frac = b.ns - whole * S;
    return `+${whole}${frac ? `.${String(frac).padStart(9, '0').replace(/0+$/, '')}` : ''}`;
  }
  return isoOfExact(b.sec, b.nsec);
}

/** An exact bound in ISO 8601 with the digits it has (milliseconds at least, as toISOString writes them). */
function isoOfExact(sec: number, nsec: number): string {
  if (!(Math.abs(sec) < 8.64e12)) return String(sec);
  const digits = nsec % 1e6 === 0 ? 3 : nsec % 1e3 === 0 ? 6 : 9;
  return `${new Date(sec * 1000).toISOString().slice(0, 19)}.${String(nsec).padStart(9, '0').slice(0, digits)}Z`;
}

/** `--since` after `--until`, when both are of the same kind (a mixed pair is checked against the capture). */
export function windowError(since: TimeBound | undefined, until: TimeBound | undefined): string | null {
  if (!since || !until) return null;
  if (boundAfter(since, until) === true) {
    return `--since ${boundText(since)} is after --until ${boundText(until)}: the window is empty`;
  }
  return null;
}

// ---- endpoints --------------------------------------------------------------------------------------

function ipv6Groups(text: string): number[] | null {
  if (!isIPv6(text) || text.includes('%')) return null;
  let s = text.toLowerCase();
  // An embedded IPv4 tail (::ffff:1.2.3.4) is two groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    s = s.slice(0, v4.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? 0 : 8 - h.length - t.length;
  const groups = [...h, ...Array<string>(zeros).fill('0'), ...t].map((g) => parseInt(g, 16));
  return groups.length === 8 ? groups : null;
}

/** An IPv6 address in RFC 5952 form, as the report prints it: any valid spelling of it matches. */
export function canonicalIpv6(text: string): string | null {
  const g = ipv6Groups(text);
  if (!g) return null;
  const w = (i: number) => ((g[i]! << 16) | g[i + 1]!) >>> 0;
  return formatAddress(6, w(0), w(2), w(4), w(6));
}

function portNumber(v: string): number | null {
  if (!/^\d{1,5}$/.test(v)) return null;
  const p = Number(v);
  return p >= 1 && p <= 65535 ? p : null;
}

/** `--port N`: a TCP port, 1 to 65535 (repeatable). */
export function parsePort(v: string, previous: number[] = []): number[] {
  return [...previous, parseOnePort(v)];
}

export function parseOnePort(v: string): number {
  const p = portNumber(v);
  if (p === null) throw new InvalidArgumentError('not a TCP port (a whole number from 1 to 65535)');
  return p;
}

/** `IP:PORT` or `[IPv6]:PORT`, normalised as the report prints listeners (repeatable). */
export function parseListener(v: string, previous: string[] = []): string[] {
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):([^:]*)$/.exec(v);
  if (!m) {
    const hint = isIPv6(v.replace(/:\d+$/, '')) ? ' (write an IPv6 address in brackets: [2001:db8::1]:443)' : '';
    throw new InvalidArgumentError(`not IP:PORT or [IPv6]:PORT${hint}`);
  }
  const port = portNumber(m[3]!);
  if (port === null) throw new InvalidArgumentError(`'${m[3]}' is not a TCP port (1 to 65535)`);
  if (m[1] !== undefined) {
    const a = canonicalIpv6(m[1]);
    if (a === null) throw new InvalidArgumentError(`'${m[1]}' is not an IPv6 address`);
    return [...previous, `[${a}]:${port}`];
  }
  if (!isIPv4(m[2]!)) throw new InvalidArgumentError(`'${m[2]}' is not an IPv4 address (four numbers 0-255, as 10.0.0.5)`);
  return [...previous, `${m[2]}:${port}`];
}

// ---- numbers ----------------------------------------------------------------------------------------

export function parsePositive(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError('not a positive whole number');
  return Number(v);
}

/** A whole number, negative allowed ("12abc" and "1.5" are errors, not 12 and 1). */
export function parseInteger(v: string): number {
  if (!/^-?\d+$/.test(v.trim())) throw new InvalidArgumentError('not an integer (a whole number, such as 511)');
  return Number(v.trim());
}

/** Seconds from 0 to `max`, decimals allowed. */
export function secondsUpTo(max: number): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!/^\d+(\.\d+)?$/.test(v.trim()) || n > max) throw new InvalidArgumentError(`not a number of seconds from 0 to ${max}`);
    return n;
  };
}

/** --max-connections, checked here for a usage error rather than the tracker's RangeError. */
export function parseMaxConnections(v: string): number {
  const n = parsePositive(v);
  if (n > MAX_CONNECTIONS_LIMIT) {
    throw new InvalidArgumentError(`'${v}' is more than ${MAX_CONNECTIONS_LIMIT} live connections (about ${Math.round((MAX_CONNECTIONS_LIMIT * SLOT_BYTES) / 1e9)} GB of tracker state)`);
  }
  return n;
}

export { FAIL_ON, type FailOn } from '../diagnose/severity.js';
