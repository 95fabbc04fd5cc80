import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { FINDING_IDS } from '../../src/diagnose/registry.js';
import { SIGNATURES } from '../../src/diagnose/signatures.js';
import { timeOf } from '../../src/report/model.js';
import { analyzeCaptures, analyzeOne, asJson, LAB } from './pipeline.js';

function schema(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../../schema/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;
}

function labels(rel: string): { client_outcomes: Record<string, number>; kernel_counters_delta: Record<string, number> } {
  return JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8'));
}

let validateReport: ValidateFunction;
let validateFlow: ValidateFunction;

beforeAll(() => {
  const ajv = new Ajv({ allErrors: true, strict: true });
  validateReport = ajv.compile(schema('report.schema.json'));
  validateFlow = ajv.compile(schema('flow.schema.json'));
});

function expectValid(v: ValidateFunction, doc: unknown): void {
  const ok = v(doc);
  expect(ok ? [] : v.errors).toEqual([]);
}

const ALL = [LAB.abort0, LAB.refused, LAB.appReset, LAB.slowAbort1];

describe('schema/report.schema.json', () => {
  it.each(ALL)('validates the report of %s', async (path) => {
    const { report } = await analyzeOne(path);
    expectValid(validateReport, asJson(report));
    for (const f of report.findings) expect(f.capture).toBe(report.captures[0]!.path);
  });

  it('validates a report of several captures at once', async () => {
    const { report } = await analyzeCaptures(ALL);
    expect(report.captures).toHaveLength(4);
    expectValid(validateReport, asJson(report));
  });

  it('validates the report of an unreadable capture', async () => {
    const path = new URL('../../fixtures/crafted/not-a-capture.txt', import.meta.url).pathname;
    const { report } = await analyzeCaptures([path]);
    expect(report.captures[0]!.error).not.toBeNull();
    expect(report.captures[0]!.packets).toBe(0);
    expectValid(validateReport, asJson(report));
  });

  it('keeps its enums in step with the code', () => {
    const s = schema('report.schema.json') as { definitions: Record<string, { enum?: unknown[] }> };
    expect(s.definitions.findingId!.enum).toEqual([...FINDING_IDS]);
    expect(s.definitions.signatureId!.enum).toEqual([...SIGNATURES]);
    const flow = schema('flow.schema.json') as { properties: { signatures: { items: { enum: unknown[] } } } };
    expect(flow.properties.signatures.items.enum).toEqual([...SIGNATURES]);
  });

  it('catches drift: wrong schemaVersion, unknown fields, bad enums, missing overflow fields', async () => {
    const { report } = await analyzeOne(LAB.abort0);
    const base = asJson(report) as any;
    const mutate = (f: (d: any) => void) => {
      const d = structuredClone(base);
      f(d);
      return validateReport(d);
    };
    expect(mutate(() => {})).toBe(true);
    expect(mutate((d) => (d.schemaVersion = 2))).toBe(false);
    expect(mutate((d) => (d.extra = 1))).toBe(false);
    expect(mutate((d) => (d.captures[0].extra = 1))).toBe(false);
    expect(mutate((d) => (d.findings[0].severity = 'critical'))).toBe(false);
    expect(mutate((d) => (d.findings[0].id = 'queue-overflow'))).toBe(false);
    expect(mutate((d) => (d.findings[0].abortOnOverflow = 0))).toBe(false);
    expect(mutate((d) => delete d.findings[0].abortOnOverflow)).toBe(false);
    // Up to nine digits of a second (a capture's own: 6 for µs, 9 for ns, none for a 1-second resolution).
    expect(mutate((d) => (d.findings[0].firstTime = { iso: '2026-11-21T09:27:39.1234567890Z', epoch: 1 }))).toBe(false);
    expect(mutate((d) => (d.findings[0].firstTime = { iso: '2026-11-21 09:27:39.123456Z', epoch: 1 }))).toBe(false);
    expect(mutate((d) => (d.captures[0].timestampDigits = 10))).toBe(false);
    expect(mutate((d) => (d.captures[0].timestampResolution = 'microseconds'))).toBe(false);
    expect(mutate((d) => delete d.captures[0].timestampDigits)).toBe(false);
    expect(mutate((d) => (d.findings[0].figures[0] = ['only a label']))).toBe(false);
    expect(mutate((d) => (d.captures[0].vantage.vantage = 'nowhere'))).toBe(false);
    expect(mutate((d) => delete d.captures[0].listeners[0].appResets)).toBe(false);
    expect(mutate((d) => (d.findings[0].evidence.connections[0].frames.bogus = 1))).toBe(false);
    expect(mutate((d) => (d.findings[0].syncookies = true))).toBe(false);
    expect(mutate((d) => (d.captures[0].firstTime.iso = '1970-01-01T00:00:01.4294967295000Z'))).toBe(false);
    expect(mutate((d) => (d.captures[0].firstTime.iso = '+011476-08-15T05:20.000000005Z'))).toBe(false);
    expect(mutate((d) => (d.captures[0].firstTime.iso = ''))).toBe(false);
  });

  it('keeps the overflow fields on accept-queue-overflow findings only', async () => {
    const { report } = await analyzeOne(LAB.refused);
    const d = structuredClone(asJson(report)) as any;
    expect(validateReport(d)).toBe(true);
    d.findings[0].abortOnOverflow = '0';
    expect(validateReport(d)).toBe(false);
  });

  it('accepts the Time of any capture timestamp', () => {
    const time = (schema('report.schema.json') as { definitions: { time: object } }).definitions.time;
    const v = new Ajv({ strict: true }).compile(time);
    expectValid(v, timeOf(0, 0));
    expectValid(v, timeOf(1795253259, 328692000));
    expectValid(v, timeOf(0xffffffff, 999999999));
  });
});

