// The listen-queue calculator behind `tcpdiag queues`. Every number it prints comes from a rule in
// /work/shared/notes/kernel.md; each rule carries its section and the kernel versions it holds for,
// both in the comments here and in the report (Rule.source / Rule.kernels).

import { findDistro } from './distros.js';
import { DEFAULT_KERNEL, kernelAtLeast, kernelLabel, parseKernelVersion, type KernelVersion } from './kernel-version.js';
import { synAckSchedule, type SynAckSchedule } from './synack-schedule.js';
import { acceptQueueWhenFull, synQueueWhenFull } from './queue-overflow-rules.js';
import type { Rule } from './rule.js';

export type { Rule } from './rule.js';

export type SettingSource = 'given' | 'host' | 'distro' | 'kernel default' | 'assumed';
export type NumericSettingName = 'somaxconn' | 'maxSynBacklog' | 'syncookies' | 'abortOnOverflow' | 'synackRetries';
export type SettingName = NumericSettingName | 'kernel';

export interface QueueInput {
  /** The value the application passes to listen(); negative means "as large as allowed". */
  backlog: number;
  somaxconn?: number;
  maxSynBacklog?: number;
  syncookies?: number;
  abortOnOverflow?: number;
  synackRetries?: number;
  /** `uname -r` style; defaults to DEFAULT_KERNEL or the distro's kernel. */
  kernel?: string;
  /** e.g. "rhel8", "ubuntu22.04": sets the kernel unless `kernel` is given. */
  distro?: string;
  /** Where a given value came from when it was not typed by the user (e.g. read by --host). */
  sources?: Partial<Record<SettingName, SettingSource>>;
}

export interface Setting<T> {
  value: T;
  source: SettingSource;
  note?: string;
}

export interface QueueReport {
  kernel: { version: string; label: string; source: SettingSource; distro?: string };
  settings: {
    backlog: Setting<number>;
    somaxconn: Setting<number>;
    maxSynBacklog: Setting<number>;
    syncookies: Setting<0 | 1 | 2>;
    abortOnOverflow: Setting<0 | 1>;
    synackRetries: Setting<number>;
  };
  acceptQueue: {
    /** sk_max_ack_backlog = min(backlog, somaxconn): what `ss -lnt` shows as Send-Q. */
    limit: number;
    /** Children the queue holds before it counts as full (limit + 1). */
    holds: number;
    rules: Rule[];
    whenFull: Rule[];
  };
  synQueue: {
    sizing: 'reqsk_queue_alloc' | 'sk_max_ack_backlog';
    /** The number the full test compares qlen with. */
    limit: number;
    fullTest: 'qlen >= limit' | 'qlen > limit';
    /** Request socks the queue holds before the full test fires; 0 when every SYN gets a cookie. */
    holds: number;
    /** With syncookies=0 the ¾·tcp_max_syn_backlog rule may stop unproven peers earlier. */
    holdsForUnprovenPeers: number;
    rules: Rule[];
    whenFull: Rule[];
  };
  synAck: SynAckSchedule;
  notes: string[];
}

export class QueueInputError extends Error {}

const SOMAXCONN_OLD_DEFAULT = 128;
const SOMAXCONN_NEW_DEFAULT = 4096;
// kernel.md §1.1: tcp_max_syn_backlog defaults to max(128, ehash entries/128) (older: /256), so it
// depends on RAM; 128 is the only value every machine is guaranteed to have at least.
const MAX_SYN_BACKLOG_FLOOR = 128;

