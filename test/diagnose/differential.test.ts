// Issue 19: each verdict weighed against its look-alikes (kernel.md §10.1), on the labelled accuracy corpus.
// The labels (fixtures/accuracy/<run>/labels.json) hold the kernel's counters for each run.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PathLoss } from '../../src/diagnose/differential.js';
import { runPipeline } from '../../src/diagnose/pipeline.js';
import type { Finding } from '../../src/diagnose/registry.js';
import { FIXTURES } from '../helpers/pipeline.js';
import { S } from '../../src/capture/time-base.js';

const run = (name: string) => `${FIXTURES}accuracy/${name}.pcap.gz`;
function counters(run: string): Record<string, number> {
  return JSON.parse(readFileSync(`${FIXTURES}accuracy/${run}/labels.json`, 'utf8')).kernel_counters_delta;
}
async function findings(name: string): Promise<Finding[]> {
  return (await runPipeline(run(name))).analysis.findings;
}

describe('every per-listener finding says how sure it is', () => {
  it('confidence and alternatives on each listener finding; certain only without alternatives', async () => {
    for (const name of ['loss-20/client', 'stalled-synack1/client', 'filtered-client/server', 'slow-acceptor-abort1/server']) {
      const fs = (await findings(name)).filter((f) => f.listener !== '*');
      expect(fs.length, name).toBeGreaterThan(0);
      for (const f of fs) {
        expect(['certain', 'likely', 'possible'], `${name} ${f.id}`).toContain(f.confidence);
        expect(Array.isArray(f.alternatives)).toBe(true);
        if (f.confidence !== 'certain') expect(f.alternatives!.length, `${name} ${f.id}`).toBeGreaterThan(0);
        if (f.severity === 'error') expect(f.confidence).toBe('certain');
      }
    }
  });
});

describe('queue drops against path loss at the client', () => {
  it('loss-20/client (20% loss each way, ListenOverflows 0): handshake-loss, no overflow', async () => {
    expect(counters('loss-20').TcpExtListenOverflows ?? 0).toBe(0);
    const fs = await findings('loss-20/client');
    expect(fs.map((f) => f.id)).not.toContain('accept-queue-overflow');
    expect(fs.filter((f) => f.severity === 'error')).toEqual([]);
    const loss = fs.find((f) => f.id === 'handshake-loss')!;
    expect(loss.confidence).toBe('likely');
    expect(loss.alternatives!.map((a) => a.cause)).toEqual(['accept-queue-overflow']);
  });

  it('loss-3, loss-8, loss-15 and healthy-lossy at the client: no overflow either', async () => {
    for (const name of ['loss-3/client', 'loss-8/client', 'loss-15/client', 'healthy-lossy/client']) {
      expect((await findings(name)).map((f) => f.id), name).not.toContain('accept-queue-overflow');
    }
  });

  it('stalled-synack1/client: 27 connections with 8 unanswered SYNs each, answered in groups as the acceptor drains, are the overflow (216 SYNs = ListenOverflows 216)', async () => {
    expect(counters('stalled-synack1').TcpExtListenOverflows).toBe(216);
    const fs = await findings('stalled-synack1/client');
    expect(fs.map((f) => f.id)).not.toContain('handshake-loss');
    const f = fs.find((x) => x.id === 'accept-queue-overflow')!;
    expect(f).toMatchObject({ severity: 'error', confidence: 'certain', synDrops: 216, droppedSegments: 216 });
    expect(f.figures.find(([k]) => k.startsWith('answered together'))![1]).toBe('11 connections'); // the largest group answered within one second
  });

  it('overflow runs at the client still found beside real loss (overflow-loss-abort0/client)', async () => {
    const f = (await findings('overflow-loss-abort0/client')).find((x) => x.id === 'accept-queue-overflow')!;
    expect(f.severity).toBe('error');
  });

  it('at the client the server\'s re-sends measure the loss into the server, one way (the bridge\'s drop log is the truth)', async () => {
    // A server segment lost on the way out never passed the client's capture point: only the re-send is seen
    // there, so the re-sends the client sees are those whose ACK was lost on the way in. At the server the
    // same re-sends count both ways.
    for (const name of ['loss-3', 'loss-8', 'loss-15', 'loss-20', 'healthy-lossy-logged', 'overflow-loss-abort0', 'overflow-loss-abort1']) {
      const drops = (JSON.parse(readFileSync(`${FIXTURES}accuracy/${name}/labels.json`, 'utf8')).dropped_on_path as { dir: string }[]).filter((d) => d.dir === 'r0->r1').length;
      const at = async (v: string) => {
        const loss = new PathLoss();
        let clientPackets = 0;
        await runPipeline(run(`${name}/${v}`), { recycle: false }, (c) => {
          loss.observe(c);
          clientPackets += c.client.packets;
        });
        return { loss, clientPackets };
      };
      const client = await at('client');
      const server = await at('server');
      const truth = drops / client.clientPackets;
      expect(drops, name).toBeGreaterThan(0);
      expect(client.loss.oneWayAtClient() / truth, name).toBeGreaterThan(0.5);
      expect(client.loss.oneWayAtClient() / truth, name).toBeLessThan(2);
      expect(server.loss.oneWayAtClient(), name).toBeGreaterThan(client.loss.oneWayAtClient());
    }
  });

  it('overflow-loss-abort0/client: of the 85 unanswered segments, 13 never met the queue; 6 are left out as path loss (79 against ListenOverflows 72)', async () => {
    // Per connection against the server capture of the same run: 12 client segments the bridge dropped on
    // the way in, and the handshake ACK of 33242, which reached a socket (its data was lost once, then answered).
    expect(counters('overflow-loss-abort0').TcpExtListenOverflows).toBe(72);
    const f = (await findings('overflow-loss-abort0/client')).find((x) => x.id === 'accept-queue-overflow')!;
    expect(f.droppedSegments).toBe(79);
    expect(Math.abs(f.droppedSegments - 72) / 72).toBeLessThanOrEqual(0.1);
    expect(f.figures).toContainEqual([
      'of the unanswered segments, path loss explains',
      '6 (not counted as dropped: 1 segment of 1 handshake answered at the first retransmission, as one lost segment leaves them; 5 client segments at 5.0% one way)',
    ]);
  });

  it('no path loss measured, nothing left out: the lossless client captures keep every unanswered segment', async () => {
    for (const [name, lo] of [['accept-overflow-abort0/client', 163], ['stalled-synack1/client', 216], ['slow-acceptor-abort1/client', 196]] as const) {
      const f = (await findings(name)).find((x) => x.id === 'accept-queue-overflow')!;
      expect(f.droppedSegments, name).toBe(lo);
      expect(f.figures.some(([k]) => k.startsWith('of the unanswered segments')), name).toBe(false);
    }
  });
});

