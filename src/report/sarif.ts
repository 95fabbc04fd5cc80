// `tcpdiag analyze --format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.
// One rule per finding id of the detector registry (its explain entry gives the descriptions and the
// help, its severity the default level); one result per finding, located in the capture it came
// from, with a fingerprint of finding id + listener so that a viewer tracks the same trouble across
// runs; frame numbers and key figures go in the result's properties (a capture has no lines).

import { createHash } from 'node:crypto';
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ANY_LISTENER, type AnyCaptureDetector, type AnyListenerDetector } from '../diagnose/detector.js';
import { DETECTORS } from '../diagnose/registry.js';
import type { Severity } from '../diagnose/severity.js';
import type { CaptureReport, FindingReport, Report } from './model.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

type Level = 'error' | 'warning' | 'note';
type Detector = AnyListenerDetector | AnyCaptureDetector;

const LEVEL: Record<Severity, Level> = { error: 'error', warning: 'warning', info: 'note' };

/** The key of partialFingerprints: its version says how the value is made, so a change of recipe is a new key. */
export const FINGERPRINT_KEY = 'tcpdiagFinding/v1';

/** Stable across runs and captures: the same finding on the same listener is the same result. */
export function fingerprint(id: string, listener: string): string {
  return createHash('sha256').update(`${id}\u0000${listener}`).digest('hex').slice(0, 32);
}

/** `accept-queue-overflow` → `AcceptQueueOverflow`: SARIF's rule name is an identifier, the id stays the ruleId. */
function ruleName(id: string): string {
  return id.replace(/(^|-)([a-z0-9])/g, (_, _d, c: string) => c.toUpperCase());
}

/** Plain text of an explain paragraph (`backticks` mark commands; kept, they read fine as text and markdown). */
function helpOf(d: Detector): { text: string; markdown: string } {
  const e = d.explain;
  const fix = d.advice(ANY_LISTENER);
  const confirm = e.confirm.map((c) => (c.command ? `${c.command} — ${c.text}` : c.text));
  const text = [
    e.summary,
    '',
    ...e.kernel,
    ...(fix.length ? ['', 'Fix:', ...fix.map((x) => `- ${x}`)] : []),
    ...(confirm.length ? ['', 'Confirm on the host:', ...confirm.map((x) => `- ${x}`)] : []),
    '',
    `More: tcpdiag explain ${d.id}`,
  ].join('\n');
  const markdown = [
    e.summary,
    '',
    ...e.kernel.flatMap((p) => [p, '']),
    ...(fix.length ? ['**Fix**', '', ...fix.map((x) => `- ${x}`), ''] : []),
    ...(e.confirm.length
      ? ['**Confirm on the host**', '', ...e.confirm.map((c) => (c.command ? `- \`${c.command.replace(/`/g, "'")}\`: ${c.text}` : `- ${c.text}`)), '']
      : []),
    `More: \`tcpdiag explain ${d.id}\``,
  ].join('\n');
  return { text, markdown };
}

function rule(d: Detector) {
  return {
    id: d.id,
    name: ruleName(d.id),
    shortDescription: { text: d.explain.title },
    fullDescription: { text: d.explain.summary },
    help: helpOf(d),
    defaultConfiguration: { level: LEVEL[d.severity] },
    properties: { tags: ['tcp', d.scope === 'listener' ? 'listener' : 'capture'], precision: 'high' },
  };
}

/** A relative path stays relative (GitHub resolves it against the checkout); an absolute one becomes a file: URI. */
export function artifactUri(path: string): string {
  if (path === '-') return 'stdin';
  if (isAbsolute(path)) return pathToFileURL(path).href;
  return path.split(/[\\/]/).map(encodeURIComponent).join('/');
}

