import type { Frame, TimestampResolution } from '../capture/frame.js';
import { resolutionDigits, resolutionName } from '../capture/timestamp-resolution.js';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { readCapture, type ReadProgress } from '../capture/reader.js';
import { readMerged, type FrameOrigins } from '../capture/merge.js';
import { bytesSource, type ByteSource } from '../capture/source.js';
import { Decoder } from '../decode/decoder.js';
import { linkTypeName } from '../decode/link.js';
import { Decoded, newSegment } from '../decode/segment.js';
import type { Connection } from './connection.js';
import type { CaptureSummary } from './summary.js';
import { Tracker, type TrackerOptions } from './tracker.js';
import { warmUpCapture } from './warm-up.js';
import { TimeOrder } from './time-order.js';
import { captureTime } from '../capture/time-base.js';
import { carry, type TimeBound } from './time-bound.js';

export type { CaptureSummary } from './summary.js';

// The bound's type and its makers, for programs that call trackCapture with a window.
export { epochBound, epochBoundOf, fromStartBound, type TimeBound } from './time-bound.js';

/** Where an epoch bound falls; `none` (±Infinity) when there is none, or until the first frame places a fromStart one. */
function epochLimit(b: TimeBound | undefined, none: number): { sec: number; nsec: number } {
  return b?.kind === 'epoch' ? { sec: b.sec, nsec: b.nsec } : { sec: none, nsec: 0 };
}

export interface RunOptions extends TrackerOptions {
  since?: TimeBound;
  until?: TimeBound;
  onProgress?: (p: ReadProgress) => void;
  /** Read size; only tests change it (see ReadOptions). */
  chunkBytes?: number;
  /** Makes the tracker: `tcpdiag watch` gives a LiveTracker (live.ts); a plain Tracker otherwise. */
  newTracker?: (emit: (c: Connection) => void, opts: TrackerOptions) => Tracker;
  /** --merge: these files read as one capture in time order (`path` only names it); `origins` learns where each frame came from. */
  merge?: { files: readonly string[]; origins?: FrameOrigins };
  /**
   * The digits of a second the capture's times are printed with, as soon as they are known and each time
   * they grow (a pcapng's finer interface, a merged finer file): before any connection that needs them.
   */
  onTimestampDigits?: (digits: number) => void;
  /**
   * The run's base whole second (capture/time-base.ts): packet times are nanoseconds since it. Default: the
   * first frame's second (a --merge's earliest file's); `watch --port` gives the wall clock's at its start.
   */
  timeBase?: number;
  /** Told the base once it is chosen: at the first frame, before it is decoded. */
  onTimeBase?: (sec: number) => void;
}

const MAX_WARNINGS = 20;
/** Segments decoded ahead of the tracker (Tracker.addBatch). 16, 32 and 64 measured alike (BENCHMARKS.md, session 11). */
const BATCH = 16;

/**
 * The warm-up capture (warm-up.ts), run once per process before an input this large: two rounds of its
 * connections (~240 packets), through every branch of read → decode → track, before V8 optimises any of it.
 * It gives V8 the type feedback of the rare branches (a probe past an entry's home, an eviction, a SYN-ACK
 * after the handshake, a copy found in the recent-segments table...) before the input makes the loop hot,
 * so the loop is compiled with them and not thrown away the first time the input takes one ("insufficient
 * type feedback": 21 deoptimisations of the tracker on the 2 M file without it, 2–3 with it; `node
 * scripts/bench/jit.mjs --command track`). It costs ~30 ms in a cold process; measured in alternating
 * pairs (BENCHMARKS.md, session 13), the tracker's pass over the 2 M file took 5–12% less CPU and analyze
 * 4–6% less; analyze of a 49 MB file 12%, of a 6 MB file 20%; at 10 000 packets (2 MB) it neither gained
 * nor lost. An earlier warm-up of 40 rounds, long enough for V8 to optimise the loop on the warm-up's own
 * feedback, cost more than it saved. TCPDIAG_WARMUP=0 turns it off; a .gz counts three times its size.
 */
