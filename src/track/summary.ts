// The summary of one capture read through capture → decode → track: its own module, so that every
// stage above (diagnose, report, cli) can name it without importing the code that runs the reading.

/** What every command prints about a capture; the JSON `captures[]` element. */
export interface CaptureSummary {
  path: string;
  format: 'pcap' | 'pcapng' | null;
  gzip: boolean;
  linkTypes: string[];
  /** Records read. */
  packets: number;
  tcp: number;
  otherIp: number;
  nonIp: number;
  truncated: number;
  malformed: number;
  /** Frames left out by --since/--until (not decoded). */
  outsideWindow: number;
  partial: boolean;
  error: string | null;
  /** Where reading stopped, when it did. */
  errorOffset: number | null;
  errorFrame: number | null;
  warnings: string[];
  /**
   * How finely the capture writes its timestamps (capture/timestamp-resolution.ts): `us` or `ns` for
   * pcap; for pcapng the finest if_tsresol of the interfaces that had packets (`us`, `ns`, `ms`,
   * `1e-N`, `2^-N`); of a --merge, the finest of its files. Null when no resolution was read.
   */
  timestampResolution?: string | null;
  /** Digits of a second the reports print its times with (6 for µs, 9 for ns; at most 9). Both fields are
   *  optional only for summaries made by hand (tests): a read always sets them; without, 9 digits. */
  timestampDigits?: number | null;
  /**
   * The run's base whole second: the analysis's times (findings, timelines) are nanoseconds since it
   * (capture/time-base.ts). 0 when no frame was read, and in summaries made by hand (tests): the epoch.
   * Not printed (report/model.ts captureReport leaves it out).
   */
  timeBase?: number;
  /** The earliest and the latest frame's time (a capture's frames may be out of time order). */
  firstTime: { sec: number; nsec: number } | null;
  lastTime: { sec: number; nsec: number } | null;
  bytes: number;
  otherKinds: Record<string, number>;
  connections: number;
  evictions: number;
  peakLiveConnections: number;
  /** The capture's own loss, filled by the analysis when it finishes (diagnose/capture-loss.ts); absent before. */
  captureLoss?: CaptureLossSummary;
}

/** Segments the other side ACKed that the capture never recorded (Wireshark's "ACKed segment that wasn't captured"). */
export interface CaptureLossSummary {
  /** At least this many segments (the bytes over the receiver's MSS, per connection and direction). */
  ackedUnseenSegments: number;
  ackedUnseenBytes: number;
  /** Connections with any. */
  connections: number;
}
