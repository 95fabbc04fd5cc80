// The tracker's facts, declared once. Each live connection is a slot of 32-bit words (signed or unsigned)
// and, in the same bytes, float64 words (times, and byte counts that can pass 2^32): slots.ts. This table
// says which numbers a slot holds, in which order, and which field of the finished record each one fills;
// scripts/gen-layout.mjs makes layout.generated.ts from it (the const enums W, DW, DC, Fl, DF the code indexes
// the slot with, so V8 sees literal offsets, and the one-to-one copy into Connection and Direction), and
// test/track/layout.test.ts fails when that file is not what the table makes. The same script makes
// record.generated.ts (the classes Connection and Direction extend: every field that is a number of the slot,
// declared, documented and filled from it) and src/report/flow.generated.ts (the flows row: the columns
// that are such numbers, and the order of every column, FLOW_ROW). After a change here:
// `node scripts/gen-layout.mjs`.
//
// A new fact is one entry here: its `record` name puts it in Connection (or Direction), and a `flows` name
// puts it in each `tcpdiag flows` row, at the end of the JSON/NDJSON object and of the CSV columns (the
// text table's columns are a fixed layout; schema/flow.schema.json, the published contract, needs its entry
// too, and test/track/layout.test.ts says so when it is missing).
//
// Order is placement. The groups come in the order below, each starting on the word its `align` says, so
// that what every packet touches lies in the slot's first six cache lines (384 bytes, one after another):
// what a lookup reads, both directions, the other per-packet words, the per-packet doubles. The rest is
// read about once a connection (handshake timeline, options, the end). Keeping per-packet state in flat
// arrays, not objects, lets the tracker run without garbage collection and in a memory bound that does
// not depend on V8's heap.

/** Wireshark's out-of-order window (3 ms), in nanoseconds, until a connection's first round trip is known (DF.OooThreshold). */
export const OUT_OF_ORDER_WINDOW_NS = 3_000_000;

/** A number of a slot: `i32` and `u32` share a 32-bit word (read through the Int32 or Uint32 view), `f64` takes two. */
export type FieldType = 'i32' | 'u32' | 'f64';

export interface SlotField {
  /** The member of the generated enum (W, DW for words; Fl, DF for doubles). */
  name: string;
  type: FieldType;
  /** The field of the finished record (Connection, or Direction for a direction's) that is this number as it stands. */
  record?: string;
  /** What the number is, when its name does not say (goes into the generated enum). */
  doc?: string;
  /** What the record's field is, when its name does not say (goes into the generated class). */
  recordDoc?: string;
  /** The record field's value before any fill (default 0). */
  init?: number;
  /**
   * Columns of a `tcpdiag flows` row that are the record field as it stands (needs `record`). A direction's
   * field names columns per side: `{side}` is `client` or `server`, `{zeek}` Zeek's `orig` or `resp`, and
   * `directions.x` is member x of the side's stats (`directions.client.x`).
   */
  flows?: readonly string[];
}

export interface SlotGroup {
  /** Words (i32/u32), or doubles (f64). */
  kind: 'words' | 'doubles';
  /** The group starts at a multiple of this many 32-bit words (16 = a 64-byte cache line). */
  align: number;
  /** Why the group is where it is. */
  doc: string;
  fields: readonly SlotField[];
  /** The two directions' blocks (DW or DF) at the end of the group: `Client` and `Server` name where each starts. */
  directions?: boolean;
  /** The two directions' DC blocks at the end of the group (a group of words): `ClientCounters` and `ServerCounters`. */
  directionCounters?: boolean;
}

