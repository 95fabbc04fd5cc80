import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { run } from '../helpers/pipeline.js';

// Single-mechanism loopback runs behind kernel.md (../shared/captures/kernel-lab): each log ends with the
// counter deltas the kernel reported for its capture.
const KLAB = fileURLToPath(new URL('../../../shared/captures/kernel-lab/', import.meta.url));

function counter(log: string, name: string): number {
  const m = new RegExp(`${name} (\\d+)`).exec(readFileSync(`${KLAB}${log}.log`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

describe.each([
  // capture, abort_on_overflow the evidence shows
  ['ackov0c', '0'],
  ['ackov1b', '1'],
  ['expire2', '0'],
])('kernel-lab %s', (name, abort) => {
  it('counts exactly the segments the kernel counted as ListenOverflows, and names the setting', async () => {
    const r = await run(`${KLAB}${name}.pcap`);
    const f = r.analysis.findings.find((x) => x.id === 'accept-queue-overflow');
    expect(f).toBeDefined();
    expect(f!.droppedSegments).toBe(counter(name, 'TcpExtListenOverflows'));
    expect(f!.abortOnOverflow).toBe(abort);
    expect(f!.resets).toBe(counter(name, 'TcpExtEmbryonicRsts'));
  });
});
