// `tcpdiag watch --port`: capture time from the wall clock, so that a window closes on time when no
// packet arrives. tcpdump stamps packets with a clock of its own (this host's, or the NIC's), and they
// reach us a little later; the mapping is the smallest delay seen lately between a packet's time and
// the moment it was read.

/** How fast the mapping forgets a small delay (ns per ns), so that it follows a clock step backwards. */
const DRIFT = 0.001;

export class CaptureClock {
  private offset = NaN;
  private observedAt = NaN;
  private lastPacket = -Infinity;

  /** A read just gave packets up to `packetTime` (capture time) at `wall` (the wall clock, counted from the same base second). */
  observe(wall: number, packetTime: number): void {
    if (!(packetTime > this.lastPacket)) return;
    this.lastPacket = packetTime;
    const d = wall - packetTime;
    this.offset = Number.isNaN(this.offset) ? d : Math.min(d, this.offset + DRIFT * (wall - this.observedAt));
    this.observedAt = wall;
  }

  /** Capture time at wall time `wall` (the wall clock itself before the first packet). */
  now(wall: number): number {
    return Number.isNaN(this.offset) ? wall : wall - this.offset;
  }

  /** Wall time at which capture time reaches `t`. */
  wallAt(t: number): number {
    return Number.isNaN(this.offset) ? t : t + this.offset;
  }
}
