import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FrameOrigins } from '../../src/capture/merge.js';
import { runPipeline } from '../../src/diagnose/pipeline.js';
import { locateInFiles, mergedName } from '../../src/report/merged.js';
import { findingReport } from '../../src/report/model.js';
import { FIXTURES, requireFile, ROOT } from '../helpers/fixtures.js';
import { analyzeOne, LAB } from './pipeline.js';

/** fixtures/expected/filters/NAME.tsv (scripts/fixtures/record_filters.sh): capture → filter → the frames tshark shows. */
function tsharkFrames(name: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const line of readFileSync(requireFile(`${FIXTURES}expected/filters/${name}.tsv`), 'utf8').trim().split('\n')) {
    const [capture, filter, frames] = line.split('\t');
    out.set(`${capture}\t${filter}`, frames ? frames.split(',').map(Number) : []);
  }
  return out;
}

function shown(recorded: Map<string, number[]>, capture: string, filter: string): number[] {
  const frames = recorded.get(`${capture.slice(ROOT.length)}\t${filter}`);
  // A filter tshark was not run on: record it again (the script above) rather than guess.
  if (!frames) throw new Error(`no tshark output recorded for ${filter} on ${capture}`);
  return frames;
}

const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

describe('per-connection Wireshark filters', () => {
  it('pin a reused 4-tuple to the connection\'s frames (bug-3844: one tuple refused at frames 1-2, reused at 3-8)', async () => {
    const path = requireFile(`${FIXTURES}public/bug-3844.pcap`);
    const recorded = tsharkFrames('bug-3844');
    const { report } = await analyzeOne(path);
    const evidence = report.findings.flatMap((f) => f.evidence.connections).sort((a, b) => a.id - b.id);
    expect(evidence.map((e) => [e.id, e.firstFrame, e.lastFrame])).toEqual([[1, 1, 2], [2, 3, 8]]);
    for (const e of evidence) expect(shown(recorded, path, e.filter)).toEqual(range(e.firstFrame, e.lastFrame));
    // The tuple alone (what the filter was before) shows both connections' packets.
    const tuple = evidence[0]!.filter.replace(/ && frame\.number.*$/, '');
    expect(shown(recorded, path, tuple)).toEqual(range(1, 8));
  });

  it('stay the 4-tuple alone when the tuple was used once', async () => {
    const { report } = await analyzeOne(LAB.abort0);
    const filters = report.findings.flatMap((f) => f.evidence.connections.map((e) => e.filter));
    expect(filters.length).toBeGreaterThan(0);
    for (const f of filters) expect(f).toMatch(/^ip\.addr==[\d.]+ && ip\.addr==[\d.]+ && tcp\.port==\d+ && tcp\.port==8080$/);
  });

  it('--merge: the per-file filters show, in each file, the packets tshark shows for the connection in the whole capture', async () => {
    const recorded = tsharkFrames('merge-rotated');
    const whole = requireFile(`${FIXTURES}lab-all/slow-acceptor-abort1/server.pcap.gz`);
    const files = ['00000_20261121092941', '00001_20261121092944', '00002_20261121092946'].map((n) => requireFile(`${FIXTURES}merge/rotated/server_${n}.pcap.gz`));
    const origins = new FrameOrigins();
    const { summary, analysis } = await runPipeline(mergedName(files), { merge: { files, origins } });
    const f = locateInFiles(findingReport(mergedName(files), analysis.findings.find((x) => x.id === 'accept-queue-overflow')!, summary), files, origins);
    const e = f.evidence.connections[0]!;
    const inWhole = shown(recorded, whole, e.filter);
    expect(inWhole).toEqual([257, 524, 838, 1186, 1579, 1580, 1591, 1592, 1597, 1598]);
    // Frame n of file k is frame 784k + n of the whole capture (editcap -c 784).
    const mapped = e.inFiles!.flatMap((x) => shown(recorded, x.file, x.filter).map((n) => 784 * files.indexOf(x.file) + n));
    expect(mapped).toEqual(inWhole);
  });
});
