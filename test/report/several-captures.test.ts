import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chalk } from 'chalk';
import { afterAll, describe, expect, it } from 'vitest';
import { expandCapturePaths, isCaptureName } from '../../src/cli/capture-paths.js';
import { listenerSummaries } from '../../src/report/summary.js';
import { renderText } from '../../src/report/text.js';
import { runCli } from '../cli/run-cli.js';
import { analyzeCaptures, LAB } from './pipeline.js';

const plain = new Chalk({ level: 0 });
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('several captures', () => {
  it('every finding line names its capture; one capture alone does not', async () => {
    const { report } = await analyzeCaptures([LAB.abort0, LAB.refused]);
    const text = renderText(report, plain, true);
    const lines = text.split('\n').filter((l) => /^(ERROR|WARNING|INFO)\s/.test(l));
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`^ERROR\\s+accept-queue-overflow\\s+198\\.18\\.0\\.3:8080\\s+24 connections\\s+in ${LAB.abort0}$`)),
      expect.stringMatching(new RegExp(`^WARNING\\s+connection-refused\\s+198\\.18\\.0\\.3:9\\s+20 connections\\s+in ${LAB.refused}$`)),
    ]);
    const one = await analyzeCaptures([LAB.refused]);
    expect(renderText(one.report, plain, true)).not.toContain(' in ');
  });

  it('sums each listener over the captures (tshark: 30 + 10 connections to :8080, 20 to :9)', async () => {
    const { report } = await analyzeCaptures([LAB.abort0, LAB.refused]);
    const rows = listenerSummaries(report);
    expect(rows.map((s) => [s.listener, s.captures, s.connections, s.completed, s.overflowed, s.refused])).toEqual([
      ['198.18.0.3:8080', 2, 40, 40, 24, 0],
      ['198.18.0.3:9', 1, 20, 0, 0, 20],
    ]);
    expect(rows[0]!.findings).toEqual([{ id: 'accept-queue-overflow', severity: 'error', captures: 1 }]);
    // Shown by default with several captures (not with -q), and on request.
    expect(renderText(report, plain, false)).toMatch(/Summary: 2 captures, 2 listeners\n.*\n198\.18\.0\.3:8080\s+2\/2\s+40\s+40\s+24\s+0/);
    expect(renderText(report, plain, true)).not.toContain('Summary:');
    expect(renderText(report, plain, true, null, true)).toContain('Summary:');
  });

  it('a folder stands for the captures in it, in name order; one without any is a usage error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tcpdiag-folder-'));
    dirs.push(dir);
    copyFileSync(LAB.refused, join(dir, 'b-refused.pcap'));
    copyFileSync(LAB.abort0, join(dir, 'a-abort0.pcap'));
    writeFileSync(join(dir, 'notes.txt'), 'not a capture');
    mkdirSync(join(dir, 'empty'));
    expect(expandCapturePaths([dir])).toEqual({ paths: [join(dir, 'a-abort0.pcap'), join(dir, 'b-refused.pcap')] });
    expect(expandCapturePaths([join(dir, 'empty')])).toEqual({ error: expect.stringContaining('no capture in it') });
    for (const n of ['x.pcap', 'x.pcapng.gz', 'trace.pcap5', 'dump.pcap.gz', 'x.cap']) expect(isCaptureName(n), n).toBe(true);
    for (const n of ['x.txt', 'x.json', 'labels.json']) expect(isCaptureName(n), n).toBe(false);

    const run = await runCli(['analyze', dir, '-q', '--fail-on', 'never']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`in ${join(dir, 'a-abort0.pcap')}`);
    expect(run.stdout).toContain(`in ${join(dir, 'b-refused.pcap')}`);
    const empty = await runCli(['analyze', join(dir, 'empty')]);
    expect(empty.code).toBe(2);
    expect(empty.stderr.split('\n')[0]).toBe(`tcpdiag analyze: ${join(dir, 'empty')}: a folder with no capture in it (*.pcap, *.pcapng, *.cap, optionally .gz)`);
  });
});
