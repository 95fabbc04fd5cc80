// Finding times to the nanosecond on a capture finer than the microsecond (issue 22: times exact, printed
// with the capture's precision).
//
// The tracker and the detectors keep packet times as float epoch seconds (the decoder's tsSec + tsNsec·1e-9),
// and a double holds epoch seconds of this century to about a quarter of a microsecond: enough for the
// microsecond of a µs capture (report/model.ts rounds to it), not for a nanosecond capture's last digits.
// Every time a finding reports (firstTime, lastTime, episode bounds) is such a packet time. So once the
// analysis is done, one more read of the capture's record headers (no decoding, no tracking) looks for the
// packets whose float time is one of them and takes their own integer (seconds, nanoseconds): exact, and
// the very timestamp tshark shows for that frame. Where two different timestamps share one float (two
// packets within the same quarter microsecond) the time is left as the float gives it, rounded to the
// microsecond: it is never guessed.
//
// Only when it can matter and can be done: the capture's resolution is finer than the microsecond, a
// finding has a time, and the input is a file (a pipe cannot be read twice).

import { readCapture } from '../capture/reader.js';
import { readMerged } from '../capture/merge.js';
import type { Frame } from '../capture/frame.js';
import { bytesSource, openSource } from '../capture/source.js';
import { resolutionDigits } from '../capture/timestamp-resolution.js';
import type { Finding } from '../diagnose/registry.js';
import { findingTimes, type ExactTimes } from '../report/model.js';

/** Digits of a second a microsecond's float time is already exact to (model.ts rounds to it). */
const MICROSECOND_DIGITS = 6;

/** Frame number → that packet's own timestamp. */
export type ExactFrames = ReadonlyMap<number, { sec: number; nsec: number }>;

/**
 * The exact timestamps of the findings' float packet times, read again from `files` (one capture, or the
 * files of a --merge in time order), and in the same read the timestamps of the frames `frames` (the
 * vantage and latency samples' handshakes, exact-vantage.ts, exact-latency.ts): one more read of the
 * record headers, not two. Empty when nothing needs it (see the file's comment).
 */
export async function exactTimes(
  files: readonly string[],
  digits: number,
  findings: readonly Finding[],
  frames: readonly number[],
): Promise<{ times: ExactTimes; frames: ExactFrames }> {
  const found = new Map<number, { sec: number; nsec: number }>();
  const byFrame = new Map<number, { sec: number; nsec: number }>();
  const exact = { times: found, frames: byFrame };
  if (digits <= MICROSECOND_DIGITS || files.length === 0 || files.includes('-')) return exact;
  const wanted = new Set(findingTimes(findings));
  // The frames in order, walked as the read numbers them (1, 2, ...): one comparison a packet.
  const wantedFrames = Uint32Array.from(frames).sort();
  if (wanted.size === 0 && wantedFrames.length === 0) return exact;
  const secs = new Float64Array(wantedFrames.length);
  const nsecs = new Uint32Array(wantedFrames.length);
  const read = new Uint8Array(wantedFrames.length);
  let next = 0;
  const ambiguous = new Set<number>();
  const sink = {
    onFrame(f: Frame): void {
      while (next < wantedFrames.length && wantedFrames[next]! < f.number) next++;
      while (next < wantedFrames.length && wantedFrames[next] === f.number) {
        secs[next] = f.tsSec;
        nsecs[next] = f.tsNsec;
        read[next++] = 1;
      }
      // The decoder's own sum, so that the same timestamp gives the very same double.
      const t = f.tsSec + f.tsNsec * 1e-9;
      if (!wanted.has(t)) return;
      const had = found.get(t);
      if (!had) found.set(t, { sec: f.tsSec, nsec: f.tsNsec });
      else if (had.sec !== f.tsSec || had.nsec !== f.tsNsec) ambiguous.add(t);
    },
  };
  if (files.length > 1) await readMerged(files, sink);
  else await readCapture(files[0]!, sink);
  for (const t of ambiguous) found.delete(t);
  for (let i = 0; i < next; i++) if (read[i]) byFrame.set(wantedFrames[i]!, { sec: secs[i]!, nsec: nsecs[i]! });
  return exact;
}

// Durations to the nanosecond (issue 22): the handshake's times are float epoch seconds too, so a
// duration between two of them is off by up to half a microsecond on a nanosecond capture. Each of
// those floats belongs to a known frame (the connection record keeps the frame of its SYN, SYN-ACK,
// handshake ACK): one read of the record headers keeps, per frame, what its float lost. A double of
// epoch seconds of this century is within 2^-23 s (~120 ns) of the packet's timestamp, so that
// remainder fits 16 bits: 2 bytes a frame (4 MB for 2 M packets), whichever frames turn out to be needed,
// so that `flows` can print each connection as it finishes.

