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
