// Where each number of a live connection sits in the tracker's typed arrays (see slots.ts).
//
// A live connection is a slot of 624 bytes, read as W.Size 32-bit words (Int32 or Uint32: sequence
// numbers, frame numbers and addresses are unsigned) and, in the same bytes, as Fl.Size float64 words
// (times and byte counts that can pass 2^32). Keeping per-packet state in flat arrays, not objects, is what lets the tracker
// run without garbage collection pauses and in a memory bound that does not depend on V8's heap.

/** 32-bit words of one direction of a connection. */
export const enum DW {
  Packets,
  Isn,
  NextSeq,
  HighestAck,
  Bits,
  Retransmits,
  Duplicates,
  OutOfOrder,
  ZeroWindows,
  KeepAlives,
  FinFrame,
  /** Segments the direction remembered for the copy check, kept below 2 * RECENT (duplicates.ts). */
  Recent,
  // Words 12-15 free.
  Size = 16,
}

/** Bits of DW.Bits. */
export const enum DB {
  IsnSet = 1,
  SeqSet = 2,
  AckSet = 4,
  FinSeen = 8,
  RstSeen = 16,
}

/** Float64 words of one direction. */
export const enum DF {
  Bytes,
  UniqueBytes,
  NextSeqTime,
  OooThreshold,
  LostHoleBytes,
  /** Capture time of the direction's latest packet (watch's live evidence, live.ts). */
  LastTime,
  Size,
}

/**
 * 32-bit words of a connection; 0 is what a new connection starts with unless
 * slots.ts says otherwise. The same slot holds the Fl doubles: the two enums
 * share its bytes and must not overlap. Ordered by use, so that one packet
 * touches the slot's first 384 bytes (six cache lines, one after another):
 * what every lookup reads (words 0-14; 15 is free), both directions (16-47), the other
 * per-packet words (48-63) and the per-packet doubles (Fl, words 64-95). The
 * rest is read about once a connection (handshake timeline, options, the end).
 */
export const enum W {
  /** Order of creation, from 1; 0 marks a free slot. */
  Id,
  /** The 30-bit connection key (key.ts). */
  Key,
  Vlan,
  CPort, SPort,
  C0, C1, C2, C3,
  S0, S1, S2, S3,
  /** CB bits. */
  Bits,
  /** Side code: 0 none, 1 client, 2 server. */
  RstBy,

  Client = 16,
  Server = Client + DW.Size,

  LastFrame = 48,
  HistSeen,
  HistLen,
  /** Zeek endpoint states, in the order zeekStep reads them. */
  ZClient,
  ZServer,
  ZClientPrev,
  ZServerPrev,
  /** Zeek history letters, six to a word (history.ts). */
  Hist0,
  Hist1,
  Hist2,
  Hist3,
  FirstFin,
  HsAckFrame,
  ServerAnswerFrame,
  ClientDataFrame,
  ServerDataFrame,

  // Words 64-95: Fl.LastTime to the server's DF block.

  ServerDataAckFrame = 96,
  SynCount,
  SynAckCount,
  ClientSegsBeforeAnswer,
  ClientRetransBeforeAnswer,
  IpVersion,
  /** RoleCode. */
  Role,
  FirstFrame,
  SynFrame,
  SynNewIsn,
  SynAckFrame,
  /** SYN-ACK copies seen after the handshake ACK (Connection.synAckCopiesAfterAck). */
  SynAckAfterAck,
  SynRetransBeforeAnswer,
  FinFrame,
  RstFrame,
  RstSeq,
  RstSeqVsPeerAck,
  ReusedBy,
  /** Options of the SYN and of the SYN-ACK: four words each, in this order (handshake.ts recordOptions). */
  SynMss,
  SynWscale,
  SynMask,
  SynTsVal,
  SaMss,
  SaWscale,
  SaMask,
  SaTsVal,

  // Words 122-149: Fl.FirstTsSec to Fl.RstTime.

  /**
   * A VLAN tag seen on one direction only (issue 19 item 5): 0 when none, else
   * (the other direction's tag + 1) << 1 | 1 when that direction is the client's.
   * Read only when a segment's tag differs from W.Vlan (table.ts).
   */
  OtherVlan = 150,
  /**
   * SYNs seen with the client's current ISN (W.Client + DW.Isn) and the frame of the first (its time is
   * Fl.IsnSynTime): a SYN with a new ISN on the same tuple is a new attempt, not a retransmit (issue 19
   * item 7). The tracker puts an ISN's numbers aside when another replaces it and back when it returns.
   */
  IsnSyns,
  IsnSynFrame,
  /** SYNs that brought an ISN not seen before on this tuple: new attempts, neither retransmits nor SYN retransmits. */
  SynFreshIsn,

  // Words 154-155: Fl.IsnSynTime.

  Size = 156,
}

/** Bits of W.Bits. */
export const enum CB {
  SynAckBeforeSyn = 1,
  SynAnsweredByAck = 2,
  SynAckSameTsVal = 4,
  RstHasAck = 8,
  RstAfterServerData = 16,
  RstAnswersSyn = 32,
  ReusesEarlier = 64,
  Evicted = 128,
  SynOptions = 256,
  SynAckOptions = 512,
  /** Something of the slot is in Slots' side Maps (timelines, holes, logged packets): most slots never are. */
  Extras = 1024,
  /** One direction carried a VLAN tag the other did not: matched by tuple and sequence numbers (W.OtherVlan). */
  OneSidedVlan = 2048,
  /** The first SYN-ACK acknowledged the client's current ISN: W.IsnSyns are the answered attempt's SYNs. */
  AnsweredIsn = 4096,
}

/** Float64 words of a connection, counted in doubles from the start of its slot (see W). */
export const enum Fl {
  LastTime = 32,
  /** Capture time the table last moved this slot to the fresh end of its LRU. */
  Touched,
  LastTsSec,
  LastTsNsec,
  Client,
  Server = Client + DF.Size,

  /** The raw timestamps of the first and last packet, for exact times in the output. */
  FirstTsSec = 61,
  FirstTsNsec,
  FirstTime,
  SynTime,
  LastSynTime,
  SynAckTime,
  LastSynAckTime,
  HsAckTime,
  ClientDataTime,
  ServerDataAckTime,
  ServerDataTime,
  ServerAnswerTime,
  FinTime,
  RstTime,
  /** Time of the first SYN with the client's current ISN (W.IsnSynFrame). */
  IsnSynTime = 77,
  /** The slot again, in doubles. */
  Size = W.Size / 2,
}

/** Zeek history letters a connection can collect: '^' and 9 per side. */
export const HISTORY_MAX = 20;

/** W.Role values, in RoleSource's order. */
export const enum RoleCode {
  Syn,
  SynAck,
  Listener,
  Port,
}

/** W.FirstFin and W.RstBy values. */
export const enum Side {
  None,
  Client,
  Server,
}
