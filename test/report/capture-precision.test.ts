// Times printed with the precision the capture has (issue 22, "Times and durations exact"): six digits
// of a second for a microsecond pcap, nine for a nanosecond pcap, and for a pcapng the finest if_tsresol
// of the interfaces that had packets. Expected times are tshark 4.0.17's, recorded into
// fixtures/expected/*.tshark-time.tsv (frame.time_epoch and the `-t ud` column, whose digits are the
// frame's own precision).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { flowPrinter } from '../../src/report/flow-printers.js';
import { FLOW_FORMATS, REPORT_FORMATS } from '../../src/report/formats.js';
import { reportPrinter } from '../../src/report/report-printers.js';
import { analyzeOne } from './pipeline.js';

const fixture = (rel: string) => fileURLToPath(new URL(`../../fixtures/${rel}`, import.meta.url));

interface TsharkFrame {
  frame: number;
  epochNs: bigint;
  /** The `-t ud` column as ISO: `2013-03-07T21:42:06.869344Z`. */
  iso: string;
}

function tsharkTimes(rel: string): TsharkFrame[] {
  const name = rel.replace(/\//g, '__');
  const rows = readFileSync(new URL(`../../fixtures/expected/${name}.tshark-time.tsv`, import.meta.url), 'utf8').trim().split('\n');
  const frames = rows.filter((r) => /^\d/.test(r)).map((r) => {
    const [frame, , epoch, col] = r.split('\t');
    const [s, frac = ''] = epoch!.split('.');
    return { frame: Number(frame), epochNs: BigInt(s!) * 1_000_000_000n + BigInt(frac.padEnd(9, '0')), iso: `${col!.replace(' ', 'T')}Z` };
  });
  if (frames.length === 0) throw new Error(`no tshark times recorded for ${rel}`);
  return frames;
}

/** tshark's time written with `digits` digits of a second (its column has the frame's own precision). */
function withDigits(iso: string, digits: number): string {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(iso)!;
  const frac = (m[2] ?? '').padEnd(9, '0').slice(0, digits);
  return digits > 0 ? `${m[1]}.${frac}Z` : `${m[1]}Z`;
}

const ISO = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.(\d+))?Z/g;

/** The digit counts of every ISO time in a text. */
function isoDigits(text: string): Set<number> {
  return new Set([...text.matchAll(ISO)].map((m) => (m[1] ?? '').length));
}

const CASES = [
  { rel: 'public/get.pcap', resolution: 'us', digits: 6, flows: 1 },
  { rel: 'lab/accept-overflow-abort0-server.pcap', resolution: 'us', digits: 6, flows: 30 },
  { rel: 'public/nanosecs_big_endian.pcap', resolution: 'ns', digits: 9, flows: 1 },
  { rel: 'public/tcp-handshake-nano.pcap', resolution: 'ns', digits: 9, flows: 1 },
  // Interface 0 in nanoseconds, interface 1 in microseconds (no TCP): the finer, for the whole capture.
  { rel: 'public/pcapng-multi-interface.pcapng', resolution: 'ns', digits: 9, flows: 0 },
  // Microsecond interfaces only (if_tsresol absent: the default 10^-6).
  { rel: 'public/many_interfaces-1.pcapng', resolution: 'us', digits: 6, flows: 2 },
] as const;