const WARM_UP_FROM_BYTES = 4 * 1024 * 1024;
const WARM_UP_ROUNDS = 2;
// Small and odd: chunk boundaries fall inside records and inside record headers, as they do in a large file.
const WARM_UP_CHUNK_BYTES = 4093;
let warmedUp = false;

/**
 * The inputs' sizes on disk, plain files and .gz files apart, and the .gz files' sizes uncompressed as their
 * trailers say (gzip's ISIZE: the last member's size, modulo 4 GiB); `stdin` when one is '-', `other` when
 * one is not a regular file (a FIFO, a device: its size says nothing). Missing files count 0 (the reader
 * says so).
 */
function inputBytes(paths: readonly string[]): { plain: number; gz: number; gunzipped: number; stdin: boolean; other: boolean } {
  let plain = 0;
  let gz = 0;
  let gunzipped = 0;
  let other = false;
  for (const path of paths) {
    if (path === '-') return { plain, gz, gunzipped, stdin: true, other };
    try {
      const st = statSync(path);
      if (!st.isFile()) {
        other = true;
        continue;
      }
      if (/\.gz$/i.test(path)) {
        gz += st.size;
        gunzipped += gzipTrailerSize(path, st.size);
      } else plain += st.size;
    } catch {
      // Not there: the reader says so.
    }
  }
  return { plain, gz, gunzipped, stdin: false, other };
}

/** The uncompressed size a gzip file's last 4 bytes give (ISIZE, little-endian), or 0 when it is too short to have one. */
function gzipTrailerSize(path: string, size: number): number {
  if (size < 18) return 0;
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(4);
    return readSync(fd, b, 0, 4, size - 4) === 4 ? b.readUInt32LE(0) : 0;
  } finally {
    closeSync(fd);
  }
}

type InputBytes = ReturnType<typeof inputBytes>;

/** Whether trackCapture runs the warm-up before these files (one, or a --merge's), by their sizes (exported for the tests). */
export function worthWarmingUp(paths: readonly string[]): boolean {
  return warmUpPays(inputBytes(paths));
}

function warmUpPays(b: InputBytes): boolean {
  if (process.env.TCPDIAG_WARMUP === '0') return false;
  return !b.stdin && b.plain + 3 * b.gz >= WARM_UP_FROM_BYTES;
}

/**
 * The smallest record that carries a TCP segment as it is: a pcap record header (16 bytes), an IPv4 header and
 * a TCP header (20 + 20) on a link with no header of its own. One that IPComp compressed (ip.ts) can be smaller:
 * down to 44 bytes, an IPv4 header, IPComp's 4 bytes and 4 of DEFLATE that inflate to a 20-byte TCP header.
 * Such a capture's bound is too low, and its table grows.
 */
const SMALLEST_TCP_RECORD_BYTES = 56;

/**
 * The most connections these files (one, or a --merge's) can hold, by their sizes: a small capture's table is
 * made small (TrackerOptions.connectionsAtMost). A .gz file counts its size uncompressed as its trailer says;
 * past 4 GiB, or with several members, that is too low, and so is a compressed file's size under another
 * name: the table then grows, as it does under a cap, and gives the same connections. Undefined when
 * nothing can be known: stdin, a FIFO or a device.
 */
export function connectionsAtMost(paths: readonly string[]): number | undefined {
  return boundOf(inputBytes(paths));
}

function boundOf(b: InputBytes): number | undefined {
  return b.stdin || b.other ? undefined : Math.floor((b.plain + b.gunzipped) / SMALLEST_TCP_RECORD_BYTES);
}

/**
 * capture → decode → track for one input. Finished connections go to
 * `onConnection` as they finish; the summary comes back at the end. Never
 * throws for a bad capture: the fault is in the summary.
 */
