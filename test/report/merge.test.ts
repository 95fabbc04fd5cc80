import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { renderSarif } from '../../src/report/sarif.js';
import { describe, expect, it } from 'vitest';
import { FrameOrigins } from '../../src/capture/merge.js';
import { runPipeline } from '../../src/diagnose/pipeline.js';
import { flowRecord, type FlowRecord } from '../../src/report/flow.js';
import { locateInFiles, mergedName } from '../../src/report/merged.js';
import { captureReport, findingReport, newReport, type Report } from '../../src/report/model.js';
import { FIXTURES, labCapture, requireFile, ROOT } from '../helpers/fixtures.js';
import { analyzeOne, asJson } from './pipeline.js';

// fixtures/merge/ (scripts/fixtures/make_merge.sh): slow-acceptor-abort1's server capture cut into three
// rotated files of 784, 784 and 783 packets, and into the packets to and from the server (two
// interfaces). mergecap -w of either set gives the whole capture's packets in the same order.
const WHOLE = labCapture('slow-acceptor-abort1', 'server.pcap');
const ROTATED = readdirSync(`${FIXTURES}merge/rotated`).sort().map((n) => requireFile(`${FIXTURES}merge/rotated/${n}`));
const INTERFACES = ['to-server', 'from-server'].map((n) => requireFile(`${FIXTURES}merge/interfaces/${n}.pcap.gz`));
const PIECE = 784;

interface MergedRun {
  flows: FlowRecord[];
  report: Pick<Report, 'captures' | 'findings'>;
  origins: FrameOrigins;
}

async function analyzeMerged(files: string[], chunkBytes?: number): Promise<MergedRun> {
  const origins = new FrameOrigins();
  const name = mergedName(files);
  const flows: FlowRecord[] = [];
  // The digits of a second as the CLI passes them (the merged files' finest).
  let digits = 9;
  const { summary, analysis } = await runPipeline(name, { merge: { files, origins }, chunkBytes, onTimestampDigits: (d) => (digits = d) }, (c) => flows.push(flowRecord(name, c, digits)));
  const findings = analysis.findings.map((f) => locateInFiles(findingReport(name, f, summary), files, origins));
  return { flows, report: { captures: [{ ...captureReport(summary, analysis), files }], findings }, origins };
}

/** A record without the fields that name the capture (its path, and the uid hashed from it). */
function anonymous<T extends object>(x: T): unknown {
  return JSON.parse(JSON.stringify(x, (k, v) => (k === 'capture' || k === 'uid' || k === 'inFiles' ? undefined : v)));
}

function sameCapture(merged: MergedRun['report']['captures'][0], whole: MergedRun['report']['captures'][0]): void {
  const { path: _p, bytes: _b, format: _f, gzip: _g, files: _files, ...m } = merged;
  const { path: _p2, bytes: _b2, format: _f2, gzip: _g2, ...w } = whole;
  expect(m).toEqual(w);
}

