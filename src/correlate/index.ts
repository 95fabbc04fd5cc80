/**
 * The correlate stage: two or more captures of the same traffic, read together. It sits at the
 * tracker's level (imports capture/, decode/, track/ at most); diagnose/ and above may import it.
 *
 * `correlate(paths, opts)` indexes every capture (packet-index.ts: bounded, ~39 bytes a packet),
 * pairs every two that share connections (pairing.ts: same 4-tuple and ISNs, or through a NAT the
 * same ISNs and the endpoint the NAT left alone), and for each pair (correlate.ts):
 * - tells the client side from the server side and estimates the clock offset and path delay
 *   (clock.ts; `clockOffset` = server-side clock minus client-side clock);
 * - follows every packet one end sent to the other: arrived, lost on the path, or not comparable
 *   (outside the other capture's span) — join.ts, copies.ts;
 * - reads the host drops off the server-side capture (host-drops.ts).
 * The result (model.ts) is plain JSON. Per connection, `flows[]` gives for each capture the keys a
 * `tcpdiag flows` row has (capture path, client, server, firstFrame — equal to the tracker's), so
 * flows can add `lostOnPath` / `droppedAtHost` to its rows.
 */
export { correlate, type CorrelateOptions } from './correlate.js';
export type * from './model.js';