export async function trackCapture(
  path: string,
  onConnection: (c: Connection) => void,
  opts: RunOptions = {},
): Promise<CaptureSummary> {
  // The inputs' sizes, read once for both uses. watch (newTracker) reads live and long: no warm-up, and its
  // table is made as it always was.
  const sizes = opts.newTracker === undefined ? inputBytes(opts.merge?.files ?? [path]) : null;
  if (!warmedUp && sizes && warmUpPays(sizes)) await warmUpTracker(opts);
  const atMost = opts.connectionsAtMost ?? (sizes ? boundOf(sizes) : undefined);
  return track(path, undefined, onConnection, atMost === undefined ? opts : { ...opts, connectionsAtMost: atMost });
}

/** Runs the warm-up capture (warm-up.ts) through read → decode → track, once per process. */
export async function warmUpTracker(opts: Pick<TrackerOptions, 'recycle' | 'zeek'> = {}): Promise<void> {
  if (warmedUp) return;
  warmedUp = true;
  // The same functions on the input's options (a recycled record or not, Zeek's letters or not), so the
  // feedback is the input's.
  const o = { recycle: opts.recycle, zeek: opts.zeek };
  const bytes = warmUpCapture(WARM_UP_ROUNDS);
  // First in a table of 8 connections (the two rounds keep up to 22 open: evictions, and probe runs past an
  // entry's home; a table of 16 missed those in some runs, its hash seed being random), then in one of 2000 (a
  // table of the default size costs ~7 ms to make, and measured slower).
  const emit = () => undefined;
  await track('(warm-up)', bytesSource(bytes, WARM_UP_CHUNK_BYTES), emit, { ...o, maxConnections: 8 });
  await track('(warm-up)', bytesSource(bytes, WARM_UP_CHUNK_BYTES), emit, { ...o, maxConnections: 2000 });
}

