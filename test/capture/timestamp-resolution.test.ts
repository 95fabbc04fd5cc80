// The reader reports how finely a capture writes its timestamps: classic pcap by its magic (µs, ns),
// pcapng by the if_tsresol of the interfaces that had packets (the finest), a --merge by the finest of
// its files. The reports print times with resolutionDigits of it (test/report/capture-precision.test.ts).
import { describe, expect, it } from 'vitest';
import type { Frame, TimestampResolution } from '../../src/capture/frame.js';
import { readMerged } from '../../src/capture/merge.js';
import { readCapture } from '../../src/capture/reader.js';
import { bytesSource } from '../../src/capture/source.js';
import { resolutionDigits, resolutionName } from '../../src/capture/timestamp-resolution.js';
import { isoTime } from '../../src/report/model.js';
import { fixture } from './oracle.js';

async function read(path: string, source?: Buffer) {
  const announced: TimestampResolution[] = [];
  const frames: { sec: number; nsec: number }[] = [];
  const r = await readCapture(path, {
    onFrame: (f: Frame) => void frames.push({ sec: f.tsSec, nsec: f.tsNsec }),
    onTimestampResolution: (x) => void announced.push(x),
  }, source ? { source: bytesSource(source) } : {});
  return { r, announced, frames };
}

/** A little-endian pcapng: a section, one interface of this if_tsresol, one packet at `units` of it. */
function pcapng(tsresol: number, units: bigint): Buffer {
  const shb = Buffer.alloc(28);
  shb.writeUInt32LE(0x0a0d0d0a, 0); shb.writeUInt32LE(28, 4); shb.writeUInt32LE(0x1a2b3c4d, 8);
  shb.writeUInt16LE(1, 12); shb.writeUInt16LE(0, 14); shb.writeBigInt64LE(-1n, 16); shb.writeUInt32LE(28, 24);
  // IDB with if_tsresol (code 9, 1 byte, padded to 4) and the end of options.
  const idb = Buffer.alloc(32);
  idb.writeUInt32LE(1, 0); idb.writeUInt32LE(32, 4); idb.writeUInt16LE(1, 8); idb.writeUInt32LE(0, 12);
  idb.writeUInt16LE(9, 16); idb.writeUInt16LE(1, 18); idb.writeUInt8(tsresol, 20);
  idb.writeUInt16LE(0, 24); idb.writeUInt16LE(0, 26); idb.writeUInt32LE(32, 28);
  // EPB with 4 bytes of data (not a packet the decoder needs).
  const epb = Buffer.alloc(36);
  epb.writeUInt32LE(6, 0); epb.writeUInt32LE(36, 4); epb.writeUInt32LE(0, 8);
  epb.writeUInt32LE(Number(units >> 32n), 12); epb.writeUInt32LE(Number(units & 0xffffffffn), 16);
  epb.writeUInt32LE(4, 20); epb.writeUInt32LE(4, 24); epb.writeUInt32LE(36, 32);
  return Buffer.concat([shb, idb, epb]);
}

describe('timestamp resolution of a capture', () => {
  it('pcap: the magic says µs or ns, whether or not there are packets', async () => {
    expect((await read(fixture('public/get.pcap'))).r.timestampResolution).toEqual({ base: 10, exponent: 6 });
    expect((await read(fixture('public/nanosecs_big_endian.pcap'))).r.timestampResolution).toEqual({ base: 10, exponent: 9 });
    expect((await read(fixture('public/tcp-handshake-nano.pcap'))).r.timestampResolution).toEqual({ base: 10, exponent: 9 });
    const empty = await read(fixture('public/empty.pcap'));
    expect(empty.frames).toHaveLength(0);
    expect(empty.r.timestampResolution).toEqual({ base: 10, exponent: 6 });
    // Announced once, from the header, before the first frame.
    const get = await read(fixture('public/get.pcap'));
    expect(get.announced).toEqual([{ base: 10, exponent: 6 }]);
  });

  it('pcapng: the finest if_tsresol of the interfaces with packets (ns interface 0, µs interface 1)', async () => {
    const multi = await read(fixture('public/pcapng-multi-interface.pcapng'));
    expect(multi.frames).toHaveLength(6);
    expect(multi.r.timestampResolution).toEqual({ base: 10, exponent: 9 });
    expect(multi.announced).toEqual([{ base: 10, exponent: 9 }]);
    // No if_tsresol on any interface: the default microseconds.
    expect((await read(fixture('public/many_interfaces-1.pcapng'))).r.timestampResolution).toEqual({ base: 10, exponent: 6 });
  });

  it('pcapng with milliseconds and with 2^-3 s: three digits each, times exact', async () => {
    const ms = await read('(ms)', pcapng(3, 1_700_000_000_123n));
    expect(ms.r.timestampResolution).toEqual({ base: 10, exponent: 3 });
    expect(ms.frames).toEqual([{ sec: 1_700_000_000, nsec: 123_000_000 }]);
    expect(isoTime(ms.frames[0]!.sec, ms.frames[0]!.nsec, resolutionDigits(ms.r.timestampResolution!))).toBe('2023-11-14T22:13:20.123Z');
    const bin = await read('(2^-3)', pcapng(0x80 | 3, 1_700_000_000n * 8n + 5n));
    expect(bin.r.timestampResolution).toEqual({ base: 2, exponent: 3 });
    expect(bin.frames).toEqual([{ sec: 1_700_000_000, nsec: 625_000_000 }]);
    expect(isoTime(bin.frames[0]!.sec, bin.frames[0]!.nsec, resolutionDigits(bin.r.timestampResolution!))).toBe('2023-11-14T22:13:20.625Z');
    // An interface without packets does not count.
    const none = await read('(no packet)', pcapng(9, 0n).subarray(0, 60));
    expect(none.frames).toHaveLength(0);
    expect(none.r.timestampResolution).toBeNull();
  });

  it('--merge: the finest of its files', async () => {
    const announced: TimestampResolution[] = [];
    const sink = { onFrame: () => undefined, onTimestampResolution: (x: TimestampResolution) => void announced.push(x) };
    const r = await readMerged([fixture('public/get.pcap'), fixture('public/nanosecs_big_endian.pcap')], sink);
    expect(r.timestampResolution).toEqual({ base: 10, exponent: 9 });
    // get.pcap (2013) is read first: µs, then finer when the ns file starts.
    expect(announced).toEqual([{ base: 10, exponent: 6 }, { base: 10, exponent: 9 }]);
    const same = await readMerged([fixture('public/get.pcap'), fixture('public/many_interfaces-1.pcapng')], { onFrame: () => undefined });
    expect(same.timestampResolution).toEqual({ base: 10, exponent: 6 });
  });

  it('digits and names', () => {
    const d = (base: 10 | 2, exponent: number) => [resolutionDigits({ base, exponent }), resolutionName({ base, exponent })];
    expect(d(10, 6)).toEqual([6, 'us']);
    expect(d(10, 9)).toEqual([9, 'ns']);
    expect(d(10, 3)).toEqual([3, 'ms']);
    expect(d(10, 0)).toEqual([0, 's']);
    expect(d(10, 4)).toEqual([4, '1e-4']);
    expect(d(10, 12)).toEqual([9, 'ps']);
    expect(d(2, 9)).toEqual([9, '2^-9']);
    expect(d(2, 3)).toEqual([3, '2^-3']);
    expect(d(2, 10)).toEqual([9, '2^-10']);
    expect(d(2, 20)).toEqual([9, '2^-20']);
    expect(d(2, 30)).toEqual([9, '2^-30']);
    expect(d(2, 0)).toEqual([0, '2^-0']);
  });
});
