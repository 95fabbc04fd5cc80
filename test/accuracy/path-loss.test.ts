// droppedSegments at the client when path loss is mixed with the overflow (issue 19 item 1): what the
// measured loss explains is not counted, against the kernel's TcpExtListenOverflows in labels.json.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { run } from '../helpers/pipeline.js';

const ACC = fileURLToPath(new URL('../../fixtures/accuracy/', import.meta.url));

interface Labels {
  kernel_counters_delta: Record<string, number>;
  client_outcomes: Record<string, number>;
  wire_loss_percent: number;
}

interface Overflow {
  droppedSegments: number;
  synDrops: number;
  resets: number;
  abortOnOverflow: string;
  figures: [string, string][];
}

async function overflowOf(dir: string, vantage: string): Promise<{ l: Labels; f: Overflow }> {
  const l = JSON.parse(readFileSync(`${ACC}${dir}/labels.json`, 'utf8')) as Labels;
  const r = await run(`${ACC}${dir}/${vantage}.pcap.gz`);
  const f = r.analysis.findings.find((x) => x.id === 'accept-queue-overflow') as Overflow | undefined;
  expect(f, `${dir}/${vantage}: accept-queue-overflow`).toBeDefined();
  return { l, f: f! };
}

describe('droppedSegments with path loss at the client', () => {
  it('overflow-loss-abort1/client: within 5% of ListenOverflows once path loss and the reset rule are applied (was 129/63)', async () => {
    const { l, f } = await overflowOf('overflow-loss-abort1', 'client');
    expect(l.wire_loss_percent).toBe(5);
    const lo = l.kernel_counters_delta.TcpExtListenOverflows!;
    expect(lo).toBe(63);
    expect(f.abortOnOverflow).toBe('1');
    expect(f.resets).toBe(l.client_outcomes.reset);
    expect(Math.abs(f.droppedSegments - lo) / lo).toBeLessThanOrEqual(0.05);
    // 22 of the 70 unanswered SYNs are what 9.4% loss per attempt (4.8% each way) gives on the 230 SYNs sent:
    // the 48 left are what the server saw dropped (overflow-loss-abort1/server: SYNs dropped 48).
    expect(f.synDrops).toBe(48);
    const [low, high] = f.figures.find(([k]) => k.startsWith('dropped segments, range'))![1].split(' ')[0]!.split('–').map(Number);
    expect(low).toBeLessThanOrEqual(lo);
    expect(high).toBeGreaterThanOrEqual(lo);
    // One client segment, in the singular (it read "1 client segments").
    expect(f.figures.find(([k]) => k.startsWith('of the unanswered segments'))![1]).toBe(
      '67 (not counted as dropped: 22 SYNs at 9.4% per attempt; 1 client segment at 4.8% one way; 44 segments of 21 handshakes left unanswered without a reset although tcp_abort_on_overflow=1)',
    );
  });

  it('overflow-loss-abort0/client: 79 against 72 (was 85, then 82): the loss into the server measured one way, the handshake the queue never held', async () => {
    const { l, f } = await overflowOf('overflow-loss-abort0', 'client');
    expect(l.kernel_counters_delta.TcpExtListenOverflows).toBe(72);
    expect(f.droppedSegments).toBe(79);
    expect(f.figures).toContainEqual(['dropped segments, range for the path loss', '67–85 (path loss from the upper bound of its rate to none)']);
  });

  it('at the server nothing is discounted: every unanswered segment reached the host', async () => {
    for (const dir of ['overflow-loss-abort0', 'overflow-loss-abort1']) {
      const { l, f } = await overflowOf(dir, 'server');
      expect(f.droppedSegments, dir).toBe(l.kernel_counters_delta.TcpExtListenOverflows);
      expect(f.figures.some(([k]) => k.startsWith('of the unanswered segments')), dir).toBe(false);
    }
  });
});