describe('--merge', () => {
  it('pieces analysed one by one count the connections that cross a boundary twice (the issue: 158 against 130)', async () => {
    const whole = await analyzeOne(WHOLE);
    const overflow = (r: { report: { findings: { id: string; connections: number }[] } }) =>
      r.report.findings.filter((f) => f.id === 'accept-queue-overflow').reduce((s, f) => s + f.connections, 0);
    expect(overflow(whole)).toBe(130);
    let pieces = 0;
    for (const p of ROTATED) pieces += overflow(await analyzeOne(p));
    expect(pieces).toBe(158);
  });

  it.each([
    ['three rotated files', ROTATED, undefined],
    ['two interfaces', INTERFACES, undefined],
    // Small reads: the two readers take turns every few packets, and frames queue and wait for each other.
    ['two interfaces, 1000-byte reads', INTERFACES, 1000],
  ])('%s merged give the whole capture: the same findings, flows and frame numbers', async (_what, files, chunkBytes) => {
    const whole = await analyzeOne(WHOLE);
    const merged = await analyzeMerged(files as string[], chunkBytes as number | undefined);
    expect(merged.report.captures[0]!.packets).toBe(2351);
    sameCapture(merged.report.captures[0]!, whole.report.captures[0]!);
    expect(anonymous(merged.report.findings)).toEqual(anonymous(whole.report.findings));
    expect(merged.report.findings.find((f) => f.id === 'accept-queue-overflow')!.connections).toBe(130);
    expect(merged.flows.length).toBe(240);
    expect(anonymous(merged.flows)).toEqual(anonymous(whole.flows));
  });

  it('maps merged frame numbers back to each file (editcap -c 784: whole frame n is file ⌊(n-1)/784⌋, frame (n-1) mod 784 + 1)', async () => {
    const { origins, report } = await analyzeMerged(ROTATED);
    for (const n of [1, 784, 785, 1568, 1569, 2351]) {
      expect(origins.locate(n)).toEqual({ file: Math.floor((n - 1) / PIECE), frame: ((n - 1) % PIECE) + 1 });
    }
    expect(origins.locate(2352)).toBeNull();
    expect(origins.spans(700, 1600)).toEqual([
      { file: 0, firstFrame: 700, lastFrame: 784 },
      { file: 1, firstFrame: 1, lastFrame: 784 },
      { file: 2, firstFrame: 1, lastFrame: 32 },
    ]);
    // Every evidence connection: its frame range in each file it spans, and a filter for that file.
    const evidence = report.findings.flatMap((f) => f.evidence.connections);
    expect(evidence.length).toBeGreaterThan(0);
    for (const e of evidence) {
      const first = Math.floor((e.firstFrame - 1) / PIECE);
      const last = Math.floor((e.lastFrame - 1) / PIECE);
      expect(e.inFiles!.map((x) => x.file)).toEqual(ROTATED.slice(first, last + 1));
      expect(e.inFiles![0]!.firstFrame).toBe(((e.firstFrame - 1) % PIECE) + 1);
      expect(e.inFiles!.at(-1)!.lastFrame).toBe(((e.lastFrame - 1) % PIECE) + 1);
      for (const x of e.inFiles!) expect(x.filter).toBe(`${e.filter} && frame.number >= ${x.firstFrame} && frame.number <= ${x.lastFrame}`);
    }
    // The first evidence connection of the overflow (SYN at 257, handshake at 1580-1597) spans all three files.
    expect(evidence[0]!.frames.syn).toBe(257);
    expect(evidence[0]!.inFiles!.map((x) => [x.firstFrame, x.lastFrame])).toEqual([[257, 784], [1, 784], [1, 30]]);
  });

  it('interleaved interfaces: each frame maps to its own file (1249 packets to the server, 1102 from it)', async () => {
    const { origins } = await analyzeMerged(INTERFACES);
    const count = [0, 0];
    const seen = [0, 0];
    for (let n = 1; n <= 2351; n++) {
      const o = origins.locate(n)!;
      count[o.file]!++;
      // Each file's frames come out in their own order, none skipped.
      expect(o.frame).toBe(++seen[o.file]!);
    }
    expect(count).toEqual([1249, 1102]);
  });

  it('analyze --merge FOLDER and flows --merge through the CLI: one capture, valid JSON, the whole capture\'s rows', async () => {
    // Not spawnSync: a long blocking call starves vitest's RPC on a loaded machine.
    const cli = async (args: string[]) => {
      try {
        const r = await promisify(execFile)(process.execPath, [join(ROOT, 'bin/tcpdiag.js'), ...args], { encoding: 'utf8', cwd: ROOT, maxBuffer: 64 << 20 });
        return { status: 0, stdout: r.stdout, stderr: r.stderr };
      } catch (e) {
        const x = e as { code: number; stdout: string; stderr: string };
        return { status: x.code, stdout: x.stdout, stderr: x.stderr };
      }
    };
    const a = await cli(['analyze', '--merge', 'fixtures/merge/rotated', '--format', 'json', '--fail-on', 'never']);
    expect(a.stderr).toBe('');
    expect(a.status).toBe(0);
    const report = JSON.parse(a.stdout) as Report;
    const rel = ROTATED.map((p) => p.slice(ROOT.length));
    expect(report.captures.map((c) => [c.path, c.files, c.packets, c.connections])).toEqual([[rel.join(' + '), rel, 2351, 240]]);
    expect(report.correlation).toBeUndefined();
    const schema = JSON.parse(readFileSync(join(ROOT, 'schema/report.schema.json'), 'utf8')) as object;
    const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);
    expect(validate(report) ? [] : validate.errors).toEqual([]);
    expect(report.findings.map((f) => [f.id, f.connections])).toContainEqual(['accept-queue-overflow', 130]);
    const text = await cli(['analyze', '--merge', ...rel, '--fail-on', 'never']);
    expect(text.stdout).toContain(`in ${rel[0]}: frames 257–784  wireshark: `);
    const f = await cli(['flows', '--merge', 'fixtures/merge/interfaces', '--format', 'ndjson']);
    expect(f.status).toBe(0);
    const rows = f.stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind?: string });
    const wholeRows = (await cli(['flows', WHOLE.slice(ROOT.length), '--format', 'ndjson'])).stdout.trim().split('\n').map((l) => JSON.parse(l) as object);
    expect(rows.length).toBe(wholeRows.length);
    expect(anonymous(rows.map((r) => ({ ...r, path: undefined })))).toEqual(anonymous(wholeRows.map((r) => ({ ...r, path: undefined }))));
    const stdin = await cli(['analyze', '--merge', '-', rel[0]!]);
    expect(stdin.status).toBe(2);
    expect(stdin.stderr).toContain('--merge reads files, not stdin (-)');
  });

  it('SARIF: a merged capture is located at its first file, lists all of them, and keeps the per-file frames; valid SARIF 2.1.0', async () => {
    const { report } = await analyzeMerged(ROTATED);
    const r = { ...newReport('0.0.0-test'), captures: report.captures, findings: report.findings };
    const sarif = JSON.parse(renderSarif(r as Report)) as { runs: { artifacts: { location: { uri: string }; properties: { files?: string[] } }[]; results: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[]; properties: { evidence: { inFiles?: unknown[] }[] } }[] }[] };
    const schema = JSON.parse(readFileSync(join(ROOT, 'fixtures/schemas/sarif-schema-2.1.0.json'), 'utf8')) as object;
    const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false });
    const validate = ajv.compile(schema);
    expect(validate(sarif) ? [] : validate.errors).toEqual([]);
    const [run] = sarif.runs;
    const uri = ROTATED[0]!.startsWith('/') ? new URL(`file://${ROTATED[0]}`).href : ROTATED[0];
    expect(run!.artifacts.map((a) => [a.location.uri, a.properties.files])).toEqual([[uri, ROTATED]]);
    expect(run!.results.length).toBeGreaterThan(0);
    for (const res of run!.results) {
      expect(res.locations[0]!.physicalLocation.artifactLocation.uri).toBe(uri);
      for (const e of res.properties.evidence) expect(e.inFiles!.length).toBeGreaterThan(0);
    }
  });

  it('a fault in one file is named with that file\'s offset and frame; the others are still read', async () => {
    const broken = `${FIXTURES}crafted/get-cut-in-data.pcap`;
    const run = await analyzeMerged([requireFile(broken), ROTATED[0]!]);
    const c = run.report.captures[0]!;
    expect(c.error).toMatch(new RegExp(`^${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: the file ends in the middle of a record`));
    expect(c.packets).toBeGreaterThan(PIECE);
    expect(asJson(c.files)).toEqual([broken, ROTATED[0]]);
  });
});
