#!/usr/bin/env node
// Issue 20's standalone prototype: read + decode + track fused over one buffer, plain JS, nothing from src/.
// A measuring stick beside the real tracker (BENCHMARKS.md, "a standalone prototype measured beside the
// tracker"), not a second implementation to ship.
//
//   node scripts/bench/prototype/track-proto.mjs STAGE FILE [--check OUT.ndjson]
//
// STAGE: read   - walk the pcap records only
//        decode - + Ethernet / 802.1Q / IPv4 / IPv6 / TCP header reads
//        find   - + hash, probe, create, LRU touch, and of the per-packet state only what the connection's
//                 lifetime needs (last time, FIN/RST, close queue): the same connections live as in track
//        track  - + per-direction state, handshake and end, close hold, finish
// Prints one JSON line: ms (in-process wall), cpuMs, packets, tcp, connections.
// --check writes one line per finished connection (client, server, firstFrame, synCount, packets each
// way, end) for scripts/bench/prototype/agree.mjs.
//
// Input: classic pcap, microseconds, little-endian, Ethernet. Others are refused.
//
// What it records per connection, beside src/track/layout.ts: id, tuple, vlan, IP version, role,
// first/last frame and time; per direction packets, bytes, ISN, next seq, highest ack, retransmits,
// duplicates (capture copies), out-of-order, keep-alives, zero windows, FIN seen/frame, RST seen;
// SYN and SYN-ACK counts, first SYN / SYN-ACK frame and time, last SYN / SYN-ACK time, SYNs with a new
// ISN, SYN retransmits before the answer, SYN-ACKs after the handshake ACK, handshake ACK frame/time,
// SYN and SYN-ACK options (MSS, wscale, TSval, parsed on SYNs only), first FIN side/frame/time,
// RST side/frame/time/seq and has-ack, server answer / client data / server data / server data-ack
// frames and times, client segments before the answer.
// Left out: Zeek history and states, unique bytes and holes (gap bytes), the SYN/SYN-ACK timelines
// (frames and times of every retransmit), same-TSval SYN-ACK bit, RST-answers-SYN and RST-vs-peer-ack,
// logged packets, the Connection object fill (finish only counts, or writes the --check line).

import { openSync, readSync, closeSync, writeFileSync } from 'node:fs';

const [stageName, file, ...rest] = process.argv.slice(2);
const STAGES = { read: 0, decode: 1, find: 2, track: 3 };
const stage = STAGES[stageName];
if (stage === undefined || !file) {
  console.error('usage: track-proto.mjs read|decode|find|track FILE [--check OUT.ndjson]');
  process.exit(2);
}
const checkOut = rest[0] === '--check' ? rest[1] : null;
const checkLines = checkOut ? [] : null;

// ---- the connection store: one slot per live connection, facts in typed arrays -------------------
const MAX_CONN = 100_000;
const IDLE_TIMEOUT = 120;
const CLOSE_HOLD = 5;
const REUSE_IDLE = 2;
const DUP_WINDOW = 0.001;
const OOO_WINDOW = 0.003; // the real tracker's OUT_OF_ORDER_WINDOW_S before the first RTT is known

// One slot of 512 bytes per connection (cache-line aligned), read as 128 Int32 words (I) and, in the
// same bytes, 64 float64 words (F). What every packet touches sits in its first 328 bytes: the tuple
// (line 0), the two directions (lines 1-2), the per-packet frames and counts (line 3), the per-packet
// times (lines 4-5); the rest is read about once a connection.
const I_ID = 0, I_HASH = 1, I_VLAN = 2, I_CPORT = 3, I_SPORT = 4, I_C0 = 5, I_S0 = 9, I_IPV = 13, I_ROLE = 14,
  I_RSTBY = 15,
  I_DIR = 16, // two directions of D_SIZE words
  I_LASTFRAME = 48, I_HSACKFRAME = 49, I_ANSWERFRAME = 50, I_CDATAFRAME = 51, I_SDATAFRAME = 52, I_SDACKFRAME = 53,
  I_CSEGSBEFORE = 54, I_FIRSTFIN = 55, I_SYNS = 56, I_SYNACKS = 57, I_BITS = 58,
  // words 64-105: the doubles below
  I_SYNNEWISN = 106, I_SYNRETRANS = 107, I_SAAFTERACK = 108, I_FIRSTFRAME = 109, I_SYNFRAME = 110, I_SAFRAME = 111,
  I_FINFRAME = 112, I_RSTFRAME = 113, I_RSTSEQ = 114, I_SYNMSS = 115, I_SYNWS = 116, I_SYNTS = 117,
  I_SAMSS = 118, I_SAWS = 119, I_SATS = 120;
const D_PKTS = 0, D_ISN = 1, D_NEXT = 2, D_ACK = 3, D_BITS = 4, D_RETR = 5, D_DUP = 6, D_OOO = 7, D_ZW = 8, D_KA = 9,
  D_FINFRAME = 10, D_LSEQ = 11, D_LLEN = 12, D_LFLAGS = 13, D_LACK = 14, D_LIPID = 15, D_SIZE = 16;
const I_SIZE = 128;
const DB_ISN = 1, DB_SEQ = 2, DB_ACK = 4, DB_FIN = 8, DB_RST = 16;
const CB_RSTACK = 1, CB_REUSES = 2, CB_SABEFORESYN = 4, CB_SYNBYACK = 8;
// float64 words of the same slot (double k = Int32 words 2k, 2k+1).
const F_LAST = 32,
  F_DIR = 33, // per direction: bytes, last time, next-seq time, ooo threshold (doubles 33-40)
  F_FIRST = 41, F_SYN = 42, F_LASTSYN = 43, F_SA = 44, F_LASTSA = 45, F_HSACK = 46, F_FIN = 47, F_RST = 48,
  F_ANSWER = 49, F_CDATA = 50, F_SDATA = 51, F_SDACK = 52;
