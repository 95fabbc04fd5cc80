// Several capture files read as one capture (`--merge`): the files of one rotated capture (tcpdump -C/-G)
// or of several interfaces. A k-way merge of the readers by timestamp, so a connection that crosses a file
// boundary is one connection. Only Frame/FrameSink and readCapture are used: the reader stays as it is.
//
// Frame numbers: the merged capture numbers its frames 1, 2, … in the order it hands them out, which is
// the order `mergecap -w merged.pcap FILE…` writes them (earliest timestamp first; on equal timestamps the
// file given first; within a file, the file's own order). FrameOrigins turns a merged number back into
// the file and the frame number Wireshark shows when that file is opened alone.

import { statSync } from 'node:fs';
import { CaptureError, newFrame, type CaptureFormat, type Frame, type FrameSink, type TimestampResolution } from './frame.js';
import { finerResolution } from './timestamp-resolution.js';
import { readCapture, type ReadOptions, type ReadProgress, type ReadResult } from './reader.js';

/** Where a frame of a merged capture comes from: the file's index in the merged list and its frame number there. */
export interface FrameOrigin {
  file: number;
  frame: number;
}

/** The frames of one file within a range of merged frame numbers. */
export interface FileSpan {
  file: number;
  firstFrame: number;
  lastFrame: number;
}

/**
 * Merged frame number → (file, frame in that file), kept as runs of consecutive frames of one file: a
 * rotated capture is one run per file; interfaces whose packets interleave make more runs (at worst one a
 * frame, 20 bytes each).
 */
export class FrameOrigins {
  private starts = new Float64Array(16);
  private files = new Uint32Array(16);
  private fileFrames = new Float64Array(16);
  private runs = 0;
  private lastFile = -1;
  private lastFileFrame = -1;

  /** Merged frame `merged` is frame `frame` of file `file`. Called in merged order. */
  add(merged: number, file: number, frame: number): void {
    if (file === this.lastFile && frame === this.lastFileFrame + 1) {
      this.lastFileFrame = frame;
      return;
    }
    if (this.runs === this.starts.length) this.grow();
    this.starts[this.runs] = merged;
    this.files[this.runs] = file;
    this.fileFrames[this.runs] = frame;
    this.runs++;
    this.lastFile = file;
    this.lastFileFrame = frame;
  }

  private grow(): void {
    const n = this.starts.length * 2;
    const s = new Float64Array(n);
    s.set(this.starts);
    const f = new Uint32Array(n);
    f.set(this.files);
    const ff = new Float64Array(n);
    ff.set(this.fileFrames);
    this.starts = s;
    this.files = f;
    this.fileFrames = ff;
  }

  /** The run holding merged frame `merged`, or -1 before the first. */
  private runOf(merged: number): number {
    let lo = 0;
    let hi = this.runs - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid]! <= merged) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  locate(merged: number): FrameOrigin | null {
    const r = this.runOf(merged);
    if (r < 0) return null;
    const frame = this.fileFrames[r]! + (merged - this.starts[r]!);
    // Past the end of the last run: a number the merge never handed out.
    if (r === this.runs - 1 && this.files[r] === this.lastFile && frame > this.lastFileFrame) return null;
    return { file: this.files[r]!, frame };
  }

  /** Per file (in file order), the first and last of its frames among merged frames first..last. */
  spans(first: number, last: number): FileSpan[] {
    const byFile = new Map<number, FileSpan>();
    let r = Math.max(this.runOf(first), 0);
    for (; r < this.runs && this.starts[r]! <= last; r++) {
      const runStart = this.starts[r]!;
      const runEnd = r + 1 < this.runs ? this.starts[r + 1]! - 1 : runStart + (this.lastFileFrame - this.fileFrames[r]!);
      const a = Math.max(first, runStart);
      const b = Math.min(last, runEnd);
      if (a > b) continue;
      const file = this.files[r]!;
      const fa = this.fileFrames[r]! + (a - runStart);
      const fb = this.fileFrames[r]! + (b - runStart);
      const s = byFile.get(file);
      if (!s) byFile.set(file, { file, firstFrame: fa, lastFrame: fb });
      else {
        s.firstFrame = Math.min(s.firstFrame, fa);
        s.lastFrame = Math.max(s.lastFrame, fb);
      }
    }
    return [...byFile.values()].sort((x, y) => x.file - y.file);
  }
}

/**
 * Frames of one file waiting for their turn: copies (the reader reuses its frame and its chunk), the
 * bytes in one arena and the frame objects pooled, so a merge of overlapping files allocates nothing per
 * packet once warmed up.
 */
class FrameQueue {
  private items: Frame[] = [];
  private head = 0;
  private pool: Frame[] = [];
  private arena: Buffer = Buffer.allocUnsafe(64 * 1024);
  /** Arena bytes in use: from the head frame's offset to `end`. */
  private end = 0;

  get empty(): boolean {
    return this.head === this.items.length;
  }

