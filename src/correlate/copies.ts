import type { PacketIndex } from './packet-index.js';

export interface CopyWindow {
  /** Added to receiver time minus sender time to give the one-way delay (bases and clock offset). */
  base: number;
  pathDelay: number;
  /** A copy arriving with a delay outside [lo, hi] is another packet. */
  lo: number;
  hi: number;
  /** Above this many departure × arrival pairings, a linear pass. */
  maxPairings: number;
}

/**
 * Pairs the departures `ps` (sender's capture P) with the arrivals `qs` (receiver's capture Q)
 * of one packet identity: SYN-ACKs re-sent with IP ID 0 or repeated pure ACKs look alike, so time
 * decides. Every pairing in the window is tried, the one nearest the path delay first, so a lost
 * copy is the one no arrival fits. `arrive(i, j, delay)` for each pair (indexes into ps and qs),
 * marking `usedP`/`usedQ`.
 */
export function pairCopies(
  P: PacketIndex,
  ps: Int32Array,
  Q: PacketIndex,
  qs: Int32Array,
  w: CopyWindow,
  usedP: Uint8Array,
  usedQ: Uint8Array,
  arrive: (i: number, j: number, d: number) => void,
): void {
  const delay = (i: number, j: number) => Q.time[qs[j]!]! - P.time[ps[i]!]! + w.base;
  if (ps.length * qs.length <= w.maxPairings) {
    const cands: { i: number; j: number; d: number }[] = [];
    for (let i = 0; i < ps.length; i++) {
      for (let j = 0; j < qs.length; j++) {
        const d = delay(i, j);
        if (d >= w.lo && d <= w.hi) cands.push({ i, j, d });
      }
    }
    if (cands.length > 1) cands.sort((a, b) => Math.abs(a.d - w.pathDelay) - Math.abs(b.d - w.pathDelay));
    for (const k of cands) if (!usedP[k.i] && !usedQ[k.j]) arrive(k.i, k.j, k.d);
    return;
  }
  // A pathological number of identical packets: each departure, in time order, takes the first free arrival in the window.
  const pt = Array.from(ps.keys()).sort((a, b) => P.time[ps[a]!]! - P.time[ps[b]!]!);
  const qt = Array.from(qs.keys()).sort((a, b) => Q.time[qs[a]!]! - Q.time[qs[b]!]!);
  let from = 0;
  for (const i of pt) {
    while (from < qt.length && delay(i, qt[from]!) < w.lo) from++;
    for (let m = from; m < qt.length; m++) {
      const j = qt[m]!;
      const d = delay(i, j);
      if (d > w.hi) break;
      if (!usedQ[j]) {
        arrive(i, j, d);
        break;
      }
    }
  }
}

/** Signed distance a − b in sequence space. */
function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

/** The departures (`p`) and arrivals (`q`) coverResegmented found to be one another's pieces. Read-only: NOTHING_COVERED is shared. */
export interface Covered {
  p: ReadonlySet<number>;
  q: ReadonlySet<number>;
}

const NOTHING_COVERED: Covered = { p: new Set<number>(), q: new Set<number>() };

/**
 * Data departures no identical arrival matched, found instead as arrivals (themselves unmatched)
 * that carry the same ack and together cover every byte of the departure within the delay window:
 * one segment cut in several (TSO/GSO seen at the sender), several merged in one (GRO seen at the
 * receiver), or resegmented on the way. An arrival may cover several departures, but each of its
 * bytes only one: a lost segment and its retransmission want the same bytes, and the departure whose
 * pieces arrived nearest the path delay gets them. Bounded like pairCopies: above `maxPairings` × 16
 * comparisons nothing is tried and the departures stay unmatched.
 */
export function coverResegmented(
  P: PacketIndex,
  ps: readonly number[],
  Q: PacketIndex,
  qs: readonly number[],
  w: CopyWindow,
): Covered {
  // Most directions of most connections leave nothing on one side: no sets made for them.
  if (ps.length === 0 || qs.length === 0) return NOTHING_COVERED;
  const out = { p: new Set<number>(), q: new Set<number>() };
  const pd = ps.filter((i) => P.len[i]! > 0);
  const qd = qs.filter((j) => Q.len[j]! > 0);
  if (pd.length === 0 || qd.length === 0 || pd.length * qd.length > w.maxPairings * 16) return out;
  const candidates: { i: number; pieces: number[]; cost: number }[] = [];
  for (const i of pd) {
    const pieces: number[] = [];
    let cost = 0;
    for (const j of qd) {
      if (Q.ack[j] !== P.ack[i] || !overlaps(P.seq[i]!, P.len[i]!, Q.seq[j]!, Q.len[j]!)) continue;
      const d = Q.time[j]! - P.time[i]! + w.base;
      if (d < w.lo || d > w.hi) continue;
      pieces.push(j);
      cost = Math.max(cost, Math.abs(d - w.pathDelay));
    }
    if (covers(Q, P.seq[i]!, P.len[i]!, pieces)) candidates.push({ i, pieces, cost });
  }
  candidates.sort((a, b) => a.cost - b.cost);
  // Byte ranges of each arrival already given to a departure: [seq, len] pairs.
  const claimed = new Map<number, number[]>();
  for (const c of candidates) {
    const seq = P.seq[c.i]!;
    const len = P.len[c.i]!;
    const free = c.pieces.filter((j) => {
      const taken = claimed.get(j);
      if (!taken) return true;
      for (let k = 0; k < taken.length; k += 2) if (overlaps(seq, len, taken[k]!, taken[k + 1]!)) return false;
      return true;
    });
    if (!covers(Q, seq, len, free)) continue;
    out.p.add(c.i);
    for (const j of free) {
      out.q.add(j);
      const taken = claimed.get(j);
      if (taken) taken.push(seq, len);
      else claimed.set(j, [seq, len]);
    }
  }
  return out;
}

function overlaps(seqA: number, lenA: number, seqB: number, lenB: number): boolean {
  const from = seqDiff(seqB, seqA);
  return from < lenA && from + lenB > 0;
}

/** The arrivals `pieces` hold every byte of [seq, seq + len). */
function covers(Q: PacketIndex, seq: number, len: number, pieces: number[]): boolean {
  if (pieces.length === 0) return false;
  const sorted = [...pieces].sort((a, b) => seqDiff(Q.seq[a]!, Q.seq[b]!));
  let reach = 0;
  for (const j of sorted) {
    const from = seqDiff(Q.seq[j]!, seq);
    if (from > reach) return false;
    reach = Math.max(reach, from + Q.len[j]!);
    if (reach >= len) return true;
  }
  return reach >= len;
}
