// Per counter: what the capture shows beside what the kernel counted over the readings' interval,
// whether the two agree, and why not when they do not. Pure: the capture side comes in as numbers
// read off the report, the kernel side as a KernelDelta.
//
// What each counter is compared with (kernel.md §2–§5, §8; the lab runs in fixtures/counters/):
// - TcpExtListenOverflows ↔ droppedSegments of accept-queue-overflow: one per segment dropped at a
//   full accept queue — each ignored final ACK, data segment or cookie ACK, each SYN dropped for a
//   full accept queue, and the ACK that an abort_on_overflow=1 reset answers.
// - TcpExtTCPReqQFullDrop ↔ SYNs dropped for a full SYN queue (tcp_syncookies=0): the syn-flood
//   finding's synDrops. The capture cannot tell which queue dropped a SYN (§4); when the counters say
//   the SYN queue dropped some, that many of the overflow finding's SYN drops are moved here.
// - TcpExtListenDrops ↔ the sum of both: every tcp_listendrop(); the kernel also counts other drops.
// - TcpExtEmbryonicRsts ↔ resets of accept-queue-overflow: with tcp_abort_on_overflow=1 each reset
//   sent at a full accept queue is one EmbryonicRsts (and its ACK one ListenOverflows); the
//   listener's RSTs to the client's later segments are TcpOutRsts only (§2.3, §2.4); cookie
//   handshakes are dropped silently even with abort=1 (§2.5).
// - TcpExtSyncookiesSent ↔ connections whose SYN-ACK the capture recognised as a syncookie: a lower
//   bound, as a cookie SYN-ACK to a client with timestamps looks like any other once its handshake
//   completes (§5).

import { counterDelta, type KernelDelta } from './delta.js';
import { FORMAT_NAMES, type CounterReading } from './parse.js';

/** Agreement: within 5 % of the larger number, and never closer than 2 (small counts). */
export type { AbortPolicy, CounterRow, CountersReport, ReadingInfo, Relation } from '../../report/counters-model.js';
import type { AbortPolicy, CounterRow, CountersReport, ReadingInfo, Relation } from '../../report/counters-model.js';

export const TOLERANCE = { relative: 0.05, absolute: 2 } as const;


export interface CaptureFinding {
  id: string;
  listener: string;
  abortOnOverflow?: AbortPolicy;
  droppedSegments?: number;
  synDrops?: number;
  resets?: number;
  syncookies?: boolean;
}

/** The capture's side, read off its report. */
export interface CaptureSide {
  path: string;
  /** Epoch seconds of the first and last packet. */
  first: number | null;
  last: number | null;
  vantage: string;
  /** Listeners the capture saw (after filters). */
  listeners: string[];
  /** The filters of the run as the report states them (--listener, --port, --since, --until). */
  filters: string[];
  findings: CaptureFinding[];
  /** Connections whose SYN-ACK the capture recognised as a syncookie; null when not counted. */
  syncookies: number | null;
}




export function withinTolerance(capture: number, kernel: number): boolean {
  return Math.abs(capture - kernel) <= allowance(capture, kernel);
}

function allowance(capture: number, kernel: number): number {
  return Math.max(TOLERANCE.absolute, Math.floor(TOLERANCE.relative * Math.max(capture, kernel)));
}

function sum(findings: CaptureFinding[], id: string, pick: (f: CaptureFinding) => number | undefined, only: (f: CaptureFinding) => boolean = () => true): number {
  return findings.filter((f) => f.id === id && only(f)).reduce((s, f) => s + (pick(f) ?? 0), 0);
}

function info(r: CounterReading): ReadingInfo {
  return {
    file: r.file,
    part: r.part,
    format: FORMAT_NAMES[r.format],
    time: r.time === null ? null : new Date(r.time * 1000).toISOString(),
    hostname: r.hostname,
    netns: r.netns,
  };
}

