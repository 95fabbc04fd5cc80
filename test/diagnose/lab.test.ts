import { describe, expect, it } from 'vitest';
import { labCapture, labels, run } from '../helpers/pipeline.js';

const OVERFLOW = ['accept-overflow-abort0', 'accept-overflow-abort1', 'slow-acceptor-abort0', 'slow-acceptor-abort1', 'synack-expire'];
const CLEAN = ['healthy', 'healthy-lossy', 'app-reset'];
// Each scenario at both vantage points, plus the format variants of slow-acceptor-abort1.
const CAPTURES: [string, string][] = [];
for (const s of [...OVERFLOW, ...CLEAN, 'refused', 'syn-flood-cookies', 'syn-flood-nocookies']) {
  CAPTURES.push([s, 'server.pcap'], [s, 'client.pcap']);
}
CAPTURES.push(['slow-acceptor-abort1', 'server.pcapng'], ['slow-acceptor-abort1', 'client-nsec.pcap']);

describe.each(CAPTURES)('lab %s/%s', (scenario, file) => {
  const l = labels(scenario);
  const listener = `${l.server.ip}:${l.server.port}`;
  const floodSyns = l.flood ? Number(l.flood[l.flood.indexOf('--count') + 1]) : 0;
  const result = run(labCapture(scenario, file));

  it('tracks one connection per client connection (plus each spoofed flood SYN)', async () => {
    const r = await result;
    expect(r.summary.error).toBeNull();
    expect(r.summary.connections).toBe(l.connections.length + floodSyns);
    const c = r.summary;
    expect(c.tcp + c.otherIp + c.nonIp + c.truncated + c.malformed + c.outsideWindow).toBe(c.packets);
  });

  it('infers the vantage point', async () => {
    const r = await result;
    const side = file.startsWith('server') ? 'server' : 'client';
    if (scenario === 'syn-flood-nocookies') {
      // Every real client needed SYN retransmits: no clean handshake to time.
      expect(['unknown', side]).toContain(r.analysis.vantage.vantage);
    } else {
      expect(r.analysis.vantage.vantage).toBe(side);
    }
  });

  if (OVERFLOW.includes(scenario)) {
    it('reports accept-queue-overflow with the abortOnOverflow the evidence supports', async () => {
      const r = await result;
      const f = r.analysis.findings.find((x) => x.id === 'accept-queue-overflow');
      expect(f, 'accept-queue-overflow finding').toBeDefined();
      expect(f!.listener).toBe(listener);
      expect(f!.severity).toBe('error');
      const abort = l.server.sysctl['net.ipv4.tcp_abort_on_overflow'];
      const resets = l.kernel_counters_delta.TcpExtEmbryonicRsts ?? 0;
      // Resets prove abort=1; a re-sent SYN-ACK after the ACK proves abort=0; cookie-only drops prove nothing.
      if (resets > 0) expect(f!.abortOnOverflow).toBe('1');
      else if (f!.abortOnOverflow !== 'unknown') expect(f!.abortOnOverflow).toBe(String(abort));
      if (scenario === 'accept-overflow-abort1') expect(f!.abortOnOverflow).toBe('unknown');
      if (scenario === 'slow-acceptor-abort0') expect(f!.abortOnOverflow).toBe('0');
      expect(f!.evidence.connections.length).toBeGreaterThanOrEqual(3);
      expect(f!.evidence.filter).toContain('tcp.');
      expect(f!.episodes.length).toBeGreaterThanOrEqual(1);
    });

    if (file.startsWith('server')) {
      it('counts dropped segments within 10% of TcpExtListenOverflows', async () => {
        const r = await result;
        const f = r.analysis.findings.find((x) => x.id === 'accept-queue-overflow')!;
        const kernel = l.kernel_counters_delta.TcpExtListenOverflows!;
        expect(Math.abs(f.droppedSegments! - kernel) / kernel).toBeLessThanOrEqual(0.1);
      });
    }
  } else {
    it('reports no accept-queue-overflow', async () => {
      const r = await result;
      expect(r.analysis.findings.map((f) => f.id)).not.toContain('accept-queue-overflow');
    });
  }

  if (!scenario.startsWith('syn-flood')) {
    it('reports no syn-flood', async () => {
      const r = await result;
      expect(r.analysis.findings.map((f) => f.id)).not.toContain('syn-flood');
    });
  } else {
    it('reports syn-flood with the right syncookies', async () => {
      const r = await result;
      const f = r.analysis.findings.find((x) => x.id === 'syn-flood');
      expect(f).toBeDefined();
      expect(f!.listener).toBe(listener);
      expect(f!.syncookies).toBe(l.server.sysctl['net.ipv4.tcp_syncookies'] === 1);
      expect(f!.halfOpen).toBe(floodSyns);
      expect(f!.sources).toBeGreaterThan(1000);
      if (!f!.syncookies) {
        // Every SYN the listener never answered: the kernel's TcpExtTCPReqQFullDrop.
        expect(f!.synDrops).toBe(l.kernel_counters_delta.TcpExtTCPReqQFullDrop);
      }
    });
  }

  if (scenario === 'slow-acceptor-abort1') {
    it('flags reset-after-handshake on exactly the client ports whose outcome is reset', async () => {
      const r = await result;
      const flagged = r.conns.filter((c) => c.facts.signatures.includes('reset-after-handshake')).map((c) => c.clientPort).sort();
      const reset = l.connections.filter((c) => c.outcome === 'reset').map((c) => c.port).sort();
      expect(reset.length).toBe(49);
      expect(flagged).toEqual(reset);
      const f = r.analysis.findings.find((x) => x.id === 'accept-queue-overflow')!;
      expect(f.resets).toBe(l.kernel_counters_delta.TcpExtEmbryonicRsts);
    });
  }

  if (scenario === 'app-reset') {
    it("classifies the server's resets as reset-by-application", async () => {
      const r = await result;
      const appResets = r.conns.filter((c) => c.facts.signatures.includes('reset-by-application'));
      expect(appResets.length).toBe(l.client_outcomes.reset);
      expect(r.conns.some((c) => c.facts.signatures.includes('reset-after-handshake'))).toBe(false);
      const f = r.analysis.findings.find((x) => x.id === 'application-resets');
      expect(f?.connections).toBe(40);
    });
  }

  if (scenario === 'refused') {
    it('reports connection-refused with 20 connections on port 9', async () => {
      const r = await result;
      const f = r.analysis.findings.find((x) => x.id === 'connection-refused');
      expect(f?.listener).toBe(`${l.server.ip}:9`);
      expect(f?.connections).toBe(20);
      expect(l.client_outcomes.refused).toBe(20);
      // tshark 4.0.17 -Y with this filter on refused/server.pcap: the 20 RSTs. Wireshark shows their
      // (relative) sequence number as 1, so `tcp.seq==0`, printed until the sixth session, matched none.
      expect(f?.evidence.filter).toBe('tcp.srcport==9 && tcp.flags.reset==1 && tcp.flags.ack==1 && tcp.seq_raw==0');
    });
  }

  if (scenario === 'slow-acceptor-abort0' && file === 'server.pcap') {
    it('shows the classic picture on client port 35972: SYN-ACK re-sent after the ACK and data', async () => {
      const r = await result;
      const c = r.conns.find((x) => x.clientPort === 35972)!;
      expect(c.facts.signatures).toContain('synack-retransmit-after-ack');
      expect(c.facts.signatures).toContain('handshake-data-ignored');
      expect(c.facts.signatures).toContain('syn-retransmit');
      // Frames as tshark numbers them: SYN 469, SYN-ACK 759, ACK 766, re-sent SYN-ACK 1082, data ACKed 1331.
      expect(c.c.synFrame).toBe(469);
      expect(c.c.synAckFrame).toBe(759);
      expect(c.c.handshakeAckFrame).toBe(766);
      expect(c.c.synAckFrames).toContain(1082);
      expect(c.c.serverDataAckFrame).toBe(1331);
    });
  }
});
