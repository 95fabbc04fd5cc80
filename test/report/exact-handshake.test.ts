// Handshake durations exact on a nanosecond capture (issue 22: "kept in integer nanoseconds, printed with
// the precision the capture has"): flows' synToSynAck / synAckToAck (and their Us fields) are differences
// of the tracker's capture times (seconds since the run's base second, capture/time-base.ts), exact to the
// nanosecond from a file and from a pipe alike. Each must be the difference of tshark's frame.time_epoch of the
// handshake's packets, all nine digits, and where the three packets follow each other in their stream,
// tshark's own tcp.time_delta. tshark's packets are recorded in fixtures/expected/*.tshark-handshake.tsv
// (scripts/fixtures/record_tshark_handshake.sh; CI has no tshark).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureTime } from '../../src/capture/time-base.js';
import { delaySampleOf, MAX_BASELINE_SAMPLES, MAX_SAMPLES, overflowMet } from '../../src/diagnose/detectors/accept-queue-overflow.js';
import { firstAnswerDelay } from '../../src/diagnose/listener.js';
import { runPipeline } from '../../src/diagnose/pipeline.js';
import { runCli, ROOT } from '../cli/run-cli.js';

interface FlowJson {
  id: number;
  client: string;
  server: string;
  firstFrame: number;
  duration: number;
  durationUs: number;
  synToSynAck: number | null;
  synAckToAck: number | null;
  synToSynAckUs: number | null;
  synAckToAckUs: number | null;
  synRetransmits: number;
}

interface Packet {
  frame: number;
  stream: number;
  src: string;
  dst: string;
  flags: number;
  /** frame.time_epoch in nanoseconds, from tshark's text (no float on the way). */
  ns: bigint;
  /** tcp.time_delta as tshark wrote it (seconds, nine digits). */
  delta: string;
}

function nanos(decimal: string): bigint {
  const [s, frac = ''] = decimal.split('.');
  return BigInt(s!) * 1_000_000_000n + BigInt(frac.padEnd(9, '0'));
}

function tsharkHandshakes(rel: string): Packet[] {
  const rows = readFileSync(join(ROOT, `fixtures/expected/${rel.replace(/\//g, '__')}.tshark-handshake.tsv`), 'utf8').trim().split('\n');
  const out = rows.filter((r) => /^\d/.test(r)).map((r) => {
    const [frame, stream, src, sport, dst, dport, flags, epoch, delta] = r.split('\t');
    return { frame: Number(frame), stream: Number(stream), src: `${src}:${sport}`, dst: `${dst}:${dport}`, flags: Number(flags), ns: nanos(epoch!), delta: delta! };
  });
  if (out.length === 0) throw new Error(`no tshark handshake recorded for ${rel}`);
  return out;
}

/** The handshake of each stream as tshark shows it: its first SYN, first SYN-ACK, the client's ACK after it. */
interface Handshake {
  syn: Packet;
  synAck: Packet | null;
  ack: Packet | null;
  /** The three follow each other in the stream: tcp.time_delta of the SYN-ACK and ACK are the durations. */
  consecutive: boolean;
}

function handshakes(packets: Packet[]): Map<string, Handshake> {
  const byStream = new Map<number, Packet[]>();
  for (const p of packets) byStream.set(p.stream, [...(byStream.get(p.stream) ?? []), p]);
  const out = new Map<string, Handshake>();
  for (const ps of byStream.values()) {
    const syn = ps.find((p) => p.flags === 0x002);
    if (!syn) continue;
    const synAck = ps.find((p) => p.flags === 0x012) ?? null;
    const ack = synAck ? ps.find((p) => p.flags === 0x010 && p.src === syn.src && p.frame > synAck.frame) ?? null : null;
    const synIndex = ps.indexOf(syn);
    // Consecutive among the stream's SYN / SYN-ACK / handshake ACK packets, and the SYN alone before.
    const consecutive = synIndex === 0 && synAck === ps[1] && ack === ps[2] && ps.filter((p) => p.flags === 0x002).length === 1;
    out.set(`${syn.src} ${syn.dst} ${syn.frame}`, { syn, synAck, ack, consecutive });
  }
  return out;
}