  /** The next frame, still queued (its `buf` is set by take()). */
  peek(): Frame {
    return this.items[this.head]!;
  }

  push(f: Frame): void {
    this.reserve(f.caplen);
    const q = copyRecord(this.pool.pop() ?? newFrame(), f);
    this.arena.set(f.buf.subarray(f.offset, f.offset + f.caplen), this.end);
    q.offset = this.end;
    this.end += f.caplen;
    this.items.push(q);
  }

  /** Removes the head frame and returns it, valid until the next push or take. */
  take(): Frame {
    const f = this.items[this.head++]!;
    f.buf = this.arena;
    this.pool.push(f);
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
      this.end = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      // A queue that never runs dry (its file keeps a little ahead of the others): drop the taken slots.
      this.items.splice(0, this.head);
      this.head = 0;
    }
    return f;
  }

  /** Room for `n` more bytes: the live bytes moved to the front, or a larger arena. */
  private reserve(n: number): void {
    if (this.end + n <= this.arena.length) return;
    const from = this.empty ? this.end : this.items[this.head]!.offset;
    const live = this.end - from;
    const target = this.arena.length >= 2 * (live + n) ? this.arena : Buffer.allocUnsafe(Math.max(2 * this.arena.length, 2 * (live + n)));
    target.set(this.arena.subarray(from, this.end), 0);
    for (let i = this.head; i < this.items.length; i++) this.items[i]!.offset -= from;
    this.arena = target;
    this.end = live;
  }
}

type InputState = 'waiting' | 'reading' | 'done';

interface Input {
  index: number;
  path: string;
  /** The first frame's time, read ahead: a file is started only when the merge reaches it. Null: no frame. */
  first: { sec: number; nsec: number } | null;
  state: InputState;
  queue: FrameQueue;
  result: ReadResult | null;
  progress: ReadProgress | null;
}

export interface MergeResult extends ReadResult {
  origins: FrameOrigins;
}

const FOUND = new Error('first frame found');

/** The time of a capture's first frame, from its first bytes only (null when it has none). */
async function firstTime(path: string): Promise<{ sec: number; nsec: number } | null> {
  let t: { sec: number; nsec: number } | null = null;
  // readCapture stops at an exception from its sink and reports it as the fault; the fault is not used here.
  await readCapture(path, {
    onFrame(f: Frame) {
      t = { sec: f.tsSec, nsec: f.tsNsec };
      throw FOUND;
    },
  }, { chunkBytes: 64 * 1024 });
  return t;
}

/** a before b in merged order: earlier time, then the file given first. */
function before(aSec: number, aNsec: number, aFile: number, bSec: number, bNsec: number, bFile: number): boolean {
  return aSec < bSec || (aSec === bSec && (aNsec < bNsec || (aNsec === bNsec && aFile < bFile)));
}

/**
 * Reads `paths` as one capture into `sink`, frames in time order and numbered 1, 2, … across the files
 * (see the top of this file). Like readCapture it never throws for bad capture data: the first file's
 * fault (in file order) comes back in `error`, its message naming the file, with that file's byte
 * offset and frame number; the other files are still read to the end.
 *
 * Files are started one by one as the merge reaches their first timestamp, so the files of a rotated
 * capture are read one after the other with nothing held back. Files that overlap in time are read side
 * by side, and the frames of whichever runs ahead wait in memory for the others.
 */
