import { describe, expect, it } from 'vitest';
import { RELEASE_ABOVE_BYTES, releaseTrackerMemory } from '../../src/cli/run-capture.js';
import { runPipeline } from '../../src/diagnose/pipeline.js';
import { SLOT_BYTES } from '../../src/track/tracker.js';
import { labCapture } from '../helpers/pipeline.js';

describe('the tracker memory let go before the judgement (session 15)', () => {
  it('runPipeline calls beforeJudging once, after the last connection and before the analysis', async () => {
    const events: string[] = [];
    let connections = 0;
    let seenAtHook = -1;
    let peak = -1;
    const run = await runPipeline(
      labCapture('accept-overflow-abort1', 'server.pcap'),
      {
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
    expect(events).toEqual(['connection', 'hook']);
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
});
