import { OPT_SACK_PERM, OPT_TIMESTAMP, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type Segment } from '../decode/segment.js';
import type { Connection, HandshakeOptions } from './connection.js';
import { seqDiff } from './direction.js';
import { zeekStep } from './zeek.js';

/** A SYN-ACK re-sent this soon after the ACK was on its way before the server saw the ACK. */
const CROSSING_MIN_S = 0.1;
/** A ladder diagram stops being readable long before this. */
const MAX_LOGGED = 200;

function options(s: Segment): HandshakeOptions {
  return {
    mss: s.mss,
    wscale: s.wscale,
    sackPerm: (s.optionMask & OPT_SACK_PERM) !== 0,
    timestamps: (s.optionMask & OPT_TIMESTAMP) !== 0,
    tsVal: s.tsVal,
    mask: s.optionMask,
  };
}

// History letter bits: one per letter and side.
const H_SYN = 1, H_SYNACK = 2, H_ACK = 4, H_DATA = 8, H_FIN = 16, H_RST = 32, H_RETRANS = 64, H_ZEROWIN = 128, H_MULTI = 256;

const UPPER = { S: 'S', H: 'H', A: 'A', D: 'D', F: 'F', R: 'R', T: 'T', W: 'W', Q: 'Q' };
const LOWER = { S: 's', H: 'h', A: 'a', D: 'd', F: 'f', R: 'r', T: 't', W: 'w', Q: 'q' };

function history(c: Connection, fromClient: boolean, s: Segment, resent: boolean): void {
  const f = s.flags;
  const shift = fromClient ? 0 : 16;
  const L = fromClient ? UPPER : LOWER;
  if ((f & TCP_SYN) && (f & (TCP_FIN | TCP_RST))) c.addHistory(L.Q, H_MULTI << shift);
  if (f & TCP_SYN) {
    if (f & TCP_ACK) c.addHistory(L.H, H_SYNACK << shift);
    else c.addHistory(L.S, H_SYN << shift);
  }
  if (f & TCP_FIN) c.addHistory(L.F, H_FIN << shift);
  if (f & TCP_RST) c.addHistory(L.R, H_RST << shift);
  if ((f & TCP_ACK) && s.payloadLen === 0 && !(f & (TCP_SYN | TCP_FIN | TCP_RST))) c.addHistory(L.A, H_ACK << shift);
  if (s.payloadLen > 0) {
    c.addHistory(L.D, H_DATA << shift);
    if (resent) c.addHistory(L.T, H_RETRANS << shift);
  }
  if (s.window === 0 && !(f & (TCP_SYN | TCP_RST))) c.addHistory(L.W, H_ZEROWIN << shift);
}

/**
 * Updates one connection with one segment: counters per direction, the
 * handshake timeline, the end, and Zeek's history and states.
 */