describe('path loss beside an overflow (handshake-loss on the same listener)', () => {
  const tsharkSynAckRetransmitted = (capture: string): number[] => {
    const row = readFileSync(`${FIXTURES}expected/accuracy__capture-loss.tsv`, 'utf8').split('\n').find((l) => l.startsWith(`${capture}\t`))!;
    return row.split('\t')[4]!.split(' ').filter(Boolean).map(Number);
  };
  const pathHandshakeDrops = (run: string): number =>
    (JSON.parse(readFileSync(`${FIXTURES}accuracy/${run}/labels.json`, 'utf8')).dropped_on_path as { flags?: string }[]).filter((d) => (d.flags ?? '').includes('S')).length;

  it('overflow-loss-abort1/server: the 9 SYN-ACKs re-sent before any ACK (the 9 connections tshark flags) are the path\'s', async () => {
    expect(pathHandshakeDrops('overflow-loss-abort1')).toBe(23);
    const fs = await findings('overflow-loss-abort1/server');
    expect(fs.find((f) => f.id === 'accept-queue-overflow')).toMatchObject({ severity: 'error', droppedSegments: 63 });
    const f = fs.find((x) => x.id === 'handshake-loss')!;
    expect(tsharkSynAckRetransmitted('overflow-loss-abort1/server.pcap.gz')).toHaveLength(9);
    expect(f).toMatchObject({ severity: 'warning', confidence: 'likely', connections: 9 });
    expect(f.figures).toContainEqual(['SYN-ACKs re-sent before an ACK', '9']);
    expect(f.verdict).toContain('Besides the accept-queue overflow');
    expect(f.fix.join(' ')).not.toContain('not the problem');
    expect(f.alternatives!.map((a) => a.cause)).toEqual(['accept-queue-overflow']);
  });

  it('overflow-loss-abort1/client: the loss measured on the server\'s data takes about 22 SYN attempts (the bridge dropped 23 SYNs and SYN-ACKs)', async () => {
    const fs = await findings('overflow-loss-abort1/client');
    expect(fs.find((f) => f.id === 'accept-queue-overflow')).toMatchObject({ severity: 'error', synDrops: 48 });
    const f = fs.find((x) => x.id === 'handshake-loss')!;
    expect(f).toMatchObject({ severity: 'warning', confidence: 'likely', connections: 22 });
    expect(Math.abs(f.connections - pathHandshakeDrops('overflow-loss-abort1'))).toBeLessThanOrEqual(3);
    expect(f.figures).toContainEqual(['path loss into the server (server data re-sent)', '4.8% of 290 segments']);
  });

  it('not on an overflow without handshake loss on the path: the lossless runs, and overflow-loss-abort0 (the bridge dropped no SYN or SYN-ACK there)', async () => {
    expect(pathHandshakeDrops('overflow-loss-abort0')).toBe(0);
    for (const name of ['overflow-loss-abort0/client', 'overflow-loss-abort0/server', 'accept-overflow-abort0/client', 'slow-acceptor-abort0/server', 'slow-acceptor-abort1/client', 'stalled-synack1/client', 'reuseport-slow/client', 'synack-expire/server']) {
      const ids = (await findings(name)).map((f) => f.id);
      expect(ids, name).toContain('accept-queue-overflow');
      expect(ids, name).not.toContain('handshake-loss');
    }
  });
});

