// Capture loss (issue 19 item 5): segments the other side ACKed that the capture never recorded are
// measured per capture, said in its summary (JSON field, warning line) and on each finding, and never
// counted as drops. Checked against tshark 4.0.17's tcp.analysis.ack_lost_segment, recorded in
// fixtures/expected/accuracy__capture-loss.tsv by scripts/fixtures/record_capture_loss.sh (CI has no tshark),
// and against what the transform dropped (labels.json transform.changed.lost).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CaptureLoss } from '../../src/diagnose/capture-loss.js';
import { runPipeline } from '../../src/diagnose/pipeline.js';
import { FIXTURES, requireFile } from '../helpers/fixtures.js';

const ACC = `${FIXTURES}accuracy/`;

interface TsharkRow {
  ackLost: number;
  lostSegment: number;
  ackLostPorts: number[];
}

function tshark(): Map<string, TsharkRow> {
  const rows = new Map<string, TsharkRow>();
  const text = readFileSync(requireFile(`${FIXTURES}expected/accuracy__capture-loss.tsv`), 'utf8');
  for (const line of text.split('\n').slice(1)) {
    if (line === '' || line.startsWith('#')) continue;
    const [capture, ackLost, lostSegment, ports] = line.split('\t');
    rows.set(capture!, { ackLost: Number(ackLost), lostSegment: Number(lostSegment), ackLostPorts: ports ? ports.split(' ').map(Number) : [] });
  }
  return rows;
}

/** The client ports of the connections CaptureLoss finds ACKed-unseen bytes on, and its result. */
async function measure(capture: string) {
  const loss = new CaptureLoss();
  const ports: number[] = [];
  const run = await runPipeline(`${ACC}${capture}`, { recycle: false }, (c) => {
    const before = loss.result().connections;
    loss.observe(c);
    if (loss.result().connections > before) ports.push(c.cPort);
  });
  return { loss: loss.result(), ports: ports.sort((a, b) => a - b), run };
}

/** Sequence-bearing segments the transform dropped whose copy the capture never holds: what an ACK can reveal. */
function unseenByTransform(dir: string): number {
  const labels = JSON.parse(readFileSync(`${ACC}${dir}/labels.json`, 'utf8'));
  const lost = labels.transform.changed.lost as { len: number; flags: string; seq: number; sport: number }[];
  const bearing = lost.filter((x) => x.len > 0 || x.flags.includes('F'));
  const seen = new Set<string>();
  return bearing.filter((x) => {
    const k = `${x.sport}/${x.seq}`;
    return !seen.has(k) && seen.add(k);
  }).length;
}

