import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KERNEL_LAB, requireFile } from '../helpers/fixtures.js';
import { run } from '../helpers/pipeline.js';

// Single-mechanism loopback runs behind kernel.md (fixtures/kernel-lab): each log ends with the
// counter deltas the kernel reported for its capture (nstat leaves out a counter that did not move).
function counter(log: string, name: string): number {
  const text = readFileSync(requireFile(`${KERNEL_LAB}${log}.log`), 'utf8');
  expect(text, `${log}.log has its counter deltas`).toMatch(/^--- (counter deltas|nstat) /m);
  const m = new RegExp(`${name} (\\d+)`).exec(text);
  return m ? Number(m[1]) : 0;
}

describe.each([
  // capture, abort_on_overflow the evidence shows
  ['ackov0c', '0'],
  ['ackov1b', '1'],
  ['expire2', '0'],
  // Cookie handshakes whose ACK was blocked: the client's 1-byte first request (seq = the server's ACK) is
  // data re-sent to the full queue, not a keep-alive; cookies leave the setting unknown (kernel.md §2.5).
  ['synq1', 'unknown'],
  ['synq2ts2', 'unknown'],
  ['synq2nots', 'unknown'],
])('kernel-lab %s', (name, abort) => {
  it('counts exactly the segments the kernel counted as ListenOverflows, and names the setting', async () => {
    const r = await run(`${KERNEL_LAB}${name}.pcap.gz`);
    const f = r.analysis.findings.find((x) => x.id === 'accept-queue-overflow');
    expect(f).toBeDefined();
    expect(counter(name, 'TcpExtListenOverflows')).toBeGreaterThan(0);
    expect(f!.droppedSegments).toBe(counter(name, 'TcpExtListenOverflows'));
    expect(f!.abortOnOverflow).toBe(abort);
    expect(f!.resets).toBe(counter(name, 'TcpExtEmbryonicRsts'));
  });
});