const FD_BYTES = 0, FD_LAST = 1, FD_NEXTT = 2, FD_OOO = 3, FD_SIZE = 4;
const F_SIZE = 64;

const SLOTS = new ArrayBuffer(MAX_CONN * I_SIZE * 4);
const I = new Int32Array(SLOTS);
const F = new Float64Array(SLOTS);
// LRU: a doubly linked list of slots; head = least recently used.
const prev = new Int32Array(MAX_CONN);
const next = new Int32Array(MAX_CONN);
var lruHead = -1, lruTail = -1;
// Free slots: a stack.
const freeSlots = new Int32Array(MAX_CONN);
var freeTop = 0;
for (let i = MAX_CONN - 1; i >= 0; i--) freeSlots[freeTop++] = i;
// Open addressing: pairs (hash, slot), slot -1 = empty; at most half full.
const TABLE_BITS = 18; // 262 144 entries >= 2 * MAX_CONN
const TMASK = (1 << TABLE_BITS) - 1;
const index = new Int32Array(2 << TABLE_BITS).fill(-1);
var live = 0, peakLive = 0, nextId = 1, evictions = 0, finished = 0;
// Closed connections waiting out the hold: (slot, id) ring.
const CQ = 1 << 18;
const cqSlot = new Int32Array(CQ), cqId = new Int32Array(CQ);
var cqHead = 0, cqSize = 0;
const listeners = new Set();
var now = -Infinity, nextSweep = -Infinity;

// The current segment, as plain variables (no object).
var sv = 0, s0 = 0, s1 = 0, s2 = 0, s3 = 0, d0 = 0, d1 = 0, d2 = 0, d3 = 0, sp = 0, dp = 0, vlan = 0, ipv = 0;
var seq = 0, ack = 0, flags = 0, win = 0, plen = 0, ipId = 0, time = 0, frame = 0, optP = 0, optEnd = 0;
var fromClient = false;
var buf;