export function computeQueues(input: QueueInput): QueueReport {
  const notes: string[] = [];
  const { kernel, kernelSource, distroName } = resolveKernel(input);
  const sourceOf = (name: SettingName, fallback: SettingSource): SettingSource =>
    input.sources?.[name] ?? fallback;

  checkInteger('backlog', input.backlog, -Infinity);
  const backlog: Setting<number> = { value: input.backlog, source: 'given' };

  // kernel.md §1.1 [doc]: "Defaults to 4096. (Was 128 before linux-5.4)".
  const somaxconn: Setting<number> =
    input.somaxconn !== undefined
      ? { value: checkInteger('somaxconn', input.somaxconn, 0), source: sourceOf('somaxconn', 'given') }
      : kernelAtLeast(kernel, 5, 4)
        ? { value: SOMAXCONN_NEW_DEFAULT, source: distroName ? 'distro' : 'kernel default', note: 'default since 5.4 (kernel.md §1.1)' }
        : { value: SOMAXCONN_OLD_DEFAULT, source: distroName ? 'distro' : 'kernel default', note: 'default before 5.4 (kernel.md §1.1)' };

  const maxSynBacklog: Setting<number> =
    input.maxSynBacklog !== undefined
      ? { value: checkInteger('max-syn-backlog', input.maxSynBacklog, 0), source: sourceOf('maxSynBacklog', 'given') }
      : {
          value: MAX_SYN_BACKLOG_FLOOR,
          source: 'assumed',
          note: 'not given; the kernel default is max(128, hash size/128) (older kernels /256), so it depends on RAM — 128 is the smallest possible default (kernel.md §1.1)',
        };

  const syncookies: Setting<0 | 1 | 2> =
    input.syncookies !== undefined
      ? { value: checkChoice('syncookies', input.syncookies, [0, 1, 2]), source: sourceOf('syncookies', 'given') }
      : { value: 1, source: 'kernel default', note: 'default 1 (kernel.md §5)' };

  const abortOnOverflow: Setting<0 | 1> =
    input.abortOnOverflow !== undefined
      ? { value: checkChoice('abort-on-overflow', input.abortOnOverflow, [0, 1]), source: sourceOf('abortOnOverflow', 'given') }
      : { value: 0, source: 'kernel default', note: 'default 0 (kernel.md §2.2)' };

  const synackRetries: Setting<number> =
    input.synackRetries !== undefined
      ? { value: checkInteger('synack-retries', input.synackRetries, 0, 255), source: sourceOf('synackRetries', 'given') }
      : { value: 5, source: 'kernel default', note: 'default 5, TCP_SYNACK_RETRIES (kernel.md §3.1)' };

  // kernel.md §1.1: __sys_listen() clamps `if ((unsigned)backlog > somaxconn) backlog = somaxconn;`
  // so a negative backlog (huge as unsigned) becomes somaxconn. Same clamp in the 3.10 tree (§1.2 sizes from it).
  const limit = input.backlog < 0 || input.backlog > somaxconn.value ? somaxconn.value : input.backlog;
  const acceptRules: Rule[] = [
    {
      text:
        input.backlog < 0
          ? `listen() backlog ${input.backlog} is negative, which listen() treats as unsigned and clamps to net.core.somaxconn = ${somaxconn.value}`
          : `sk_max_ack_backlog = min(backlog ${input.backlog}, net.core.somaxconn ${somaxconn.value}) = ${limit}; \`ss -lnt\` shows it as Send-Q`,
      source: 'kernel.md §1.1 (__sys_listen)',
      kernels: 'all versions covered (3.10, 4.19, 6.x)',
    },
    // kernel.md §1.1: sk_acceptq_is_full() is `sk_ack_backlog > sk_max_ack_backlog`; [LAB] 6.18.44
    // backlog 1 ⇒ Recv-Q 2. kernel.md cites the test for ≥ 4.4 (commit 64a146513f8f and the 2019 revert).
    {
      text: `the accept queue is full only when it holds more than ${limit} (strict \`>\` in sk_acceptq_is_full), so it holds ${limit + 1} established connections; Recv-Q = Send-Q+1 = ${limit + 1} means full`,
      source: 'kernel.md §1.1, §8; [LAB] 6.18.44 backlog 1 ⇒ Recv-Q 2',
      kernels: '≥ 4.4 as cited by kernel.md (older trees not checked there)',
    },
  ];

  const syn = synQueueSize(kernel, limit, maxSynBacklog, syncookies.value, notes);
  const acceptHolds = limit + 1;

  return {
    kernel: { version: kernel.text, label: kernelLabel(kernel), source: kernelSource, ...(distroName ? { distro: distroName } : {}) },
    settings: { backlog, somaxconn, maxSynBacklog, syncookies, abortOnOverflow, synackRetries },
    acceptQueue: {
      limit,
      holds: acceptHolds,
      rules: acceptRules,
      whenFull: acceptQueueWhenFull(kernel, abortOnOverflow.value, syncookies.value, synackRetries.value),
    },
    synQueue: { ...syn, whenFull: synQueueWhenFull(kernel, syncookies.value) },
    synAck: synAckSchedule(kernel, synackRetries.value),
    notes,
  };
}