async function flowsOf(rel: string): Promise<FlowJson[]> {
  const r = await runCli(['flows', `fixtures/${rel}`, '--format', 'ndjson']);
  expect(r.stderr).toBe('');
  return r.stdout.trim().split('\n').map((l) => JSON.parse(l) as FlowJson);
}

/** tcp.time_delta's text as flows writes seconds: the same decimal without trailing zeros. */
function asNumberText(delta: string): string {
  return JSON.stringify(Number(delta));
}

// Captures, and how many handshakes with a SYN-ACK each has (so that the test cannot pass on none).
const CAPTURES: [string, number][] = [
  ['lab-nsec/accept-overflow-abort1/server.pcap.gz', 30],
  ['lab-nsec/accept-overflow-abort1/client.pcap.gz', 30],
  // Its halves in the wrong order: 8 connections' first packet in the file is not their SYN (not matched here).
  ['lab-nsec/accept-overflow-abort1/server-out-of-order.pcap.gz', 22],
  ['lab-all/slow-acceptor-abort1/client-nsec.pcap.gz', 240],
  ['public/nanosecs_big_endian.pcap', 1],
  ['public/tcp-handshake-nano.pcap', 1],
];

describe('flows on nanosecond captures: handshake durations to the nanosecond, as tshark’s frame times', () => {
  for (const [rel, expected] of CAPTURES) {
    it(`${rel}: synToSynAck and synAckToAck of every handshake are tshark's, nine digits`, async () => {
      const hs = handshakes(tsharkHandshakes(rel));
      const flows = await flowsOf(rel);
      let checked = 0;
      let consecutive = 0;
      for (const f of flows) {
        const h = hs.get(`${f.client} ${f.server} ${f.firstFrame}`);
        if (!h || !h.synAck) continue;
        checked++;
        const synToSynAck = h.synAck.ns - h.syn.ns;
        expect([f.id, f.synToSynAck]).toEqual([f.id, Number(synToSynAck) / 1e9]);
        expect([f.id, f.synToSynAckUs]).toEqual([f.id, Math.round(Number(synToSynAck) / 1000)]);
        if (h.ack) {
          const synAckToAck = h.ack.ns - h.synAck.ns;
          expect([f.id, f.synAckToAck]).toEqual([f.id, Number(synAckToAck) / 1e9]);
          expect([f.id, f.synAckToAckUs]).toEqual([f.id, Math.round(Number(synAckToAck) / 1000)]);
        }
        if (h.consecutive) {
          consecutive++;
          expect([f.id, JSON.stringify(f.synToSynAck)]).toEqual([f.id, asNumberText(h.synAck.delta)]);
          expect([f.id, JSON.stringify(f.synAckToAck)]).toEqual([f.id, asNumberText(h.ack!.delta)]);
        }
      }
      expect(checked).toBe(expected);
      expect(consecutive).toBeGreaterThan(0);
    });
  }

  it('nanosecs_big_endian.pcap: 10.8 µs and 8.2 µs (tshark tcp.time_delta 0.000010800, 0.000008200), numbers that round-trip; the Us fields whole', async () => {
    const [f] = await flowsOf('public/nanosecs_big_endian.pcap');
    const json = JSON.stringify(f);
    for (const s of ['"synToSynAck":0.0000108,', '"synAckToAck":0.0000082,', '"synToSynAckUs":11,', '"synAckToAckUs":8,', '"durationUs":805,', '"duration":0.000804603,']) {
      expect(json).toContain(s);
    }
  });

  it('lab-nsec accept-overflow-abort1/server: the first handshake 40.888 µs, then 20589.06 µs to its ACK (frames 1, 2, 61)', async () => {
    const [f] = await flowsOf('lab-nsec/accept-overflow-abort1/server.pcap.gz');
    expect([f!.synToSynAck, f!.synToSynAckUs, f!.synAckToAck, f!.synAckToAckUs]).toEqual([0.000040888, 41, 0.02058906, 20589]);
  });

  it('text rows print the handshake with nine digits (tcp-handshake-nano.pcap: 0.127521774, 0.000087895)', async () => {
    const r = await runCli(['flows', 'fixtures/public/tcp-handshake-nano.pcap', '-q']);
    expect(r.stdout).toMatch(/0\.127609669 +S1 +ShA +2\/1 +0\/0 +0\.127521774 +0\.000087895 /);
  });

  it('--merge of the rotated pieces: every handshake as in the whole capture, to the nanosecond', async () => {
    const r = await runCli(['flows', '--merge', 'fixtures/lab-nsec/accept-overflow-abort1/rotated/', '--format', 'ndjson']);
    expect(r.stderr).toBe('');
    const pick = (f: FlowJson) => [f.firstFrame, f.synToSynAck, f.synAckToAck, f.durationUs];
    const merged = r.stdout.trim().split('\n').map((l) => pick(JSON.parse(l) as FlowJson));
    const whole = (await flowsOf('lab-nsec/accept-overflow-abort1/server.pcap.gz')).map(pick);
    expect(merged).toHaveLength(30);
    expect(merged).toEqual(whole);
    expect(merged[1]).toEqual([3, 0.000003456, 0.020611543, 373201]);
  });

  it('a pcapng in 2^-9 s ticks (crafted/get-be.pcapng): SYN→SYN-ACK 0.068359375 s, tshark frames 1 and 2 (.869140625, .937500000)', async () => {
    const [f] = await flowsOf('crafted/get-be.pcapng');
    expect([f!.synToSynAck, f!.synAckToAck, f!.synToSynAckUs]).toEqual([0.068359375, 0, 68359]);
  });

  it('a span a double cannot hold to the nanosecond keeps the microsecond (pcapng-example.pcapng: a SYN-ACK 46 years before its ACK)', async () => {
    const flows = await flowsOf('public/pcapng-example.pcapng');
    const odd = flows.find((f) => f.synAckToAck !== null && f.synAckToAck < 0)!;
    expect([odd.synAckToAck, odd.synAckToAckUs]).toEqual([-1472003999.360381, -1472003999360381]);
  });

  it('a pipe gives the same nine digits (tcp-handshake-nano.pcap: 0.127521774, 0.000087895; before: whole microseconds)', async () => {
    const input = readFileSync(join(ROOT, 'fixtures/public/tcp-handshake-nano.pcap'));
    const r = await runCli(['flows', '-', '--format', 'ndjson'], { input });
    const f = JSON.parse(r.stdout) as FlowJson;
    expect([f.synToSynAck, f.synAckToAck, f.synToSynAckUs, f.durationUs]).toEqual([0.127521774, 0.000087895, 127522, 127610]);
    expect(f.duration).toBe(0.127609669);
  });

  it('lab-nsec accept-overflow-abort1/server through a pipe: every handshake as from the file', async () => {
    const rel = 'lab-nsec/accept-overflow-abort1/server.pcap.gz';
    const r = await runCli(['flows', '-', '--format', 'ndjson'], { input: readFileSync(join(ROOT, 'fixtures', rel)) });
    expect(r.stderr).toBe('');
    const pick = (f: FlowJson) => [f.firstFrame, f.synToSynAck, f.synAckToAck, f.duration];
    const piped = r.stdout.trim().split('\n').map((l) => pick(JSON.parse(l) as FlowJson));
    expect(piped).toHaveLength(30);
    expect(piped).toEqual((await flowsOf(rel)).map(pick));
    expect(piped[0]!.slice(1, 3)).toEqual([0.000040888, 0.02058906]);
  });

  it('a microsecond capture keeps whole microseconds (get.pcap: 69740 µs, 294 µs)', async () => {
    const [f] = await flowsOf('public/get.pcap');
    expect([f!.synToSynAckUs, f!.synAckToAckUs, f!.synToSynAck]).toEqual([69740, 294, 0.06974]);
  });
});

