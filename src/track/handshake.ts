import { OPT_TIMESTAMP, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type Segment } from '../decode/segment.js';
import { ackSeen, addToDirection } from './direction.js';
import type { RecentSegments } from './duplicates.js';
import { addHistory } from './history.js';
import { CB, DB, DF, DW, Fl, Side, W } from './layout.js';
import type { Slots } from './slots.js';
import { zeekStep } from './zeek.js';

/** A ladder diagram stops being readable long before this. */
const MAX_LOGGED = 200;

/** MSS, window scale, option bits and TSval of a SYN or SYN-ACK, in the four words from W.SynMss or W.SaMss. */
function recordOptions(st: Slots, at: number, s: Segment): void {
  st.I[at] = s.mss;
  st.I[at + 1] = s.wscale;
  st.I[at + 2] = s.optionMask;
  st.U[at + 3] = s.tsVal;
}

/**
 * Whether the server has yet to answer the connection's opening: after the handshake ACK, or from the
 * first packet when the capture missed the handshake (it started later: issue 19 item 6), until the
 * server's first packet that is not a SYN-ACK.
 */
function awaitsAnswer(I: Int32Array, U: Uint32Array, b: number): boolean {
  return U[b + W.ServerAnswerFrame] === 0 && (U[b + W.HsAckFrame] !== 0 || (I[b + W.SynCount] === 0 && I[b + W.SynAckCount] === 0));
}

/**
 * When an ACK from one side covers everything the other has sent (its data, and a FIN), the time since the
 * other's latest segment: that side's turnaround (Fl.ClientAckDelay, Fl.ServerAckDelay), kept once.
 */
function ackedAll(st: Slots, b: number, fb: number, s: Segment, fromClient: boolean): void {
  const peer = b + (fromClient ? W.Server : W.Client);
  if ((((s.ack | 0) - st.I[peer + DW.NextSeq]!) | 0) < 0) return;
  const I = st.I;
  const F = st.F;
  I[b + W.Bits] = I[b + W.Bits]! | (fromClient ? CB.ServerDataAcked : CB.ClientDataAcked);
  const since = F[fb + (fromClient ? Fl.Server : Fl.Client) + DF.LastTime]!;
  F[fb + (fromClient ? Fl.ClientAckDelay : Fl.ServerAckDelay)] = s.time - since;
}

/**
 * Updates one live connection with one segment: counters per direction, the
 * handshake timeline, the end, and (`zeek`: TrackerOptions.zeek) Zeek's history and states.
 */