function synQueueSize(
  kernel: KernelVersion,
  limit: number,
  maxSynBacklog: Setting<number>,
  syncookies: 0 | 1 | 2,
  notes: string[],
): Omit<QueueReport['synQueue'], 'whenFull'> {
  const rules: Rule[] = [];
  let sizing: QueueReport['synQueue']['sizing'];
  let synLimit: number;
  let fullTest: QueueReport['synQueue']['fullTest'];
  let holds: number;

  if (!kernelAtLeast(kernel, 4, 4)) {
    // kernel.md §1.2 [3.10] reqsk_queue_alloc(): n = min(backlog, max_syn_backlog); n = max(n, 8);
    // n = roundup_pow_of_two(n + 1); full when qlen >> max_qlen_log != 0, i.e. qlen >= n. Replaced in 4.4.
    const clampedToSysctl = Math.min(limit, maxSynBacklog.value);
    const atLeastEight = Math.max(clampedToSysctl, 8);
    synLimit = roundUpPowerOfTwo(atLeastEight + 1);
    sizing = 'reqsk_queue_alloc';
    fullTest = 'qlen >= limit';
    holds = synLimit;
    rules.push({
      text: `reqsk_queue_alloc(): n = min(backlog ${limit}, tcp_max_syn_backlog ${maxSynBacklog.value}) = ${clampedToSysctl}; at least 8 ⇒ ${atLeastEight}; roundup_pow_of_two(${atLeastEight}+1) = ${synLimit}; full when qlen ≥ ${synLimit}`,
      source: 'kernel.md §1.2 ([3.10] net/core/request_sock.c)',
      kernels: '≤ 4.3 (changed in 4.4: ehash request socks, ef547f2ac16b "tcp: remove max_qlen_log")',
    });
    if (maxSynBacklog.source === 'assumed' && limit > MAX_SYN_BACKLOG_FLOOR) {
      const ifLarge = roundUpPowerOfTwo(Math.max(limit, 8) + 1);
      notes.push(
        `tcp_max_syn_backlog was not given and ${MAX_SYN_BACKLOG_FLOOR} was assumed; if it is ≥ ${limit} on the machine, the SYN queue holds ${ifLarge} instead (give --max-syn-backlog or --host).`,
      );
    }
  } else {
    // kernel.md §1.1: since 4.4 inet_csk_reqsk_queue_is_full() compares qlen with sk_max_ack_backlog,
    // the same number as the accept-queue limit; tcp_max_syn_backlog no longer sizes anything.
    sizing = 'sk_max_ack_backlog';
    synLimit = limit;
    if (kernelAtLeast(kernel, 6, 13)) {
      // kernel.md §1.1: commit 3479c7549fb1 (Jan 2025; mainline 6.13 inferred) changed >= to >.
      fullTest = 'qlen > limit';
      holds = limit + 1;
      rules.push({
        text: `limit = sk_max_ack_backlog = ${limit} (same number as the accept queue); full when qlen > ${limit}, so it holds ${holds} request socks`,
        source: 'kernel.md §1.1 (inet_csk_reqsk_queue_is_full, commit 3479c7549fb1)',
        kernels: '≥ 6.13 (inferred) and stable kernels with the backport',
      });
    } else {
      fullTest = 'qlen >= limit';
      holds = limit;
      rules.push({
        text: `limit = sk_max_ack_backlog = ${limit} (same number as the accept queue); full when qlen ≥ ${limit}, so it holds ${holds} request socks`,
        source: 'kernel.md §1.1 (inet_csk_reqsk_queue_is_full)',
        kernels: '4.4 … 6.12',
      });
      notes.push(
        `Stable kernels that took commit 3479c7549fb1 (e.g. the 6.1 series, "[PATCH 6.1 16/92]", Jan 2025) use qlen > ${limit} and hold ${limit + 1} request socks${limit === 0 ? ' — with backlog 0 that is the difference between no connection and one' : ''} (kernel.md §1.1).`,
      );
    }
    rules.push({
      text: 'tcp_max_syn_backlog does not size the SYN queue',
      source: 'kernel.md §1.1, §11 pitfall 2',
      kernels: '≥ 4.4',
    });
  }

  let holdsForUnprovenPeers = holds;
  if (syncookies === 0) {
    // kernel.md §1.1 ([6.x] tcp_conn_request): with syncookies=0 a new SYN is dropped when
    // `max_syn_backlog - qlen < max_syn_backlog >> 2` and the peer is not proven (no cached RTT).
    const max = maxSynBacklog.value;
    const lastAcceptedQlen = max - (max >> 2);
    const reachable = lastAcceptedQlen + 1;
    holdsForUnprovenPeers = Math.min(holds, reachable);
    rules.push({
      text: `syncookies=0: a SYN from a peer without cached RTT (tcp_metrics) is dropped once qlen > ${max} − ${max >> 2} = ${lastAcceptedQlen}, so such peers fill at most ${reachable} request socks${reachable < holds ? ` — this, not the ${holds} above, is the effective limit` : ' (no effect here: the queue limit is smaller)'}`,
      source: 'kernel.md §1.1 ([6.x] tcp_conn_request)',
      kernels: 'documented from the 6.x source; kernel.md does not date it',
    });
  } else if (syncookies === 2) {
    // kernel.md §4 table: syncookies=2 ⇒ every SYN gets a cookie SYN-ACK, no request socks at all.
    holds = 0;
    holdsForUnprovenPeers = 0;
    rules.push({
      text: 'syncookies=2: every SYN is answered with a cookie SYN-ACK and no request sock is kept, so the SYN queue stays empty (SYNs accepted from TIME_WAIT excepted)',
      source: 'kernel.md §4',
      kernels: 'all versions covered',
    });
  }

  return { sizing, limit: synLimit, fullTest, holds, holdsForUnprovenPeers, rules };
}

