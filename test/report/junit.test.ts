import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FINDING_IDS } from '../../src/diagnose/registry.js';
import { renderJunit } from '../../src/report/junit.js';
import { newReport, type Report } from '../../src/report/model.js';
import { analyzeCaptures, analyzeOne, LAB } from './pipeline.js';
import { findAll, parseXml, type XmlElement } from './xml.js';

/** What escapeXml drops: characters XML 1.0 forbids, DEL and C1. */
// eslint-disable-next-line no-control-regex
const XML_DROPPED = /[^\u0009\u000a\u000d\u0020-\u007e\u00a0-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;

type FailOn = 'error' | 'warning' | 'info' | 'never';
const LEVELS: FailOn[] = ['error', 'warning', 'info', 'never'];

/** Parses the JUnit document and checks that every count attribute matches the testcases. */
function junit(r: Report, failOn: FailOn, checks: readonly string[] = FINDING_IDS): XmlElement {
  const xml = renderJunit(r, failOn, checks);
  expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
  const root = parseXml(xml);
  expect(root.name).toBe('testsuites');
  const suites = root.children.filter((c) => c.name === 'testsuite');
  expect(suites).toHaveLength(r.captures.length);
  let tests = 0, failures = 0, errors = 0, skipped = 0;
  suites.forEach((s, i) => {
    expect(s.attrs.name).toBe(r.captures[i]!.path.replace(XML_DROPPED, ''));
    const cases = s.children.filter((c) => c.name === 'testcase');
    const count = (k: string) => cases.filter((c) => c.children.some((x) => x.name === k)).length;
    expect(Number(s.attrs.tests)).toBe(cases.length);
    expect(Number(s.attrs.failures)).toBe(count('failure'));
    expect(Number(s.attrs.errors)).toBe(count('error'));
    expect(Number(s.attrs.skipped)).toBe(count('skipped'));
    for (const c of cases) expect(c.attrs.name).toBeTruthy();
    expect(new Set(cases.map((c) => c.attrs.name)).size).toBe(cases.length);
    tests += cases.length;
    failures += count('failure');
    errors += count('error');
    skipped += count('skipped');
  });
  expect(root.attrs).toMatchObject({ tests: String(tests), failures: String(failures), errors: String(errors), skipped: String(skipped) });
  return root;
}

function failed(root: XmlElement): string[] {
  return findAll(root, 'testcase').filter((c) => c.children.some((x) => x.name === 'failure')).map((c) => c.attrs.name!);
}

describe('renderJunit on the lab captures', () => {
  it('accept-overflow-abort0: 1 failure at error, none at never', async () => {
    const { report } = await analyzeOne(LAB.abort0);
    expect(failed(junit(report, 'error'))).toEqual(['accept-queue-overflow 198.18.0.3:8080']);
    expect(failed(junit(report, 'warning'))).toEqual(['accept-queue-overflow 198.18.0.3:8080']);
    expect(failed(junit(report, 'info'))).toEqual(['accept-queue-overflow 198.18.0.3:8080']);
    const never = junit(report, 'never');
    expect(failed(never)).toEqual([]);
    // Below the threshold the finding is still reported, as a passing case with its verdict.
    const tc = findAll(never, 'testcase').find((c) => c.attrs.name === 'accept-queue-overflow 198.18.0.3:8080')!;
    expect(findAll(tc, 'system-out')[0]!.text).toContain(report.findings[0]!.verdict);
  });

  it('the failure carries the verdict, figures, evidence frames and filters, and the fix', async () => {
    const { report } = await analyzeOne(LAB.abort0);
    const root = junit(report, 'error');
    const suite = findAll(root, 'testsuite')[0]!;
    expect(suite.attrs.timestamp).toBe('2026-11-21T09:27:39');
    const cases = findAll(suite, 'testcase');
    // read + one per check id
    expect(cases.map((c) => c.attrs.name)).toEqual(['read', 'accept-queue-overflow 198.18.0.3:8080', ...FINDING_IDS.slice(1)]);
    const failure = findAll(root, 'failure')[0]!;
    const f = report.findings[0]!;
    expect(failure.attrs.message).toBe(f.verdict);
    expect(failure.attrs.type).toBe('error');
    expect(failure.text).toContain('dropped segments (≈ TcpExtListenOverflows): 163');
    expect(failure.text).toContain(f.evidence.filter);
    expect(failure.text).toContain('SYN 13, SYN-ACK 14, handshake ACK 67, first data 97, server answer 289');
    for (const e of f.evidence.connections) expect(failure.text).toContain(e.filter);
    for (const x of f.fix) expect(failure.text).toContain(x);
    expect(failure.text).toContain("$ ss -lnt 'sport = :8080'");
  });

  it('refused: a warning, failing from --fail-on warning down', async () => {
    const { report } = await analyzeOne(LAB.refused);
    expect(failed(junit(report, 'error'))).toEqual([]);
    expect(failed(junit(report, 'warning'))).toEqual(['connection-refused 198.18.0.3:9']);
    expect(failed(junit(report, 'info'))).toEqual(['connection-refused 198.18.0.3:9']);
    const fail = findAll(junit(report, 'warning'), 'failure')[0]!;
    expect(fail.attrs.message).toMatch(/^20 connection attempts to 198\.18\.0\.3:9 were refused/);
  });

  it('slow-acceptor-abort1 and app-reset', async () => {
    const slow = (await analyzeOne(LAB.slowAbort1)).report;
    expect(failed(junit(slow, 'error'))).toEqual(['accept-queue-overflow 198.18.0.3:8080']);
    const app = (await analyzeOne(LAB.appReset)).report;
    expect(failed(junit(app, 'error'))).toEqual([]);
    expect(failed(junit(app, 'warning'))).toEqual(['application-resets 198.18.0.3:8080']);
  });

  it('only the ids in checks become testcases', async () => {
    const { report } = await analyzeOne(LAB.abort0);
    const root = junit(report, 'error', ['syn-flood']);
    expect(findAll(root, 'testcase').map((c) => c.attrs.name)).toEqual(['read', 'syn-flood']);
  });

  it('several captures: one testsuite each', async () => {
    const { report } = await analyzeCaptures([LAB.abort0, LAB.refused, LAB.appReset]);
    for (const level of LEVELS) junit(report, level);
    expect(failed(junit(report, 'warning'))).toEqual([
      'accept-queue-overflow 198.18.0.3:8080',
      'connection-refused 198.18.0.3:9',
      'application-resets 198.18.0.3:8080',
    ]);
  });

  it('an unreadable capture is an <error> testcase "read"; its checks are skipped', async () => {
    const path = new URL('../../fixtures/crafted/not-a-capture.txt', import.meta.url).pathname;
    const { report } = await analyzeCaptures([path, LAB.refused]);
    const root = junit(report, 'never');
    const [bad, good] = findAll(root, 'testsuite');
    const read = findAll(bad!, 'testcase')[0]!;
    expect(read.attrs.name).toBe('read');
    expect(read.children[0]!.name).toBe('error');
    expect(read.children[0]!.attrs.message).toBe(report.captures[0]!.error);
    expect(bad!.attrs).toMatchObject({ errors: '1', skipped: String(FINDING_IDS.length), failures: '0' });
    expect(bad!.attrs.timestamp).toBeUndefined();
    expect(good!.attrs).toMatchObject({ errors: '0', skipped: '0' });
  });

  it('no captures: an empty, well-formed document', () => {
    const root = junit(newReport('1'), 'error');
    expect(root.attrs.tests).toBe('0');
  });
});

describe('renderJunit with hostile input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tcpdiag-junit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a hostile capture file name stays well-formed', async () => {
    const path = join(dir, 'x|`<script>\u001b[31m.pcap');
    copyFileSync(LAB.abort0, path);
    const { report } = await analyzeCaptures([path]);
    const xml = renderJunit(report, 'error', FINDING_IDS);
    expect(xml).not.toContain('\u001b');
    expect(xml).not.toContain('<script');
    const root = junit(report, 'error');
    expect(findAll(root, 'testsuite')[0]!.attrs.name).toBe(join(dir, 'x|`<script>[31m.pcap'));
    expect(failed(root)).toEqual(['accept-queue-overflow 198.18.0.3:8080']);
  });

  it('hostile strings in every field', async () => {
    const { report } = await analyzeOne(LAB.refused);
    const bad = '"/><x a=\'1\'>&amp;&#0;\u0000\u0001\u0008\u000b\u001b[2J\ufffe\ud800]]></testsuites>\r\n\t<!-- -->';
    const r: Report = structuredClone(report);
    r.version = bad;
    r.captures[0]!.path = bad;
    r.captures[0]!.warnings = [bad];
    r.captures[0]!.error = bad;
    r.captures[0]!.partial = true;
    for (const f of r.findings) {
      f.capture = bad;
      f.listener = bad;
      f.verdict = bad;
      f.figures = [[bad, bad]];
      f.fix = [bad];
      f.confirm = [bad];
      f.caveats = [bad];
      f.evidence.filter = bad;
      f.evidence.connections[0]!.note = bad;
    }
    for (const level of LEVELS) junit(r, level);
    const root = junit(r, 'warning');
    const failure = findAll(root, 'failure')[0]!;
    expect(failure.attrs.message).toBe('"/><x a=\'1\'>&amp;&#0;[2J]]></testsuites>\r\n\t<!-- -->');
    // Unreadable with a hostile error.
    r.captures[0]!.packets = 0;
    junit(r, 'error');
  });
});