export function updateConnection(c: Connection, s: Segment, fromClient: boolean): void {
  const dir = fromClient ? c.client : c.server;
  const peer = fromClient ? c.server : c.client;
  const f = s.flags;
  const r = dir.add(s);
  if (c.packets && c.packets.length < MAX_LOGGED) {
    c.packets.push({ frame: s.frame, time: s.time, fromClient, flags: f, seq: s.seq, ack: s.ack, len: s.payloadLen, resent: r === 2 ? 1 : r === 1 ? 2 : 0 });
  }
  const dup = r === 1;
  if (f & TCP_ACK) dir.ackSeen(s.ack);
  if (s.time > c.lastTime) {
    c.lastTime = s.time;
    c.lastTsSec = s.tsSec;
    c.lastTsNsec = s.tsNsec;
  }
  c.lastFrame = s.frame;
  history(c, fromClient, s, r !== 0);
  if (dup) return;
  zeekStep(c, fromClient, f, s.payloadLen);

  if (f & TCP_SYN) {
    if (fromClient && !(f & TCP_ACK)) {
      if (c.synCount === 0) {
        c.synFrame = s.frame;
        c.synTime = s.time;
        c.synOptions = options(s);
      } else if (c.synAckCount === 0) {
        c.synRetransBeforeAnswer++;
      }
      c.synCount++;
      if (c.synAckCount === 0) c.lastSynTime = s.time;
      c.pushSyn(s.frame, s.time);
    } else if (!fromClient && (f & TCP_ACK)) {
      if (c.synAckCount === 0) {
        c.synAckFrame = s.frame;
        c.synAckTime = s.time;
        c.synAckOptions = options(s);
        if (c.synCount === 0) c.synAckBeforeSyn = true;
      } else {
        // Only one sent after the server could have had the ACK: at a client-side capture a SYN-ACK right
        // behind the ACK crossed it on the wire (sent for a retransmitted SYN), it does not ignore it.
        if (c.handshakeAckFrame !== 0 && s.time - c.handshakeAckTime >= Math.max(CROSSING_MIN_S, 1.5 * (c.synAckTime - c.lastSynTime))) c.synAckAfterAck++;
        if (c.synAckOptions && s.tsVal === c.synAckOptions.tsVal && c.synAckOptions.timestamps) c.synAckSameTsVal = true;
      }
      c.synAckCount++;
      c.pushSynAck(s.frame, s.time);
    }
    return;
  }

  if (f & TCP_RST) {
    if (c.rstBy === null) {
      c.rstBy = fromClient ? 'client' : 'server';
      c.rstFrame = s.frame;
      c.rstTime = s.time;
      c.rstHasAck = (f & TCP_ACK) !== 0;
      c.rstSeq = s.seq;
      c.rstSeqVsPeerAck = peer.ackSet ? seqDiff(s.seq, peer.highestAck) : 0x7fffffff;
      if (!fromClient) {
        c.rstAfterServerData = c.serverDataAckFrame !== 0 || c.serverFirstDataFrame !== 0;
        c.rstAnswersSyn = c.synAckCount === 0 && c.client.isnSet && (f & TCP_ACK) !== 0 && s.ack === ((c.client.isn + 1) >>> 0);
      }
    }
    if (!fromClient && c.handshakeAckFrame !== 0 && c.serverAnswerFrame === 0) {
      c.serverAnswerFrame = s.frame;
      c.serverAnswerTime = s.time;
    }
    return;
  }

  if (fromClient) {
    if (c.handshakeAckFrame === 0 && (f & TCP_ACK) && c.synAckCount > 0 && s.ack === ((c.server.isn + 1) >>> 0)) {
      c.handshakeAckFrame = s.frame;
      c.handshakeAckTime = s.time;
      // From the latest SYN or SYN-ACK to the handshake ACK, as Wireshark measures its first RTT.
      const lastSynAck = c.lastSynAckTime;
      const rtt = s.time - Math.max(c.lastSynTime, lastSynAck);
      if (rtt > 0) c.client.oooThreshold = c.server.oooThreshold = rtt;
    }
    if (s.payloadLen > 0 && c.clientFirstDataFrame === 0) {
      c.clientFirstDataFrame = s.frame;
      c.clientFirstDataTime = s.time;
    }
    if (c.handshakeAckFrame !== 0 && c.serverAnswerFrame === 0) {
      c.clientSegsBeforeAnswer++;
      if (r === 2) c.clientRetransBeforeAnswer++;
    }
  } else {
    if (c.synAckCount === 0 && c.synCount > 0 && (f & TCP_ACK)) c.synAnsweredByAck = true;
    if (c.handshakeAckFrame !== 0 && c.serverAnswerFrame === 0) {
      c.serverAnswerFrame = s.frame;
      c.serverAnswerTime = s.time;
    }
    if (s.payloadLen > 0 && c.serverFirstDataFrame === 0) {
      c.serverFirstDataFrame = s.frame;
      c.serverFirstDataTime = s.time;
    }
    if (
      (f & TCP_ACK) && c.clientFirstDataFrame !== 0 && c.serverDataAckFrame === 0 &&
      seqDiff(s.ack, (c.client.isn + 1) >>> 0) > 0
    ) {
      c.serverDataAckFrame = s.frame;
      c.serverDataAckTime = s.time;
    }
  }
  if (f & TCP_FIN) {
    if (c.firstFin === null) {
      c.firstFin = fromClient ? 'client' : 'server';
      c.finFrame = s.frame;
      c.finTime = s.time;
    }
  }
}