/** One direction of a connection, 32-bit words (DW): a block of DIRECTION_WORDS at W.Client and at W.Server. */
export const DIRECTION_WORDS: readonly SlotField[] = [
  { name: 'Packets', type: 'i32', record: 'packets', recordDoc: 'Packets the side sent, capture duplicates included.', flows: ['{side}Packets', '{zeek}_pkts'] },
  { name: 'Isn', type: 'u32', record: 'isn' },
  { name: 'NextSeq', type: 'u32', record: 'nextSeq', doc: 'Highest sequence number sent + 1 (SYN and FIN count one).', recordDoc: 'Highest sequence number sent + 1 (SYN and FIN count one).' },
  { name: 'HighestAck', type: 'u32', record: 'highestAck' },
  { name: 'Bits', type: 'i32', doc: 'DB bits.' },
  // The direction's last segment, for the capture-duplicate check (duplicates.ts): its time is DF.LastTime.
  { name: 'LastSeq', type: 'i32' },
  { name: 'LastAck', type: 'i32' },
  { name: 'LastTsVal', type: 'i32' },
  { name: 'LastLenFlags', type: 'i32', doc: 'Payload length << 9 | TCP flags.' },
  { name: 'LastId', type: 'i32', doc: 'IPv4: the IP ID; IPv6: the window and the peer\'s packet count (duplicates.ts idOf).' },
  // The segment before it, while a copy of it may still come: in the line the packet touches anyway, where the
  // table of recent segments costs a cache miss a segment (duplicates.ts).
  { name: 'PrevSeq', type: 'i32' },
  { name: 'PrevAck', type: 'i32' },
  { name: 'PrevTsVal', type: 'i32' },
  { name: 'PrevLenFlags', type: 'i32' },
  { name: 'PrevId', type: 'i32' },
  { name: 'PrevDelta', type: 'i32', doc: 'Nanoseconds from the previous segment to the last (under 2 ms; its time is DF.LastTime - PrevDelta).' },
];

/** Words of a direction's block: a cache line, so each direction's words share one. */
export const DIRECTION_WORDS_SIZE = 16;

/**
 * One direction's counts of rare events (DC): a block at W.ClientCounters and at W.ServerCounters, away from
 * the per-packet lines, touched only when such a segment comes.
 */
export const DIRECTION_COUNTERS: readonly SlotField[] = [
  { name: 'Retransmits', type: 'i32', record: 'retransmits', recordDoc: 'Segments behind the highest sequence number sent that are neither out of order (Wireshark\'s rule) nor keep-alives: retransmissions.', flows: ['{side}Retransmits', 'directions.retransmits'] },
  {
    name: 'Duplicates',
    type: 'i32',
    record: 'duplicates',
    recordDoc: 'The same packet captured twice (same IP ID, sequence and length within 2 ms, duplicates.ts DUPLICATE_WINDOW_NS): counted apart, never a retransmission.',
    flows: ['directions.duplicates'],
  },
  { name: 'OutOfOrder', type: 'i32', record: 'outOfOrder', flows: ['directions.outOfOrder'] },
  { name: 'ZeroWindows', type: 'i32', record: 'zeroWindows', flows: ['directions.zeroWindows'] },
  { name: 'KeepAlives', type: 'i32', record: 'keepAlives', flows: ['directions.keepAlives'] },
  { name: 'FinFrame', type: 'u32', record: 'finFrame' },
];

/** One direction of a connection, doubles (DF): a block at Fl.Client and at Fl.Server. */
export const DIRECTION_DOUBLES: readonly SlotField[] = [
  { name: 'Bytes', type: 'f64', record: 'bytes', doc: 'Payload bytes, retransmissions included.', recordDoc: 'Payload bytes, retransmissions included.' },
  {
    name: 'UniqueBytes',
    type: 'f64',
    record: 'uniqueBytes',
    doc: 'Payload bytes, each sequence number once.',
    recordDoc: 'Payload bytes, each sequence number once (Zeek\'s count, from the sequence numbers).',
    flows: ['{side}Bytes', '{zeek}_bytes'],
  },
  { name: 'NextSeqTime', type: 'f64', doc: 'Time of the segment that last moved NextSeq (the out-of-order rule).' },
  {
    name: 'OooThreshold',
    type: 'f64',
    record: 'oooThreshold',
    recordDoc: 'The connection\'s first round trip (Wireshark\'s ts_first_rtt), once the handshake completed; till then Wireshark\'s window (OUT_OF_ORDER_WINDOW_NS).',
    init: OUT_OF_ORDER_WINDOW_NS,
  },
  { name: 'LostHoleBytes', type: 'f64', doc: 'Bytes of holes past the few kept (Direction.gapBytes adds the kept ones).' },
  {
    name: 'LastTime',
    type: 'f64',
    doc: 'Capture time of the direction\'s latest segment, capture copies and RSTs without an IP ID left out (duplicates.ts; watch\'s live evidence, live.ts).',
  },
];

