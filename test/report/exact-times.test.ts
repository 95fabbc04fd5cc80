// Finding times exact on a nanosecond capture (issue 22: "kept in integer nanoseconds, printed with the
// precision the capture has"): firstTime, lastTime and episode bounds are packet times, and each must be
// the very timestamp tshark gives that frame (frame.time_epoch, recorded into
// fixtures/expected/*.tshark-time.tsv), all nine digits, not the float epoch rounded to the microsecond;
// from a file, a pipe and watch alike (capture times since the run's base second, capture/time-base.ts).
// The captures are real-kernel lab runs taken with tcpdump --time-stamp-precision=nano
// (fixtures/lab-nsec, scripts/fixtures/make_lab_nsec.sh).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { absoluteTime, captureTime } from '../../src/capture/time-base.js';
import { duration, measuredDuration, measuredNanos } from '../../src/diagnose/duration.js';
import { runCli, ROOT } from '../cli/run-cli.js';

interface TimeJson {
  iso: string;
  epoch: number;
}
interface ReportJson {
  captures: { timestampDigits: number; vantage: unknown }[];
  findings: {
    id: string;
    connections: number;
    figures: [string, string][];
    addedLatency?: { p50: number; p90: number; max: number };
    firstTime: TimeJson | null;
    lastTime: TimeJson | null;
    episodes: { start: TimeJson; end: TimeJson; duration: number }[];
  }[];
}

/** tshark's frame times of a fixture: frame number → ISO with nine digits (from frame.time_epoch). */
function tsharkIso(rel: string): Map<number, string> {
  const rows = readFileSync(join(ROOT, `fixtures/expected/${rel.replace(/\//g, '__')}.tshark-time.tsv`), 'utf8').trim().split('\n');
  const out = new Map<number, string>();
  for (const r of rows.filter((x) => /^\d/.test(x))) {
    const [frame, , epoch] = r.split('\t');
    const [s, frac = ''] = epoch!.split('.');
    out.set(Number(frame), `${new Date(Number(s) * 1000).toISOString().slice(0, 19)}.${frac.padEnd(9, '0')}Z`);
  }
  if (out.size === 0) throw new Error(`no tshark times recorded for ${rel}`);
  return out;
}

/** tshark's frame times of a fixture in nanoseconds, from its text (no float on the way). */
function tsharkNanos(rel: string): Map<number, bigint> {
  const rows = readFileSync(join(ROOT, `fixtures/expected/${rel.replace(/\//g, '__')}.tshark-time.tsv`), 'utf8').trim().split('\n');
  const out = new Map<number, bigint>();
  for (const r of rows.filter((x) => /^\d/.test(x))) {
    const [frame, , epoch] = r.split('\t');
    const [s, frac = ''] = epoch!.split('.');
    out.set(Number(frame), BigInt(s!) * 1_000_000_000n + BigInt(frac.padEnd(9, '0')));
  }
  return out;
}

const analyzed = new Map<string, Promise<ReportJson>>();

/** analyze --format json, once per argument list in this file. */
function analyze(args: string[]): Promise<ReportJson> {
  const key = args.join('\0');
  let r = analyzed.get(key);
  if (!r) {
    r = runCli(['analyze', ...args, '--format', 'json', '--fail-on', 'never']).then((x) => {
      expect(x.stderr).toBe('');
      return JSON.parse(x.stdout) as ReportJson;
    });
    analyzed.set(key, r);
  }
  return r;
}

function timesOf(r: ReportJson): string[] {
  return r.findings.flatMap((f) => [f.firstTime, f.lastTime, ...f.episodes.flatMap((e) => [e.start, e.end])]).map((t) => t!.iso);
}

const CAPTURES = [
  'lab-nsec/accept-overflow-abort1/server.pcap.gz',
  'lab-nsec/accept-overflow-abort1/client.pcap.gz',
  'lab-nsec/refused/server.pcap.gz',
  'lab-nsec/refused/client.pcap.gz',
  'lab-nsec/accept-overflow-abort1/server-out-of-order.pcap.gz',
];