function s(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function compareCounters(side: CaptureSide, kd: KernelDelta): CountersReport {
  const k = (name: string): number | null => counterDelta(kd, name);
  const cookiesSysctl = kd.sysctls?.['net.ipv4.tcp_syncookies'] ?? null;
  const abortSysctl = kd.sysctls?.['net.ipv4.tcp_abort_on_overflow'] ?? null;

  const overflowDropped = sum(side.findings, 'accept-queue-overflow', (f) => f.droppedSegments);
  const overflowSynDrops = sum(side.findings, 'accept-queue-overflow', (f) => f.synDrops);
  const overflowResets = sum(side.findings, 'accept-queue-overflow', (f) => f.resets);
  const synQueueDrops = sum(side.findings, 'syn-flood', (f) => f.synDrops, (f) => f.syncookies === false);

  // A SYN dropped for a full SYN queue looks like one dropped for a full accept queue (§4). With
  // syncookies on, the SYN queue never drops (it sends cookies); otherwise the counters split them.
  const reqQFull = k('TcpExtTCPReqQFullDrop');
  const moved = cookiesSysctl !== null && cookiesSysctl >= 1 ? 0 : Math.max(0, Math.min(overflowSynDrops, (reqQFull ?? 0) - synQueueDrops));

  const timing = timingOf(side, kd);
  const ctx: Context = { side, kd, timing };
  const compared: Record<string, CounterRow> = {};

  compared['TcpExtListenOverflows'] = row(ctx, 'TcpExtListenOverflows', 'segments dropped at a full accept queue (droppedSegments of accept-queue-overflow)', overflowDropped - moved, k('TcpExtListenOverflows'), 'equal', (r) => {
    const parts: string[] = [];
    if (r.agree && (r.capture ?? 0) > 0) parts.push('It counts dropped segments, not connections: every ignored ACK, data segment and retransmission at a full accept queue, and every SYN dropped while it was full.');
    if (moved > 0) parts.push(`${s(moved, 'SYN drop')} of the capture ${moved === 1 ? 'is' : 'are'} left out here: the kernel counted ${moved === 1 ? 'it' : 'them'} as SYN-queue drops (TcpExtTCPReqQFullDrop), which a capture cannot tell from accept-queue drops.`);
    return parts;
  });

  compared['TcpExtTCPReqQFullDrop'] = row(ctx, 'TcpExtTCPReqQFullDrop', 'SYNs dropped at a full SYN queue with syncookies off (synDrops of syn-flood, and SYN drops the counters assign to the SYN queue)', synQueueDrops + moved, reqQFull, 'equal', (r) => {
    const parts: string[] = [];
    if (cookiesSysctl !== null && cookiesSysctl >= 1 && (r.kernel ?? 0) === 0) parts.push(`net.ipv4.tcp_syncookies=${cookiesSysctl}: a full SYN queue answers with cookies and never drops, so none are expected.`);
    if (moved > 0) parts.push(`The capture's overflow SYN drops were split by the counters: ${moved} here, the rest under TcpExtListenOverflows.`);
    return parts;
  });

  const listenDrops = k('TcpExtListenDrops');
  compared['TcpExtListenDrops'] = row(ctx, 'TcpExtListenDrops', 'every drop at a listener: the two above together', overflowDropped + synQueueDrops, listenDrops, 'equal', (r) => {
    const lo = k('TcpExtListenOverflows');
    const other = listenDrops !== null && lo !== null ? listenDrops - lo - (reqQFull ?? 0) : null;
    if (other !== null && other > 0) return [`${other} of the kernel's ListenDrops are neither ListenOverflows nor TCPReqQFullDrop (other listener drops: ICMP-aborted requests, failed child sockets, the ¾ tcp_max_syn_backlog rule); a capture shows those only as unanswered SYNs or segments.`];
    if (r.agree && (r.kernel ?? 0) > 0) return ['ListenDrops = ListenOverflows + TCPReqQFullDrop here: no other kind of listener drop.'];
    return [];
  });

  compared['TcpExtEmbryonicRsts'] = row(ctx, 'TcpExtEmbryonicRsts', 'resets sent right after the handshake at a full accept queue (resets of accept-queue-overflow)', overflowResets, k('TcpExtEmbryonicRsts'), 'equal', (r) => {
    const parts: string[] = [];
    const outRsts = k('TcpOutRsts');
    if ((r.capture ?? 0) > 0 || (r.kernel ?? 0) > 0) {
      parts.push('With tcp_abort_on_overflow=1 each reset sent at a full accept queue is one EmbryonicRsts, and the ACK it answers is one ListenOverflows as well (kernel.md §2.3).');
      if (outRsts !== null && r.kernel !== null && outRsts > r.kernel) parts.push(`TcpOutRsts moved by ${outRsts}: it also counts the listener's RSTs to the client's later segments once the request is gone (§2.4) and every other RST, which are not EmbryonicRsts.`);
    } else if (abortSysctl === 0) {
      parts.push('net.ipv4.tcp_abort_on_overflow=0: a full accept queue drops silently, so no embryonic resets are expected.');
    }
    if (abortSysctl === 1 && (k('TcpExtSyncookiesRecv') ?? 0) > 0 && (k('TcpExtListenOverflows') ?? 0) > (r.kernel ?? 0)) {
      parts.push('Handshakes opened with a syncookie are dropped silently at a full accept queue even with abort_on_overflow=1 (§2.5): those overflows have no reset.');
    }
    if (r.kernel !== null && r.capture !== null && r.kernel > r.capture && !r.agree) parts.push('EmbryonicRsts also counts RSTs for a bad SYN or RST in SYN_RECV, not only overflow resets.');
    return parts;
  });

  compared['TcpExtSyncookiesSent'] = row(ctx, 'TcpExtSyncookiesSent', 'connections whose SYN-ACK the capture recognises as a syncookie (a lower bound)', side.syncookies, k('TcpExtSyncookiesSent'), 'lower-bound', (r) => {
    const parts: string[] = [];
    if (r.capture !== null && r.kernel !== null && r.kernel > r.capture) {
      parts.push(`The capture recognises ${r.capture} of the kernel's ${r.kernel}: a cookie SYN-ACK to a client that sent timestamps looks like any other once its handshake completes; only one never re-sent while the ACK is missing, or one with nothing but an MSS option, can be told apart (kernel.md §5). A re-sent SYN also gets a new cookie.`);
    }
    if (cookiesSysctl === 0 && (r.capture ?? 0) > 0) parts.push('net.ipv4.tcp_syncookies=0 in the readings, yet the capture shows cookie-like SYN-ACKs: the sysctl changed, or the readings are from another namespace.');
    if ((r.kernel ?? 0) > 0 && side.findings.every((f) => f.id !== 'syn-flood')) parts.push('Cookies with no flood: a small listen backlog also caps the SYN queue, so a burst of handshakes gets cookies too.');
    return parts;
  });

  const rows = Object.values(compared);
  const decided = rows.filter((r) => r.agree !== null);
  const abort = abortPolicy(side, abortSysctl);
  return {
    before: info(kd.before),
    after: info(kd.after),
    intervalSeconds: kd.seconds,
    captureSeconds: timing.captureSeconds,
    captureWithinInterval: timing.within,
    tolerance: { ...TOLERANCE },
    compared,
    agree: decided.length === 0 ? null : decided.every((r) => r.agree),
    abortOnOverflow: abort,
    notes: notesOf(ctx, abort),
  };
}

interface Timing {
  captureSeconds: number | null;
  within: boolean | null;
  /** Seconds the capture began before BEFORE / ended after AFTER (> 0 means outside). */
  early: number;
  late: number;
}

interface Context {
  side: CaptureSide;
  kd: KernelDelta;
  timing: Timing;
}

// Clocks: the capture's timestamps and the snapshot times come from the same host clock only when
// both were taken on the same machine; a second of slack covers the time between the readings and
// starting or stopping the capture.
const CLOCK_SLACK_S = 1;

function timingOf(side: CaptureSide, kd: KernelDelta): Timing {
  const captureSeconds = side.first !== null && side.last !== null ? side.last - side.first : null;
  const b = kd.before.time;
  const a = kd.after.time;
  if (b === null || a === null || side.first === null || side.last === null) return { captureSeconds, within: null, early: 0, late: 0 };
  const early = b - side.first;
  const late = side.last - a;
  return { captureSeconds, within: early <= CLOCK_SLACK_S && late <= CLOCK_SLACK_S, early, late };
}

function row(ctx: Context, name: string, what: string, capture: number | null, kernel: number | null, relation: Relation, specific: (r: CounterRow) => string[]): CounterRow {
  const r: CounterRow = { what, capture, kernel, agree: null, relation, explanation: '' };
  const parts: string[] = [];
  if (kernel === null) {
    parts.push(
      ctx.kd.wentBackwards.includes(name)
        ? `${name} went down between the readings: the counters were reset (reboot, namespace re-created) or the readings are from different namespaces.`
        : `${name} is not in both readings (this kernel has no such counter, or the file leaves it out).`,
    );
  } else if (capture === null) {
    parts.push('The capture side of this counter was not counted.');
  } else {
    const tol = allowance(capture, kernel);
    r.agree = relation === 'equal' ? withinTolerance(capture, kernel) : capture <= kernel + tol;
    if (relation === 'equal') {
      parts.push(
        capture === kernel
          ? `Agree exactly (${capture}).`
          : r.agree
            ? `Agree within the tolerance (±${tol}): capture ${capture}, kernel ${kernel}.`
            : `Do not agree: the kernel counted ${kernel}, the capture shows ${capture} (${kernel > capture ? `${kernel - capture} more in the kernel` : `${capture - kernel} more in the capture`}; tolerance ±${tol}).`,
      );
    } else {
      parts.push(r.agree ? `Consistent: the capture (${capture}) does not exceed the kernel (${kernel}).` : `Do not agree: the capture shows ${capture}, more than the kernel's ${kernel} (tolerance ±${tol}).`);
    }
  }
  parts.push(...specific(r));
  if (r.agree === false) parts.push(...gapReasons(ctx, capture!, kernel!));
  r.explanation = parts.join(' ');
  return r;
}

/** Why a capture and the counters can differ, from what is known about this pair. */
function gapReasons(ctx: Context, capture: number, kernel: number): string[] {
  const { side, kd, timing } = ctx;
  const out: string[] = [];
  const listenerFilters = side.filters.filter((f) => !/^--(since|until) /.test(f));
  const timeFilters = side.filters.filter((f) => /^--(since|until) /.test(f));
  if (timing.within === false) out.push(outsideText(ctx));
  if (kernel > capture) {
    if (listenerFilters.length > 0) out.push(`The report was filtered (${listenerFilters.join(', ')}), but the counters cover every listener of the network namespace.`);
    if (timeFilters.length > 0) out.push(`The report kept only part of the capture's time (${timeFilters.join(', ')}), but the counters cover the whole interval between the readings.`);
    out.push(`The counters are per network namespace, not per listener: drops at listeners this capture did not see count too (it saw ${s(side.listeners.length, 'listener')}${side.listeners.length ? `: ${side.listeners.slice(0, 3).join(', ')}${side.listeners.length > 3 ? ', …' : ''}` : ''}).`);
    if (timing.captureSeconds !== null && kd.seconds !== null && timing.captureSeconds < 0.9 * kd.seconds) {
      out.push(`The capture covered ${timing.captureSeconds.toFixed(1)} s of the ${kd.seconds.toFixed(1)} s between the readings: drops outside it are counted but not captured.`);
    } else if (kd.seconds === null) {
      out.push(`The counter files (${FORMAT_NAMES[kd.before.format]}) carry no time, so whether the capture covered the whole interval between the readings cannot be checked; use \`tcpdiag host --snapshot\`.`);
    }
    out.push('Packets the capture tool dropped (tcpdump: "dropped by kernel") are not in the capture either.');
  } else {
    if (kernel === 0) {
      out.push('The kernel counted none: these counters are not the capture\'s — another host, another network namespace (a capture in a pod against the host\'s counters will not agree), or another time.');
    } else {
      out.push('The counters are per network namespace: a capture in a pod (or on another host) compared with the host\'s counters will not agree.');
    }
    if (kd.seconds === null) {
      out.push('The counter files carry no time: check that BEFORE was read before the capture started and AFTER after it stopped.');
    }
    if (side.vantage === 'client' || side.vantage === 'middle') {
      out.push(`Captured at the ${side.vantage} side: a segment the capture infers was dropped at the server may have been lost on the path, which the server's kernel never counts.`);
    }
  }
  return out;
}

function outsideText(ctx: Context): string {
  const { side, kd, timing } = ctx;
  const span = (a: number, b: number) => `${new Date(a * 1000).toISOString()} – ${new Date(b * 1000).toISOString()}`;
  const b = kd.before.time!;
  const a = kd.after.time!;
  if (side.last! < b || side.first! > a) {
    return `The capture (${span(side.first!, side.last!)}) and the readings (${span(b, a)}) do not overlap at all: these counters are from another time.`;
  }
  const bits: string[] = [];
  if (timing.early > CLOCK_SLACK_S) bits.push(`began ${timing.early.toFixed(1)} s before BEFORE was read`);
  if (timing.late > CLOCK_SLACK_S) bits.push(`ended ${timing.late.toFixed(1)} s after AFTER was read`);
  return `The capture ${bits.join(' and ')}: what it saw outside the readings' interval is not in the difference.`;
}

function abortPolicy(side: CaptureSide, sysctl: number | null): CountersReport['abortOnOverflow'] {
  const overflow = side.findings.filter((f) => f.id === 'accept-queue-overflow');
  const seen = overflow.map((f) => f.abortOnOverflow ?? 'unknown');
  const capture: AbortPolicy | null = seen.length === 0 ? null : seen.includes('1') ? '1' : seen.includes('0') ? '0' : 'unknown';
  const fromSysctl: AbortPolicy | null = sysctl === 0 || sysctl === 1 ? (String(sysctl) as AbortPolicy) : null;
  if (capture === '0' || capture === '1') return { value: capture, source: 'capture', capture, sysctl };
  if (fromSysctl) return { value: fromSysctl, source: 'sysctl', capture, sysctl };
  return { value: 'unknown', source: 'none', capture, sysctl };
}

function notesOf(ctx: Context, abort: CountersReport['abortOnOverflow']): string[] {
  const { kd, side } = ctx;
  const notes: string[] = [];
  const where = kd.after.netns ? ` in network namespace ${kd.after.netns}${kd.after.hostname ? ` on ${kd.after.hostname}` : ''}` : '';
  notes.push(`Counters are per network namespace: these were read${where || ' in one namespace'}. A capture taken in another namespace (a pod, a container) needs that namespace's counters: \`tcpdiag host --snapshot FILE --proc-root /proc/PID\`.`);
  if (kd.wentBackwards.length > 0) notes.push(`Went down between the readings (reset or another namespace): ${kd.wentBackwards.slice(0, 8).join(', ')}${kd.wentBackwards.length > 8 ? ', …' : ''}.`);
  if (kd.sysctlsChanged.length > 0) notes.push(`Sysctls changed between the readings: ${kd.sysctlsChanged.join(', ')}.`);
  if (abort.source === 'sysctl' && abort.capture !== null) notes.push(`tcp_abort_on_overflow = ${abort.value} is read from the sysctls of the readings; the capture alone could not tell (no overflow reset and no SYN-ACK re-sent after the ACK; syncookie handshakes are dropped silently under either setting).`);
  if (abort.source === 'capture' && abort.sysctl !== null && String(abort.sysctl) !== abort.value) {
    notes.push(`The capture shows tcp_abort_on_overflow=${abort.value} behaviour, but the readings say ${abort.sysctl}: the sysctl changed during the capture, or the readings are from another namespace.`);
  }
  if (kd.sysctls === null) notes.push('These readings hold no sysctls (only `tcpdiag host --snapshot` records them), so the abort policy comes from the capture alone.');
  if (!side.findings.some((f) => f.id === 'accept-queue-overflow' || f.id === 'syn-flood') && (counterDelta(kd, 'TcpExtListenDrops') ?? 0) > 0) {
    notes.push('The kernel counted listener drops, but the capture shows no queue overflow: the drops happened at listeners or times this capture does not cover, or the capture was taken in another network namespace.');
  }
  return notes;
}