/** The slot, group after group (W and Fl). */
export const SLOT_GROUPS: readonly SlotGroup[] = [
  {
    kind: 'words',
    align: 16,
    doc: 'What every lookup reads (table.ts find): one cache line.',
    fields: [
      { name: 'Id', type: 'i32', record: 'id', doc: 'Order of creation, from 1; 0 marks a free slot.', recordDoc: 'Order of creation, from 1.', flows: ['id'] },
      { name: 'Key', type: 'i32', doc: 'The 30-bit connection key (key.ts).' },
      { name: 'Vlan', type: 'i32', record: 'vlan' },
      { name: 'CPort', type: 'i32', record: 'cPort', recordDoc: 'The client\'s port.', flows: ['id.orig_p'] },
      { name: 'SPort', type: 'i32', record: 'sPort', recordDoc: 'The server\'s port.', flows: ['id.resp_p'] },
      { name: 'C0', type: 'u32', record: 'c0' },
      { name: 'C1', type: 'u32', record: 'c1' },
      { name: 'C2', type: 'u32', record: 'c2' },
      { name: 'C3', type: 'u32', record: 'c3' },
      { name: 'S0', type: 'u32', record: 's0' },
      { name: 'S1', type: 'u32', record: 's1' },
      { name: 'S2', type: 'u32', record: 's2' },
      { name: 'S3', type: 'u32', record: 's3' },
      { name: 'Bits', type: 'i32', doc: 'CB bits.' },
      { name: 'RstBy', type: 'i32', doc: 'Side code: 0 none, 1 client, 2 server.' },
    ],
  },
  {
    kind: 'words',
    align: 16,
    doc: 'The two directions\' words (DW), a cache line each.',
    fields: [],
    directions: true,
  },
  {
    kind: 'words',
    align: 16,
    doc: 'The other words a packet may touch (updateConnection reads the handshake counts on every server packet).',
    fields: [
      { name: 'LastFrame', type: 'u32', record: 'lastFrame', recordDoc: 'Frame number of the connection\'s latest packet.', flows: ['lastFrame'] },
      { name: 'ServerDataAckFrame', type: 'u32', record: 'serverDataAckFrame', recordDoc: 'The server\'s first ACK that covers client data.' },
      { name: 'SynCount', type: 'i32', record: 'synCount' },
      { name: 'SynAckCount', type: 'i32', record: 'synAckCount' },
      {
        name: 'ClientSegsBeforeAnswer',
        type: 'i32',
        record: 'clientSegsBeforeAnswer',
        recordDoc: 'Client segments from the handshake ACK (included; the first packet when the handshake was missed) until the server\'s first answer.',
      },
      { name: 'ClientRetransBeforeAnswer', type: 'i32', record: 'clientRetransBeforeAnswer', recordDoc: 'Client data retransmissions before the server\'s first answer.' },
      // Read on every packet by flows' Zeek bookkeeping (history.ts fast path, zeekStep's first test).
      { name: 'HistSeen', type: 'i32', doc: 'Zeek history letters seen, a bit per letter and side (history.ts).' },
      { name: 'ZClient', type: 'i32', record: 'clientState', doc: 'Zeek endpoint states, in the order zeekStep reads them.' },
      { name: 'ZServer', type: 'i32', record: 'serverState' },
      { name: 'ZClientPrev', type: 'i32', record: 'clientPrev' },
      { name: 'ZServerPrev', type: 'i32', record: 'serverPrev' },
      { name: 'FirstFin', type: 'i32', doc: 'Side code of the first FIN.' },
      { name: 'HsAckFrame', type: 'u32', record: 'handshakeAckFrame' },
      {
        name: 'ServerAnswerFrame',
        type: 'u32',
        record: 'serverAnswerFrame',
        recordDoc: 'First server packet after the handshake ACK that is not a SYN-ACK: the server\'s first real answer. When the capture missed the handshake, the server\'s first packet.',
      },
      { name: 'ClientDataFrame', type: 'u32', record: 'clientFirstDataFrame' },
      { name: 'ServerDataFrame', type: 'u32', record: 'serverFirstDataFrame' },
    ],
  },
  {
    kind: 'doubles',
    align: 16,
    doc: 'The per-packet doubles, then the two directions\' (DF).',
    fields: [
      { name: 'LastTime', type: 'f64', record: 'lastTime' },
      { name: 'Touched', type: 'f64', doc: 'Capture time the table last moved this slot to the fresh end of its LRU.' },
      { name: 'LastTsSec', type: 'f64', record: 'lastTsSec' },
      { name: 'LastTsNsec', type: 'f64', record: 'lastTsNsec' },
    ],
    directions: true,
  },
  {
    kind: 'words',
    align: 2,
    doc: 'Words read about once a connection (and some per packet while a handshake lasts).',
    fields: [
      { name: 'HistLen', type: 'i32', doc: 'Zeek history letters kept (history.ts): this and the letters are written only when a letter is added.' },
      { name: 'Hist0', type: 'i32', doc: 'Zeek history letters, six to a word (history.ts).' },
      { name: 'Hist1', type: 'i32' },
      { name: 'Hist2', type: 'i32' },
      { name: 'Hist3', type: 'i32' },
      { name: 'IpVersion', type: 'i32' },
      { name: 'Role', type: 'i32', doc: 'RoleCode.' },
      { name: 'FirstFrame', type: 'u32', record: 'firstFrame', recordDoc: 'Frame number of the connection\'s first packet.', flows: ['firstFrame'] },
      { name: 'SynFrame', type: 'u32', record: 'synFrame' },
      { name: 'SynNewIsn', type: 'i32', record: 'synNewIsn', recordDoc: 'SYNs from the client with another ISN while this connection was open (not a new connection).' },
      { name: 'SynAckFrame', type: 'u32', record: 'synAckFrame' },
      {
        name: 'SynAckAfterAck',
        type: 'i32',
        record: 'synAckCopiesAfterAck',
        doc: 'SYN-ACK copies seen after the handshake ACK.',
        recordDoc: 'SYN-ACK copies captured after the client\'s handshake ACK (crossing ones included).',
      },
      { name: 'SynRetransBeforeAnswer', type: 'i32', record: 'synRetransBeforeAnswer', recordDoc: 'Client SYN retransmits before any SYN-ACK.' },
      { name: 'FinFrame', type: 'u32', record: 'finFrame' },
      { name: 'RstFrame', type: 'u32', record: 'rstFrame' },
      { name: 'RstSeq', type: 'u32', record: 'rstSeq' },
      {
        name: 'RstSeqVsPeerAck',
        type: 'i32',
        record: 'rstSeqVsPeerAck',
        recordDoc: 'The RST\'s sequence number minus the other side\'s highest ACK (0 = exactly where the peer expected it).',
      },
      { name: 'ReusedBy', type: 'u32', record: 'reusedBy', recordDoc: 'A later SYN with a new ISN reopened the tuple: this record ended there.' },
      { name: 'SynMss', type: 'i32', doc: 'Options of the SYN and of the SYN-ACK: four words each, in this order (handshake.ts recordOptions).' },
      { name: 'SynWscale', type: 'i32' },
      { name: 'SynMask', type: 'i32' },
      { name: 'SynTsVal', type: 'u32' },
      { name: 'SaMss', type: 'i32' },
      { name: 'SaWscale', type: 'i32' },
      { name: 'SaMask', type: 'i32' },
      { name: 'SaTsVal', type: 'u32' },
    ],
  },
  {
    kind: 'words',
    align: 2,
    doc: 'The two directions\' counts of rare events (DC).',
    fields: [],
    directionCounters: true,
  },
  {
    kind: 'doubles',
    align: 2,
    doc: 'Doubles read about once a connection: the raw timestamps of the first packet, the handshake\'s and the end\'s times.',
    fields: [
      { name: 'FirstTsSec', type: 'f64', record: 'firstTsSec' },
      { name: 'FirstTsNsec', type: 'f64', record: 'firstTsNsec' },
      { name: 'FirstTime', type: 'f64', record: 'firstTime' },
      { name: 'SynTime', type: 'f64', record: 'synTime' },
      { name: 'LastSynTime', type: 'f64', record: 'lastSynTime', recordDoc: 'Time of the last SYN before the first SYN-ACK: the one the SYN-ACK answered.' },
      { name: 'SynAckTime', type: 'f64', record: 'synAckTime' },
      { name: 'LastSynAckTime', type: 'f64', record: 'lastSynAckTime', recordDoc: 'Time of the latest SYN-ACK (0 when none).' },
      { name: 'HsAckTime', type: 'f64', record: 'handshakeAckTime' },
      { name: 'ClientDataTime', type: 'f64', record: 'clientFirstDataTime' },
      { name: 'ServerDataAckTime', type: 'f64', record: 'serverDataAckTime' },
      { name: 'ServerDataTime', type: 'f64', record: 'serverFirstDataTime' },
      { name: 'ServerAnswerTime', type: 'f64', record: 'serverAnswerTime' },
      { name: 'FinTime', type: 'f64', record: 'finTime' },
      { name: 'RstTime', type: 'f64', record: 'rstTime' },
      {
        name: 'ServerAckDelay',
        type: 'f64',
        record: 'serverAckDelay',
        recordDoc:
          'Nanoseconds from the client\'s latest segment to the server\'s first ACK of all the client data seen (NaN: not seen): a host ACKs in microseconds what reached it, the peer\'s ACK takes a round trip; where the capture was taken when no handshake was (diagnose/vantage.ts).',
        init: NaN,
        doc: 'From the client\'s latest segment to the server\'s first ACK of all the client data seen (CB.ClientDataAcked): the server\'s turnaround to client data, a vantage fact when no handshake was captured.',
      },
      {
        name: 'ClientAckDelay',
        type: 'f64',
        record: 'clientAckDelay',
        recordDoc: 'Nanoseconds from the server\'s latest segment to the client\'s first ACK of all the server data seen (NaN: not seen).',
        init: NaN,
        doc: 'From the server\'s latest segment to the client\'s first ACK of all the server data seen (CB.ServerDataAcked): the client\'s turnaround to server data.',
      },
    ],
  },
  {
    kind: 'words',
    align: 2,
    doc: 'Rare facts (issue 19).',
    fields: [
      {
        name: 'OtherVlan',
        type: 'u32',
        doc: 'A VLAN tag seen on one direction only: 0 when none, else (the other direction\'s tag + 1) << 1 | 1 when that direction is the client\'s. Read only when a segment\'s tag differs from W.Vlan (table.ts).',
      },
      {
        name: 'IsnSyns',
        type: 'i32',
        doc: 'SYNs seen with the client\'s current ISN and the frame of the first (its time is Fl.IsnSynTime): a SYN with a new ISN on the same tuple is a new attempt, not a retransmit. The tracker puts an ISN\'s numbers aside when another replaces it and back when it returns.',
      },
      { name: 'IsnSynFrame', type: 'u32' },
      { name: 'SynFreshIsn', type: 'i32', record: 'synFreshIsn', recordDoc: 'SYNs among synNewIsn whose ISN had not been seen before on the tuple.', doc: 'SYNs that brought an ISN not seen before on this tuple: new attempts, neither retransmits nor SYN retransmits.' },
    ],
  },
  {
    kind: 'doubles',
    align: 2,
    doc: 'Rare times.',
    fields: [{ name: 'IsnSynTime', type: 'f64', doc: 'Time of the first SYN with the client\'s current ISN (W.IsnSynFrame).' }],
  },
];

