import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DETECTORS, FINDING_IDS } from '../../src/diagnose/registry.js';
import { SIGNATURES } from '../../src/diagnose/signatures.js';
import { CATALOG, findEntry } from '../../src/knowledge/catalog.js';
import { renderList } from '../../src/knowledge/explain-render.js';
import { renderJunit } from '../../src/report/junit.js';
import { newReport } from '../../src/report/model.js';

// Every list of findings outside the registry must equal it: a detector added, renamed or re-graded
// without the schema, the README, the catalog or the JUnit checks following fails here.

const ROOT = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(fileURLToPath(new URL(path, ROOT)), 'utf8');

describe('the detector registry', () => {
  it('has one detector per id, each in detectors/<id>.ts', () => {
    expect(new Set(FINDING_IDS).size).toBe(FINDING_IDS.length);
    expect(FINDING_IDS).toContain('syn-unanswered');
    expect(FINDING_IDS).toContain('capture-incomplete');
    for (const id of FINDING_IDS) {
      const file = fileURLToPath(new URL(`src/diagnose/detectors/${id}.ts`, ROOT));
      expect(existsSync(file), file).toBe(true);
      expect(read(`src/diagnose/detectors/${id}.ts`), id).toContain(`id: '${id}'`);
    }
  });

  it('is the JSON schema\'s finding enum', () => {
    const schema = JSON.parse(read('schema/report.schema.json')) as { definitions: { findingId: { enum: string[] } } };
    expect(schema.definitions.findingId.enum).toEqual([...FINDING_IDS]);
  });

  it('is the README\'s list of findings, with their severities', () => {
    const para = /Finding ids: ([\s\S]*?)\n`--format json`/.exec(read('README.md'))![1]!.replace(/\n/g, ' ');
    const listed = new Map<string, string>();
    for (const group of para.split(';')) {
      const severity = /\((error|warning|info)\)/.exec(group)![1]!;
      for (const [, id] of group.matchAll(/`([a-z-]+)`/g)) listed.set(id!, severity);
    }
    expect(new Map(DETECTORS.map((d) => [d.id, d.severity]))).toEqual(listed);
  });

  it('is the findings half of `tcpdiag explain`, with the same severities', () => {
    const findings = CATALOG.filter((e) => e.kind !== 'signature');
    expect(findings.map((e) => e.id).sort()).toEqual([...FINDING_IDS].sort());
    for (const d of DETECTORS) {
      expect(findEntry(d.id)?.severity, d.id).toBe(d.severity);
      expect(findEntry(d.id)?.kind, d.id).toBe((SIGNATURES as readonly string[]).includes(d.id) ? 'both' : 'finding');
    }
    // The text list shows findings under their own heading: syn-unanswered was only a signature there once.
    const list = renderList('markdown');
    const findingsPart = list.slice(list.indexOf('## Findings'));
    for (const id of FINDING_IDS) expect(findingsPart, id).toContain(`\`${id}\``);
  });

  it('gives explain and the report one advice: the catalog\'s fix is the detector\'s, for any listener', () => {
    for (const d of DETECTORS) {
      const fix = findEntry(d.id)!.fix;
      for (const line of d.advice({ listener: 'ADDR:PORT', port: 'PORT' })) expect(fix, d.id).toContain(line);
    }
    expect(findEntry('connection-refused')!.fix.join(' ')).toContain('bound to ADDR:PORT');
  });

  it('is the JUnit checks: one testcase per finding id', () => {
    const report = newReport('0.0.0-test');
    report.captures.push({
      path: 'x.pcap', format: 'pcap', gzip: false, linkTypes: [], packets: 1, tcp: 0, otherIp: 0, nonIp: 1, truncated: 0, malformed: 0,
      outsideWindow: 0, partial: false, error: null, errorOffset: null, errorFrame: null, warnings: [], firstTime: null, lastTime: null,
      duration: null, bytes: 0, otherKinds: {}, connections: 0, evictions: 0, peakLiveConnections: 0,
      vantage: { vantage: 'unknown', synToSynAck: null, synAckToAck: null, handshakes: 0, handshakeKind: 'clean' }, listeners: [], timelines: [],
    });
    const xml = renderJunit(report, 'error');
    const names = [...xml.matchAll(/<testcase name="([^"]+)"/g)].map((m) => m[1]);
    expect(names).toEqual(['read', ...FINDING_IDS]);
  });
});
