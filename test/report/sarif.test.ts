import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { DETECTORS, FINDING_IDS } from '../../src/diagnose/registry.js';
import { artifactUri, fingerprint, FINGERPRINT_KEY, renderSarif } from '../../src/report/sarif.js';
import { analyzeCaptures, analyzeOne, LAB } from './pipeline.js';

// The SARIF 2.1.0 schema as the SARIF SDK ships it (fixtures/README.md: where from, licence).
const SCHEMA = JSON.parse(readFileSync(new URL('../../fixtures/schemas/sarif-schema-2.1.0.json', import.meta.url), 'utf8')) as object;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Sarif = any;

let validate: ValidateFunction;

beforeAll(() => {
  // The schema's own formats, checked here without ajv-formats (not a dependency).
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  ajv.addFormat('uri', (s: string) => { try { new URL(s); return true; } catch { return false; } });
  ajv.addFormat('uri-reference', (s: string) => !/[\s"<>\\^`{|}]/.test(s));
  ajv.addFormat('date-time', (s: string) => !Number.isNaN(Date.parse(s)) && /^\d{4}-\d\d-\d\dT/.test(s));
  ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
  validate = ajv.compile(SCHEMA);
});

function expectValid(doc: unknown): void {
  const ok = validate(doc);
  expect(ok ? [] : validate.errors).toEqual([]);
}

/** tshark's frame.number → tcp.flags for a lab capture (fixtures/expected). */
function tsharkFlags(name: string): Map<number, { flags: number; src: number; dst: number }> {
  const rows = readFileSync(new URL(`../../fixtures/expected/lab__${name}.tshark.tsv`, import.meta.url), 'utf8').trim().split('\n');
  const head = rows[0]!.split('\t');
  const col = (n: string) => head.indexOf(n);
  const out = new Map<number, { flags: number; src: number; dst: number }>();
  for (const r of rows.slice(1)) {
    const c = r.split('\t');
    out.set(Number(c[col('frame.number')]), { flags: parseInt(c[col('tcp.flags')]!, 16), src: Number(c[col('tcp.srcport')]), dst: Number(c[col('tcp.dstport')]) });
  }
  return out;
}

describe('analyze --format sarif', () => {
  it('is valid SARIF 2.1.0, and the validator rejects a broken log', async () => {
    const { report } = await analyzeCaptures([LAB.abort0, LAB.refused]);
    const doc: Sarif = JSON.parse(renderSarif(report));
    expectValid(doc);
    const broken = structuredClone(doc);
    broken.version = '2.0.0';
    broken.runs[0].results[0].level = 'fatal';
    expect(validate(broken)).toBe(false);
  });

  it('has one rule per finding id of the registry, with its explain texts and default level', async () => {
    const { report } = await analyzeOne(LAB.refused);
    const rules = JSON.parse(renderSarif(report)).runs[0].tool.driver.rules as Sarif[];
    expect(rules.map((r) => r.id)).toEqual([...FINDING_IDS]);
    const refused = rules.find((r) => r.id === 'connection-refused');
    const d = DETECTORS.find((x) => x.id === 'connection-refused')!;
    expect(refused.name).toBe('ConnectionRefused');
    expect(refused.shortDescription.text).toBe(d.explain.title);
    expect(refused.fullDescription.text).toBe(d.explain.summary);
    expect(refused.help.text).toContain(d.explain.kernel[0]);
    expect(refused.help.text).toContain('tcpdiag explain connection-refused');
    expect(rules.find((r) => r.id === 'accept-queue-overflow').defaultConfiguration.level).toBe('error');
    expect(rules.find((r) => r.id === 'connection-refused').defaultConfiguration.level).toBe(d.severity === 'info' ? 'note' : d.severity);
  });

  it('locates each result in its capture, with the frames tshark shows for the SYN and the RST', async () => {
    // refused.labels.json: 20 connects to port 9 (nobody listens), 10 to 8080.
    const { report } = await analyzeOne(LAB.refused);
    const run = JSON.parse(renderSarif(report)).runs[0];
    expect(run.results).toHaveLength(1);
    const r = run.results[0];
    expect(r.ruleId).toBe('connection-refused');
    expect(run.tool.driver.rules[r.ruleIndex].id).toBe('connection-refused');
    expect(r.properties.listener).toBe('198.18.0.3:9');
    expect(r.properties.connections).toBe(20);
    expect(r.locations[0].physicalLocation.artifactLocation.uri).toBe(artifactUri(LAB.refused));
    expect(run.artifacts[r.locations[0].physicalLocation.artifactLocation.index].location.uri).toBe(artifactUri(LAB.refused));
    const tshark = tsharkFlags('refused-server.pcap');
    expect(r.properties.evidence.length).toBeGreaterThan(0);
    for (const e of r.properties.evidence) {
      expect(tshark.get(e.frames.syn)).toMatchObject({ flags: 0x002, dst: 9 });
      expect(tshark.get(e.frames.rst)).toMatchObject({ flags: 0x014, src: 9 });
    }
    expect(Object.keys(r.properties.figures).length).toBeGreaterThan(0);
  });

  it('fingerprints a finding by id and listener: the same across runs and captures, different per listener', async () => {
    const a = JSON.parse(renderSarif((await analyzeOne(LAB.abort0)).report)).runs[0].results as Sarif[];
    const both = JSON.parse(renderSarif((await analyzeCaptures([LAB.refused, LAB.abort0])).report)).runs[0].results as Sarif[];
    const overflow = a.find((r) => r.ruleId === 'accept-queue-overflow');
    expect(overflow.properties.listener).toBe('198.18.0.3:8080');
    expect(overflow.level).toBe('error');
    const again = both.find((r) => r.ruleId === 'accept-queue-overflow');
    expect(again.partialFingerprints).toEqual(overflow.partialFingerprints);
    expect(overflow.partialFingerprints[FINGERPRINT_KEY]).toBe(fingerprint('accept-queue-overflow', '198.18.0.3:8080'));
    const prints = both.map((r) => r.partialFingerprints[FINGERPRINT_KEY]);
    expect(new Set(prints).size).toBe(prints.length);
    // Each result points at the capture it came from.
    expect(again.locations[0].physicalLocation.artifactLocation.index).toBe(1);
  });

  it('keeps every finding field in the properties (confidence and alternatives among them)', async () => {
    const { report } = await analyzeOne(LAB.refused);
    const extended = { ...report, findings: report.findings.map((f) => ({ ...f, unknownField: 0.9 })) };
    const doc = JSON.parse(renderSarif(extended as typeof report));
    expectValid(doc);
    expect(doc.runs[0].results[0].properties.unknownField).toBe(0.9);
    const plain = JSON.parse(renderSarif(report));
    expect(plain.runs[0].results[0].properties.confidence).toBe(report.findings[0]!.confidence);
    expect(report.findings[0]!.confidence).toMatch(/^(certain|likely|possible)$/);
  });

  it('writes relative paths as relative URIs, absolute ones as file URIs', () => {
    expect(artifactUri('caps/a b#1.pcap')).toBe('caps/a%20b%231.pcap');
    expect(artifactUri('/tmp/x.pcap')).toBe('file:///tmp/x.pcap');
  });
});