async function track(
  path: string,
  source: ByteSource | undefined,
  onConnection: (c: Connection) => void,
  opts: RunOptions,
): Promise<CaptureSummary> {
  // A plain tracker takes segments a batch at a time (Tracker.addBatch: their lookups' cache misses overlap);
  // watch's LiveTracker one at a time, as they come, since it acts on each packet's time.
  const batched = opts.newTracker === undefined;
  const batch = batched ? Array.from({ length: BATCH }, newSegment) : [newSegment()];
  let inBatch = 0;
  const decoder = new Decoder(batch[0]!);
  const tracker = opts.newTracker?.(onConnection, opts) ?? new Tracker(onConnection, opts);
  const warnings: string[] = [];
  // The first frame read anchors --since/--until +SECONDS (known before the rest is read); the summary's
  // firstTime is the earliest frame, as lastTime is the latest (a capture's frames may be out of time order).
  let first = true;
  let firstSec = Infinity;
  let firstNsec = 0;
  let lastSec = -Infinity;
  let lastNsec = 0;
  let outside = 0;
  // Steps back in time between frames, and lone frames stamped far from their neighbours: said in warnings.
  const timeOrder = new TimeOrder();
  let base = opts.timeBase ?? null;
  if (base !== null) {
    decoder.baseSec = base;
    opts.onTimeBase?.(base);
  }
  let since = epochLimit(opts.since, -Infinity);
  let until = epochLimit(opts.until, Infinity);
  const windowed = opts.since !== undefined || opts.until !== undefined;
  const warn = (m: string, off: number, frame: number) => {
    if (warnings.length < MAX_WARNINGS) warnings.push(`${m} (byte offset ${off}, frame ${frame})`);
  };
  const sink = {
    onFrame(f: Frame): void {
      if (first) {
        first = false;
        firstSec = f.tsSec;
        firstNsec = f.tsNsec;
        if (base === null) {
          base = decoder.baseSec = f.tsSec;
          opts.onTimeBase?.(base);
        }
        if (opts.since?.kind === 'fromStart') since = carry(f.tsSec, f.tsNsec + opts.since.ns);
        if (opts.until?.kind === 'fromStart') until = carry(f.tsSec, f.tsNsec + opts.until.ns);
      }
      if (f.tsSec > lastSec || (f.tsSec === lastSec && f.tsNsec > lastNsec)) {
        lastSec = f.tsSec;
        lastNsec = f.tsNsec;
      } else if (f.tsSec < firstSec || (f.tsSec === firstSec && f.tsNsec < firstNsec)) {
        firstSec = f.tsSec;
        firstNsec = f.tsNsec;
      }
      timeOrder.see(captureTime(base!, f.tsSec, f.tsNsec), f.number);
      if (windowed) {
        const beforeSince = f.tsSec < since.sec || (f.tsSec === since.sec && f.tsNsec < since.nsec);
        const afterUntil = f.tsSec > until.sec || (f.tsSec === until.sec && f.tsNsec > until.nsec);
        if (beforeSince || afterUntil) {
          outside++;
          return;
        }
      }
      if (decoder.decode(f) !== Decoded.Tcp) return;
      if (!batched) tracker.add(decoder.segment);
      else if (++inBatch < BATCH) decoder.segment = batch[inBatch]!;
      else {
        tracker.addBatch(batch, BATCH);
        inBatch = 0;
        decoder.segment = batch[0]!;
      }
    },
    onWarning: warn,
    onTimestampResolution(r: TimestampResolution): void {
      opts.onTimestampDigits?.(resolutionDigits(r));
    },
  };
  const ro = { onProgress: opts.onProgress, chunkBytes: opts.chunkBytes };
  const r = opts.merge ? await readMerged(opts.merge.files, sink, ro, opts.merge.origins) : await readCapture(path, sink, { ...ro, source });
  if (inBatch > 0) tracker.addBatch(batch, inBatch);
  tracker.end();
  const c = decoder.counts;
  if (decoder.badOptionFrames > 0) {
    warnings.push(`${decoder.badOptionFrames} TCP segments carried malformed options (first: frame ${decoder.firstBadOptionFrame}); decoded up to the bad option`);
  }
  const linkTypes = r.linkTypes.map(linkTypeName);
  if (c.tcp === 0 && r.frames > 0) {
    // Said outright: a report without findings would otherwise read as a clean bill of health.
    warnings.push(`no TCP segment was decoded from ${r.frames} packets (link type ${linkTypes.join(', ') || 'none'}): nothing to diagnose`);
  }
  warnings.push(...timeOrder.warnings());
  const ts = tracker.stats;
  if (ts.evictions > 0) {
    warnings.push(`the connection table was full: ${ts.evictions} connections were finalised early (evicted); their diagnosis may be incomplete`);
  }
  return {
    path,
    format: r.format,
    gzip: r.gzip,
    linkTypes,
    packets: r.frames,
    tcp: c.tcp,
    otherIp: c.otherIp,
    nonIp: c.nonIp,
    truncated: c.truncated,
    malformed: c.malformed,
    outsideWindow: outside,
    partial: r.error !== null,
    error: r.error ? r.error.message : null,
    errorOffset: r.error ? r.error.fileOffset : null,
    errorFrame: r.error ? r.error.frameNumber : null,
    warnings,
    timestampResolution: r.timestampResolution ? resolutionName(r.timestampResolution) : null,
    timestampDigits: r.timestampResolution ? resolutionDigits(r.timestampResolution) : null,
    timeBase: base ?? 0,
    firstTime: firstSec === Infinity ? null : { sec: firstSec, nsec: firstNsec },
    lastTime: lastSec === -Infinity ? null : { sec: lastSec, nsec: lastNsec },
    bytes: r.bytes,
    otherKinds: decoder.stats.toObject(),
    connections: ts.connections,
    evictions: ts.evictions,
    peakLiveConnections: ts.peakLive,
  };
}
