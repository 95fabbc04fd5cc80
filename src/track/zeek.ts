import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../decode/segment.js';

/** Zeek's endpoint states (analyzer/protocol/tcp/TCP_Endpoint.h). */
export const INACTIVE = 0;
export const SYN_SENT = 1;
export const SYN_ACK_SENT = 2;
export const PARTIAL = 3;
export const ESTABLISHED = 4;
export const CLOSED = 5;
export const RESET = 6;

/**
 * Zeek's conn_state, transcribed from base/protocols/conn/main.zeek so the
 * codes mean what operators who read conn.log expect. `os`/`rs` are the
 * originator's (client's) and responder's (server's) endpoint states.
 */
export function zeekConnState(os: number, rs: number, history: string, origBytes: number, respBytes: number): string {
  const oInactive = os === INACTIVE || os === PARTIAL;
  const rInactive = rs === INACTIVE || rs === PARTIAL;
  if (rs === RESET) {
    if (os === SYN_SENT || os === SYN_ACK_SENT || (os === RESET && origBytes === 0 && respBytes === 0)) return 'REJ';
    return oInactive ? 'RSTRH' : 'RSTR';
  }
  if (os === RESET) {
    if (rInactive) return /^\^?S[^HAFGIQ]*R/.test(history) ? 'RSTOS0' : 'OTH';
    return 'RSTO';
  }
  if (rs === CLOSED && os === CLOSED) return 'SF';
  if (os === CLOSED) return rInactive ? 'SH' : 'S2';
  if (rs === CLOSED) return oInactive ? 'SHR' : 'S3';
  if (os === SYN_SENT && rs === INACTIVE) return 'S0';
  if (os === ESTABLISHED && rs === ESTABLISHED) return 'S1';
  return 'OTH';
}

/**
 * One step of Zeek's TCP endpoint state machine (TCPSessionAdapter::
 * UpdateStateMachine and its Update*State helpers), for a segment sent by the
 * client (originator) or the server. `z[at..at+3]` hold the client's state,
 * the server's, and the states before their last change (Zeek keeps
 * prev_state for one rule).
 */
export function zeekStep(z: Int32Array, at: number, fromClient: boolean, flags: number, len: number): void {
  // Plain locals, no closures: this runs for every packet.
  const c = z[at]!;
  const s = z[at + 1]!;
  // Without SYN, FIN or RST only an INACTIVE endpoint moves (the switch below): the segments of an
  // established connection stop here, its four states untouched.
  if ((flags & (TCP_SYN | TCP_FIN | TCP_RST)) === 0 && (fromClient ? c : s) !== INACTIVE) return;
  const cp = z[at + 2]!;
  const sp = z[at + 3]!;
  let me = fromClient ? c : s;
  let mePrev = fromClient ? cp : sp;
  let peer = fromClient ? s : c;
  let peerPrev = fromClient ? sp : cp;
  const origState = fromClient ? me : peer;
  const start = me;
  let next = me;
  switch (start) {
    case INACTIVE:
      if (flags & TCP_SYN) {
        if (fromClient) next = flags & TCP_ACK ? SYN_ACK_SENT : SYN_SENT;
        else {
          if (peer === SYN_SENT) {
            peerPrev = peer;
            peer = ESTABLISHED;
          }
          next = ESTABLISHED;
        }
      }
      if (flags & TCP_FIN) next = CLOSED;
      if (flags & TCP_RST) next = RESET;
      if (next === INACTIVE) {
        if (!fromClient && len === 0 && origState === SYN_SENT) {
          // An ACK to a SYN before the SYN-ACK: not a partial connection.
        } else if ((flags & TCP_ACK) && peer === ESTABLISHED) next = ESTABLISHED;
        else next = PARTIAL;
      }
      break;
    case SYN_SENT:
    case SYN_ACK_SENT:
      if (flags & TCP_FIN) next = CLOSED;
      if (flags & TCP_RST) next = RESET;
      break;
    case ESTABLISHED:
    case PARTIAL:
      if ((flags & TCP_SYN) && start === PARTIAL && peer === INACTIVE && !(flags & TCP_ACK)) next = SYN_SENT;
      if ((flags & TCP_FIN) && !(flags & TCP_RST)) {
        next = CLOSED;
        // A FIN then RST from the peer was a normal close after all.
        if (peer === RESET && peerPrev === CLOSED) {
          peerPrev = peer;
          peer = CLOSED;
        }
      }
      if (flags & TCP_RST) next = RESET;
      break;
    case CLOSED:
      if ((flags & TCP_RST) && peer !== CLOSED) next = RESET;
      break;
    default:
      break;
  }
  if (next !== start) {
    mePrev = start;
    me = next;
  }
  if (fromClient) {
    z[at] = me; z[at + 2] = mePrev; z[at + 1] = peer; z[at + 3] = peerPrev;
  } else {
    z[at + 1] = me; z[at + 3] = mePrev; z[at] = peer; z[at + 2] = peerPrev;
  }
}