function resolveKernel(input: QueueInput): { kernel: KernelVersion; kernelSource: SettingSource; distroName?: string } {
  let distroName: string | undefined;
  let text = DEFAULT_KERNEL;
  let kernelSource: SettingSource = 'kernel default';
  if (input.distro !== undefined) {
    const distro = findDistro(input.distro);
    if (!distro) throw new QueueInputError(`unknown distro "${input.distro}"`);
    distroName = distro.name;
    text = distro.kernel;
    kernelSource = 'distro';
  }
  if (input.kernel !== undefined) {
    text = input.kernel;
    kernelSource = input.sources?.kernel ?? 'given';
  }
  const kernel = parseKernelVersion(text);
  if (!kernel) throw new QueueInputError(`cannot read kernel version "${text}" (expected e.g. 6.18 or 4.18.0-553.el8)`);
  return { kernel, kernelSource, ...(distroName ? { distroName } : {}) };
}

function checkInteger(name: string, value: number, min: number, max = 2 ** 31 - 1): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = min === -Infinity ? `an integer ≤ ${max}` : `an integer from ${min} to ${max}`;
    throw new QueueInputError(`--${name} must be ${range}, got ${value}`);
  }
  return value;
}

function checkChoice<T extends number>(name: string, value: number, choices: readonly T[]): T {
  const found = choices.find((c) => c === value);
  if (found === undefined) throw new QueueInputError(`--${name} must be one of ${choices.join(', ')}, got ${value}`);
  return found;
}

function roundUpPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