describe('schema/flow.schema.json', () => {
  it.each(ALL)('validates every flow record of %s', async (path) => {
    const { flows, report } = await analyzeOne(path);
    expect(flows.length).toBe(report.captures[0]!.connections);
    for (const f of flows) expectValid(validateFlow, asJson(f));
  });

  it('catches drift in a flow record', async () => {
    const { flows } = await analyzeOne(LAB.refused);
    const base = asJson(flows[0]) as any;
    const mutate = (f: (d: any) => void) => {
      const d = structuredClone(base);
      f(d);
      return validateFlow(d);
    };
    expect(mutate(() => {})).toBe(true);
    expect(mutate((d) => (d.extra = 1))).toBe(false);
    expect(mutate((d) => (d.state = 'ESTABLISHED'))).toBe(false);
    expect(mutate((d) => (d.roles = 'guess'))).toBe(false);
    expect(mutate((d) => (d.end = { how: 'open', by: 'server', frame: 2 }))).toBe(false);
    expect(mutate((d) => (d.end = { how: 'rst', by: null, frame: null }))).toBe(false);
    expect(mutate((d) => (d.signatures = ['refused', 'refused']))).toBe(false);
    expect(mutate((d) => delete d.start.epoch)).toBe(false);
  });
});

describe('real values from the lab labels', () => {
  it('refused: 20 refused connections on 198.18.0.3:9, port 8080 served', async () => {
    const l = labels('../../fixtures/lab/refused.labels.json');
    const { report, flows } = await analyzeOne(LAB.refused);
    const refused = report.findings.filter((f) => f.id === 'connection-refused');
    expect(refused).toHaveLength(1);
    expect(refused[0]!.listener).toBe('198.18.0.3:9');
    expect(refused[0]!.connections).toBe(20);
    expect(refused[0]!.connections).toBe(l.client_outcomes.refused);
    expect(refused[0]!.severity).toBe('warning');
    expect(report.captures[0]!.listeners).toEqual([
      // Port 9 has no handshake of its own to time (every SYN refused): the capture's vantage stands for it.
      { listener: '198.18.0.3:9', vantage: 'server', connections: 20, completed: 0, overflowed: 0, refused: 20, halfOpen: 0, appResets: 0 },
      { listener: '198.18.0.3:8080', vantage: 'server', connections: 10, completed: 10, overflowed: 0, refused: 0, halfOpen: 0, appResets: 0 },
    ]);
    expect(report.findings.some((f) => f.listener === '198.18.0.3:8080')).toBe(false);
    const rej = flows.filter((f) => f.state === 'REJ');
    expect(rej).toHaveLength(20);
    for (const f of rej) {
      expect(f.server).toBe('198.18.0.3:9');
      expect(f.signatures).toEqual(['refused']);
      expect(f.end).toMatchObject({ how: 'rst+ack', by: 'server' });
    }
    expect(flows.filter((f) => f.state === 'SF')).toHaveLength(l.client_outcomes.ok!);
  });

  it('accept-overflow-abort0: one accept-queue-overflow on 198.18.0.3:8080, dropped segments = ListenOverflows', async () => {
    const l = labels('../../fixtures/lab/accept-overflow-abort0.labels.json');
    const { report } = await analyzeOne(LAB.abort0);
    const c = report.captures[0]!;
    expect(c).toMatchObject({ format: 'pcap', packets: 439, tcp: 439, connections: 30, partial: false, error: null });
    expect(c.vantage.vantage).toBe('server');
    expect(report.findings.map((f) => `${f.id} ${f.listener}`)).toEqual(['accept-queue-overflow 198.18.0.3:8080']);
    const f = report.findings[0]!;
    // Finding is a union by id: the overflow's own fields exist once the id says so.
    if (f.id !== 'accept-queue-overflow') throw new Error(`expected accept-queue-overflow, got ${f.id}`);
    expect(f.severity).toBe('error');
    expect(f.droppedSegments).toBe(l.kernel_counters_delta.TcpExtListenOverflows);
    expect(f.failed).toBe(0); // every client got its reply (client_outcomes: ok 30)
    expect(f.recovered).toBe(f.connections);
    // Only syncookie handshakes were dropped: the kernel drops those silently under either setting.
    expect(f.abortOnOverflow).toBe('unknown');
    expect(f.evidence.connections[0]!.frames).toEqual({ syn: 13, synAck: 14, handshakeAck: 67, firstData: 97, serverAnswer: 289 });
  });

  it('slow-acceptor-abort1: overflow with resets, abortOnOverflow 1, resets = client ECONNRESETs', async () => {
    const l = labels('../../fixtures/lab-all/slow-acceptor-abort1/labels.json');
    const { report } = await analyzeOne(LAB.slowAbort1);
    const f = report.findings.find((x) => x.id === 'accept-queue-overflow')!;
    expect(f.listener).toBe('198.18.0.3:8080');
    expect(f.abortOnOverflow).toBe('1');
    expect(f.resets).toBe(l.client_outcomes.reset);
    expect(f.failed).toBe(l.client_outcomes.reset);
    expect(f.droppedSegments).toBe(l.kernel_counters_delta.TcpExtListenOverflows);
    expect(f.evidence.connections.length).toBeGreaterThan(0);
    expect(f.evidence.connections.every((e) => e.signatures.includes('reset-after-handshake'))).toBe(true);
  });

  it('app-reset (client side): application-resets for all 40, not an overflow', async () => {
    const l = labels('../../fixtures/lab/app-reset.labels.json');
    const { report } = await analyzeOne(LAB.appReset);
    expect(report.captures[0]!.vantage.vantage).toBe('client');
    expect(report.findings.map((f) => f.id)).toEqual(['application-resets']);
    expect(report.findings[0]!.connections).toBe(l.client_outcomes.reset);
    expect(report.findings[0]!.evidence.connections[0]!.frames).toEqual({ syn: 1, synAck: 2, handshakeAck: 3, firstData: 4, serverAnswer: 6, rst: 7 });
  });
});
