import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { needsMemoryFavour, RELEASE_ABOVE_BYTES, releaseTrackerMemory } from '../../src/cli/run-capture.js';
import { Analyzer } from '../../src/diagnose/analyzer.js';
import { runPipeline } from '../../src/diagnose/pipeline.js';
import { SLOT_BYTES } from '../../src/track/limits.js';
import { labCapture } from '../helpers/pipeline.js';

describe('the tracker memory let go before the judgement (session 15)', () => {
  it('runPipeline calls beforeJudging once, after the last connection and before the analysis', async () => {
    const events: string[] = [];
    let connections = 0;
    let seenAtHook = -1;
    let peak = -1;
    // The analyzer's judgement (finish) is recorded too: the hook must come before it.
    const analyzer = new Analyzer();
    const finish = analyzer.finish.bind(analyzer);
    analyzer.finish = (summary) => {
      events.push('judgement');
      return finish(summary);
    };
    const run = await runPipeline(
      labCapture('accept-overflow-abort1', 'server.pcap'),
      {
        analyzer,
        beforeJudging: (s) => {
          events.push('hook');
          seenAtHook = connections;
          peak = s.peakLiveConnections;
        },
      },
      () => {
        connections++;
        if (events.at(-1) !== 'connection') events.push('connection');
      },
    );
    expect(events).toEqual(['connection', 'hook', 'judgement']);
    // Every connection was diagnosed before the hook ran, and the hook saw the finished summary.
    expect(seenAtHook).toBe(connections);
    expect(connections).toBe(run.summary.connections);
    expect(connections).toBe(30);
    expect(peak).toBe(run.summary.peakLiveConnections);
    expect(run.analysis.findings.some((f) => f.id === 'accept-queue-overflow')).toBe(true);
  });

  it('collects only when the tracker held more than RELEASE_ABOVE_BYTES of slots', () => {
    let collections = 0;
    const collector = () => {
      collections++;
    };
    const below = Math.floor(RELEASE_ABOVE_BYTES / SLOT_BYTES) - 1;
    const above = Math.ceil(RELEASE_ABOVE_BYTES / SLOT_BYTES);
    expect(releaseTrackerMemory({ peakLiveConnections: below } as never, collector)).toBe(false);
    expect(collections).toBe(0);
    expect(releaseTrackerMemory({ peakLiveConnections: above } as never, collector)).toBe(true);
    expect(collections).toBe(1);
    // Without a collector (no --expose-gc), nothing happens and it says so.
    expect(releaseTrackerMemory({ peakLiveConnections: above } as never, null)).toBe(false);
  });

  it('reaches V8\'s collector once the CLI has set its flags, in a process of its own (flags are process-wide)', () => {
    const runCapture = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'run-capture.js');
    const script = `
      const m = await import(${JSON.stringify(runCapture)});
      const big = { peakLiveConnections: Math.ceil(m.RELEASE_ABOVE_BYTES / 704) * 2 };
      const before = m.releaseTrackerMemory(big);
      m.favourMemory();
      console.log(JSON.stringify({ before, after: m.releaseTrackerMemory(big), small: m.releaseTrackerMemory({ peakLiveConnections: 1 }) }));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    // Before favourMemory no collector is there (a library caller gets none); after it, one is.
    expect(JSON.parse(r.stdout)).toEqual({ before: false, after: true, small: false });
  });
});

describe('the memory settings', () => {
  it('are set for an input that can hold enough connections for the release, or whose size is unknown; not for a small one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tcpdiag-favour-'));
    // Bytes at which the most connections a capture can hold (56 bytes a TCP record) fill RELEASE_ABOVE_BYTES of slots.
    const edge = Math.ceil(RELEASE_ABOVE_BYTES / SLOT_BYTES) * 56;
    const sized = (name: string, bytes: number) => {
      const p = join(dir, name);
      writeFileSync(p, '');
      truncateSync(p, bytes);
      return p;
    };
    expect(needsMemoryFavour('fixtures/public/get.pcap')).toBe(false);
    expect(needsMemoryFavour('fixtures/lab-all/healthy/server.pcap.gz')).toBe(false);
    expect(needsMemoryFavour(sized('below.pcap', edge - 56))).toBe(false);
    expect(needsMemoryFavour(sized('at.pcap', edge))).toBe(true);
    // A --merge counts its files together.
    const half = sized('half.pcap', edge / 2 + 56);
    expect(needsMemoryFavour('a + b', [half, half])).toBe(true);
    expect(needsMemoryFavour('-')).toBe(true);
    expect(needsMemoryFavour('/dev/zero')).toBe(true);
    rmSync(dir, { recursive: true, force: true });
  });
});