export async function readMerged(
  paths: readonly string[],
  sink: FrameSink,
  opts: ReadOptions = {},
  origins = new FrameOrigins(),
): Promise<MergeResult> {
  const firsts = await Promise.all(paths.map((p) => firstTime(p)));
  const inputs: Input[] = paths.map((path, index) => ({ index, path, first: firsts[index]!, state: 'waiting', queue: new FrameQueue(), result: null, progress: null }));
  // Waiting files in the order they start: by first time, then as given. A file without a frame starts
  // at once (its fault, if any, is reported; it adds nothing).
  const waiting = [...inputs].sort((a, b) => {
    if (a.first === null || b.first === null) return (a.first === null ? 0 : 1) - (b.first === null ? 0 : 1) || a.index - b.index;
    return before(a.first.sec, a.first.nsec, a.index, b.first.sec, b.first.nsec, b.index) ? -1 : 1;
  });
  let nextWaiting = 0;
  const active: Input[] = [];
  const out = newFrame();
  let merged = 0;
  let pumping = false;
  let failure: unknown = null;
  let settle!: () => void;
  const finished = new Promise<void>((resolve) => (settle = resolve));
  // The finest resolution of the files read so far: the merged capture's.
  let resolution: TimestampResolution | null = null;
  let totalBytes: number | null = 0;
  for (const p of paths) {
    try {
      const st = statSync(p);
      if (totalBytes !== null) totalBytes = st.isFile() ? totalBytes + st.size : null;
    } catch {
      totalBytes = null;
    }
  }

  const report = () => {
    if (!opts.onProgress) return;
    let raw = 0;
    for (const i of inputs) raw += i.progress?.rawBytes ?? 0;
    opts.onProgress({ rawBytes: raw, totalBytes, frames: merged });
  };

  const emit = (input: Input, f: Frame) => {
    merged++;
    origins.add(merged, input.index, f.number);
    copyRecord(out, f);
    out.number = merged;
    out.buf = f.buf;
    out.offset = f.offset;
    sink.onFrame(out);
  };

  /** Whether a frame of `input` at this time comes before every other file's next frame (false: unknown yet). */
  const leads = (input: Input, sec: number, nsec: number): boolean => {
    for (const o of active) {
      if (o === input) continue;
      if (o.queue.empty) {
        if (o.state === 'reading') return false;
        continue;
      }
      const h = o.queue.peek();
      if (!before(sec, nsec, input.index, h.tsSec, h.tsNsec, o.index)) return false;
    }
    const w = waiting[nextWaiting];
    if (w && (w.first === null || !before(sec, nsec, input.index, w.first.sec, w.first.nsec, w.index))) return false;
    return true;
  };

  const start = (input: Input) => {
    input.state = 'reading';
    active.push(input);
    const fileSink: FrameSink = {
      onFrame(f: Frame) {
        // Straight through when nothing can come before it (one file at a time, as in a rotated capture).
        if (input.queue.empty && !pumping && leads(input, f.tsSec, f.tsNsec)) emit(input, f);
        else {
          input.queue.push(f);
          pump();
        }
      },
      onWarning(message: string, fileOffset: number, frameNumber: number) {
        sink.onWarning?.(`${input.path}: ${message}`, fileOffset, frameNumber);
      },
      onTimestampResolution(r: TimestampResolution) {
        const finest = finerResolution(resolution, r);
        if (finest === resolution) return;
        resolution = finest;
        sink.onTimestampResolution?.(finest);
      },
    };
    readCapture(input.path, fileSink, {
      chunkBytes: opts.chunkBytes,
      onProgress: (p) => {
        input.progress = p;
        report();
      },
    }).then(
      (r) => {
        input.result = r;
        input.state = 'done';
        try {
          pump();
        } catch (e) {
          failure ??= e;
          settle();
        }
      },
      (e: unknown) => {
        failure ??= e;
        settle();
      },
    );
  };

  /** Hands out frames while the next one is known; starts a file when the merge reaches it. */
  function pump(): void {
    if (pumping) return;
    pumping = true;
    try {
      for (;;) {
        let best: Input | null = null;
        let blocked = false;
        for (const o of active) {
          if (o.queue.empty) {
            if (o.state === 'reading') blocked = true;
            continue;
          }
          const h = o.queue.peek();
          if (!best) best = o;
          else {
            const b = best.queue.peek();
            if (before(h.tsSec, h.tsNsec, o.index, b.tsSec, b.tsNsec, best.index)) best = o;
          }
        }
        // A file still reading with nothing queued may yet have the earliest frame: wait for it.
        if (blocked) break;
        const w = waiting[nextWaiting];
        const b = best?.queue.peek();
        if (w && (!b || w.first === null || before(w.first.sec, w.first.nsec, w.index, b.tsSec, b.tsNsec, best!.index))) {
          // The next file begins before anything queued: start it and wait for its frames.
          nextWaiting++;
          start(w);
          continue;
        }
        if (!best) break;
        emit(best, best.queue.take());
      }
    } finally {
      pumping = false;
    }
    if (nextWaiting === waiting.length && active.every((o) => o.state === 'done' && o.queue.empty)) settle();
  }

  pump();
  await finished;
  if (failure) throw failure;
  const result: MergeResult = { format: null, gzip: false, linkTypes: [], frames: merged, bytes: 0, error: null, timestampResolution: null, origins };
  let format: CaptureFormat | null = null;
  for (const i of inputs) {
    const r = i.result!;
    format ??= r.format;
    result.gzip ||= r.gzip;
    for (const l of r.linkTypes) if (!result.linkTypes.includes(l)) result.linkTypes.push(l);
    result.bytes += r.bytes;
    if (r.timestampResolution) result.timestampResolution = finerResolution(result.timestampResolution, r.timestampResolution);
    if (r.error && !result.error) {
      // Named: the capture is named by all its files, and the offset and frame number are this one's.
      result.error = paths.length > 1 ? new CaptureError(`${i.path}: ${r.error.message}`, r.error.fileOffset, r.error.frameNumber) : r.error;
    }
  }
  result.format = format;
  report();
  return result;
}

/** Copies what describes a frame's record (not its bytes: `buf` and `offset` are the caller's). */
function copyRecord(into: Frame, f: Frame): Frame {
  into.number = f.number;
  into.tsSec = f.tsSec;
  into.tsNsec = f.tsNsec;
  into.linkType = f.linkType;
  into.interfaceId = f.interfaceId;
  into.caplen = f.caplen;
  into.origLen = f.origLen;
  into.fileOffset = f.fileOffset;
  return into;
}
