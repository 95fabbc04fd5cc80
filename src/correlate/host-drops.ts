import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../decode/segment.js';
import type { IndexedConnection, PacketIndex } from './packet-index.js';

export type HostFate = 'dropped' | 'reset';

/** True when a is before b in sequence space (RFC 1982 style, mod 2^32). */
function seqLess(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

/**
 * Which of the client's packets that reached the server the server's host dropped, read off the
 * server-side capture alone (the path does not enter: only packets the capture saw arrive count):
 *
 * - a SYN is dropped when the server sends nothing (SYN-ACK, RST, TIME_WAIT's ACK) before the client's
 *   next packet of the connection arrives (or, for the last one, while the capture runs `answerWindow` on);
 * - between the SYN-ACK and the first packet of an established socket (ACK flag, no SYN, no RST),
 *   the client's ACKs, data and FINs were dropped when the server then re-sends its SYN-ACK (the
 *   request was never turned into a socket), when a later copy of the same data arrives before any
 *   ACK of it, or when the connection ends with its data never acknowledged; a RST straight after
 *   one of them (tcp_abort_on_overflow=1) marks that one `reset` and the earlier ones dropped;
 * - once established, a data segment is dropped when a later copy of it arrives before the server
 *   acknowledged it.
 * Pure ACKs with nothing after them prove nothing and are never counted.
 */
export function hostDrops(
  s: PacketIndex,
  c: IndexedConnection,
  answerWindow: number,
  onFate: (packet: number, fate: HostFate) => void,
): void {
  const pk = s.packetsOf(c);
  const pending: number[] = [];
  let established = false;
  let synAckSent = false;
  // Established phase: client data arrivals not yet acknowledged.
  const unacked: number[] = [];
  const dropAllPending = () => {
    for (const p of pending) onFate(p, 'dropped');
    pending.length = 0;
  };
  const end = s.end;
  for (let k = 0; k < pk.length; k++) {
    const i = pk[k]!;
    const f = s.flags[i]!;
    const t = s.time[i]!;
    if (s.fromClient[i]) {
      if (f & TCP_RST) continue;
      if ((f & (TCP_SYN | TCP_ACK)) === TCP_SYN) {
        // Answered when the server's next packet (SYN-ACK, RST, or the bare ACK a TIME_WAIT socket
        // gives) comes before the client's next one; a dropped SYN leaves nothing to send.
        const next = k + 1 < pk.length ? pk[k + 1]! : -1;
        const answered = next >= 0 && !s.fromClient[next];
        if (!answered && (next >= 0 || end - t >= answerWindow)) onFate(i, 'dropped');
        continue;
      }
      const span = s.len[i]! + (f & TCP_FIN ? 1 : 0);
      if (!established) {
        if (!synAckSent) continue;
        if (span > 0) {
          // A second copy of data already pending: the first ones met no socket.
          const seq = s.seq[i]!;
          for (const p of pending) {
            const pspan = s.len[p]! + (s.flags[p]! & TCP_FIN ? 1 : 0);
            if (pspan > 0 && seqLess(seq, (s.seq[p]! + pspan) >>> 0)) {
              dropAllPending();
              break;
            }
          }
        }
        pending.push(i);
        continue;
      }
      if (span > 0) {
        const seq = s.seq[i]!;
        for (let u = 0; u < unacked.length; u++) {
          const p = unacked[u]!;
          if (seqLess(seq, (s.seq[p]! + s.len[p]! + (s.flags[p]! & TCP_FIN ? 1 : 0)) >>> 0)) {
            onFate(p, 'dropped');
            unacked.splice(u--, 1);
          }
        }
        unacked.push(i);
      }
      continue;
    }
    // A server packet.
    if (f & TCP_SYN) {
      if (synAckSent && !established) dropAllPending();
      synAckSent = true;
      continue;
    }
    if (f & TCP_RST) {
      if (!established && pending.length > 0) {
        const last = pending.pop()!;
        dropAllPending();
        onFate(last, 'reset');
      }
      established = true; // nothing after a RST is judged as a handshake any more
      unacked.length = 0;
      continue;
    }
    if (f & TCP_ACK) {
      if (!established) {
        established = true;
        pending.length = 0;
      }
      const ack = s.ack[i]!;
      for (let u = 0; u < unacked.length; u++) {
        const p = unacked[u]!;
        const pend = (s.seq[p]! + s.len[p]! + (s.flags[p]! & TCP_FIN ? 1 : 0)) >>> 0;
        if (!seqLess(ack, pend)) unacked.splice(u--, 1);
      }
    }
  }
  // The connection's end: handshake-phase data never acknowledged, after answerWindow, was dropped.
  if (!established && pending.length > 0) {
    const last = pending[pending.length - 1]!;
    const anyData = pending.some((p) => s.len[p]! > 0 || (s.flags[p]! & TCP_FIN) !== 0);
    if (anyData && end - s.time[last]! >= answerWindow) dropAllPending();
  }
}