describe('finding times on nanosecond captures: the packets’ own timestamps, as tshark’s frame.time_epoch', () => {
  for (const rel of CAPTURES) {
    it(`${rel}: every firstTime, lastTime and episode bound is a frame's time, nine digits`, async () => {
      const known = new Set(tsharkIso(rel).values());
      const r = await analyze([`fixtures/${rel}`]);
      expect(r.captures[0]!.timestampDigits).toBe(9);
      expect(r.findings.length).toBeGreaterThan(0);
      const times = timesOf(r);
      expect(times.length).toBeGreaterThanOrEqual(2);
      for (const t of times) expect([t, known.has(t)]).toEqual([t, true]);
    });
  }

  it('accept-overflow-abort1/server: from the first ignored handshake ACK (frame 67) to the last answer to a retransmission (frame 412)', async () => {
    const tshark = tsharkIso('lab-nsec/accept-overflow-abort1/server.pcap.gz');
    const r = await analyze(['fixtures/lab-nsec/accept-overflow-abort1/server.pcap.gz']);
    const f = r.findings.find((x) => x.id === 'accept-queue-overflow')!;
    // labels.json: 30 clients, all ok; ListenOverflows 162.
    expect(f.connections).toBe(24);
    expect(f.firstTime!.iso).toBe(tshark.get(67));
    expect(f.firstTime!.iso).toBe('2026-12-06T22:27:40.895919920Z');
    expect(f.lastTime!.iso).toBe(tshark.get(412));
    expect(f.lastTime!.iso).toBe('2026-12-06T22:27:56.701780093Z');
    expect(f.episodes.map((e) => [e.start.iso, e.end.iso])).toEqual([[tshark.get(67), tshark.get(412)]]);
    // Its length from the packets' own times, not from its bounds' texts: frame 412's time less frame 67's.
    expect(f.episodes[0]!.duration).toBe(15.805860173);
  });

  it('refused/server: the first and last refused connection\'s packets (labels: 20 refused)', async () => {
    const tshark = tsharkIso('lab-nsec/refused/server.pcap.gz');
    const r = await analyze(['fixtures/lab-nsec/refused/server.pcap.gz']);
    const f = r.findings.find((x) => x.id === 'connection-refused')!;
    expect(f.connections).toBe(20);
    expect(f.firstTime!.iso).toBe('2026-12-06T22:29:14.350956316Z');
    expect(f.lastTime!.iso).toBe('2026-12-06T22:29:15.273983108Z');
    expect([...tshark.values()]).toContain(f.firstTime!.iso);
    expect([...tshark.values()]).toContain(f.lastTime!.iso);
  });

  it('--merge of three rotated files and watch -r give the whole capture\'s exact times', async () => {
    const whole = await analyze(['fixtures/lab-nsec/accept-overflow-abort1/server.pcap.gz']);
    const merged = await analyze(['--merge', 'fixtures/lab-nsec/accept-overflow-abort1/rotated']);
    expect(timesOf(merged)).toEqual(timesOf(whole));
    const w = await runCli(['watch', '-r', 'fixtures/lab-nsec/accept-overflow-abort1/server.pcap.gz', '--format', 'ndjson']);
    const end = JSON.parse(w.stdout.trim().split('\n').at(-1)!) as { report: ReportJson };
    expect(timesOf(end.report)).toEqual(timesOf(whole));
  });

  for (const rel of CAPTURES) {
    it(`${rel} through a pipe (-): the same exact times, vantage medians and latencies as from the file`, async () => {
      const file = await analyze([`fixtures/${rel}`]);
      const r = await runCli(['analyze', '-', '--format', 'json', '--fail-on', 'never'], { input: readFileSync(join(ROOT, 'fixtures', rel)) });
      expect(r.stderr).toBe('');
      const pipe = JSON.parse(r.stdout) as ReportJson;
      expect(timesOf(pipe)).toEqual(timesOf(file));
      expect(pipe.captures[0]!.vantage).toEqual(file.captures[0]!.vantage);
      expect(pipe.findings.map((f) => [f.id, f.figures, f.addedLatency ?? null])).toEqual(file.findings.map((f) => [f.id, f.figures, f.addedLatency ?? null]));
    });
  }

  it('a pipe (-) gives frame 67 at .895919920, as tshark (before: .895920000, the float epoch\'s microsecond)', async () => {
    const r = await runCli(['analyze', '-', '--format', 'json', '--fail-on', 'never'], { input: readFileSync(join(ROOT, 'fixtures/lab-nsec/accept-overflow-abort1/server.pcap.gz')) });
    const f = (JSON.parse(r.stdout) as ReportJson).findings.find((x) => x.id === 'accept-queue-overflow')!;
    expect(f.firstTime!.iso).toBe(tsharkIso('lab-nsec/accept-overflow-abort1/server.pcap.gz').get(67));
    expect(f.firstTime!.iso).toBe('2026-12-06T22:27:40.895919920Z');
  });

  it('watch -r - (a pipe) ends with the exact report: times, medians and latencies as analyze of the file', async () => {
    const whole = await analyze(['fixtures/lab-nsec/accept-overflow-abort1/server.pcap.gz']);
    const w = await runCli(['watch', '-r', '-', '--format', 'ndjson'], { input: readFileSync(join(ROOT, 'fixtures/lab-nsec/accept-overflow-abort1/server.pcap.gz')) });
    const end = JSON.parse(w.stdout.trim().split('\n').at(-1)!) as { report: ReportJson };
    expect(timesOf(end.report)).toEqual(timesOf(whole));
    expect(end.report.captures[0]!.vantage).toEqual(whole.captures[0]!.vantage);
    const latency = (r: ReportJson) => r.findings.find((f) => f.id === 'accept-queue-overflow')!.addedLatency;
    expect(latency(end.report)).toEqual(latency(whole));
    expect(latency(end.report)).toMatchObject({ p50: 7.617416308, p90: 15.805339314, max: 15.805456346 });
  });

  it('two captures read together: the correlation\'s capture bounds are each capture\'s own first and last packet, exact (before: 1795253389.2616022 for .261602)', async () => {
    const files = ['client', 'server'].map((n) => `fixtures/correlate/slow-acceptor-abort1/${n}.pcap.gz`);
    const r = await runCli(['analyze', ...files, '--format', 'json', '--fail-on', 'never']);
    const report = JSON.parse(r.stdout) as { captures: { firstTime: TimeJson; lastTime: TimeJson }[]; correlation: { captures: { start: number; end: number }[] } };
    expect(report.correlation.captures.map((c) => [c.start, c.end])).toEqual(report.captures.map((c) => [c.firstTime.epoch, c.lastTime.epoch]));
    expect(report.correlation.captures[0]!.end).toBe(1795253389.261602);
    expect(JSON.stringify(report.correlation.captures[0]!.end)).toBe('1795253389.261602');
  });

  it('capture times: two timestamps that share one float of epoch seconds (100 ns apart) stay apart and come back exact', () => {
    // At this epoch doubles are 2^-22 s ≈ 238 ns apart: .000000150 and .000000250 are the same epoch float.
    const base = 1796596060;
    expect(base + 150 * 1e-9).toBe(base + 250 * 1e-9);
    const a = captureTime(base, base, 150);
    const b = captureTime(base, base, 250);
    // Integer nanoseconds since the base second.
    expect([a, b]).toEqual([150, 250]);
    expect(absoluteTime(base, a)).toEqual({ sec: base, nsec: 150 });
    expect(absoluteTime(base, b)).toEqual({ sec: base, nsec: 250 });
    expect(b - a).toBe(100);
  });

  it('capture times: any nanosecond timestamp within 104 days (2^53 ns) of the base, and any difference of two, are exact integers', () => {
    const base = 1796596060;
    // A fixed linear congruential sequence: the same numbers every run.
    let x = 12345;
    const next = () => (x = (x * 1103515245 + 12345) % 2 ** 31);
    const DAYS_104 = Math.floor(2 ** 53 / 1e9);
    for (let i = 0; i < 20000; i++) {
      const s1 = base + (next() % DAYS_104);
      const n1 = next() % 1e9;
      const s2 = base + (next() % DAYS_104);
      const n2 = next() % 1e9;
      const t1 = captureTime(base, s1, n1);
      const t2 = captureTime(base, s2, n2);
      expect(Number.isSafeInteger(t1)).toBe(true);
      expect(BigInt(t1)).toBe(BigInt(s1 - base) * 1_000_000_000n + BigInt(n1));
      expect(absoluteTime(base, t1)).toEqual({ sec: s1, nsec: n1 });
      expect(BigInt(t2 - t1)).toBe(BigInt(s2 - s1) * 1_000_000_000n + BigInt(n2 - n1));
    }
    // The last nanosecond of a second does not round into the next.
    expect(absoluteTime(base, captureTime(base, base + 5, 999_999_999))).toEqual({ sec: base + 5, nsec: 999_999_999 });
    // Past 2^53 ns from the base (a clock that jumped: shared/captures/public/example2.pcap spans 4.5 years)
    // a double no longer holds the nanosecond (here 16 ns apart): the microsecond, as the float epoch times gave it.
    const old = 1277840495;
    const far = captureTime(old, 1420290307, 612288123);
    expect(Number.isSafeInteger(far)).toBe(false);
    expect(BigInt(far)).not.toBe(142449812612288123n);
    expect(absoluteTime(old, far)).toEqual({ sec: 1420290307, nsec: 612288000 });
    expect(absoluteTime(old, captureTime(old, 1420290307, 612288000))).toEqual({ sec: 1420290307, nsec: 612288000 });
    // Before the base (a capture's frames out of time order): negative capture times.
    expect(absoluteTime(base, captureTime(base, base - 2, 123))).toEqual({ sec: base - 2, nsec: 123 });
  });
});

