import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../src/report/markdown.js';
import type { Report } from '../../src/report/model.js';
import { labCapture } from '../helpers/fixtures.js';
import { analyzeCaptures, analyzeOne, LAB } from './pipeline.js';

const HOSTILE_NAME = 'x|`<script>\u001b[31m.pcap';
const HEALTHY = labCapture('healthy', 'server.pcap');

/** Unescaped pipes in a GFM table row (a pipe after an even run of backslashes). */
function pipes(line: string): number {
  let n = 0;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\\') i++;
    else if (line[i] === '|') n++;
  }
  return n;
}

/** Every GFM table in `md` has the same number of cells in each row; returns the tables' rows. */
function tables(md: string): string[][] {
  const out: string[][] = [];
  let cur: string[] | null = null;
  let fenceLen = 0;
  for (const line of md.split('\n')) {
    const fence = /^(`{3,})(.*)$/.exec(line);
    if (fence) {
      if (fenceLen === 0) fenceLen = fence[1]!.length;
      else if (fence[1]!.length >= fenceLen && fence[2]!.trim() === '') fenceLen = 0;
      continue;
    }
    const inFence = fenceLen > 0;
    if (!inFence && line.startsWith('|')) {
      if (!cur) out.push((cur = []));
      cur.push(line);
    } else cur = null;
  }
  for (const t of out) {
    const n = pipes(t[0]!);
    expect(t[1]).toMatch(/^\|( -{3,}:? \|)+$/);
    for (const row of t) {
      expect(row.endsWith('|')).toBe(true);
      expect(pipes(row), row).toBe(n);
    }
  }
  return out;
}

/** The Markdown with fenced code blocks and code spans taken out (CommonMark's rules, near enough). */
function outsideCode(md: string): string {
  const noBlocks = md.replace(/^(`{3,})[^\n]*\n[\s\S]*?^\1$/gm, '');
  let out = '';
  for (let i = 0; i < noBlocks.length; ) {
    const ch = noBlocks[i]!;
    if (ch === '\\') {
      out += noBlocks.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (ch !== '`') {
      out += ch;
      i++;
      continue;
    }
    const run = /^`+/.exec(noBlocks.slice(i))![0];
    const close = new RegExp(`(?<!\`)${run}(?!\`)`, 'g');
    close.lastIndex = i + run.length;
    const m = close.exec(noBlocks);
    if (!m) {
      out += run;
      i += run.length;
    } else i = m.index + run.length;
  }
  return out;
}

/** Common invariants of any rendered report. */
function checkDocument(md: string): void {
  expect(md).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  const text = outsideCode(md);
  expect(text).not.toMatch(/https?:\/\//);
  expect(text).not.toMatch(/www\./i);
  expect(text).not.toMatch(/[^\\]!\[/);
  expect(text).not.toMatch(/</);
  expect(md.endsWith('\n')).toBe(true);
  // Every fenced code block is closed (a closing fence is at least as long as its opening).
  let open = 0;
  for (const line of md.split('\n')) {
    const m = /^(`{3,})(.*)$/.exec(line);
    if (!m) continue;
    if (open === 0) open = m[1]!.length;
    else if (m[1]!.length >= open && m[2]!.trim() === '') open = 0;
  }
  expect(open).toBe(0);
  tables(md);
}

describe('renderMarkdown on the lab captures', () => {
  it('accept-overflow-abort0: finding, figures, episodes, evidence frames and filters, fix, confirm', async () => {
    const { report } = await analyzeOne(LAB.abort0);
    const md = renderMarkdown(report);
    checkDocument(md);
    expect(md).toMatch(/^# /);
    const f = report.findings[0]!;
    expect(md).toContain('| 1 | **error** | accept-queue-overflow | 198.18.0.3:8080 | 24 |');
    expect(md).toContain('### 1. accept-queue-overflow on 198.18.0.3:8080 (error)');
    for (const e of f.evidence.connections) {
      for (const n of Object.values(e.frames)) expect(md).toContain(`#${n}`);
      expect(md).toContain(`\`${e.filter}\``);
      expect(md).toContain(e.client);
    }
    expect(md).toContain('SYN #13, SYN-ACK #14, handshake ACK #67, first data #97, server answer #289');
    expect(md).toContain(`\`${f.evidence.filter}\``);
    expect(md).toContain('| dropped segments (≈ TcpExtListenOverflows) | 163 |');
    expect(md).toContain(f.episodes[0]!.start.iso);
    expect(md).toContain('```sh\nss -lnt \'sport = :8080\'');
    expect(md).toContain('`tcpdiag explain accept-queue-overflow`');
    // The fix's own code spans survive; the rest is escaped.
    expect(md).toContain('`sysctl -w net.core.somaxconn=4096`');
    expect(md).toContain('net.ipv4.tcp\\_abort\\_on\\_overflow=0');
    // Capture summary and the listener table.
    expect(md).toContain('| Vantage point | server (median SYN→SYN-ACK 4 µs, SYN-ACK→ACK 22.1 ms, over 30 clean handshakes) |');
    expect(md).toContain('| First packet | 2026-11-21T09:27:39.328692Z |');
    expect(md).toContain('| Decoded | TCP 439, other IP 0, non-IP 0, truncated 0, malformed 0 |');
    expect(md).toContain('| 198.18.0.3:8080 | 30 | 6 | 24 | 0 | 24 | 0 | 0 | 0 |');
    expect(md).not.toContain('No findings');
  });

  it('refused: the refused listener and its frames', async () => {
    const { report } = await analyzeOne(LAB.refused);
    const md = renderMarkdown(report);
    checkDocument(md);
    expect(md).toContain('| 1 | warning | connection-refused | 198.18.0.3:9 | 20 |');
    expect(md).toContain('SYN #1, RST #2');
    expect(md).toContain('| 198.18.0.3:9 | 20 | 0 | 0 | 0 | 0 | 20 | 0 | 0 |');
    expect(md).toContain('| 198.18.0.3:8080 | 10 | 10 | 0 | 0 | 0 | 0 | 0 | 0 |');
  });

  it('slow-acceptor-abort1 and app-reset render', async () => {
    for (const p of [LAB.slowAbort1, LAB.appReset]) {
      const { report } = await analyzeOne(p);
      const md = renderMarkdown(report);
      checkDocument(md);
      for (const f of report.findings) {
        expect(md).toContain(`${f.id} on ${f.listener}`);
        expect(md).toContain(`#${f.evidence.connections[0]!.firstFrame}`);
      }
    }
  });

  it('several captures: a capture column, most severe first', async () => {
    const { report } = await analyzeCaptures([LAB.refused, LAB.abort0, LAB.appReset]);
    const md = renderMarkdown(report);
    checkDocument(md);
    const rows = tables(md).find((t) => t[0]!.includes('| Severity |'))!;
    expect(rows[0]).toContain('| Capture |');
    expect(rows.slice(2).map((r) => r.split(' | ')[2])).toEqual(['accept-queue-overflow', 'connection-refused', 'application-resets']);
  });

  it('says "No findings" clearly', async () => {
    const { report } = await analyzeCaptures([HEALTHY]);
    expect(report.findings).toEqual([]);
    const md = renderMarkdown(report);
    checkDocument(md);
    expect(md).toContain('**No findings**');
    expect(md).toContain('## Connection outcomes per listener');
  });

  it('reports an unreadable capture', async () => {
    const path = new URL('../../fixtures/crafted/not-a-capture.txt', import.meta.url).pathname;
    const { report } = await analyzeCaptures([path]);
    const md = renderMarkdown(report);
    checkDocument(md);
    expect(md).toContain('**could not be read**');
    expect(md).toContain('No TCP listeners seen.');
  });
});

describe('renderMarkdown with hostile input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tcpdiag-md-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a hostile capture file name cannot break tables, inject HTML or reach the terminal', async () => {
    const path = join(dir, HOSTILE_NAME);
    copyFileSync(LAB.refused, path);
    const { report } = await analyzeCaptures([path, LAB.abort0]);
    expect(report.captures[0]!.path).toBe(path);
    expect(report.findings.map((f) => f.capture)).toContain(path);
    const md = renderMarkdown(report);
    checkDocument(md);
    expect(md).not.toContain('<');
    expect(md).not.toContain('\u001b');
    expect(md).toContain('x\\|\\`&lt;script&gt;\\[31m.pcap');
    // The findings table still has one row per finding, with the capture in its own cell.
    const rows = tables(md).find((t) => t[0]!.includes('| Severity |'))!;
    expect(rows).toHaveLength(2 + report.findings.length);
  });

  it('hostile strings in every capture-derived field', async () => {
    const { report } = await analyzeOne(LAB.abort0);
    const bad = '</td><script>alert(1)</script>|\n| x |\u001b]0;pwned\u0007[click](http://evil.example/)![i](www.evil.example)';
    const r: Report = structuredClone(report);
    r.version = bad;
    const c = r.captures[0]!;
    c.path = bad;
    c.error = bad;
    c.partial = true;
    c.errorOffset = 12;
    c.errorFrame = 3;
    c.warnings = [bad, bad];
    c.linkTypes = [bad];
    c.listeners[0]!.listener = bad;
    const f = r.findings[0]!;
    f.capture = bad;
    f.verdict = bad;
    f.figures = [[bad, bad]];
    f.caveats = [bad];
    f.fix = [`${bad} \`code|span\``];
    f.confirm = [bad, '```', 'echo ````'];
    f.explain = bad;
    f.evidence.filter = bad;
    f.evidence.connections[0]!.note = bad;
    f.evidence.connections[0]!.filter = bad;
    f.episodes = [];
    const md = renderMarkdown(r);
    checkDocument(md);
    expect(md).not.toContain('\u001b');
    expect(md).not.toContain('\u0007');
    // checkDocument: outside code spans and blocks, no raw '<'. Tool-authored code (filters, commands) stays
    // literal inside its span or block, which no renderer turns into HTML or links.
    expect(md).toContain('`</td><script>');
    expect(md.split('\n').filter((l) => l.includes('<script>')).every((l) => /^ *(- filter: |More: |Wireshark display filter for the pattern: )?`|^<\/td>/.test(l))).toBe(true);
    expect(md).toContain('**partial**: reading stopped at frame 3 (byte offset 12)');
  });
});