describe('a filter against a full queue', () => {
  it('filtered-client/server: one source never answered while the other is answered at once = syn-unanswered (filtered), not overflow', async () => {
    expect(counters('filtered-client').TcpExtListenOverflows ?? 0).toBe(0);
    const fs = await findings('filtered-client/server');
    expect(fs.map((f) => f.id)).toEqual(['syn-unanswered']);
    const f = fs[0]!;
    expect(f).toMatchObject({ severity: 'warning', confidence: 'likely', connections: 6 });
    expect(f.verdict).toContain('firewall');
    expect(f.figures).toContainEqual(['sources never answered', '1']);
  });

  it('filtered-client/client: the same verdict from the client side (flows said syn-unanswered, analyze said nothing)', async () => {
    const fs = await findings('filtered-client/client');
    expect(fs.map((f) => f.id)).toEqual(['syn-unanswered']);
    expect(fs[0]!.connections).toBe(6);
  });
});

describe('"only syncookie handshakes were dropped" only when that happened', () => {
  it('is not said when only SYNs were dropped (reuseport-slow/server)', async () => {
    const f = (await findings('reuseport-slow/server')).find((x) => x.id === 'accept-queue-overflow')!;
    const abort = f.figures.find(([k]) => k === 'tcp_abort_on_overflow')![1];
    if (f.abortOnOverflow === 'unknown') expect(abort).not.toContain('syncookie');
  });
});

describe('what was not dropped (issue 19 item 3)', () => {
  const pub = (f: string) => `${FIXTURES}public/${f}`;

  it('bug-3844: a SYN answered by a bare RST was refused, not dropped (tshark: RST ack 0 answers frame 1; flows: REJ)', async () => {
    const { analysis } = await runPipeline(pub('bug-3844.pcap'));
    const ids = analysis.findings.map((f) => f.id);
    expect(ids).not.toContain('accept-queue-overflow');
    expect(ids).toContain('connection-refused');
    expect(analysis.findings.filter((f) => f.severity === 'error')).toEqual([]);
  });

  it('tcp_handshake_synthetic: one unanswered SYN among 14 handshakes is not an overflow', async () => {
    const { analysis } = await runPipeline(pub('tcp_handshake_synthetic.pcap'));
    expect(analysis.findings.map((f) => f.id)).not.toContain('accept-queue-overflow');
    expect(analysis.findings.filter((f) => f.severity === 'error')).toEqual([]);
  });

  it('syn-then-rst: the client\'s own RST right after its SYN is no server failure (Zeek: SR, RSTOS0)', async () => {
    for (const f of ['syn-then-rst.pcap', 'syn-then-ack-then-rst.pcap', 'syn-then-stuff-then-rst.pcap']) {
      const { analysis } = await runPipeline(pub(f));
      expect(analysis.findings.filter((x) => x.listener !== '*').map((x) => x.id), f).toEqual([]);
    }
  });
});

describe('numbers that match the findings (issue 19 item 8)', () => {
  it('the listener table counts as overflowed only what an overflow finding attributes', async () => {
    // syn-flood-nocookies/server: its drops were SYN-queue drops (TCPReqQFullDrop), no ListenOverflows.
    expect(counters('syn-flood-nocookies').TcpExtListenOverflows ?? 0).toBe(0);
    for (const name of ['syn-flood-nocookies/server', 'healthy-lossy/client', 'loss-20/client']) {
      const { analysis } = await runPipeline(run(name));
      expect(analysis.findings.map((f) => f.id), name).not.toContain('accept-queue-overflow');
      expect(analysis.listeners.map((l) => l.overflowed), name).toEqual(analysis.listeners.map(() => 0));
    }
    const { analysis } = await runPipeline(`${FIXTURES}lab/accept-overflow-abort0-server.pcap`);
    const f = analysis.findings.find((x) => x.id === 'accept-queue-overflow')!;
    expect(analysis.listeners[0]!.overflowed).toBe(f.connections);
  });

  it('an episode spans first drop to last: accept-overflow-abort0/server drops for 30 s, one 30 s episode', async () => {
    const { analysis } = await runPipeline(`${FIXTURES}lab/accept-overflow-abort0-server.pcap`);
    const f = analysis.findings.find((x) => x.id === 'accept-queue-overflow')!;
    expect(f.episodes).toHaveLength(1);
    const e = f.episodes[0]!;
    // Capture times: nanoseconds.
    expect(e.end - e.start).toBeGreaterThan(29 * S);
    expect(e.end - e.start).toBeLessThan(31 * S);
    expect(e.connections).toBe(f.connections);
  });
});

describe('the kernel\'s own details (issue 19 item 7)', () => {
  it('abort=1 at the client: the data behind the reset ACK meets the bare listener, one drop not two (slow-acceptor-abort1/client = ListenOverflows 196)', async () => {
    expect(counters('slow-acceptor-abort1').TcpExtListenOverflows).toBe(196);
    for (const name of ['slow-acceptor-abort1/client', 'slow-acceptor-abort1/server']) {
      const f = (await findings(name)).find((x) => x.id === 'accept-queue-overflow')!;
      expect(f.droppedSegments, name).toBe(196);
    }
  });
});
