import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type Segment } from '../decode/segment.js';
import { HISTORY_MAX, W } from './layout.js';

// Zeek's history letters, upper case for the originator (client), lower case for the responder.
// A letter is kept as its index + 1 here, 5 bits, six to a 32-bit word (W.Hist0..W.Hist3).
const LETTERS = '^SHADFRTWQshadfrtwq';
const PER_WORD = 6;
const LOWER = 9;
const S = 2, H = 3, A = 4, D = 5, F = 6, R = 7, T = 8, WW = 9, Q = 10;
const HISTORY_FLIPPED = 1;

// Bits of W.HistSeen, one per letter and side (the server's shifted by 16), so each letter is added once.
const H_SYN = 1, H_SYNACK = 2, H_ACK = 4, H_DATA = 8, H_FIN = 16, H_RST = 32, H_RETRANS = 64, H_ZEROWIN = 128, H_MULTI = 256;
const H_FLIPPED = 1 << 30;

/** Appends a history letter (its code) the first time it happens on that side. */
function add(I: Int32Array, b: number, code: number, bit: number): void {
  const seen = I[b + W.HistSeen]!;
  if (seen & bit) return;
  I[b + W.HistSeen] = seen | bit;
  const n = I[b + W.HistLen]!;
  if (n >= HISTORY_MAX) return;
  const w = b + W.Hist0 + ((n / PER_WORD) | 0);
  I[w] = I[w]! | (code << (5 * (n % PER_WORD)));
  I[b + W.HistLen] = n + 1;
}

/** Zeek's '^': the first packet came from the responder. */
export function flipHistory(I: Int32Array, b: number): void {
  add(I, b, HISTORY_FLIPPED, H_FLIPPED);
}

/** The letters one segment adds (Zeek's TCPSessionAdapter history rules). */
export function addHistory(I: Int32Array, b: number, fromClient: boolean, s: Segment, resent: boolean): void {
  const f = s.flags;
  const shift = fromClient ? 0 : 16;
  // Most segments add nothing: a side's ACK or data letter is there from its first one. Only a segment
  // with a letter not yet seen goes through the rules below (the common ones, as one test of the bits).
  const len = s.payloadLen;
  const common =
    (f & (TCP_SYN | TCP_FIN | TCP_RST)) === 0 && s.window !== 0 && !resent
      ? (len > 0 ? H_DATA : f & TCP_ACK ? H_ACK : 0) << shift
      : -1;
  if (common !== -1 && (I[b + W.HistSeen]! & common) === common) return;
  const lower = fromClient ? 0 : LOWER;
  if ((f & TCP_SYN) && (f & (TCP_FIN | TCP_RST))) add(I, b, Q + lower, H_MULTI << shift);
  if (f & TCP_SYN) {
    if (f & TCP_ACK) add(I, b, H + lower, H_SYNACK << shift);
    else add(I, b, S + lower, H_SYN << shift);
  }
  if (f & TCP_FIN) add(I, b, F + lower, H_FIN << shift);
  if (f & TCP_RST) add(I, b, R + lower, H_RST << shift);
  if ((f & TCP_ACK) && s.payloadLen === 0 && !(f & (TCP_SYN | TCP_FIN | TCP_RST))) add(I, b, A + lower, H_ACK << shift);
  if (s.payloadLen > 0) {
    add(I, b, D + lower, H_DATA << shift);
    if (resent) add(I, b, T + lower, H_RETRANS << shift);
  }
  if (s.window === 0 && !(f & (TCP_SYN | TCP_RST))) add(I, b, WW + lower, H_ZEROWIN << shift);
}

// Most connections share a few histories: the string of each word is made once.
const MAX_CACHED = 4096;
const cache = new Map<number, string>();

function word(w: number): string {
  if (w === 0) return '';
  let s = cache.get(w);
  if (s !== undefined) return s;
  s = '';
  for (let x = w; x !== 0; x >>>= 5) s += LETTERS[(x & 31) - 1] ?? '';
  if (cache.size < MAX_CACHED) cache.set(w, s);
  return s;
}

/** The history string of `len` letters kept in the four words of W.Hist0..W.Hist3. */
export function historyOfWords(len: number, w0: number, w1: number, w2: number, w3: number): string {
  const first = word(w0);
  return len <= PER_WORD ? first : first + word(w1) + word(w2) + word(w3);
}
