import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { labScenarios } from '../helpers/fixtures.js';
import { FIXTURES, labCapture, run } from '../helpers/pipeline.js';

const SCENARIOS = [
  'accept-overflow-abort0', 'accept-overflow-abort1', 'app-reset', 'healthy', 'healthy-lossy', 'refused',
  'slow-acceptor-abort0', 'slow-acceptor-abort1', 'syn-flood-cookies', 'syn-flood-nocookies', 'synack-expire',
];

function tsv(path: string): Record<string, string>[] {
  const [head, ...rows] = readFileSync(path, 'utf8').trim().split('\n');
  const cols = head!.split('\t');
  return rows.filter(Boolean).map((r) => Object.fromEntries(r.split('\t').map((v, i) => [cols[i], v])));
}

const SYN = 0x002;
const SYNACK = 0x012;

it('fixtures/lab-all holds every lab scenario, and only those', () => {
  expect(labScenarios()).toEqual([...SCENARIOS].sort());
});

describe.each(SCENARIOS.flatMap((s) => [[s, 'server'], [s, 'client']]))('tshark 4.0.17 on lab %s/%s', (scenario, side) => {
  const result = run(labCapture(scenario, `${side}.pcap`));
  const base = `${FIXTURES}expected/lab/${scenario}__${side}`;

  it('every connection has the SYNs and SYN-ACKs tshark shows for it', async () => {
    const r = await result;
    const rows = tsv(`${base}.handshake.tsv`);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBe(r.conns.length);
    for (const row of rows) {
      const c = r.conns.find((x) => x.client === `${row.client_ip}:${row.client_port}` && x.server.endsWith(`:${row.server_port}`));
      expect(c, `${row.client_ip}:${row.client_port}`).toBeDefined();
      expect(c!.c.synCount, `SYNs of ${row.client_port}`).toBe(Number(row.syn));
      expect(c!.c.synAckCount, `SYN-ACKs of ${row.client_port}`).toBe(Number(row.synack));
    }
  });

  it("per connection, tshark's retransmissions = our SYN, SYN-ACK and data retransmits", async () => {
    const r = await result;
    const tshark = new Map<string, number>();
    for (const row of tsv(`${base}.retrans.tsv`)) {
      // Key by the client end, whichever direction the frame went.
      const flags = Number.parseInt(row['tcp.flags']!, 16);
      const fromServer = (flags & SYNACK) === SYNACK || row['tcp.srcport'] === '8080' || row['tcp.srcport'] === '9';
      const key = fromServer ? `${row['ip.dst']}:${row['tcp.dstport']}` : `${row['ip.src']}:${row['tcp.srcport']}`;
      tshark.set(key, (tshark.get(key) ?? 0) + 1);
      void SYN;
    }
    expect(r.conns.length).toBeGreaterThan(0);
    let compared = 0;
    for (const c of r.conns) {
      const ours = c.c.client.retransmits + c.c.server.retransmits;
      expect(ours, `retransmissions of ${c.client}`).toBe(tshark.get(c.client) ?? 0);
      compared += ours;
    }
    const total = [...tshark.values()].reduce((a, b) => a + b, 0);
    expect(compared).toBe(total);
  });
});
