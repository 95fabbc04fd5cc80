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
  firstTime: { sec: number; nsec: number } | null;
  lastTime: { sec: number; nsec: number } | null;
  bytes: number;
  otherKinds: Record<string, number>;
  connections: number;
  evictions: number;
  peakLiveConnections: number;
}
