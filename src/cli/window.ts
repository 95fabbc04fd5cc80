import type { CaptureSummary, TimeBound } from '../track/run.js';
import { digitsOf, isoTime } from '../report/model.js';
import { boundText } from './options.js';

/**
 * When --since/--until kept no packet of a capture that had some: say where the window and the capture
 * lie, rather than print an empty report that reads as a healthy one.
 */
export function windowNote(s: CaptureSummary, since: TimeBound | undefined, until: TimeBound | undefined): string | null {
  if ((!since && !until) || s.packets === 0 || s.outsideWindow < s.packets || !s.firstTime || !s.lastTime) return null;
  const window = `${boundText(since) ?? 'the start'} to ${boundText(until) ?? 'the end'}`;
  const capture = `${isoTime(s.firstTime.sec, s.firstTime.nsec, digitsOf(s))} to ${isoTime(s.lastTime.sec, s.lastTime.nsec, digitsOf(s))}`;
  return `the --since/--until window (${window}) is outside the capture (${capture}): no packet was kept`;
}
