// `tcpdiag flows` as a terminal table (its default format) holds a capture's rows to size its columns, but
// only up to TABLE_HELD_ROWS: past them it prints as it goes, so that a large capture's table takes no more
// memory than the other formats. The same rows either way; a capture under the limit prints as before.

import { describe, expect, it } from 'vitest';
import type { FlowRecord } from '../../src/report/flow.js';
import { flowPrinter, TABLE_HELD_ROWS } from '../../src/report/flow-printers.js';
import { runCli } from '../cli/run-cli.js';
import { analyzeOne } from './pipeline.js';

const FLOOD = 'fixtures/lab-all/syn-flood-cookies/server.pcap.gz';

/** The table of `flows`, its output so far after each row, and the whole of it. */
function render(flows: FlowRecord[], heldRows: number, packets: number) {
  let out = '';
  let lines = 0;
  const write = (s: string) => {
    out += s;
    for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) lines++;
  };
  const p = flowPrinter('text', { write }, { quiet: false, heldRows });
  const linesAfter: number[] = [];
  for (const flow of flows) {
    p.print({ kind: 'flow', flow });
    linesAfter.push(lines);
  }
  p.print({ kind: 'capture-end', path: FLOOD, connections: flows.length, packets });
  p.finish();
  return { out, linesAfter };
}

const cells = (l: string) => l.trim().split(/\s{2,}/);

describe('flows as a terminal table', () => {
  it('prints a capture under the limit as the CLI always did, rows held to its end', async () => {
    const { flows } = await analyzeOne(FLOOD);
    expect(flows.length).toBeGreaterThan(2000);
    expect(flows.length).toBeLessThan(TABLE_HELD_ROWS);
    const cli = (await runCli(['flows', FLOOD])).stdout;
    const packets = Number(/([\d,]+) packets\n/.exec(cli)![1]!.replace(/,/g, ''));
    const held = render(flows, TABLE_HELD_ROWS, packets);
    expect(held.out).toBe(cli);
    // Nothing but the counts before the end.
    expect(held.linesAfter.at(-1)).toBe(0);
  });

  it('past the limit prints each row as it comes, the same cells in the same order, the counts after them', async () => {
    const { flows } = await analyzeOne(FLOOD);
    const held = render(flows, TABLE_HELD_ROWS, 1).out.trimEnd().split('\n');
    const { out, linesAfter } = render(flows, 100, 1);
    // Held up to 100 rows; at the 101st the header and all 101; then a line a row.
    expect(linesAfter.slice(0, 100).every((n) => n === 0)).toBe(true);
    expect(linesAfter[100]).toBe(102);
    expect(linesAfter.at(-1)).toBe(flows.length + 1);
    const streamed = out.trimEnd().split('\n');
    expect(streamed.at(-1)).toBe(held[0]);
    expect(streamed.slice(0, -1).map(cells)).toEqual(held.slice(1).map(cells));
    // The held rows share the widths they set: their columns line up.
    const at = (l: string) => l.indexOf(cells(l)[1]!);
    expect(new Set(streamed.slice(0, 101).map(at)).size).toBe(1);
  });

  it('past the limit, a tagged row of a table without a vlan column names its VLAN after the server', async () => {
    const { flows } = await analyzeOne(FLOOD);
    const some = flows.slice(0, 12).map((f, i) => (i === 10 ? { ...f, vlan: 42 } : f));
    const lines = render(some, 5, 1).out.split('\n');
    expect(lines[0]).toMatch(/^client\s+server\s+start/);
    expect(cells(lines[11]!)[1]).toBe(`${some[10]!.server} vlan 42`);
    // Tagged among the held rows: the column is there from the header on.
    const tagged = flows.slice(0, 12).map((f, i) => (i === 2 ? { ...f, vlan: 7 } : f));
    const t = render(tagged, 5, 1).out.split('\n');
    expect(t[0]).toMatch(/^client\s+server\s+vlan\s+start/);
    expect(t.slice(1, 13).map((l) => cells(l)[2])).toEqual(tagged.map((f) => (f.vlan === null ? '-' : String(f.vlan))));
  });
});