function mix(h) {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

// Endpoint order: a is "low" when (a3, port, a2, a1, a0) < the other's. One hash over low then high.
function tupleHash() {
  let lo;
  if (s3 !== d3) lo = (s3 >>> 0) < (d3 >>> 0);
  else if (sp !== dp) lo = sp < dp;
  else if (s2 !== d2) lo = (s2 >>> 0) < (d2 >>> 0);
  else if (s1 !== d1) lo = (s1 >>> 0) < (d1 >>> 0);
  else lo = (s0 >>> 0) <= (d0 >>> 0);
  let h;
  if (ipv === 4) {
    h = lo ? mix(mix(s3 ^ 0x9e3779b9) + d3 ^ Math.imul(sp, 0x10001) ^ (dp << 16) ^ vlan) : mix(mix(d3 ^ 0x9e3779b9) + s3 ^ Math.imul(dp, 0x10001) ^ (sp << 16) ^ vlan);
  } else {
    h = lo
      ? mix(mix(mix(mix(mix(s0 ^ 0x6a09e667) ^ s1) ^ s2) ^ s3) + mix(mix(mix(d0 ^ d1) ^ d2) ^ d3) ^ Math.imul(sp, 0x10001) ^ (dp << 16) ^ vlan)
      : mix(mix(mix(mix(mix(d0 ^ 0x6a09e667) ^ d1) ^ d2) ^ d3) + mix(mix(mix(s0 ^ s1) ^ s2) ^ s3) ^ Math.imul(dp, 0x10001) ^ (sp << 16) ^ vlan);
  }
  return h | 1; // never 0
}

/** The slot of the current segment's connection, or -1; sets fromClient. */
function find(h) {
  let i = h & TMASK;
  for (;;) {
    const slot = index[2 * i + 1];
    if (slot < 0) return -1;
    if (index[2 * i] === h) {
      const b = slot * I_SIZE;
      if (I[b + I_VLAN] === vlan) {
        if (I[b + I_CPORT] === sp && I[b + I_C0 + 3] === s3 && I[b + I_SPORT] === dp && I[b + I_S0 + 3] === d3 &&
          I[b + I_C0] === s0 && I[b + I_C0 + 1] === s1 && I[b + I_C0 + 2] === s2 && I[b + I_S0] === d0 && I[b + I_S0 + 1] === d1 && I[b + I_S0 + 2] === d2) {
          fromClient = true;
          return slot;
        }
        if (I[b + I_CPORT] === dp && I[b + I_C0 + 3] === d3 && I[b + I_SPORT] === sp && I[b + I_S0 + 3] === s3 &&
          I[b + I_C0] === d0 && I[b + I_C0 + 1] === d1 && I[b + I_C0 + 2] === d2 && I[b + I_S0] === s0 && I[b + I_S0 + 1] === s1 && I[b + I_S0 + 2] === s2) {
          fromClient = false;
          return slot;
        }
      }
    }
    i = (i + 1) & TMASK;
  }
}

function indexAdd(h, slot) {
  let i = h & TMASK;
  while (index[2 * i + 1] >= 0) i = (i + 1) & TMASK;
  index[2 * i] = h;
  index[2 * i + 1] = slot;
}

/** Backward-shift deletion: no tombstones, probe runs stay short. */
function indexRemove(slot) {
  const h = I[slot * I_SIZE + I_HASH];
  let i = h & TMASK;
  while (index[2 * i + 1] !== slot) i = (i + 1) & TMASK;
  let j = i;
  for (;;) {
    j = (j + 1) & TMASK;
    const sj = index[2 * j + 1];
    if (sj < 0) break;
    const home = index[2 * j] & TMASK;
    // Move j back to i when its home is not in (i, j].
    if (((j - home) & TMASK) >= ((j - i) & TMASK)) {
      index[2 * i] = index[2 * j];
      index[2 * i + 1] = sj;
      i = j;
    }
  }
  index[2 * i + 1] = -1;
}

function lruUnlink(slot) {
  const p = prev[slot], n = next[slot];
  if (p >= 0) next[p] = n; else lruHead = n;
  if (n >= 0) prev[n] = p; else lruTail = p;
}

function lruPush(slot) {
  prev[slot] = lruTail;
  next[slot] = -1;
  if (lruTail >= 0) next[lruTail] = slot; else lruHead = slot;
  lruTail = slot;
}

function touch(slot) {
  if (slot === lruTail) return;
  lruUnlink(slot);
  lruPush(slot);
}

function endpointKey(a0, a1, a2, a3, port) {
  return mix(mix(mix(mix(a0 ^ 0x2545f491) ^ a1) ^ a2) ^ a3 ^ (port << 7)) & 0x3fffffff;
}

function create(h) {
  if (live === MAX_CONN) {
    const old = lruHead;
    evictions++;
    remove(old);
    finish(old);
  }
  const slot = freeSlots[--freeTop];
  const b = slot * I_SIZE;
  I.fill(0, b, b + I_SIZE);
  const fb = slot * F_SIZE;
  F[fb + F_DIR + FD_OOO] = F[fb + F_DIR + FD_SIZE + FD_OOO] = OOO_WINDOW;
  I[b + I_ID] = nextId++;
  I[b + I_HASH] = h;
  I[b + I_VLAN] = vlan;
  I[b + I_IPV] = ipv;
  const f = flags & 0x12;
  let clientIsSource, role;
  if (f === 0x02) { clientIsSource = true; role = 0; }
  else if (f === 0x12) { clientIsSource = false; role = 1; }
  else if (listeners.size !== 0 && listeners.has(endpointKey(d0, d1, d2, d3, dp))) { clientIsSource = true; role = 2; }
  else if (listeners.size !== 0 && listeners.has(endpointKey(s0, s1, s2, s3, sp))) { clientIsSource = false; role = 2; }
  else { clientIsSource = sp > dp; role = 3; }
  I[b + I_ROLE] = role;
  if (clientIsSource) {
    I[b + I_C0] = s0; I[b + I_C0 + 1] = s1; I[b + I_C0 + 2] = s2; I[b + I_C0 + 3] = s3; I[b + I_CPORT] = sp;
    I[b + I_S0] = d0; I[b + I_S0 + 1] = d1; I[b + I_S0 + 2] = d2; I[b + I_S0 + 3] = d3; I[b + I_SPORT] = dp;
  } else {
    I[b + I_C0] = d0; I[b + I_C0 + 1] = d1; I[b + I_C0 + 2] = d2; I[b + I_C0 + 3] = d3; I[b + I_CPORT] = dp;
    I[b + I_S0] = s0; I[b + I_S0 + 1] = s1; I[b + I_S0 + 2] = s2; I[b + I_S0 + 3] = s3; I[b + I_SPORT] = sp;
  }
  fromClient = clientIsSource;
  I[b + I_FIRSTFRAME] = frame;
  F[fb + F_FIRST] = F[fb + F_LAST] = time;
  indexAdd(h, slot);
  lruPush(slot);
  live++;
  if (live > peakLive) peakLive = live;
  return slot;
}

function remove(slot) {
  indexRemove(slot);
  lruUnlink(slot);
  live--;
}

// PROTO_RECORD=1: finish copies the connection into one reused record object (two direction objects
// inside), as tcpdiag's tracker fills its recycled Connection, and hands it to a consumer.
const RECORD = process.env.PROTO_RECORD === '1';
function newDirection() {
  return { packets: 0, bytes: 0, isn: 0, isnSet: false, nextSeq: 0, seqSet: false, highestAck: 0, ackSet: false, retransmits: 0,
    duplicates: 0, outOfOrder: 0, zeroWindows: 0, keepAlives: 0, finSeen: false, finFrame: 0, rstSeen: false, oooThreshold: 0 };
}
const record = {
  id: 0, vlan: 0, ipVersion: 0, role: 0, clientPort: 0, serverPort: 0, c0: 0, c1: 0, c2: 0, c3: 0, s0: 0, s1: 0, s2: 0, s3: 0,
  firstFrame: 0, lastFrame: 0, firstTime: 0, lastTime: 0, synCount: 0, synAckCount: 0, synNewIsn: 0, synRetransBeforeAnswer: 0,
  synAckAfterAck: 0, synFrame: 0, synTime: 0, lastSynTime: 0, synAckFrame: 0, synAckTime: 0, lastSynAckTime: 0, hsAckFrame: 0,
  hsAckTime: 0, serverAnswerFrame: 0, serverAnswerTime: 0, clientDataFrame: 0, clientDataTime: 0, serverDataFrame: 0,
  serverDataTime: 0, serverDataAckFrame: 0, serverDataAckTime: 0, clientSegsBeforeAnswer: 0, firstFin: 0, finFrame: 0, finTime: 0,
  rstBy: 0, rstFrame: 0, rstTime: 0, rstSeq: 0, rstHasAck: false, reusesEarlier: false, synAckBeforeSyn: false, synAnsweredByAck: false,
  synMss: 0, synWscale: 0, synTsVal: 0, synAckMss: 0, synAckWscale: 0, synAckTsVal: 0,
  client: newDirection(), server: newDirection(),
};
let consumed = 0;
function consume(c) { consumed = (consumed + c.client.packets + c.server.packets + c.synCount) | 0; }
function fillDirection(o, d, fd) {
  const bits = I[d + D_BITS];
  o.packets = I[d + D_PKTS]; o.bytes = F[fd + FD_BYTES]; o.isn = I[d + D_ISN] >>> 0; o.isnSet = (bits & DB_ISN) !== 0;
  o.nextSeq = I[d + D_NEXT] >>> 0; o.seqSet = (bits & DB_SEQ) !== 0; o.highestAck = I[d + D_ACK] >>> 0; o.ackSet = (bits & DB_ACK) !== 0;
  o.retransmits = I[d + D_RETR]; o.duplicates = I[d + D_DUP]; o.outOfOrder = I[d + D_OOO]; o.zeroWindows = I[d + D_ZW];
  o.keepAlives = I[d + D_KA]; o.finSeen = (bits & DB_FIN) !== 0; o.finFrame = I[d + D_FINFRAME] >>> 0; o.rstSeen = (bits & DB_RST) !== 0;
  o.oooThreshold = F[fd + FD_OOO];
}
function fillRecord(slot) {
  const b = slot * I_SIZE, fb = slot * F_SIZE, r = record, cb = I[b + I_BITS];
  r.id = I[b + I_ID]; r.vlan = I[b + I_VLAN]; r.ipVersion = I[b + I_IPV]; r.role = I[b + I_ROLE];
  r.clientPort = I[b + I_CPORT]; r.serverPort = I[b + I_SPORT];
  r.c0 = I[b + I_C0] >>> 0; r.c1 = I[b + I_C0 + 1] >>> 0; r.c2 = I[b + I_C0 + 2] >>> 0; r.c3 = I[b + I_C0 + 3] >>> 0;
  r.s0 = I[b + I_S0] >>> 0; r.s1 = I[b + I_S0 + 1] >>> 0; r.s2 = I[b + I_S0 + 2] >>> 0; r.s3 = I[b + I_S0 + 3] >>> 0;
  r.firstFrame = I[b + I_FIRSTFRAME] >>> 0; r.lastFrame = I[b + I_LASTFRAME] >>> 0; r.firstTime = F[fb + F_FIRST];
  r.lastTime = now > F[fb + F_LAST] ? now : F[fb + F_LAST];
  r.synCount = I[b + I_SYNS]; r.synAckCount = I[b + I_SYNACKS]; r.synNewIsn = I[b + I_SYNNEWISN];
  r.synRetransBeforeAnswer = I[b + I_SYNRETRANS]; r.synAckAfterAck = I[b + I_SAAFTERACK];
  r.synFrame = I[b + I_SYNFRAME] >>> 0; r.synTime = F[fb + F_SYN]; r.lastSynTime = F[fb + F_LASTSYN];
  r.synAckFrame = I[b + I_SAFRAME] >>> 0; r.synAckTime = F[fb + F_SA]; r.lastSynAckTime = F[fb + F_LASTSA];
  r.hsAckFrame = I[b + I_HSACKFRAME] >>> 0; r.hsAckTime = F[fb + F_HSACK];
  r.serverAnswerFrame = I[b + I_ANSWERFRAME] >>> 0; r.serverAnswerTime = F[fb + F_ANSWER];
  r.clientDataFrame = I[b + I_CDATAFRAME] >>> 0; r.clientDataTime = F[fb + F_CDATA];
  r.serverDataFrame = I[b + I_SDATAFRAME] >>> 0; r.serverDataTime = F[fb + F_SDATA];
  r.serverDataAckFrame = I[b + I_SDACKFRAME] >>> 0; r.serverDataAckTime = F[fb + F_SDACK];
  r.clientSegsBeforeAnswer = I[b + I_CSEGSBEFORE]; r.firstFin = I[b + I_FIRSTFIN]; r.finFrame = I[b + I_FINFRAME] >>> 0;
  r.finTime = F[fb + F_FIN]; r.rstBy = I[b + I_RSTBY]; r.rstFrame = I[b + I_RSTFRAME] >>> 0; r.rstTime = F[fb + F_RST];
  r.rstSeq = I[b + I_RSTSEQ] >>> 0; r.rstHasAck = (cb & CB_RSTACK) !== 0; r.reusesEarlier = (cb & CB_REUSES) !== 0;
  r.synAckBeforeSyn = (cb & CB_SABEFORESYN) !== 0; r.synAnsweredByAck = (cb & CB_SYNBYACK) !== 0;
  r.synMss = I[b + I_SYNMSS]; r.synWscale = I[b + I_SYNWS]; r.synTsVal = I[b + I_SYNTS] >>> 0;
  r.synAckMss = I[b + I_SAMSS]; r.synAckWscale = I[b + I_SAWS]; r.synAckTsVal = I[b + I_SATS] >>> 0;
  fillDirection(r.client, b + I_DIR, fb + F_DIR);
  fillDirection(r.server, b + I_DIR + D_SIZE, fb + F_DIR + FD_SIZE);
  return r;
}

function finish(slot) {
  finished++;
  const b = slot * I_SIZE;
  if (RECORD) consume(fillRecord(slot));
  if (checkLines !== null) checkLines.push(checkLine(slot));
  I[b + I_ID] = 0;
  freeSlots[freeTop++] = slot;
}

function isClosed(slot) {
  const b = slot * I_SIZE;
  return I[b + I_RSTBY] !== 0 || (I[b + I_DIR + D_BITS] & I[b + I_DIR + D_SIZE + D_BITS] & DB_FIN) !== 0;
}

function sweep() {
  const holdUntil = now - CLOSE_HOLD;
  while (cqSize > 0) {
    const slot = cqSlot[cqHead];
    if (I[slot * I_SIZE + I_ID] !== cqId[cqHead]) { cqHead = (cqHead + 1) & (CQ - 1); cqSize--; continue; }
    if (F[slot * F_SIZE + F_LAST] > holdUntil) break;
    cqHead = (cqHead + 1) & (CQ - 1); cqSize--;
    remove(slot);
    finish(slot);
  }
  const idleBefore = now - IDLE_TIMEOUT;
  while (lruHead >= 0 && F[lruHead * F_SIZE + F_LAST] <= idleBefore) {
    const slot = lruHead;
    remove(slot);
    finish(slot);
  }
}

function seqDiff(a, b) { return (a - b) | 0; }

/** One direction's counters; 1 = capture duplicate, 2 = retransmission, 0 otherwise. */
function addToDirection(slot, server) {
  const d = slot * I_SIZE + I_DIR + (server ? D_SIZE : 0);
  const fd = slot * F_SIZE + F_DIR + (server ? FD_SIZE : 0);
  I[d + D_PKTS]++;
  const dup = seq === I[d + D_LSEQ] && plen === I[d + D_LLEN] && flags === I[d + D_LFLAGS] && ack === I[d + D_LACK] &&
    ipId === I[d + D_LIPID] && time - F[fd + FD_LAST] < DUP_WINDOW && time >= F[fd + FD_LAST];
  I[d + D_LSEQ] = seq; I[d + D_LLEN] = plen; I[d + D_LFLAGS] = flags; I[d + D_LACK] = ack; I[d + D_LIPID] = ipId;
  F[fd + FD_LAST] = time;
  if (dup) { I[d + D_DUP]++; return 1; }
  F[fd + FD_BYTES] += plen;
  if (win === 0 && !(flags & 0x06)) I[d + D_ZW]++;
  let bits = I[d + D_BITS];
  if (flags & 0x04) { I[d + D_BITS] = bits | DB_RST; return 0; }
  let seqLen = plen;
  if (flags & 0x02) { seqLen++; if (!(bits & DB_ISN)) { I[d + D_ISN] = seq; bits |= DB_ISN; } }
  if (flags & 0x01) { seqLen++; if (!(bits & DB_FIN)) { bits |= DB_FIN; I[d + D_FINFRAME] = frame; } }
  if (!(bits & DB_SEQ)) { I[d + D_BITS] = bits | DB_SEQ; I[d + D_NEXT] = seq + seqLen; return 0; }
  I[d + D_BITS] = bits;
  const nxt = I[d + D_NEXT];
  const ahead = seqDiff(seq, nxt);
  if (ahead >= 0) {
    if (ahead > 0 || seqLen > 0) F[fd + FD_NEXTT] = time;
    I[d + D_NEXT] = seq + seqLen;
    return 0;
  }
  if (seqLen === 0) return 0;
  if (plen <= 1 && !(flags & 0x03) && ahead === -1) { I[d + D_KA]++; return 0; }
  const end = (seq + seqLen) | 0;
  const reordered = time - F[fd + FD_NEXTT] < F[fd + FD_OOO] && end !== nxt;
  if (seqDiff(end, nxt) > 0) I[d + D_NEXT] = end;
  if (reordered) { I[d + D_OOO]++; return 0; }
  I[d + D_RETR]++;
  return 2;
}

function synOptions(at) {
  // MSS, window scale, TSval of a SYN or SYN-ACK: the only segments whose options are read.
  let mss = -1, ws = -1, ts = 0;
  let p = optP;
  while (p < optEnd) {
    const kind = buf[p];
    if (kind === 0) break;
    if (kind === 1) { p++; continue; }
    if (p + 1 >= optEnd) break;
    const len = buf[p + 1];
    if (len < 2 || p + len > optEnd) break;
    if (kind === 2 && len === 4) mss = (buf[p + 2] << 8) | buf[p + 3];
    else if (kind === 3 && len === 3) ws = buf[p + 2];
    else if (kind === 8 && len === 10) ts = (buf[p + 2] << 24) | (buf[p + 3] << 16) | (buf[p + 4] << 8) | buf[p + 5];
    p += len;
  }
  I[at] = mss; I[at + 1] = ws; I[at + 2] = ts;
}

function update(slot) {
  const server = !fromClient;
  const r = addToDirection(slot, server);
  const b = slot * I_SIZE;
  const fb = slot * F_SIZE;
  if (flags & 0x10) {
    const d = b + I_DIR + (server ? D_SIZE : 0);
    const bits = I[d + D_BITS];
    if (!(bits & DB_ACK) || seqDiff(ack, I[d + D_ACK]) > 0) { I[d + D_ACK] = ack; I[d + D_BITS] = bits | DB_ACK; }
  }
  if (time > F[fb + F_LAST]) F[fb + F_LAST] = time;
  I[b + I_LASTFRAME] = frame;
  if (r === 1) return;
  if (flags & 0x02) {
    if (fromClient && !(flags & 0x10)) {
      const n = I[b + I_SYNS];
      const answered = I[b + I_SYNACKS] > 0;
      if (n === 0) { I[b + I_SYNFRAME] = frame; F[fb + F_SYN] = time; synOptions(b + I_SYNMSS); }
      else if (!answered) I[b + I_SYNRETRANS]++;
      I[b + I_SYNS] = n + 1;
      if (!answered) F[fb + F_LASTSYN] = time;
    } else if (!fromClient && (flags & 0x10)) {
      const n = I[b + I_SYNACKS];
      if (n === 0) {
        I[b + I_SAFRAME] = frame; F[fb + F_SA] = time; synOptions(b + I_SAMSS);
        if (I[b + I_SYNS] === 0) I[b + I_BITS] |= CB_SABEFORESYN;
      } else if (I[b + I_HSACKFRAME] !== 0) I[b + I_SAAFTERACK]++;
      I[b + I_SYNACKS] = n + 1;
      F[fb + F_LASTSA] = time;
    }
    return;
  }
  if (flags & 0x04) {
    if (I[b + I_RSTBY] === 0) {
      I[b + I_RSTBY] = fromClient ? 1 : 2;
      I[b + I_RSTFRAME] = frame; F[fb + F_RST] = time; I[b + I_RSTSEQ] = seq;
      if (flags & 0x10) I[b + I_BITS] |= CB_RSTACK;
    }
    if (!fromClient && I[b + I_HSACKFRAME] !== 0 && I[b + I_ANSWERFRAME] === 0) { I[b + I_ANSWERFRAME] = frame; F[fb + F_ANSWER] = time; }
    return;
  }
  if (fromClient) {
    if (I[b + I_HSACKFRAME] === 0 && (flags & 0x10) && I[b + I_SYNACKS] > 0 && ack === ((I[b + I_DIR + D_SIZE + D_ISN] + 1) | 0)) {
      I[b + I_HSACKFRAME] = frame; F[fb + F_HSACK] = time;
      const rtt = time - Math.max(F[fb + F_LASTSYN], F[fb + F_LASTSA]);
      if (rtt > 0) F[fb + F_DIR + FD_OOO] = F[fb + F_DIR + FD_SIZE + FD_OOO] = rtt;
    }
    if (plen > 0 && I[b + I_CDATAFRAME] === 0) { I[b + I_CDATAFRAME] = frame; F[fb + F_CDATA] = time; }
    if (I[b + I_HSACKFRAME] !== 0 && I[b + I_ANSWERFRAME] === 0) I[b + I_CSEGSBEFORE]++;
  } else {
    if (I[b + I_SYNACKS] === 0 && I[b + I_SYNS] > 0 && (flags & 0x10)) I[b + I_BITS] |= CB_SYNBYACK;
    if (I[b + I_HSACKFRAME] !== 0 && I[b + I_ANSWERFRAME] === 0) { I[b + I_ANSWERFRAME] = frame; F[fb + F_ANSWER] = time; }
    if (plen > 0 && I[b + I_SDATAFRAME] === 0) { I[b + I_SDATAFRAME] = frame; F[fb + F_SDATA] = time; }
    if ((flags & 0x10) && I[b + I_CDATAFRAME] !== 0 && I[b + I_SDACKFRAME] === 0 && seqDiff(ack, (I[b + I_DIR + D_ISN] + 1) | 0) > 0) {
      I[b + I_SDACKFRAME] = frame; F[fb + F_SDACK] = time;
    }
  }
  if ((flags & 0x01) && I[b + I_FIRSTFIN] === 0) { I[b + I_FIRSTFIN] = fromClient ? 1 : 2; I[b + I_FINFRAME] = frame; F[fb + F_FIN] = time; }
}

var lastLsrc = -1;
/** Tracks the decoded segment in the plain variables above. */
function track() {
  if (time > now) now = time;
  if (now >= nextSweep) { sweep(); nextSweep = now + 1; }
  const h = tupleHash();
  let slot = find(h);
  if (slot >= 0) {
    touch(slot);
    if (stage === 2) return endOnly(slot);
    if (fromClient && (flags & 0x12) === 0x02) {
      const c = slot * I_SIZE + I_DIR;
      if ((I[c + D_BITS] & DB_ISN) && seq !== I[c + D_ISN]) {
        const b = slot * I_SIZE;
        if (isClosed(slot) || I[b + I_HSACKFRAME] !== 0 || time - F[slot * F_SIZE + F_LAST] > REUSE_IDLE) {
          remove(slot);
          finish(slot);
          slot = create(h);
          I[slot * I_SIZE + I_BITS] |= CB_REUSES;
        } else {
          I[b + I_SYNNEWISN]++;
          I[c + D_ISN] = seq;
          I[c + D_NEXT] = seq + 1;
        }
      }
    }
  } else {
    slot = create(h);
    if (stage === 2) return endOnly(slot);
  }
  if (!fromClient && (flags & 0x12) === 0x12 && listeners.size < 65536) {
    const k = endpointKey(s0, s1, s2, s3, sp);
    if (k !== lastLsrc) { listeners.add(k); lastLsrc = k; }
  }
  const ends = (flags & 0x05) !== 0;
  const wasClosed = ends && isClosed(slot);
  update(slot);
  if (ends && !wasClosed && isClosed(slot)) {
    if (cqSize === CQ) throw new Error('close queue full');
    const at = (cqHead + cqSize) & (CQ - 1);
    cqSlot[at] = slot; cqId[at] = I[slot * I_SIZE + I_ID]; cqSize++;
  }
}

/** Stage "find": only what the connection's lifetime needs (last time, FIN/RST, the close queue). */
function endOnly(slot) {
  const b = slot * I_SIZE;
  if (time > F[slot * F_SIZE + F_LAST]) F[slot * F_SIZE + F_LAST] = time;
  if ((flags & 0x05) === 0) return;
  const wasClosed = isClosed(slot);
  if (flags & 0x04) { if (I[b + I_RSTBY] === 0) I[b + I_RSTBY] = fromClient ? 1 : 2; }
  else I[b + I_DIR + (fromClient ? 0 : D_SIZE) + D_BITS] |= DB_FIN;
  if (!wasClosed && isClosed(slot)) {
    const at = (cqHead + cqSize) & (CQ - 1);
    cqSlot[at] = slot; cqId[at] = I[b + I_ID]; cqSize++;
  }
}

function endAll() {
  while (lruHead >= 0) { const slot = lruHead; remove(slot); finish(slot); }
}

// ---- --check output ------------------------------------------------------------------------------
function addr(b, v) {
  if (v === 4) { const a = I[b + 3] >>> 0; return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`; }
  const h = [];
  for (let i = 0; i < 4; i++) { const w = I[b + i] >>> 0; h.push((w >>> 16).toString(16), (w & 0xffff).toString(16)); }
  return new URL(`http://[${h.join(':')}]`).hostname.slice(1, -1);
}
function checkLine(slot) {
  const b = slot * I_SIZE;
  const v = I[b + I_IPV];
  const rstBy = I[b + I_RSTBY], fin = I[b + I_FIRSTFIN];
  const side = (x) => (x === 1 ? 'client' : 'server');
  const how = rstBy ? ((I[b + I_BITS] & CB_RSTACK) ? 'rst+ack' : 'rst') : fin ? 'fin' : 'open';
  const fmt = (a, p) => (v === 4 ? `${a}:${p}` : `[${a}]:${p}`);
  return JSON.stringify({
    client: fmt(addr(b + I_C0, v), I[b + I_CPORT]), server: fmt(addr(b + I_S0, v), I[b + I_SPORT]),
    firstFrame: I[b + I_FIRSTFRAME], synCount: I[b + I_SYNS], synAckCount: I[b + I_SYNACKS],
    clientPackets: I[b + I_DIR + D_PKTS], serverPackets: I[b + I_DIR + D_SIZE + D_PKTS],
    end: how + (rstBy ? `/${side(rstBy)}` : fin ? `/${side(fin)}` : ''),
  });
}

// ---- read + decode, fused ------------------------------------------------------------------------
const CHUNK = 8 << 20;
buf = Buffer.allocUnsafe(CHUNK + 300_000);
var packets = 0, tcp = 0, decodeSum = 0;

function decodeFrame(p, caplen) {
  // Ethernet, optional 802.1Q (one or two tags).
  const end = p + caplen;
  if (caplen < 14) return false;
  let et = (buf[p + 12] << 8) | buf[p + 13];
  let q = p + 14;
  vlan = 0;
  if (et === 0x8100 || et === 0x88a8) {
    if (q + 4 > end) return false;
    vlan = ((buf[q] << 8) | buf[q + 1]) & 0xfff;
    et = (buf[q + 2] << 8) | buf[q + 3];
    q += 4;
    if (et === 0x8100) {
      if (q + 4 > end) return false;
      vlan |= (((buf[q] << 8) | buf[q + 1]) & 0xfff) << 12;
      et = (buf[q + 2] << 8) | buf[q + 3];
      q += 4;
    }
  }
  let tcpLen;
  if (et === 0x0800) {
    if (q + 20 > end || (buf[q] >> 4) !== 4) return false;
    const ihl = (buf[q] & 15) << 2;
    const tot = (buf[q + 2] << 8) | buf[q + 3];
    if (buf[q + 9] !== 6 || ihl < 20 || tot < ihl) return false;
    if (((buf[q + 6] << 8) | buf[q + 7]) & 0x3fff) return false; // a fragment
    ipv = 4;
    ipId = (buf[q + 4] << 8) | buf[q + 5];
    s0 = d0 = s1 = d1 = 0; s2 = d2 = 0xffff;
    s3 = (buf[q + 12] << 24) | (buf[q + 13] << 16) | (buf[q + 14] << 8) | buf[q + 15];
    d3 = (buf[q + 16] << 24) | (buf[q + 17] << 16) | (buf[q + 18] << 8) | buf[q + 19];
    tcpLen = tot - ihl;
    q += ihl;
  } else if (et === 0x86dd) {
    if (q + 40 > end || buf[q + 6] !== 6) return false; // extension headers not followed
    ipv = 6;
    ipId = 0;
    s0 = (buf[q + 8] << 24) | (buf[q + 9] << 16) | (buf[q + 10] << 8) | buf[q + 11];
    s1 = (buf[q + 12] << 24) | (buf[q + 13] << 16) | (buf[q + 14] << 8) | buf[q + 15];
    s2 = (buf[q + 16] << 24) | (buf[q + 17] << 16) | (buf[q + 18] << 8) | buf[q + 19];
    s3 = (buf[q + 20] << 24) | (buf[q + 21] << 16) | (buf[q + 22] << 8) | buf[q + 23];
    d0 = (buf[q + 24] << 24) | (buf[q + 25] << 16) | (buf[q + 26] << 8) | buf[q + 27];
    d1 = (buf[q + 28] << 24) | (buf[q + 29] << 16) | (buf[q + 30] << 8) | buf[q + 31];
    d2 = (buf[q + 32] << 24) | (buf[q + 33] << 16) | (buf[q + 34] << 8) | buf[q + 35];
    d3 = (buf[q + 36] << 24) | (buf[q + 37] << 16) | (buf[q + 38] << 8) | buf[q + 39];
    tcpLen = (buf[q + 4] << 8) | buf[q + 5];
    q += 40;
  } else return false;
  if (end - q < 20) return false;
  const hlen = (buf[q + 12] >> 4) << 2;
  if (hlen < 20 || hlen > tcpLen) return false;
  sp = (buf[q] << 8) | buf[q + 1];
  dp = (buf[q + 2] << 8) | buf[q + 3];
  seq = (buf[q + 4] << 24) | (buf[q + 5] << 16) | (buf[q + 6] << 8) | buf[q + 7];
  ack = (buf[q + 8] << 24) | (buf[q + 9] << 16) | (buf[q + 10] << 8) | buf[q + 11];
  flags = ((buf[q + 12] & 1) << 8) | buf[q + 13];
  win = (buf[q + 14] << 8) | buf[q + 15];
  plen = tcpLen - hlen;
  optP = q + 20;
  optEnd = q + hlen < end ? q + hlen : end;
  return true;
}

// PROTO_PASSES=n: the whole pass n times in one process, the last one timed (JIT warm against cold).
// PROTO_WARMUP=FILE: one untimed pass over FILE (a small capture) first: the JIT's type feedback without
// the big input's page faults.
const WARMUP = process.env.PROTO_WARMUP;
const PASSES = Number(process.env.PROTO_PASSES ?? 1) + (WARMUP ? 1 : 0);
// PROTO_PREFAULT=1: touch every page of the slots before the timed pass (first-touch page faults out of it).
const PREFAULT = process.env.PROTO_PREFAULT === '1';
function reset() {
  index.fill(-1);
  if (PREFAULT) I.fill(0);
  freeTop = 0;
  for (let i = MAX_CONN - 1; i >= 0; i--) freeSlots[freeTop++] = i;
  lruHead = lruTail = -1;
  live = peakLive = evictions = finished = 0;
  nextId = 1;
  cqHead = cqSize = 0;
  listeners.clear();
  lastLsrc = -1;
  now = nextSweep = -Infinity;
  packets = tcp = decodeSum = 0;
  if (checkLines !== null) checkLines.length = 0;
}
// PROTO_AHEAD=D (session 11): before tracking record n, hash record n + 2D and load its index entry, and
// load the slot lines of record n + D, whose entry was loaded D records ago: the cache misses of several
// packets' lookups overlap instead of following one another. 0 (the default): off.
const AHEAD = Number(process.env.PROTO_AHEAD ?? 0);
const AHEAD_RING = 256;
const aheadPos = new Int32Array(AHEAD_RING).fill(-1);
var qa = 0, qaNum = 0, aheadSink = 0;
/** Restarts the look-ahead at the current record (after a refill moved the buffer's bytes). */
function aheadReset() {
  qa = p; qaNum = packets; aheadPos.fill(-1);
}
/** Hashes the records up to 2D ahead of record `n` (at `p`) and loads what the pipeline says. */
function aheadStep(n) {
  while (qaNum <= n + 2 * AHEAD) {
    if (have - qa < 16) return;
    const caplen = buf[qa + 8] | (buf[qa + 9] << 8) | (buf[qa + 10] << 16) | (buf[qa + 11] << 24);
    if (caplen < 0 || have - qa < 16 + caplen) return;
    let pos = -1;
    if (decodeFrame(qa + 16, caplen)) {
      pos = 2 * (tupleHash() & TMASK) + 1;
      aheadSink ^= index[pos];
    }
    aheadPos[qaNum & (AHEAD_RING - 1)] = pos;
    qa += 16 + caplen;
    qaNum++;
  }
  const pos = aheadPos[(n + AHEAD) & (AHEAD_RING - 1)];
  if (pos >= 0) {
    const slot = index[pos];
    if (slot >= 0) { const b = slot * I_SIZE; aheadSink ^= I[b] ^ I[b + 16] ^ I[b + 32] ^ I[b + 48] ^ I[b + 64] ^ I[b + 80]; }
  }
}
var c0, t0, have, p;
for (let pass = 0; pass < PASSES; pass++) {
  reset();
  const input = WARMUP && pass === 0 ? WARMUP : file;
  var fd = openSync(input, 'r');
  c0 = process.cpuUsage();
  t0 = performance.now();
  have = readSync(fd, buf, 0, CHUNK, null);
  if (have < 24 || buf.readUInt32LE(0) !== 0xa1b2c3d4 || buf.readUInt32LE(20) !== 1) {
    console.error(`${file}: byte 0: only classic little-endian microsecond pcap of Ethernet is read by the prototype`);
    process.exit(1);
  }
  p = 24;
  if (AHEAD > 0) aheadReset();
  for (;;) {
    if (have - p < 16) {
      // Move the tail to the front and refill.
      buf.copy(buf, 0, p, have); have -= p; p = 0;
      const n = readSync(fd, buf, have, CHUNK, null);
      if (n === 0) break;
      have += n;
      if (have < 16) break;
      if (AHEAD > 0) aheadReset();
    }
    const caplen = buf[p + 8] | (buf[p + 9] << 8) | (buf[p + 10] << 16) | (buf[p + 11] << 24);
    if (caplen < 0 || caplen > 262144) { console.error(`${file}: byte offset unknown: bad record length ${caplen}`); process.exit(1); }
    if (have - p < 16 + caplen) {
      buf.copy(buf, 0, p, have); have -= p; p = 0;
      const n = readSync(fd, buf, have, CHUNK, null);
      if (n === 0) break;
      have += n;
      if (AHEAD > 0) aheadReset();
      continue;
    }
    if (AHEAD > 0 && stage >= 2) aheadStep(packets);
    packets++;
    if (stage >= 1) {
      frame = packets;
      if (decodeFrame(p + 16, caplen)) {
        tcp++;
        const sec = buf[p] | (buf[p + 1] << 8) | (buf[p + 2] << 16) | (buf[p + 3] << 24);
        const usec = buf[p + 4] | (buf[p + 5] << 8) | (buf[p + 6] << 16) | (buf[p + 7] << 24);
        time = (sec >>> 0) + usec * 1000 * 1e-9;
        if (stage >= 2) track();
        else decodeSum = (decodeSum + seq + ack + sp + flags + plen + s3 + d3) | 0;
      }
    } else decodeSum = (decodeSum + caplen) | 0;
    p += 16 + caplen;
  }
  closeSync(fd);
  if (stage >= 2) endAll();
}
const ms = performance.now() - t0;
const cu = process.cpuUsage(c0);
if (checkOut) writeFileSync(checkOut, checkLines.join('\n') + (checkLines.length ? '\n' : ''));
console.log(JSON.stringify({
  mode: `proto-${stageName}`, file, ms, cpuMs: (cu.user + cu.system) / 1000, packets, tcp,
  connections: nextId - 1, finished, peakLive, evictions, check: decodeSum ^ consumed,
}));
