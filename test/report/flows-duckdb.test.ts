import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlowRecord } from '../../src/report/flow.js';
import { analyzeCaptures, type Run } from './pipeline.js';

// The README's DuckDB queries, run as printed there on `flows --format ndjson` of real lab captures.

const fixture = (rel: string) => fileURLToPath(new URL(`../../fixtures/${rel}`, import.meta.url));
const SLOW = fixture('accuracy/slow-acceptor-abort0/server.pcap.gz');
const LOSSY = fixture('accuracy/healthy-lossy/server.pcap.gz');
const REFUSED = fixture('lab/refused-server.pcap');

/** The ```sql block after each `<!-- flows-sql: NAME -->` marker of the README. */
function readmeQueries(): Map<string, string> {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const out = new Map<string, string>();
  for (const m of readme.matchAll(/<!-- flows-sql: (.+?) -->\n```sql\n([\s\S]*?)```/g)) out.set(m[1]!, m[2]!);
  return out;
}

/** SYNs per connection beyond the first, by server port, as tshark counted them (fixtures/expected/lab). */
function tsharkSynRetransmits(scenario: string): Map<number, number> {
  const rows = readFileSync(new URL(`../../fixtures/expected/lab/${scenario}__server.handshake.tsv`, import.meta.url), 'utf8').trim().split('\n');
  const head = rows[0]!.split('\t');
  const out = new Map<number, number>();
  for (const r of rows.slice(1)) {
    const c = r.split('\t');
    const port = Number(c[head.indexOf('server_port')]);
    out.set(port, (out.get(port) ?? 0) + Number(c[head.indexOf('syn')]) - 1);
  }
  return out;
}

let dir: string;
let file: string;
let run: Run;
let queries: Map<string, string>;

async function query(sql: string): Promise<Record<string, unknown>[]> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    const reader = await conn.runAndReadAll(sql.replaceAll("'flows.ndjson'", `'${file.replaceAll("'", "''")}'`));
    return reader.getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tcpdiag-duckdb-'));
  file = join(dir, 'flows.ndjson');
  run = await analyzeCaptures([SLOW, LOSSY, REFUSED]);
  // As `flows --format ndjson` writes them: one JSON object a line.
  writeFileSync(file, run.flows.map((f) => JSON.stringify(f)).join('\n') + '\n');
  queries = readmeQueries();
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('flows NDJSON in DuckDB (the README queries)', () => {
  it('the README shows both queries', () => {
    expect([...queries.keys()]).toEqual(['top listeners by SYN retransmits', 'overflowed connections per second']);
  });

  it('top listeners by SYN retransmits: the counts tshark has, across three captures', async () => {
    const rows = await query(queries.get('top listeners by SYN retransmits')!);
    // slow-acceptor-abort0 and healthy-lossy share 198.18.0.3:8080; refused adds :8080 and :9.
    const slow = tsharkSynRetransmits('slow-acceptor-abort0').get(8080)!;
    const lossy = tsharkSynRetransmits('healthy-lossy').get(8080)!;
    const refused = tsharkSynRetransmits('refused');
    expect(slow).toBe(262);
    expect(lossy).toBe(10);
    expect(rows.map((r) => [r.listener, Number(r.syn_retransmits), Number(r.connections)])).toEqual([
      ['198.18.0.3:8080', slow + lossy + refused.get(8080)!, 240 + 150 + 10],
      ['198.18.0.3:9', refused.get(9)!, 20],
    ]);
  });

  it('overflowed connections per second: the handshakes the accept-queue finding counts as ignored, by second', async () => {
    const rows = await query(queries.get('overflowed connections per second')!);
    const flows = run.flows.filter((f: FlowRecord) => f.signatures.some((s) => s === 'synack-retransmit-after-ack' || s === 'handshake-data-ignored'));
    const bySecond = new Map<number, number>();
    for (const f of flows) bySecond.set(Math.floor(f.ts), (bySecond.get(Math.floor(f.ts)) ?? 0) + 1);
    const got = rows.map((r) => [Math.round((r.second as Date).getTime() / 1000), r.listener, Number(r.overflowed)]);
    expect(got).toEqual([...bySecond].sort((a, b) => a[0] - b[0]).map(([s, n]) => [s, '198.18.0.3:8080', n]));
    // The finding's own count of ignored handshakes on this capture, and the six seconds of the episode.
    const finding = run.report.findings.find((f) => f.id === 'accept-queue-overflow' && f.capture === SLOW)!;
    expect(Object.fromEntries(finding.figures)['handshakes ignored']).toBe('83');
    expect(got.reduce((n, r) => n + (r[2] as number), 0)).toBe(83);
    expect(got).toHaveLength(6);
  });
});