describe('timeline buckets cut on the capture\'s own times', () => {
  it('public/tcp_handshake_synthetic.pcap: a SYN stamped on a 100 ms boundary counts in the bucket that starts there (tshark frames 4, 14, 27 at .100, .600, 1.100)', async () => {
    // tshark -Y 'tcp.flags.syn==1 && tcp.flags.ack==0' -e frame.number -e frame.time_epoch: new SYNs at
    // 1785790000 + 0, .1, .3, .6, .8, .9, 1.1, 1.3, 1.4, 1.5, 1.601, 1.7, 1.8 (frame 11 at .4 and 46-47 at
    // 1.701-1.702 are re-sends). A float of epoch seconds put .1, .6 and 1.1 a bucket early
    // (Math.floor(1785790000.1 / 0.1) is one short): [2, 0, 0, 1, 0, 1, ...] before capture times were integers.
    const r = await runCli(['analyze', 'fixtures/public/tcp_handshake_synthetic.pcap', '--format', 'json', '--fail-on', 'never']);
    const report = JSON.parse(r.stdout) as { captures: { timelines: { start: number; bucket: number; series: { syns: number[] } }[] }[] };
    const t = report.captures[0]!.timelines[0]!;
    expect([t.start, t.bucket]).toEqual([1785790000, 0.1]);
    expect(t.series.syns).toEqual([1, 1, 0, 1, 0, 0, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 1]);
  });
});

