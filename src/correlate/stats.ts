import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../decode/segment.js';
import type { Kind, KindCounts, Percentiles } from './model.js';
import { seconds } from '../capture/time-base.js';

export function kindOf(flags: number, len: number): Kind {
  if (flags & TCP_SYN) return flags & TCP_ACK ? 'synAck' : 'syn';
  if (flags & TCP_RST) return 'rst';
  if (len > 0) return 'data';
  if (flags & TCP_FIN) return 'fin';
  return 'ack';
}

export function kindCounts(): KindCounts {
  return { syn: 0, synAck: 0, ack: 0, data: 0, fin: 0, rst: 0, total: 0 };
}

export function countKind(k: KindCounts, kind: Kind): void {
  k[kind]++;
  k.total++;
}

/** A growable list of numbers (delays), one typed array, no object per value. */
export class Samples {
  private a = new Float64Array(256);
  length = 0;

  push(v: number): void {
    if (this.length === this.a.length) {
      const b = new Float64Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.length++] = v;
  }

  min(): number {
    let m = Infinity;
    for (let i = 0; i < this.length; i++) if (this.a[i]! < m) m = this.a[i]!;
    return m;
  }

  max(): number {
    let m = -Infinity;
    for (let i = 0; i < this.length; i++) if (this.a[i]! > m) m = this.a[i]!;
    return m;
  }

  /** Nearest-rank percentiles of nanoseconds, in seconds; null fields when empty. Rounded to the nanosecond. */
  percentiles(): Percentiles {
    const n = this.length;
    if (n === 0) return { count: 0, min: null, p50: null, p90: null, p99: null, max: null };
    const s = this.a.slice(0, n).sort();
    const at = (p: number) => seconds9(s[Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1))]!);
    return { count: n, min: seconds9(s[0]!), p50: at(0.5), p90: at(0.9), p99: at(0.99), max: seconds9(s[n - 1]!) };
  }
}

/** Nanoseconds (a time difference, or a half of one) as seconds, to the nanosecond: what the report prints. */
export function seconds9(ns: number): number {
  return seconds(Math.round(ns));
}

export function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
