// Frames whose timestamps do not run forward, seen as tshark's negative time deltas are: between
// consecutive frames. Two faults look alike there and mean different things to the reader:
// - a step back that stays back (pieces of a capture joined in the wrong order, a clock stepped back):
//   everything after it is out of time order, and connections across it may be split;
// - a lone frame stamped far from the frames on both sides of it (a bad timestamp: public/pcapng-example's
//   frame 2 is 46 years ahead of frames 1 and 3, tls_DER-incomplete-header's frame 2 21 years behind):
//   one frame is out of place, not the capture.
// Frames are read in file order all the same, as tshark and Zeek read them; this only says what it saw.

/** A step between consecutive frames longer than this is a fault, not a multi-queue NIC's jitter (µs–ms). */
const STEP_NS = 1e9;

export class TimeOrder {
  private frames = 0;
  /**
   * The previous frame's and the one before's capture times and numbers. The times start as -0 (equal to 0): a
   * double, as every time past 2^31 ns is, so V8 never changes the fields' representation mid-run (that threw
   * the optimised per-frame code away once per process: decode/segment.ts says the same of Segment.time).
   */
  private prevT = -0;
  private prevFrame = 0;
  private prevPrevT = -0;
  /** The previous frame stepped back by more than STEP_NS: a lone frame behind if this one returns. */
  private pendingBack = false;

  private backSteps = 0;
  private firstBackFrame = 0;
  private largestBackNs = 0;
  private aheadFrames = 0;
  private firstAheadFrame = 0;
  private largestAheadNs = 0;
  private behindFrames = 0;
  private firstBehindFrame = 0;
  private largestBehindNs = 0;

  /** A frame's capture time (nanoseconds since the run's base second, capture/time-base.ts) and number. */
  see(t: number, frame: number): void {
    if (++this.frames > 1) {
      if (this.pendingBack) {
        this.pendingBack = false;
        // The frame before stepped back; this one is back on the line of the frame before that.
        if (t - this.prevT > STEP_NS && t >= this.prevPrevT - STEP_NS) this.behind(this.prevFrame, Math.min(this.prevPrevT, t) - this.prevT);
        else this.back(this.prevFrame, this.prevPrevT - this.prevT);
      }
      if (t < this.prevT - STEP_NS) {
        // The frame before jumped ahead and this one is back on the line of the frame before it.
        if (this.frames > 2 && this.prevT - this.prevPrevT > STEP_NS && t >= this.prevPrevT - STEP_NS) {
          this.ahead(this.prevFrame, this.prevT - Math.max(this.prevPrevT, t));
        } else this.pendingBack = true;
      }
    }
    this.prevPrevT = this.prevT;
    this.prevT = t;
    this.prevFrame = frame;
  }

  /** One line per kind of fault seen, for the capture's warnings. */
  warnings(): string[] {
    if (this.pendingBack) {
      this.pendingBack = false;
      this.back(this.prevFrame, this.prevPrevT - this.prevT);
    }
    const out: string[] = [];
    if (this.backSteps > 0) {
      const n = this.backSteps;
      out.push(
        `${n === 1 ? 'the capture steps' : `the capture steps ${n} times`} back in time by more than 1 s between consecutive frames (${n === 1 ? 'at' : 'first at'} frame ${this.firstBackFrame}, ${n === 1 ? '' : 'the largest '}${span(this.largestBackNs)} back): ` +
          'its records are out of time order (pieces joined in the wrong order) or the clock stepped back. They are read in file order, as tshark reads them, so a connection across the step may be split in two; ' +
          '`reordercap IN OUT` sorts them, or give the pieces to --merge',
      );
    }
    if (this.aheadFrames > 0) out.push(lone(this.aheadFrames, this.firstAheadFrame, this.largestAheadNs, 'after'));
    if (this.behindFrames > 0) out.push(lone(this.behindFrames, this.firstBehindFrame, this.largestBehindNs, 'before'));
    return out;
  }

  private back(frame: number, ns: number): void {
    if (this.backSteps++ === 0) this.firstBackFrame = frame;
    if (ns > this.largestBackNs) this.largestBackNs = ns;
  }

  private ahead(frame: number, ns: number): void {
    if (this.aheadFrames++ === 0) this.firstAheadFrame = frame;
    if (ns > this.largestAheadNs) this.largestAheadNs = ns;
  }

  private behind(frame: number, ns: number): void {
    if (this.behindFrames++ === 0) this.firstBehindFrame = frame;
    if (ns > this.largestBehindNs) this.largestBehindNs = ns;
  }
}

function lone(n: number, frame: number, ns: number, side: 'after' | 'before'): string {
  return n === 1
    ? `frame ${frame} is stamped ${span(ns)} ${side} the frames on either side of it: a bad timestamp, not records out of order; its times are used as stamped`
    : `${n} frames are each stamped more than 1 s ${side} the frames on either side of them (first: frame ${frame}, the largest ${span(ns)}): bad timestamps, not records out of order; their times are used as stamped`;
}

/** A span of nanoseconds in the unit a reader takes in at a glance: 18.1 s, 60.0 min, 21.1 years. */
export function span(ns: number): string {
  const s = ns / 1e9;
  if (s < 120) return `${s.toFixed(1)} s`;
  if (s < 7200) return `${(s / 60).toFixed(1)} min`;
  if (s < 2 * 86400) return `${(s / 3600).toFixed(1)} h`;
  if (s < 730 * 86400) return `${(s / 86400).toFixed(1)} days`;
  return `${(s / (365.25 * 86400)).toFixed(1)} years`;
}
