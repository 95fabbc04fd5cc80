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
import type { Finding } from '../diagnose/registry.js';
import { findingTimes, type ExactTimes } from '../report/model.js';

/** Digits of a second a microsecond's float time is already exact to (model.ts rounds to it). */
const MICROSECOND_DIGITS = 6;

/**
 * The exact timestamps of the findings' float packet times, read again from `files` (one capture, or the
 * files of a --merge in time order); empty when nothing needs it (see the file's comment).
 */
export async function exactFindingTimes(files: readonly string[], digits: number, findings: readonly Finding[]): Promise<ExactTimes> {
  const found = new Map<number, { sec: number; nsec: number }>();
  if (digits <= MICROSECOND_DIGITS || files.length === 0 || files.includes('-')) return found;
  const wanted = new Set(findingTimes(findings));
  if (wanted.size === 0) return found;
  const ambiguous = new Set<number>();
  const sink = {
    onFrame(f: Frame): void {
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
  return found;
}