describe('capture loss against tshark', () => {
  const rows = tshark();

  it('the tshark file covers the whole accuracy corpus', () => {
    expect(rows.size).toBeGreaterThanOrEqual(53);
  });

  it('caploss-healthy-client: the same 19 connections tshark flags ACKed-unseen, and the 20 segments the transform hid for good', async () => {
    const t = rows.get('caploss-healthy-client/capture.pcap.gz')!;
    expect(t.ackLostPorts.length).toBe(19);
    const { loss, ports } = await measure('caploss-healthy-client/capture.pcap.gz');
    expect(ports).toEqual(t.ackLostPorts);
    expect(loss.connections).toBe(19);
    // 12 FINs, 5 requests of 200 bytes, 3 replies of 1000 (one connection lost its reply and the client's FIN).
    expect(unseenByTransform('caploss-healthy-client')).toBe(20);
    expect(loss.ackedUnseenSegments).toBe(20);
    expect(loss.ackedUnseenBytes).toBe(12 + 5 * 200 + 3 * 1000);
  });

  it('caploss-overflow-abort0-server: 2 connections, as tshark; the other 8 lost segments were re-sent and captured', async () => {
    const t = rows.get('caploss-overflow-abort0-server/capture.pcap.gz')!;
    const { loss, ports, run } = await measure('caploss-overflow-abort0-server/capture.pcap.gz');
    expect(ports).toEqual(t.ackLostPorts);
    expect(loss).toEqual({ ackedUnseenSegments: 2, ackedUnseenBytes: 1001, connections: 2 });
    // Reported: the summary's field and warning line, and a caveat on the overflow finding.
    expect(run.summary.captureLoss).toEqual(loss);
    expect(run.summary.warnings.some((w) => w.startsWith('the capture itself missed packets: the other side ACKed about 2 segments (1001 bytes, on 2 connections)'))).toBe(true);
    const f = run.analysis.findings.find((x) => x.id === 'accept-queue-overflow')!;
    expect(f.caveats.some((c) => c.startsWith('The capture itself missed about 2 segments'))).toBe(true);
  });

  it('never counted as drops: the overflow with capture loss counts no more than the kernel (155 of ListenOverflows 163)', async () => {
    const labels = JSON.parse(readFileSync(`${ACC}caploss-overflow-abort0-server/labels.json`, 'utf8'));
    const { run } = await measure('caploss-overflow-abort0-server/capture.pcap.gz');
    const f = run.analysis.findings.find((x) => x.id === 'accept-queue-overflow') as { droppedSegments: number } | undefined;
    expect(f!.droppedSegments).toBe(155);
    expect(f!.droppedSegments).toBeLessThanOrEqual(labels.kernel_counters_delta.TcpExtListenOverflows);
  });

  it('path loss is not capture loss: every lossy real run reads 0, as tshark (whose "previous segment not captured" path loss does give)', async () => {
    for (const name of ['loss-20/client', 'loss-20/server', 'overflow-loss-abort1/client', 'healthy-lossy/client']) {
      const t = rows.get(`${name}.pcap.gz`)!;
      expect(t.ackLost, name).toBe(0);
      expect(t.lostSegment, name).toBeGreaterThan(0);
      const { loss, run } = await measure(`${name}.pcap.gz`);
      // Read, and whole: a missing or unreadable capture would give 0 too.
      const labels = JSON.parse(readFileSync(`${ACC}${name.split('/')[0]}/labels.json`, 'utf8'));
      expect(run.summary.error, name).toBeNull();
      expect(run.summary.connections, name).toBe(labels.connections.length);
      expect(loss, name).toEqual({ ackedUnseenSegments: 0, ackedUnseenBytes: 0, connections: 0 });
      expect(run.summary.warnings.some((w) => w.includes('capture itself missed')), name).toBe(false);
    }
  });

  it('ACKs with wrong numbers are not capture loss, although Wireshark flags them alike', async () => {
    // tcp_handshake_synthetic: crafted handshake ACKs (ack 999999 for the SYN-ACK of ISN 6000, frame 6 in
    // fixtures/expected/public__tcp_handshake_synthetic.pcap.tshark.tsv) further past the last byte than
    // any window the receiver offered; timewait-syn: the TIME_WAIT socket's ACK with the old numbers, which
    // the client resets (kernel.md §9).
    const rows = readFileSync(`${FIXTURES}expected/public__tcp_handshake_synthetic.pcap.tshark.tsv`, 'utf8').split('\n');
    expect(rows[6]!.split('\t').slice(8, 12)).toEqual(['40002', '8080', '2001', '999999']);
    // The connections each capture holds: the synthetic one's client ports in tshark's rows; timewait-syn's
    // two (its old connection and the port reuse, signatures.test.ts).
    const synthetic = new Set(rows.slice(1).filter((r) => r !== '').map((r) => r.split('\t').slice(8, 10).sort().join('/'))).size;
    expect(synthetic).toBeGreaterThan(0);
    const cases: [string, number][] = [[`${FIXTURES}public/tcp_handshake_synthetic.pcap`, synthetic], [`${FIXTURES}slices/timewait-syn.pcap`, 2]];
    for (const [f, connections] of cases) {
      const loss = new CaptureLoss();
      const run = await runPipeline(f, { recycle: false }, (c) => loss.observe(c));
      expect(run.summary.error, f).toBeNull();
      expect(run.summary.connections, f).toBe(connections);
      expect(loss.result(), f).toEqual({ ackedUnseenSegments: 0, ackedUnseenBytes: 0, connections: 0 });
      expect(run.summary.captureLoss, f).toEqual(loss.result());
    }
  });
});
