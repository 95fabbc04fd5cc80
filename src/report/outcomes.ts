/**
 * The listener outcome table's rows, shared by the HTML and Markdown reports, so that the table says
 * what the timeline chart and the accept-queue-overflow finding say. The handshakes the capture saw
 * complete are split as the chart splits them: completed (the server went on with the connection),
 * ignored by the full queue, and reset right after the handshake; a listener without a timeline (no
 * finding) had none ignored or reset.
 */
import type { CaptureReport } from './model.js';

export const OUTCOME_HEAD = ['Listener', 'Connections', 'Completed', 'Ignored (queue full)', 'Reset after handshake', 'Overflowed', 'Refused', 'Half-open', 'App resets', 'Seen from'];
/** The columns of OUTCOME_HEAD that hold counts (the others: the listener and its vantage). */
export const OUTCOME_NUMERIC = OUTCOME_HEAD.map((_, i) => i > 0 && i < OUTCOME_HEAD.length - 1);

export interface OutcomeRow {
  listener: string;
  /** Connections, completed, ignored, reset, overflowed, refused, half-open, app resets. */
  counts: number[];
  /** Where the listener's packets were captured (server, client, ...: a proxy's front and back ends differ). */
  vantage: string;
}

const sum = (xs: number[] | undefined) => (xs ?? []).reduce((a, b) => a + b, 0);

export function outcomeRows(c: CaptureReport): OutcomeRow[] {
  return c.listeners.map((l) => {
    const t = c.timelines.find((x) => x.listener === l.listener);
    const ignored = t ? sum(t.series.ignored) : 0;
    const reset = t ? sum(t.series.resets) : 0;
    const completed = t ? sum(t.series.handshakes) : l.completed;
    return { listener: l.listener, counts: [l.connections, completed, ignored, reset, l.overflowed, l.refused, l.halfOpen, l.appResets], vantage: l.vantage };
  });
}