/** The upper median of integers, as VantageEstimator takes it. */
function upperMedian(a: bigint[]): bigint {
  const s = [...a].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  return s[s.length >> 1]!;
}

interface VantageJson {
  vantage: string;
  synToSynAck: number | null;
  synAckToAck: number | null;
  handshakes: number;
}

describe('analyze on nanosecond captures: the vantage medians to the nanosecond, as tshark’s frame times give them', () => {
  // Clean handshakes only (one SYN, one SYN-ACK, the ACK), as the estimator samples them.
  const CASES: [string, number, string, string][] = [
    ['lab-nsec/accept-overflow-abort1/server.pcap.gz', 30, '0.000002616', '0.022259601'],
    ['lab-nsec/accept-overflow-abort1/client.pcap.gz', 30, '', ''],
    ['public/nanosecs_big_endian.pcap', 1, '0.0000108', '0.0000082'],
    ['public/tcp-handshake-nano.pcap', 1, '0.127521774', '0.000087895'],
  ];
  for (const [rel, handshakes, a, b] of CASES) {
    it(`${rel}: median SYN→SYN-ACK and SYN-ACK→ACK over ${handshakes} clean handshakes are tshark's`, async () => {
      const byStream = new Map<number, Packet[]>();
      for (const p of tsharkHandshakes(rel)) byStream.set(p.stream, [...(byStream.get(p.stream) ?? []), p]);
      const toSynAck: bigint[] = [];
      const toAck: bigint[] = [];
      for (const ps of byStream.values()) {
        const syns = ps.filter((p) => p.flags === 0x002);
        const synAcks = ps.filter((p) => p.flags === 0x012);
        const ack = synAcks.length === 1 ? ps.find((p) => p.flags === 0x010 && p.frame > synAcks[0]!.frame) : undefined;
        if (syns.length !== 1 || synAcks.length !== 1 || !ack) continue;
        toSynAck.push(synAcks[0]!.ns - syns[0]!.ns);
        toAck.push(ack.ns - synAcks[0]!.ns);
      }
      expect(toSynAck).toHaveLength(handshakes);
      const r = await runCli(['analyze', `fixtures/${rel}`, '--format', 'json', '--fail-on', 'never']);
      const v = (JSON.parse(r.stdout) as { captures: { vantage: VantageJson }[] }).captures[0]!.vantage;
      expect(v.handshakes).toBe(handshakes);
      expect(v.synToSynAck).toBe(Number(upperMedian(toSynAck)) / 1e9);
      expect(v.synAckToAck).toBe(Number(upperMedian(toAck)) / 1e9);
      if (a) expect([JSON.stringify(v.synToSynAck), JSON.stringify(v.synAckToAck)]).toEqual([JSON.stringify(Number(a)), JSON.stringify(Number(b))]);
    });
  }

  it('several captures in worker threads, --merge of rotated pieces, and a pipe', async () => {
    const vantages = async (args: string[], input?: Buffer) => {
      const r = await runCli(['analyze', ...args, '--format', 'json', '--fail-on', 'never', '--no-correlate'], input ? { input } : {});
      return (JSON.parse(r.stdout) as { captures: { vantage: VantageJson }[] }).captures.map((c) => [c.vantage.synToSynAck, c.vantage.synAckToAck]);
    };
    const server = [0.000002616, 0.022259601];
    const nano = [0.127521774, 0.000087895];
    expect(await vantages(['fixtures/lab-nsec/accept-overflow-abort1/server.pcap.gz', 'fixtures/public/tcp-handshake-nano.pcap', 'fixtures/public/get.pcap', '--jobs', '2'])).toEqual([server, nano, [0.06974, 0.000294]]);
    expect(await vantages(['--merge', 'fixtures/lab-nsec/accept-overflow-abort1/rotated/'])).toEqual([server]);
    expect(await vantages(['-'], readFileSync(join(ROOT, 'fixtures/public/tcp-handshake-nano.pcap')))).toEqual([nano]);
    expect(await vantages(['-'], readFileSync(join(ROOT, 'fixtures/lab-nsec/accept-overflow-abort1/server.pcap.gz')))).toEqual([server]);
  });

  it('the text, Markdown and HTML reports say the medians with the capture’s digits (lab-nsec abort1 server: 2.616 µs, 22.259601 ms; a µs capture: 22.3 ms)', async () => {
    const report = (path: string, format: string) => runCli(['analyze', path, '--format', format, '--fail-on', 'never']).then((r) => r.stdout);
    const ns = 'fixtures/lab-nsec/accept-overflow-abort1/server.pcap.gz';
    expect(await report(ns, 'text')).toContain('vantage: server (SYN→SYN-ACK 2.616 µs, SYN-ACK→ACK 22.259601 ms)');
    expect(await report(ns, 'markdown')).toContain('server (median SYN→SYN-ACK 2.616 µs, SYN-ACK→ACK 22.259601 ms, over 30 clean handshakes)');
    expect(await report(ns, 'html')).toContain('server (median SYN→SYN-ACK 2.616 µs, SYN-ACK→ACK 22.259601 ms, over 30 clean handshakes)');
    // A microsecond capture: whole microseconds, a tenth of a millisecond, as before.
    expect(await report('fixtures/lab/accept-overflow-abort1-server.pcap', 'text')).toMatch(/vantage: server \(SYN→SYN-ACK \d+ µs, SYN-ACK→ACK \d+\.\d ms\)/);
  });
});