// FindingCommon's fields, and those the report adds: the rest (a detector's own fields, or ones added later such
// as a confidence) go to the properties as they are.
const KNOWN = new Set([
  'id', 'severity', 'listener', 'connections', 'verdict', 'figures', 'firstTime', 'lastTime', 'episodes', 'evidence',
  'fix', 'confirm', 'explain', 'caveats', 'capture',
]);

function result(f: FindingReport, ruleIndex: number, artifactIndex: number, uri: string) {
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(f)) if (!KNOWN.has(k) && v !== undefined) extra[k] = v;
  const message = [f.verdict, ...f.fix.map((x) => `Fix: ${x}`)].join('\n');
  return {
    ruleId: f.id,
    ruleIndex,
    level: LEVEL[f.severity],
    message: { text: message },
    locations: [
      {
        physicalLocation: { artifactLocation: { uri, index: artifactIndex } },
        logicalLocations: [{ name: f.listener, kind: 'module' }],
      },
    ],
    partialFingerprints: { [FINGERPRINT_KEY]: fingerprint(f.id, f.listener) },
    properties: {
      listener: f.listener,
      connections: f.connections,
      firstTime: f.firstTime?.iso ?? null,
      lastTime: f.lastTime?.iso ?? null,
      figures: Object.fromEntries(f.figures),
      wiresharkFilter: f.evidence.filter,
      evidence: f.evidence.connections.map((e) => ({
        connection: e.id,
        client: e.client,
        server: e.server,
        firstFrame: e.firstFrame,
        lastFrame: e.lastFrame,
        frames: e.frames,
        wiresharkFilter: e.filter,
        ...(e.inFiles ? { inFiles: e.inFiles } : {}),
      })),
      caveats: f.caveats,
      confirm: f.confirm,
      ...extra,
    },
  };
}

function unreadable(c: CaptureReport): boolean {
  return c.error !== null && c.packets === 0;
}

export function renderSarif(r: Report, detectors: readonly Detector[] = DETECTORS): string {
  const ruleIndex = new Map(detectors.map((d, i) => [d.id, i]));
  const artifactIndex = new Map(r.captures.map((c, i) => [c.path, i]));
  // A merged capture (--merge) is located at its first file; the others are in the artifact's properties.
  const uriOf = new Map(r.captures.map((c) => [c.path, artifactUri(c.files?.[0] ?? c.path)]));
  const notifications = r.captures
    .filter((c) => c.error !== null)
    .map((c) => ({
      level: unreadable(c) ? 'error' : 'warning',
      message: {
        text: `${c.path}: ${unreadable(c) ? '' : 'partial: '}${c.error}` + (c.errorOffset !== null ? ` (byte offset ${c.errorOffset})` : ''),
      },
      locations: [{ physicalLocation: { artifactLocation: { uri: uriOf.get(c.path)!, index: artifactIndex.get(c.path)! } } }],
    }));
  const doc = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'tcpdiag',
            version: r.version,
            semanticVersion: r.version,
            rules: detectors.map(rule),
          },
        },
        invocations: [{ executionSuccessful: !r.captures.some(unreadable), toolExecutionNotifications: notifications }],
        artifacts: r.captures.map((c) => ({
          location: { uri: uriOf.get(c.path)! },
          ...(c.format ? { mimeType: c.format === 'pcapng' ? 'application/x-pcapng' : 'application/vnd.tcpdump.pcap' } : {}),
          properties: { packets: c.packets, connections: c.connections, vantage: c.vantage.vantage, ...(c.files ? { files: c.files } : {}) },
        })),
        results: r.findings
          .filter((f) => ruleIndex.has(f.id))
          .map((f) => result(f, ruleIndex.get(f.id)!, artifactIndex.get(f.capture) ?? 0, uriOf.get(f.capture) ?? artifactUri(f.capture))),
        columnKind: 'unicodeCodePoints',
        properties: { schemaVersion: r.schemaVersion, filters: r.filters },
      },
    ],
  };
  return JSON.stringify(doc, null, 2) + '\n';
}
