/** The JSON a correlation produces. Times in seconds; every field plain data. */

export interface Correlation {
  captures: CaptureSpan[];
  /** One entry per two captures that share at least `minConnections` connections. */
  pairs: PairCorrelation[];
  /** Captures that shared no connection with any other. */
  unpaired: string[];
  /** The packet index's bound: packets kept per capture, bytes each (see packet-index.ts). */
  memory: { maxPacketsPerCapture: number; bytesPerPacket: number };
}

export interface CaptureSpan {
  path: string;
  frames: number;
  tcpPackets: number;
  connections: number;
  /** Epoch seconds of the first and last frame indexed (null for an empty capture). */
  start: number | null;
  end: number | null;
  /** The index hit its bound: packets after `end` were not compared. */
  indexFull: boolean;
  error: string | null;
}

export type Kind = 'syn' | 'synAck' | 'ack' | 'data' | 'fin' | 'rst';
export type KindCounts = Record<Kind, number> & { total: number };

export interface Percentiles {
  count: number;
  min: number | null;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
}

/** What became of the packets one end sent towards the other. */
export interface FateCounts {
  /** Sent (seen in the sender's capture). */
  sent: number;
  /** Found in the receiver's capture. */
  arrived: number;
  /**
   * Of those, data found only as other segments covering its bytes with the same ack (TSO/GSO at the
   * sender's capture, GRO at the receiver's, resegmenting middleboxes); their delays are not in oneWayDelay.
   */
  arrivedResegmented: number;
  /** Sent while the receiver's capture ran, never seen in it. */
  lostOnPath: number;
  /** Would have arrived outside the receiver's capture's time span: no verdict. */
  notComparable: number;
  /** Seen at the receiver within the sender capture's span, with no departure in the sender's capture. */
  arrivedWithoutDeparture: number;
}

export interface Roles {
  clientSide: string;
  serverSide: string;
  /**
   * `handshake-timing`: at the server's capture the SYN-ACK leaves microseconds after the SYN
   * arrives, at the client's a round trip after the SYN left — the capture with the shorter median
   * SYN → SYN-ACK gap over the shared handshakes is the server side. `delay-structure`: no shared
   * handshake; the assignment whose minimum one-way delays give the larger (positive) path delay.
   * `undetermined`: neither tells (two copies of one vantage point); the first capture is called the
   * client side.
   */
  decidedBy: 'handshake-timing' | 'delay-structure' | 'undetermined';
  /** Median SYN → SYN-ACK gap in each capture (null when no handshake was shared). */
  synToSynAckMedian: { clientSide: number | null; serverSide: number | null };
  handshakes: number;
}

export interface DirectionDelay {
  toServer: Percentiles;
  toClient: Percentiles;
}

/**
 * Read off the server-side capture, over the connections in the pair's scope: those the two
 * captures share, plus those only one saw to the same listeners from the same client hosts.
 */
export interface HostCounts {
  /** Arrived at the server and never answered (see host-drops.ts for what counts as an answer). */
  droppedAtHost: KindCounts;
  /** Arrived in the handshake and answered by a bare RST (tcp_abort_on_overflow=1). */
  resetAtHost: KindCounts;
}

export interface ListenerCorrelation extends HostCounts {
  /** The listener as the server-side capture sees it. */
  listener: string;
  connections: number;
  lostOnPath: { toServer: KindCounts; toClient: KindCounts };
  oneWayDelay: DirectionDelay;
}

export interface PacketEvent {
  fate: 'lostOnPath' | 'droppedAtHost' | 'resetAtHost';
  kind: Kind;
  direction: 'toServer' | 'toClient';
  /** Frame number in the capture named by `capture` (the sender's for a loss, the server's for a host drop). */
  capture: 'clientSide' | 'serverSide';
  frame: number;
  /** Epoch seconds, in that capture's clock. */
  time: number;
}

/** What `flows` needs to find its row: capture, endpoints as that capture shows them, first frame. */
export interface FlowKey {
  capture: string;
  client: string;
  server: string;
  firstFrame: number;
}

export interface ConnectionCorrelation {
  /** client>server#isnClient, in the server-side capture's terms (the client-side one when only it saw the connection). */
  key: string;
  isnClient: number | null;
  isnServer: number | null;
  /** How the two captures' connections were paired; null when only one capture has it. */
  matchedBy: 'tuple+isn' | 'nat+isn' | 'tuple' | null;
  flows: FlowKey[];
  lostOnPath: { toServer: number; toClient: number };
  droppedAtHost: number;
  resetAtHost: number;
  /** Where each missing packet went, in time order; at most MAX_EVENTS, the rest counted. */
  events: PacketEvent[];
  eventsOmitted: number;
}

export interface PairCorrelation extends HostCounts {
  captures: [string, string];
  roles: Roles;
  connectionsMatched: number;
  matchedBy: { 'tuple+isn': number; 'nat+isn': number; tuple: number };
  /** Connections one capture saw and the other did not (in scope: same hosts and listeners). */
  connectionsOnlyIn: { clientSide: number; serverSide: number };
  /**
   * Server-side clock minus client-side clock, seconds: add it to a client-side timestamp to get
   * the server-side clock. Assumes the path is as fast each way (the one assumption two captures
   * cannot avoid). Null when no packet identified itself in both captures each way; then no packet is compared.
   */
  clockOffset: number | null;
  /** Minimum one-way delay, the same each way under that assumption. */
  pathDelay: number | null;
  /** Packets that identified themselves in both captures (unique identity), each way. */
  clockSamples: { toServer: number; toClient: number };
  /**
   * Packets are matched on tuple, seq, ack, flags, length and IP ID; false when the IP ID was found
   * rewritten between the captures (fewer than 1 in 10 packets kept it) and was left out.
   */
  matchedOnIpId: boolean;
  packets: { toServer: FateCounts; toClient: FateCounts };
  lostOnPath: { toServer: KindCounts; toClient: KindCounts };
  /** Corrected for the clock offset. */
  oneWayDelay: DirectionDelay;
  listeners: ListenerCorrelation[];
  connections: ConnectionCorrelation[];
}