describe('times printed with the capture’s precision', () => {
  for (const c of CASES) {
    it(`${c.rel}: ${c.resolution}, ${c.digits} digits, first/last packet and flow starts as tshark's`, async () => {
      const t = tsharkTimes(c.rel);
      // tshark's finest column is the capture's precision.
      expect(Math.max(...t.map((f) => (/\.(\d+)$/.exec(f.iso.slice(0, -1))?.[1] ?? '').length))).toBe(c.digits);
      const { report, flows } = await analyzeOne(fixture(c.rel));
      const cap = report.captures[0]!;
      expect(cap.timestampResolution).toBe(c.resolution);
      expect(cap.timestampDigits).toBe(c.digits);
      // The earliest frame, which need not be the first (many_interfaces-1.pcapng: frame 3, on interface 10, is 39 µs before frame 1).
      const earliest = t.reduce((a, b) => (b.epochNs < a.epochNs ? b : a));
      expect(cap.firstTime!.iso).toBe(withDigits(earliest.iso, c.digits));
      const latest = t.reduce((a, b) => (b.epochNs > a.epochNs ? b : a));
      expect(cap.lastTime!.iso).toBe(withDigits(latest.iso, c.digits));
      expect(flows).toHaveLength(c.flows);
      const byFrame = new Map(t.map((f) => [f.frame, f]));
      for (const f of flows) expect(f.start.iso).toBe(withDigits(byFrame.get(f.firstFrame)!.iso, c.digits));
      // Durations keep their exact numbers: first to last frame, in tshark's nanoseconds.
      for (const f of flows) {
        const ns = byFrame.get(f.lastFrame)!.epochNs - byFrame.get(f.firstFrame)!.epochNs;
        expect(f.duration).toBe(Number(ns) / 1e9);
      }
    });
  }

  it('frames out of time order: firstTime is the earliest frame, lastTime the latest, the duration between them (tshark\'s min and max frame.time_epoch)', async () => {
    // lab-nsec/accept-overflow-abort1/server.pcap's two halves written in the wrong order (mergecap -a of
    // editcap -c 219's pieces, second first): the earliest frame is frame 219, the latest frame 218.
    const rel = 'lab-nsec/accept-overflow-abort1/server-out-of-order.pcap.gz';
    const t = tsharkTimes(rel);
    const earliest = t.reduce((a, b) => (b.epochNs < a.epochNs ? b : a));
    const latest = t.reduce((a, b) => (b.epochNs > a.epochNs ? b : a));
    expect([earliest.frame, latest.frame]).toEqual([219, 218]);
    expect(t[0]!.epochNs).toBeGreaterThan(earliest.epochNs);
    const cap = (await analyzeOne(fixture(rel))).report.captures[0]!;
    expect(cap.firstTime!.iso).toBe(withDigits(earliest.iso, 9));
    expect(cap.firstTime!.iso).toBe('2026-12-06T22:27:40.875202386Z');
    expect(cap.lastTime!.iso).toBe(withDigits(latest.iso, 9));
    expect(cap.duration).toBe(Number(latest.epochNs - earliest.epochNs) / 1e9);
    // The same frames in time order: the same first and last packet and duration.
    const inOrder = (await analyzeOne(fixture('lab-nsec/accept-overflow-abort1/server.pcap.gz'))).report.captures[0]!;
    expect([cap.firstTime, cap.lastTime, cap.duration]).toEqual([inOrder.firstTime, inOrder.lastTime, inOrder.duration]);
  });

  it('a µs pcap is not padded to nanoseconds: 2013-03-07T21:42:06.869344Z (tshark: 21:42:06.869344)', async () => {
    const { report } = await analyzeOne(fixture('public/get.pcap'));
    expect(report.captures[0]!.firstTime!.iso).toBe('2013-03-07T21:42:06.869344Z');
    expect(report.captures[0]!.lastTime!.iso).toBe('2013-03-07T21:42:07.080972Z');
  });

  it('a ns pcapng interface prints all nine digits, its µs interface’s packets too (the capture’s finest)', async () => {
    const { report } = await analyzeOne(fixture('public/pcapng-multi-interface.pcapng'));
    expect(report.captures[0]!.firstTime!.iso).toBe('2026-01-06T01:31:29.500330493Z');
    // Frame 6, on the µs interface; tshark writes it 01:37:17.140942.
    expect(report.captures[0]!.lastTime!.iso).toBe('2026-01-06T01:37:17.140942000Z');
  });

  it('a pcapng of 2^-9 s ticks (crafted/get-be.pcapng): nine digits, each tick exact as tshark\'s frame.time_epoch', async () => {
    // tshark 4.0.17's -t ud column shows 21:42:06.86 (two digits) for 1362692526.869140625: a time the capture does not hold.
    const { report, flows } = await analyzeOne(fixture('crafted/get-be.pcapng'));
    const cap = report.captures[0]!;
    expect([cap.timestampResolution, cap.timestampDigits]).toEqual(['2^-9', 9]);
    expect(cap.firstTime!.iso).toBe('2013-03-07T21:42:06.869140625Z');
    const rows = readFileSync(new URL('../../fixtures/expected/crafted__get-be.pcapng.tshark.tsv', import.meta.url), 'utf8').trim().split('\n').slice(1);
    const epochOf = new Map(rows.map((r) => r.split('\t')).map(([f, e]) => [Number(f), e!]));
    expect(flows).toHaveLength(1);
    // frame.time_epoch 1362692526.869140625 is 2013-03-07T21:42:06.869140625Z.
    expect(epochOf.get(flows[0]!.firstFrame)).toBe('1362692526.869140625');
    expect(flows[0]!.start.iso).toBe('2013-03-07T21:42:06.869140625Z');
  });

  it('findings of a µs lab capture: first, last and episode times with six digits', async () => {
    const { report } = await analyzeOne(fixture('lab/accept-overflow-abort0-server.pcap'));
    expect(report.findings.length).toBeGreaterThan(0);
    const times = report.findings.flatMap((f) => [f.firstTime, f.lastTime, ...f.episodes.flatMap((e) => [e.start, e.end])]);
    expect(times.length).toBeGreaterThan(2);
    for (const x of times) expect(x!.iso).toMatch(/T\d\d:\d\d:\d\d\.\d{6}Z$/);
    // The detectors' times are packet times: each one is a frame's time in tshark's list.
    const known = new Set(tsharkTimes('lab/accept-overflow-abort0-server.pcap').map((f) => f.iso));
    for (const f of report.findings) expect(known.has(f.firstTime!.iso)).toBe(true);
  });

  for (const c of [CASES[0], CASES[1], CASES[2], CASES[4]]) {
    it(`${c.rel}: every report and flows format writes its ISO times with ${c.digits} digits`, async () => {
      const { report, flows } = await analyzeOne(fixture(c.rel));
      const style = { color: new Chalk({ level: 0 }), width: null };
      for (const format of REPORT_FORMATS) {
        let out = '';
        const p = reportPrinter(format, { write: (s) => (out += s) }, { style, quiet: false, failOn: 'warning', ladders: [] });
        p.print(report);
        p.finish();
        const digits = isoDigits(out);
        // Text, JUnit and SARIF print times only of findings; the rest print the capture's always.
        if (digits.size > 0 || !['text', 'junit', 'sarif'].includes(format) || report.findings.length > 0) expect([format, [...digits]]).toEqual([format, [c.digits]]);
      }
      if (flows.length === 0) return;
      for (const format of FLOW_FORMATS) {
        let out = '';
        const p = flowPrinter(format, { write: (s) => (out += s) }, { quiet: true });
        for (const flow of flows) p.print({ kind: 'flow', flow });
        p.print({ kind: 'capture-end', path: c.rel, connections: flows.length, packets: 0 });
        p.finish();
        if (format === 'text') {
          // The start column is a clock with the capture's digits, and the duration has as many.
          const clock = new RegExp(`\\s\\d\\d:\\d\\d:\\d\\d\\.\\d{${c.digits}}\\s+\\d+\\.\\d{${c.digits}}\\s`);
          expect(out).toMatch(clock);
        } else expect([format, [...isoDigits(out)]]).toEqual([format, [c.digits]]);
      }
    });
  }
});
