import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addExplainCommand } from '../../src/cli/explain.js';
import { CATALOG, catalogIds, explainCommandFor, findEntry, similarIds } from '../../src/knowledge/catalog.js';
import { renderEntry, renderList } from '../../src/knowledge/explain-render.js';
import { rawHtmlOutsideCode, runCommand } from './run-command.js';
import { SIGNATURES } from '../../src/diagnose/signatures.js';
import { CAPTURE_DETECTORS, DETECTORS, FINDING_IDS } from '../../src/diagnose/registry.js';
import { tempDirs } from '../helpers/temp.js';

const tempDir = tempDirs();

// The ids come from the diagnosis stage itself: one it emits without an entry here fails. Ids that are
// both a per-connection signature and a per-listener finding have one entry, of kind `both`.
const BOTH = new Set<string>(SIGNATURES.filter((s) => (FINDING_IDS as readonly string[]).includes(s)));

describe('catalog', () => {
  it('has exactly the signature and finding ids, each once', () => {
    const expected = new Set<string>([...SIGNATURES, ...FINDING_IDS]);
    expect(new Set(catalogIds())).toEqual(expected);
    expect(catalogIds()).toHaveLength(expected.size);
  });

  it('gives findings their severity and kind; port-reuse and syn-unanswered are both', () => {
    expect([...BOTH].sort()).toEqual(['port-reuse', 'syn-unanswered']);
    for (const d of DETECTORS) {
      expect(findEntry(d.id)?.severity, d.id).toBe(d.severity);
      expect(findEntry(d.id)?.kind, d.id).toBe(BOTH.has(d.id) ? 'both' : 'finding');
    }
    expect(findEntry('syn-unanswered')?.severity).toBe('warning');
    for (const id of SIGNATURES.filter((s) => !BOTH.has(s))) {
      expect(findEntry(id)).toMatchObject({ kind: 'signature' });
      expect(findEntry(id)?.severity, id).toBeUndefined();
    }
  });

  it('fills every section and links only to ids that exist', () => {
    for (const e of CATALOG) {
      expect(e.summary, e.id).not.toMatch(/\n/);
      for (const list of [e.wire.pattern, e.kernel, e.lookAlikes, e.fix, e.kernels]) expect(list.length, e.id).toBeGreaterThan(0);
      expect(e.confirm.length, e.id).toBeGreaterThan(0);
      for (const id of e.related) expect(findEntry(id), `${e.id} → ${id}`).toBeDefined();
    }
  });

  it('cites kernel.md sections for every kernel behaviour entry', () => {
    // Capture-wide findings are about the file or tcpdiag itself, not the kernel.
    const aboutCapture = new Set<string>(CAPTURE_DETECTORS.map((d) => d.id));
    for (const e of CATALOG.filter((c) => !aboutCapture.has(c.id))) {
      expect(e.sources.length, e.id).toBeGreaterThan(0);
      expect(e.kernels.join(' '), e.id).toMatch(/\d\.\d|all versions/);
    }
  });

  it('covers what issue 8 asks for in the overflow entry', () => {
    const text = renderEntry(findEntry('accept-queue-overflow')!, 'text');
    for (const needle of [
      "ss -lnt 'sport = :PORT'",
      'nstat -az TcpExtListenOverflows TcpExtListenDrops TcpExtTCPReqQFullDrop TcpExtSyncookiesSent',
      'netstat -s | grep -i listen',
      'tcp_abort_on_overflow=0',
      'tcp_abort_on_overflow=1',
      'net.core.somaxconn',
      'Recv-Q',
      'Send-Q',
      '1, 3, 7, 15 and 31 s',
      'debugging aid',
      '4.10',
      '5.4',
    ]) {
      expect(text, needle).toContain(needle);
    }
  });

  it('builds the explain command line', () => {
    expect(explainCommandFor('accept-queue-overflow')).toBe('tcpdiag explain accept-queue-overflow');
  });

  it('suggests close matches for typos and partial ids', () => {
    expect(similarIds('synack-retransmit-afterack')[0]).toBe('synack-retransmit-after-ack');
    expect(similarIds('overflow')).toContain('accept-queue-overflow');
    expect(similarIds('refuse')).toContain('refused');
    expect(similarIds('zzzzzz')).toEqual([]);
  });
});

