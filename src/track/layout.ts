// Where each number of a live connection sits in the tracker's typed arrays (see slots.ts): the offsets
// are generated from the field table (fields.ts → layout.generated.ts, scripts/gen-layout.mjs); the bits
// and codes some of those numbers hold are here.

export { DC, DF, DW, Fl, W } from './layout.generated.js';

/** Bits of DW.Bits. */
export const enum DB {
  IsnSet = 1,
  SeqSet = 2,
  AckSet = 4,
  FinSeen = 8,
  RstSeen = 16,
  /** DW.LastSeq..DW.LastId and DF.LastTime hold a segment (duplicates.ts). */
  LastSet = 32,
  /** The direction has put a segment into the tracker's table of recent segments (duplicates.ts). */
  Spilled = 64,
  /** DW.PrevSeq..DW.PrevDelta hold the segment before the last (duplicates.ts). */
  PrevSet = 128,
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
  /** The server ACKed all the client data seen: Fl.ServerAckDelay is its turnaround. */
  ClientDataAcked = 8192,
  /** The client ACKed all the server data seen: Fl.ClientAckDelay is its turnaround. */
  ServerDataAcked = 16384,
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
