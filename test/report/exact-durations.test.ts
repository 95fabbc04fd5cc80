import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyzeOne } from './pipeline.js';

const fixture = (rel: string) => fileURLToPath(new URL(`../../fixtures/${rel}`, import.meta.url));

/** frame.number → frame.time_epoch in whole microseconds, from tshark's text (no float on the way). */
function tsharkMicros(name: string): Map<number, bigint> {
  const rows = readFileSync(new URL(`../../fixtures/expected/${name}.tshark.tsv`, import.meta.url), 'utf8').trim().split('\n');
  const out = new Map<number, bigint>();
  for (const r of rows.slice(1)) {
    const [frame, epoch] = r.split('\t');
    const [s, frac = ''] = epoch!.split('.');
    out.set(Number(frame), BigInt(s!) * 1_000_000n + BigInt(frac.padEnd(9, '0').slice(0, 6)));
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
