import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyzeOne } from './pipeline.js';

const fixture = (rel: string) => fileURLToPath(new URL(`../../fixtures/${rel}`, import.meta.url));

/** frame.number → frame.time_epoch in whole microseconds, from tshark's text (no float on the way). */
function tsharkMicros(name: string): Map<number, bigint> {
  return new Map([...tsharkNanos(name)].map(([f, ns]) => [f, ns / 1000n]));
}

/** frame.number → frame.time_epoch in whole nanoseconds, from tshark's text. */
function tsharkNanos(name: string): Map<number, bigint> {
  const rows = readFileSync(new URL(`../../fixtures/expected/${name}.tshark.tsv`, import.meta.url), 'utf8').trim().split('\n');
  const out = new Map<number, bigint>();
  for (const r of rows.slice(1)) {
    const [frame, epoch] = r.split('\t');
    const [s, frac = ''] = epoch!.split('.');
    out.set(Number(frame), BigInt(s!) * 1_000_000_000n + BigInt(frac.padEnd(9, '0')));
  }
  return out;
}

describe('flows: durations as exact microseconds', () => {
  it('get.pcap: 211628 µs long, SYN→SYN-ACK 69740 µs, SYN-ACK→ACK 294 µs, as tshark’s frame times give', async () => {
    const t = tsharkMicros('public__get.pcap');
    const [f] = (await analyzeOne(fixture('public/get.pcap'))).flows;
    expect(f!.durationUs).toBe(Number(t.get(14)! - t.get(1)!));
    expect(f!.synToSynAckUs).toBe(Number(t.get(2)! - t.get(1)!));
    expect(f!.synAckToAckUs).toBe(Number(t.get(3)! - t.get(2)!));
    expect([f!.durationUs, f!.synToSynAckUs, f!.synAckToAckUs]).toEqual([211628, 69740, 294]);
    // Integers in JSON: no float artefacts.
    expect(JSON.stringify(f)).toContain('"synAckToAckUs":294,');
  });

  it('every connection of a lab capture lasts exactly its first to last frame', async () => {
    const t = tsharkMicros('lab__accept-overflow-abort0-server.pcap');
    const { flows } = await analyzeOne(fixture('lab/accept-overflow-abort0-server.pcap'));
    expect(flows).toHaveLength(30);
    for (const f of flows) expect(f.durationUs, `connection ${f.id}`).toBe(Number(t.get(f.lastFrame)! - t.get(f.firstFrame)!));
  });
});

/** Every number in a JSON text with more than `digits` decimals: float artefacts. */
function artefacts(json: string, digits: number): string[] {
  const out: string[] = [];
  JSON.parse(json, function (this: unknown, key, value) {
    if (typeof value === 'number') {
      const text = JSON.stringify(value);
      const decimals = /\.(\d+)/.exec(text)?.[1]?.length ?? 0;
      if (decimals > digits || /e-/.test(text)) out.push(`${key}: ${text}`);
    }
    return value;
  });
  return out;
}

describe('times as exact numbers in JSON', () => {
  it('get.pcap: duration 0.211628 s, SYN→SYN-ACK 0.06974 s, SYN-ACK→ACK 0.000294 s, as decimals (no float artefacts)', async () => {
    const run = await analyzeOne(fixture('public/get.pcap'));
    const json = JSON.stringify(run.flows[0]);
    expect(json).toContain('"duration":0.211628,');
    expect(json).toContain('"synToSynAck":0.06974,');
    expect(json).toContain('"synAckToAck":0.000294,');
    expect(JSON.stringify(run.report.captures[0]!.duration)).toBe('0.211628');
  });

  it('nanosecond capture: a flow lasts its first to last frame to the nanosecond (nanosecs_big_endian.pcap, tshark)', async () => {
    const t = tsharkNanos('public__nanosecs_big_endian.pcap');
    const { flows, report } = await analyzeOne(fixture('public/nanosecs_big_endian.pcap'));
    expect(flows.length).toBeGreaterThan(0);
    for (const f of flows) {
      const ns = t.get(f.lastFrame)! - t.get(f.firstFrame)!;
      expect(f.duration, `connection ${f.id}`).toBe(Number(ns) / 1e9);
      expect(f.durationUs).toBe(Math.round(Number(ns) / 1000));
    }
    expect(JSON.stringify(flows[0]!.duration)).toBe('0.000804603');
    const c = report.captures[0]!;
    expect(c.duration).toBe(Number(t.get(c.packets)! - t.get(1)!) / 1e9);
  });

  it('analyze JSON of an overflow: no float artefacts (vantage 4 µs SYN→SYN-ACK, latency, timeline starts)', async () => {
    const { report } = await analyzeOne(fixture('lab/accept-overflow-abort0-server.pcap'));
    const json = JSON.stringify(report);
    expect(artefacts(json, 6)).toEqual([]);
    expect(json).toContain('"synToSynAck":0.000004,');
    const t = tsharkMicros('lab__accept-overflow-abort0-server.pcap');
    expect(report.captures[0]!.duration).toBe(Number(t.get(report.captures[0]!.packets)! - t.get(1)!) / 1e6);
    // The same figures before rounding had 16-17 significant digits: the test can fail.
    expect(artefacts(JSON.stringify({ x: 4.0531158447265625e-6, y: 7.52827525138855 }), 6)).toEqual(['x: 0.0000040531158447265625', 'y: 7.52827525138855']);
  });
});