/** A remainder beyond ±32767 ns (a float off by more: epoch seconds past 2^38) is not kept. */
const UNKNOWN = -32768;

/** The float time's whole second and its nanoseconds as the float gives them (both integers). */
function floatSecond(t: number): number {
  return Math.floor(t);
}
function floatNanos(t: number, sec: number): number {
  return Math.round((t - sec) * 1e9);
}

/**
 * A count of nanoseconds when a double holds it exactly: spans under 104 days (2^53 ns); null past that
 * (a capture's clock jumped by years: public/pcapng-example.pcapng's SYN-ACK is stamped 46 years before
 * its SYN), where the caller keeps the float times' whole microseconds.
 */
export function exactNanos(ns: number): number | null {
  return Number.isSafeInteger(ns) ? ns : null;
}

/** Per frame, the nanoseconds its float epoch time lost: the packet's own timestamp is the float's plus that. */
export class FrameClock {
  constructor(
    private readonly lost: Int16Array,
    readonly frames: number,
  ) {}

  /**
   * Nanoseconds from packet `fromFrame` (float time `from`) to packet `toFrame` (float time `to`), exact:
   * the packets' own timestamps' difference, as tshark's frame.time_epoch gives it; null when a frame is
   * unknown (0, past the capture read) or its remainder was not kept.
   */
  nanosBetween(fromFrame: number, from: number, toFrame: number, to: number): number | null {
    if (fromFrame <= 0 || toFrame <= 0 || fromFrame > this.frames || toFrame > this.frames) return null;
    const a = this.lost[fromFrame - 1]!;
    const b = this.lost[toFrame - 1]!;
    if (a === UNKNOWN || b === UNKNOWN) return null;
    const sa = floatSecond(from);
    const sb = floatSecond(to);
    return exactNanos((sb - sa) * 1e9 + (floatNanos(to, sb) + b) - (floatNanos(from, sa) + a));
  }
}

/**
 * Reads the record headers of a capture (or of the files of a --merge, in time order, numbered as the
 * merged capture) and keeps each frame's lost nanoseconds. Null for a pipe, which cannot be read twice.
 */
export async function readFrameClock(files: readonly string[]): Promise<FrameClock | null> {
  if (files.length === 0 || files.includes('-')) return null;
  let lost = new Int16Array(1 << 16);
  let frames = 0;
  const sink = {
    onFrame(f: Frame): void {
      if (f.number > lost.length) {
        const bigger = new Int16Array(Math.max(lost.length * 2, f.number));
        bigger.set(lost);
        lost = bigger;
      }
      // The decoder's own sum, so that the same timestamp gives the very same double.
      const t = f.tsSec + f.tsNsec * 1e-9;
      const sec = floatSecond(t);
      const r = (f.tsSec - sec) * 1e9 + f.tsNsec - floatNanos(t, sec);
      lost[f.number - 1] = r > -32768 && r <= 32767 ? r : UNKNOWN;
      if (f.number > frames) frames = f.number;
    },
  };
  if (files.length > 1) await readMerged(files, sink);
  else await readCapture(files[0]!, sink);
  return new FrameClock(lost, frames);
}

/** Bytes enough to hold a pcap header or a pcapng's section and interface blocks and first packets. */
const HEAD_BYTES = 64 * 1024;

/**
 * The digits of a second a capture's times have, from its first bytes only (a pcap's header; a
 * pcapng's interfaces that had packets there): whether reading it again for exact durations can
 * matter, known before the analysis so that `flows` need not hold its rows. 6 when unknown.
 */
export async function headDigits(path: string): Promise<number> {
  if (path === '-') return MICROSECOND_DIGITS;
  let source;
  try {
    source = await openSource(path, HEAD_BYTES);
  } catch {
    return MICROSECOND_DIGITS;
  }
  let head: Buffer | null = null;
  try {
    for await (const chunk of source.chunks) {
      head = Buffer.from(chunk);
      break;
    }
  } catch {
    // Unreadable: the analysis says why.
  } finally {
    source.close();
  }
  if (!head) return MICROSECOND_DIGITS;
  let digits = 0;
  // The head only: the reader's fault at its cut end is expected.
  await readCapture(path, { onFrame: () => undefined, onTimestampResolution: (r) => (digits = Math.max(digits, resolutionDigits(r))) }, { source: bytesSource(head) });
  return digits || MICROSECOND_DIGITS;
}

/** The exact-duration clock of a capture when it is finer than the microsecond and a file (see FrameClock). */
export async function durationClock(files: readonly string[]): Promise<FrameClock | null> {
  if (files.length === 0 || files.includes('-')) return null;
  const digits = Math.max(...(await Promise.all(files.map(headDigits))));
  return digits > MICROSECOND_DIGITS ? readFrameClock(files) : null;
}