/** tshark's frame.time_epoch of every frame (fixtures/expected/*.tshark-time.tsv), in nanoseconds. */
function tsharkFrameNanos(rel: string): Map<number, bigint> {
  const rows = readFileSync(join(ROOT, `fixtures/expected/${rel.replace(/\//g, '__')}.tshark-time.tsv`), 'utf8').trim().split('\n');
  return new Map(rows.filter((r) => /^\d/.test(r)).map((r) => {
    const [frame, , epoch] = r.split('\t');
    return [Number(frame), nanos(epoch!)];
  }));
}

describe('analyze on nanosecond captures: the overflow’s addedLatency to the nanosecond', () => {
  for (const [rel, expected] of [
    ['lab-nsec/accept-overflow-abort1/server.pcap.gz', [7.617416308, 15.805339314, 15.805456346]],
    ['lab-nsec/accept-overflow-abort1/client.pcap.gz', [7.619315413, 15.805737901, 15.805756817]],
  ] as const) {
    it(`${rel}: p50 / p90 / max are tshark's frame-time differences (24 recovered victims above the healthy median)`, async () => {
      const r = await runCli(['analyze', `fixtures/${rel}`, '--format', 'json', '--fail-on', 'never']);
      const f = (JSON.parse(r.stdout) as { findings: { id: string; addedLatency: { p50: number; p90: number; max: number; samples: number } }[] }).findings.find((x) => x.id === 'accept-queue-overflow')!;
      expect([f.addedLatency.p50, f.addedLatency.p90, f.addedLatency.max, f.addedLatency.samples]).toEqual([...expected, 24]);
      // The same samples' SYN and first-answer frames, timed by tshark, give the same figures.
      expect((await tsharkLatencies(rel)).map((ns) => Number(ns) / 1e9)).toEqual(expected);
    });
  }
});