describe('rendering', () => {
  it.each(catalogIds())('%s renders as text, markdown and JSON', (id) => {
    const entry = findEntry(id)!;
    const text = renderEntry(entry, 'text');
    expect(text).toContain(id);
    for (const heading of ['ON THE WIRE', 'WHAT THE KERNEL DOES', 'LOOK-ALIKES', 'CONFIRM ON THE HOST', 'FIX', 'KERNEL VERSIONS']) {
      expect(text).toContain(heading);
    }
    expect(text).not.toMatch(/\u001b\[/); // no colour without a style

    const markdown = renderEntry(entry, 'markdown');
    expect(markdown.startsWith(`# \`${id}\``)).toBe(true);
    expect(rawHtmlOutsideCode(markdown)).toEqual([]);
    expect(markdown).toContain('## Confirm on the host');

    const json = JSON.parse(renderEntry(entry, 'json')) as { id: string; command: string; summary: string };
    expect(json.id).toBe(id);
    expect(json.command).toBe(`tcpdiag explain ${id}`);
    expect(json.summary).toBe(entry.summary);
  });

  it('the raw-HTML check catches HTML (so the test above can fail)', () => {
    expect(rawHtmlOutsideCode('a <b>bold</b> word')).not.toEqual([]);
    expect(rawHtmlOutsideCode('run `tcpdiag explain <id>` and \\<id\\>')).toEqual([]);
  });

  it('escapes angle brackets and markdown syntax in prose', () => {
    const md = renderEntry(findEntry('synack-retransmit-after-ack')!, 'markdown');
    expect(md).toContain('qlen \\> limit');
    expect(md).toContain('tcp\\_abort\\_on\\_overflow');
  });

  it('lists every id in all three formats', () => {
    for (const format of ['text', 'markdown'] as const) {
      const list = renderList(format);
      for (const id of catalogIds()) expect(list, `${format} ${id}`).toContain(id);
    }
    expect(rawHtmlOutsideCode(renderList('markdown'))).toEqual([]);
    const json = JSON.parse(renderList('json')) as Array<{ id: string; summary: string; command: string }>;
    expect(json.map((e) => e.id)).toEqual(catalogIds());
    expect(json.every((e) => e.summary.length > 0 && e.command === `tcpdiag explain ${e.id}`)).toBe(true);
  });

  it('lists findings by severity, errors first', () => {
    const list = renderList('text');
    expect(list.indexOf('accept-queue-overflow')).toBeLessThan(list.indexOf('handshake-loss'));
    expect(list.lastIndexOf('port-reuse')).toBeGreaterThan(list.indexOf('capture-evictions'));
    // syn-unanswered is listed under findings too (it was a signature only, while analyze emitted it as a finding).
    const findings = list.slice(list.indexOf('accept-queue-overflow'));
    expect(findings).toContain('syn-unanswered');
  });
});

describe('tcpdiag explain command', () => {
  it('prints the list without an id', async () => {
    const r = await runCommand(addExplainCommand, ['explain']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('synack-retransmit-after-ack');
    expect(r.stderr).toBe('');
  });

  it('prints one entry as JSON', async () => {
    const r = await runCommand(addExplainCommand, ['explain', 'syn-flood', '--format', 'json']);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ id: 'syn-flood', severity: 'error' });
  });

  it('rejects an unknown id with one line on stderr naming close matches, exit 2', async () => {
    const r = await runCommand(addExplainCommand, ['explain', 'synack-retransmit-afterack']);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    // The error, then the hint naming the subcommand's --help.
    expect(r.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^tcpdiag explain: unknown id/), '(run tcpdiag explain --help for usage)']);
    expect(r.stderr).toContain('unknown id "synack-retransmit-afterack"');
    expect(r.stderr).toContain('synack-retransmit-after-ack');
  });

  it('points to the list when nothing is close', async () => {
    const r = await runCommand(addExplainCommand, ['explain', 'qqqqqqqq']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/run `tcpdiag explain` for the list/);
  });

  it('rejects an unknown format with exit 2', async () => {
    const r = await runCommand(addExplainCommand, ['explain', 'refused', '--format', 'html']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^tcpdiag explain: option '-f, --format <format>' argument 'html' is invalid\. Allowed choices are text, markdown, json\./);
  });

  it('writes --output atomically and leaves no temporary file', async () => {
    const dir = tempDir('tcpdiag-explain-');
    const file = join(dir, 'refused.md');
    const r = await runCommand(addExplainCommand, ['explain', 'refused', '--format', 'markdown', '--output', file]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('');
    expect(await readFile(file, 'utf8')).toContain('# `refused`');
    expect(await readdir(dir)).toEqual(['refused.md']);
  });

  it('exits 2 when --output cannot be written', async () => {
    const r = await runCommand(addExplainCommand, ['explain', 'refused', '--output', '/nonexistent-dir/x.txt']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/cannot write/);
  });

  it('has an example in --help', () => {
    let help = '';
    const program = new Command('tcpdiag');
    addExplainCommand(program);
    const explain = program.commands.find((c) => c.name() === 'explain')!;
    explain.configureOutput({ writeOut: (s) => (help += s) });
    explain.outputHelp();
    expect(help).toMatch(/\$ tcpdiag explain synack-retransmit-after-ack/);
  });
});
