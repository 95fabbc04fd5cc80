// Its own module so that slots.ts, which keeps these lists, and connection.ts, which hands them on,
// do not import each other.

/** One packet of a connection, kept only when asked for (the ladder diagrams of the evidence). */
export interface LoggedPacket {
  frame: number;
  time: number;
  fromClient: boolean;
  flags: number;
  seq: number;
  ack: number;
  len: number;
  /** A retransmission (1) or a capture duplicate (2) in its direction; 0 otherwise. */
  resent: number;
}