describe('prose durations and chart clocks with the capture’s precision', () => {
  it('duration(): below a millisecond the µs carry the digits past the microsecond the value has', () => {
    expect(duration(0.000804603, { precision: 9 })).toBe('804.603 µs');
    expect(duration(0.000004, { precision: 9 })).toBe('4.000 µs');
    expect(duration(0.000804603)).toBe('805 µs');
    expect(duration(0.000004, { precision: 6 })).toBe('4 µs');
    // Milliseconds and seconds keep their readable digits (JSON has the exact number).
    expect(duration(0.2116, { precision: 9 })).toBe('211.6 ms');
  });

  it('measuredDuration(): a span between packets with every digit it has at any scale on a ns capture, as duration() on a µs one', () => {
    expect([0.000002616, 0.022259601, 7.617416308].map((x) => measuredDuration(x, 9))).toEqual(['2.616 µs', '22.259601 ms', '7.617416308 s']);
    // Read exactly from a ns capture but whole microseconds, or from a µs capture: duration()'s digits.
    expect([0.000004, 0.022259, 7.617416].map((x) => measuredDuration(x, 9))).toEqual(['4 µs', '22.3 ms', '7.617 s']);
    expect([0.000004, 0.022259, 7.892123].map((x) => measuredDuration(x, 6))).toEqual(['4 µs', '22.3 ms', '7.892 s']);
    expect(measuredDuration(null, 9)).toBe('n/a');
  });

  it('measuredNanos(): capture nanoseconds kept to the capture’s digits first, then as measuredDuration; an evidence note’s style', () => {
    expect([2616, 22_259_601, 7_617_416_308].map((ns) => measuredNanos(ns, 9))).toEqual(['2.616 µs', '22.259601 ms', '7.617416308 s']);
    // A microsecond capture: whole microseconds (a derived value's fraction of a µs is not a digit it has).
    expect([214_000, 212_500.5, 223_400_000, 7_892_000_000].map((ns) => measuredNanos(ns, 6))).toEqual(['214 µs', '213 µs', '223.4 ms', '7.892 s']);
    // The notes' style (evidence.ts): hundredths of a second, never minutes, every digit of a ns value.
    const note = { digits: 2, minutesFrom: Infinity };
    expect([1_027_000_000, 125_400_000_000].map((ns) => measuredNanos(ns, 6, note))).toEqual(['1.03 s', '125.40 s']);
    expect(measuredNanos(15_805_339_314, 9, note)).toBe('15.805339314 s');
  });

  it('nanosecs_big_endian.pcap: the capture lasts 804.603 µs (tshark: frames 1 and 10 at .167647291 and .168451894) in text, Markdown and HTML', async () => {
    const tshark = tsharkIso('public/nanosecs_big_endian.pcap');
    expect(tshark.get(1)).toBe('2025-12-22T00:05:26.167647291Z');
    expect(tshark.get(10)).toBe('2025-12-22T00:05:26.168451894Z');
    for (const format of ['text', 'markdown', 'html']) {
      const r = await runCli(['analyze', 'fixtures/public/nanosecs_big_endian.pcap', '--format', format]);
      expect([format, r.stdout.includes('804.603 µs')]).toEqual([format, true]);
    }
    // A microsecond capture's sub-millisecond durations stay whole microseconds.
    expect(duration(0.000804, { precision: 6 })).toBe('804 µs');
  });

  it('the HTML timeline names the first overflow and the episode start with the capture’s digits: nine on a ns capture (tshark frame 67), six on a µs one', async () => {
    const ns = (await runCli(['analyze', 'fixtures/lab-nsec/accept-overflow-abort1/server.pcap.gz', '--format', 'html', '--fail-on', 'never'])).stdout;
    const frame67 = tsharkIso('lab-nsec/accept-overflow-abort1/server.pcap.gz').get(67)!.slice(11, 29);
    expect(frame67).toBe('22:27:40.895919920');
    expect(ns).toContain(`first overflow ${frame67}</text>`);
    expect(ns).toContain(`Accept queue full, episode 1: ${frame67} → `);
    // The text alternative: from the capture's first to its last packet, all digits.
    expect(ns).toContain('from 22:27:40.875202386 to 22:27:58.972834182 UTC');
    // The ladder diagrams: each packet's time since the connection's first, tshark's frame times' difference, nine digits.
    const frames = tsharkNanos('lab-nsec/accept-overflow-abort1/server.pcap.gz');
    const ladder = [...ns.matchAll(/<text class="frame"[^>]*>#(\d+)<\/text><text class="time"[^>]*>(\d+\.\d+)<\/text>/g)].map((m) => [Number(m[1]), m[2]!] as const);
    expect(ladder.length).toBeGreaterThan(20);
    let first = 0n;
    for (const [frame, text] of ladder) {
      if (text === '0.000000000') first = frames.get(frame)!;
      const ns9 = frames.get(frame)! - first;
      expect([frame, text]).toEqual([frame, `${ns9 / 1_000_000_000n}.${(ns9 % 1_000_000_000n).toString().padStart(9, '0')}`]);
    }
    const us = (await runCli(['analyze', 'fixtures/lab/accept-overflow-abort0-server.pcap', '--format', 'html', '--fail-on', 'never'])).stdout;
    expect(us).toMatch(/<text class="time"[^>]*>\d+\.\d{6}<\/text>/);
    expect(us).toMatch(/first overflow \d\d:\d\d:\d\d\.\d{6}<\/text>/);
    expect(us).toMatch(/ from \d\d:\d\d:\d\d\.\d{6} to \d\d:\d\d:\d\d\.\d{6} UTC/);
  });
});