/**
 * The overflow's p50 / p90 / max in nanoseconds from tshark's frame times: the samples the detector keeps
 * (delaySampleOf, the first MAX_SAMPLES / MAX_BASELINE_SAMPLES; the capture has one listener), each the
 * time from the SYN to the server's first answer, above the healthy connections' median, at the
 * detector's quantiles.
 */
async function tsharkLatencies(rel: string): Promise<bigint[]> {
  const l = { latency: { frames: [] as number[] }, baseline: { frames: [] as number[] } };
  await runPipeline(join(ROOT, 'fixtures', rel), {}, (c, facts) => {
    const kind = delaySampleOf(c, facts, overflowMet(facts), firstAnswerDelay(c));
    if (kind === null) return;
    const into = l[kind];
    if (into.frames.length / 2 < (kind === 'baseline' ? MAX_BASELINE_SAMPLES : MAX_SAMPLES)) into.frames.push(c.synFrame, c.serverAnswerFrame);
  });
  const t = tsharkFrameNanos(rel);
  const delays = (frames: number[]) => frames.flatMap((x, i) => (i % 2 ? [] : [t.get(frames[i + 1]!)! - t.get(x)!])).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const at = (s: bigint[], q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  const victims = delays(l.latency.frames);
  const base = at(delays(l.baseline.frames), 0.5);
  expect(victims).toHaveLength(24);
  return [0.5, 0.9, 1].map((q) => at(victims, q) - base);
}

/** Nanoseconds as seconds with all nine digits, from the integer (no float on the way): `7.617416308 s`. */
function nineDigits(ns: bigint): string {
  return `${ns / 1_000_000_000n}.${(ns % 1_000_000_000n).toString().padStart(9, '0')} s`;
}

describe('the overflow’s added latency printed with the digits it has (text, Markdown, HTML, JSON figures)', () => {
  const rel = 'lab-nsec/accept-overflow-abort1/server.pcap.gz';
  const report = (path: string, format: string) => runCli(['analyze', path, '--format', format, '--fail-on', 'never']).then((r) => r.stdout);

  it(`${rel}: tshark's frame-time differences, all nine digits (7.617416308 s / 15.805339314 s / 15.805456346 s)`, async () => {
    const [p50, p90, max] = (await tsharkLatencies(rel)).map(nineDigits);
    expect([p50, p90, max]).toEqual(['7.617416308 s', '15.805339314 s', '15.805456346 s']);
    const figure = `${p50} / ${p90} / ${max}`;
    const path = `fixtures/${rel}`;
    expect(await report(path, 'text')).toMatch(new RegExp(`\\n    latency added \\(p50 / p90 / max\\) +${figure.replace(/\./g, '\\.')}\\n`));
    expect(await report(path, 'markdown')).toContain(`| latency added (p50 / p90 / max) | ${figure} |`);
    const html = await report(path, 'html');
    expect(html).toContain(`latency added (p50 / p90 / max)</td><td>${figure}</td>`);
    expect(html).toContain(`that recovered: p50 ${p50}, p90 ${p90}, max ${max}.</figcaption>`);
    const json = JSON.parse(await report(path, 'json')) as { findings: { id: string; figures: [string, string][] }[] };
    const f = json.findings.find((x) => x.id === 'accept-queue-overflow')!;
    expect(f.figures).toContainEqual(['latency added (p50 / p90 / max)', figure]);
  });

  it('a microsecond capture (lab/accept-overflow-abort1-server.pcap) keeps the millisecond figures: 7.892 s / 15.828 s / 16.084 s', async () => {
    const path = 'fixtures/lab/accept-overflow-abort1-server.pcap';
    const figure = '7.892 s / 15.828 s / 16.084 s';
    expect(await report(path, 'text')).toMatch(new RegExp(`\\n    latency added \\(p50 / p90 / max\\) +${figure.replace(/\./g, '\\.')}\\n`));
    expect(await report(path, 'markdown')).toContain(`| latency added (p50 / p90 / max) | ${figure} |`);
    const html = await report(path, 'html');
    expect(html).toContain(`latency added (p50 / p90 / max)</td><td>${figure}</td>`);
    expect(html).toContain('that recovered: p50 7.892 s, p90 15.828 s, max 16.084 s.</figcaption>');
  });

  it('a sub-second latency on a microsecond capture (accuracy/cut-1s-slow-acceptor-abort0-client) in ms, as the histogram’s caption: 223.4 ms / 226.4 ms / 226.4 ms', async () => {
    // The detector's figure is the final text: it wrote `0.223 s / 0.226 s / 0.226 s` while the caption said 223.4 ms (until session 11).
    const path = 'fixtures/accuracy/cut-1s-slow-acceptor-abort0-client/capture.pcap.gz';
    const figure = '223.4 ms / 226.4 ms / 226.4 ms';
    expect(await report(path, 'markdown')).toContain(`| latency added (p50 / p90 / max) | ${figure} |`);
    const html = await report(path, 'html');
    expect(html).toContain(`latency added (p50 / p90 / max)</td><td>${figure}</td>`);
    expect(html).toContain('that recovered: p50 223.4 ms, p90 226.4 ms, max 226.4 ms.</figcaption>');
    const json = JSON.parse(await report(path, 'json')) as { findings: { id: string; addedLatency: { p50: number; p90: number; max: number } }[] };
    const l = json.findings.find((x) => x.id === 'accept-queue-overflow')!.addedLatency;
    expect([l.p50, l.p90, l.max]).toEqual([0.223352, 0.22639, 0.22639]);
  });
});

describe('evidence notes: durations with the digits the capture has', () => {
  interface EvidenceJson {
    id: number;
    note: string;
    frames: { handshakeAck?: number; serverAnswer?: number };
  }
  const overflowEvidence = async (path: string, input?: Buffer) => {
    const r = await runCli(['analyze', path, '--format', 'json', '--fail-on', 'never'], input ? { input } : {});
    const f = (JSON.parse(r.stdout) as { findings: { id: string; evidence: { connections: EvidenceJson[] } }[] }).findings.find((x) => x.id === 'accept-queue-overflow')!;
    return f.evidence.connections;
  };

  it('lab-nsec abort1/server: "server answered … after the handshake" is tshark\'s frame-time difference, nine digits, from a file and a pipe', async () => {
    const rel = 'lab-nsec/accept-overflow-abort1/server.pcap.gz';
    const t = tsharkFrameNanos(rel);
    for (const ev of [await overflowEvidence(`fixtures/${rel}`), await overflowEvidence('-', readFileSync(join(ROOT, 'fixtures', rel)))]) {
      expect(ev.length).toBe(5);
      for (const e of ev) {
        const ns = t.get(e.frames.serverAnswer!)! - t.get(e.frames.handshakeAck!)!;
        expect(ns % 1000n).not.toBe(0n);
        expect([e.id, e.note]).toEqual([e.id, expect.stringContaining(`server answered ${nineDigits(ns)} after the handshake`)]);
      }
    }
    // Connection 7 (before: 15.81 s).
    expect((await overflowEvidence(`fixtures/${rel}`))[0]!.note).toContain('server answered 15.805860173 s after the handshake');
  });

  it('a microsecond capture (lab/accept-overflow-abort1-server.pcap) keeps a hundredth of a second: 16.08 s', async () => {
    const [e] = await overflowEvidence('fixtures/lab/accept-overflow-abort1-server.pcap');
    expect(e!.note).toContain('server answered 16.08 s after the handshake');
  });
});

describe('watch -r on a nanosecond capture: the end report’s medians and latency as analyze’s', () => {
  it('lab-nsec accept-overflow-abort1/server: 2.616 µs, 22.259601 ms; p50 7.617416308 s', async () => {
    const r = await runCli(['watch', '-r', 'fixtures/lab-nsec/accept-overflow-abort1/server.pcap.gz', '--format', 'ndjson']);
    const end = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { report: { captures: { vantage: VantageJson }[]; findings: { id: string; addedLatency?: { p50: number; p90: number; max: number } }[] } };
    const v = end.report.captures[0]!.vantage;
    expect([v.synToSynAck, v.synAckToAck]).toEqual([0.000002616, 0.022259601]);
    const f = end.report.findings.find((x) => x.id === 'accept-queue-overflow')!;
    expect([f.addedLatency!.p50, f.addedLatency!.p90, f.addedLatency!.max]).toEqual([7.617416308, 15.805339314, 15.805456346]);
  });
});

describe('capture times: what a float of epoch seconds lost, kept', () => {
  it('every pair of frames of a lab capture: the difference of their capture times is tshark’s, to the nanosecond', () => {
    const rel = 'lab-nsec/refused/server.pcap.gz';
    const packets = tsharkHandshakes(rel);
    expect(packets.length).toBe(50);
    const sec = (p: Packet) => Number(p.ns / 1_000_000_000n);
    const nsec = (p: Packet) => Number(p.ns % 1_000_000_000n);
    // As the decoder makes them: integer nanoseconds since the first frame's whole second.
    const base = sec(packets[0]!);
    const time = (p: Packet) => captureTime(base, sec(p), nsec(p));
    const float = (p: Packet) => sec(p) + nsec(p) * 1e-9;
    let wrongByFloats = 0;
    for (const a of packets) {
      for (const b of packets) {
        expect(time(b) - time(a)).toBe(Number(b.ns - a.ns));
        if (Math.round((float(b) - float(a)) * 1e9) !== Number(b.ns - a.ns)) wrongByFloats++;
      }
    }
    // Floats of epoch seconds (what the tracker held before) are off for most pairs: the test can fail.
    expect(wrongByFloats).toBeGreaterThan(packets.length);
  });
});