export function updateConnection(st: Slots, slot: number, s: Segment, fromClient: boolean, recent: RecentSegments, zeek: boolean): void {
  const server = !fromClient;
  const f = s.flags;
  const r = addToDirection(st, slot, server, s, recent);
  // Logging is asked for a few connections at most (--log-packets): most runs never look.
  const log = st.logged.size !== 0 && st.hasExtras(slot) ? st.logged.get(slot) : undefined;
  if (log && log.length < MAX_LOGGED) {
    log.push({ frame: s.frame, time: s.time, fromClient, flags: f, seq: s.seq, ack: s.ack, len: s.payloadLen, resent: r === 2 ? 1 : r === 1 ? 2 : 0 });
  }
  if (f & TCP_ACK) ackSeen(st, slot, server, s);
  const I = st.I;
  const U = st.U;
  const F = st.F;
  const b = slot * W.Size;
  const fb = slot * Fl.Size;
  if (s.time > F[fb + Fl.LastTime]!) {
    F[fb + Fl.LastTime] = s.time;
    F[fb + Fl.LastTsSec] = s.tsSec;
    F[fb + Fl.LastTsNsec] = s.tsNsec;
  }
  U[b + W.LastFrame] = s.frame;
  if (zeek) addHistory(I, b, fromClient, s, r !== 0);
  if (r === 1) return;
  if (zeek) zeekStep(I, b + W.ZClient, fromClient, f, s.payloadLen);

  if (f & TCP_SYN) {
    if (fromClient && !(f & TCP_ACK)) {
      const n = I[b + W.SynCount]!;
      const answered = I[b + W.SynAckCount]! > 0;
      // SYNs of the current ISN only: the tracker resets (or restores) the count when the ISN changes.
      const sameIsn = I[b + W.IsnSyns]!;
      if (sameIsn === 0) {
        U[b + W.IsnSynFrame] = s.frame;
        F[fb + Fl.IsnSynTime] = s.time;
      }
      I[b + W.IsnSyns] = sameIsn + 1;
      if (n === 0) {
        U[b + W.SynFrame] = s.frame;
        F[fb + Fl.SynTime] = s.time;
        recordOptions(st, b + W.SynMss, s);
        I[b + W.Bits] = I[b + W.Bits]! | CB.SynOptions;
      } else {
        // A SYN with a new ISN is a new attempt, not a re-send of an earlier one.
        if (!answered && sameIsn > 0) I[b + W.SynRetransBeforeAnswer]!++;
        st.pushTimeline(st.synBlock, slot, s);
      }
      I[b + W.SynCount] = n + 1;
      if (!answered) F[fb + Fl.LastSynTime] = s.time;
    } else if (!fromClient && (f & TCP_ACK)) {
      const n = I[b + W.SynAckCount]!;
      if (n === 0) {
        U[b + W.SynAckFrame] = s.frame;
        F[fb + Fl.SynAckTime] = s.time;
        recordOptions(st, b + W.SaMss, s);
        let bits = I[b + W.Bits]! | CB.SynAckOptions;
        if (I[b + W.SynCount] === 0) bits |= CB.SynAckBeforeSyn;
        else if (I[b + W.IsnSyns]! > 0 && s.ack === ((U[b + W.Client + DW.Isn]! + 1) >>> 0)) {
          // Its ack - 1 names the attempt it answers: only that ISN's own re-sends were retransmits.
          bits |= CB.AnsweredIsn;
          I[b + W.SynRetransBeforeAnswer] = I[b + W.IsnSyns]! - 1;
        }
        I[b + W.Bits] = bits;
      } else {
        // Every copy seen after the handshake ACK; which of them ignored it is the diagnosis's judgement
        // (diagnose/synack-after-ack.ts), from the copies' times kept below.
        if (U[b + W.HsAckFrame] !== 0) I[b + W.SynAckAfterAck]!++;
        if (s.tsVal === U[b + W.SaTsVal] && (I[b + W.SaMask]! & OPT_TIMESTAMP)) I[b + W.Bits] = I[b + W.Bits]! | CB.SynAckSameTsVal;
        st.pushTimeline(st.synAckBlock, slot, s);
      }
      I[b + W.SynAckCount] = n + 1;
      F[fb + Fl.LastSynAckTime] = s.time;
    }
    return;
  }

  if (f & TCP_RST) {
    if (I[b + W.RstBy] === Side.None) {
      I[b + W.RstBy] = fromClient ? Side.Client : Side.Server;
      U[b + W.RstFrame] = s.frame;
      F[fb + Fl.RstTime] = s.time;
      let bits = I[b + W.Bits]!;
      if (f & TCP_ACK) bits |= CB.RstHasAck;
      U[b + W.RstSeq] = s.seq;
      const peer = b + (fromClient ? W.Server : W.Client);
      I[b + W.RstSeqVsPeerAck] = I[peer + DW.Bits]! & DB.AckSet ? ((s.seq | 0) - I[peer + DW.HighestAck]!) | 0 : 0x7fffffff;
      if (!fromClient) {
        if (U[b + W.ServerDataAckFrame] !== 0 || U[b + W.ServerDataFrame] !== 0) bits |= CB.RstAfterServerData;
        if (
          I[b + W.SynAckCount] === 0 && (I[b + W.Client + DW.Bits]! & DB.IsnSet) && (f & TCP_ACK) &&
          s.ack === ((U[b + W.Client + DW.Isn]! + 1) >>> 0)
        ) bits |= CB.RstAnswersSyn;
      }
      I[b + W.Bits] = bits;
    }
    if (!fromClient && awaitsAnswer(I, U, b)) {
      U[b + W.ServerAnswerFrame] = s.frame;
      F[fb + Fl.ServerAnswerTime] = s.time;
    }
    return;
  }

  if (fromClient) {
    if (
      U[b + W.HsAckFrame] === 0 && (f & TCP_ACK) && I[b + W.SynAckCount]! > 0 &&
      s.ack === ((U[b + W.Server + DW.Isn]! + 1) >>> 0)
    ) {
      U[b + W.HsAckFrame] = s.frame;
      F[fb + Fl.HsAckTime] = s.time;
      // From the latest SYN or SYN-ACK to the handshake ACK, as Wireshark measures its first RTT. A SYN not
      // captured has no time (0 is a capture time like any other since times count from the first frame's
      // second: a frame before it is negative), so the SYN count says whether there is one.
      const lastSyn = I[b + W.SynCount]! > 0 ? F[fb + Fl.LastSynTime]! : -Infinity;
      const rtt = s.time - Math.max(lastSyn, F[fb + Fl.LastSynAckTime]!);
      if (rtt > 0) F[fb + Fl.Client + DF.OooThreshold] = F[fb + Fl.Server + DF.OooThreshold] = rtt;
    }
    if (s.payloadLen > 0 && U[b + W.ClientDataFrame] === 0) {
      U[b + W.ClientDataFrame] = s.frame;
      F[fb + Fl.ClientDataTime] = s.time;
    }
    if (awaitsAnswer(I, U, b)) {
      I[b + W.ClientSegsBeforeAnswer]!++;
      if (r === 2) I[b + W.ClientRetransBeforeAnswer]!++;
    }
    // Once a connection: the client's first ACK of all the server data seen, timed from the server's latest segment.
    if ((f & TCP_ACK) && U[b + W.ServerDataFrame] !== 0 && !(I[b + W.Bits]! & CB.ServerDataAcked)) ackedAll(st, b, fb, s, true);
  } else {
    if (I[b + W.SynAckCount] === 0 && I[b + W.SynCount]! > 0 && (f & TCP_ACK)) I[b + W.Bits] = I[b + W.Bits]! | CB.SynAnsweredByAck;
    if (awaitsAnswer(I, U, b)) {
      U[b + W.ServerAnswerFrame] = s.frame;
      F[fb + Fl.ServerAnswerTime] = s.time;
    }
    if (s.payloadLen > 0 && U[b + W.ServerDataFrame] === 0) {
      U[b + W.ServerDataFrame] = s.frame;
      F[fb + Fl.ServerDataTime] = s.time;
    }
    if (
      (f & TCP_ACK) && U[b + W.ClientDataFrame] !== 0 && U[b + W.ServerDataAckFrame] === 0 &&
      (((s.ack | 0) - I[b + W.Client + DW.Isn]! - 1) | 0) > 0
    ) {
      U[b + W.ServerDataAckFrame] = s.frame;
      F[fb + Fl.ServerDataAckTime] = s.time;
    }
    if ((f & TCP_ACK) && U[b + W.ClientDataFrame] !== 0 && !(I[b + W.Bits]! & CB.ClientDataAcked)) ackedAll(st, b, fb, s, false);
  }
  if ((f & TCP_FIN) && I[b + W.FirstFin] === Side.None) {
    I[b + W.FirstFin] = fromClient ? Side.Client : Side.Server;
    U[b + W.FinFrame] = s.frame;
    F[fb + Fl.FinTime] = s.time;
  }
}