/**
 * The columns of a `tcpdiag flows` row (report/flow.ts), in the order the JSON objects and so the NDJSON
 * rows have them. A name a field's `flows` gives is that record field as it stands (the generated code
 * copies it); `directions` is both sides' stats, FLOW_DIRECTION_STATS; every other name is derived, computed
 * in report/flow.ts flowRecord (addresses, uid, times and durations, Zeek conn_state and history, roles, the
 * handshake's durations, the SYN counts, the end, the signatures). A field's `flows` column missing here
 * comes after these, in table order.
 */
export const FLOW_ROW: readonly string[] = [
  'capture', 'id', 'uid', 'ts', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'client', 'server', 'vlan', 'inner_vlan',
  'start', 'duration', 'state', 'conn_state', 'history', 'roles', 'clientPackets', 'serverPackets', 'clientBytes', 'serverBytes',
  'orig_pkts', 'resp_pkts', 'orig_bytes', 'resp_bytes', 'synToSynAck', 'synAckToAck', 'durationUs', 'synToSynAckUs', 'synAckToAckUs',
  'synRetransmits', 'synAckRetransmits', 'synAckRetransmitsAfterAck', 'clientRetransmits', 'serverRetransmits', 'duplicates',
  'directions', 'end', 'firstFrame', 'lastFrame', 'signatures',
];

/**
 * The members of each side's stats in a flows row (`directions.client`, `directions.server`), in order: a
 * direction field's `directions.x` column, or a member of the Direction record computed by its code
 * (gapBytes: the kept holes plus DF.LostHoleBytes, direction.ts).
 */
export const FLOW_DIRECTION_STATS: readonly string[] = ['retransmits', 'duplicates', 'outOfOrder', 'gapBytes', 'zeroWindows', 'keepAlives'];
