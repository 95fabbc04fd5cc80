import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Connection } from '../../src/track/connection.js';
import { trackCapture } from '../../src/track/run.js';
import { INACTIVE } from '../../src/track/zeek.js';

/**
 * TrackerOptions.zeek: analyze and watch track without Zeek's history letters and endpoint states (only
 * `flows` prints them). Turned off, only those three facts may change: every other fact of every
 * connection must come out the same, in the same order.
 */
const FIXTURES = join(__dirname, '..', '..', 'fixtures');
const captures = [
  ...readdirSync(join(FIXTURES, 'lab-all')).flatMap((d) => ['client.pcap.gz', 'server.pcap.gz'].map((f) => join(FIXTURES, 'lab-all', d, f))),
  ...readdirSync(join(FIXTURES, 'public'))
    .filter((f) => /\.(pcap|pcapng)(\.gz)?$/.test(f))
    .map((f) => join(FIXTURES, 'public', f)),
];

interface Zeek {
  history: string;
  clientState: number;
  serverState: number;
}

/** Every connection's facts but the Zeek ones as text, and the Zeek ones apart. */
async function run(path: string, zeek: boolean): Promise<{ facts: string[]; zeek: Zeek[] }> {
  const facts: string[] = [];
  const z: Zeek[] = [];
  await trackCapture(
    path,
    (c: Connection) => {
      const { clientState, serverState } = c;
      // Zeek's states before their last change (clientPrev, serverPrev) go with the states.
      // The history's own words (private fields of the record) go with the history.
      facts.push(JSON.stringify(c, (k, v) => (/^(clientState|serverState|clientPrev|serverPrev|histLen|hist\d|historyText)$/.test(k) ? undefined : v)));
      z.push({ history: c.history, clientState, serverState });
    },
    { hashSeed: 7, zeek },
  );
  return { facts, zeek: z };
}

describe('TrackerOptions.zeek', () => {
  it('off, leaves every other fact of every connection as it was, and the Zeek ones empty', async () => {
    let connections = 0;
    let withHistory = 0;
    for (const path of captures) {
      const on = await run(path, true);
      const off = await run(path, false);
      expect(off.facts, path).toEqual(on.facts);
      for (const z of off.zeek) expect(z).toEqual({ history: '', clientState: INACTIVE, serverState: INACTIVE });
      connections += on.facts.length;
      withHistory += on.zeek.filter((z) => z.history !== '' && z.clientState !== INACTIVE).length;
    }
    // Written against ~11 000 connections, nearly all with a history: a run reading nothing cannot pass.
    expect(captures.length).toBeGreaterThan(60);
    expect(connections).toBeGreaterThan(5000);
    expect(withHistory).toBeGreaterThan(connections * 0.9);
  });
});
