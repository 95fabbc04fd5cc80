// What operators already have, read into one shape: a `tcpdiag host --snapshot` JSON, `nstat -az`
// (text or --json), `netstat -s`, or raw copies of /proc/net/netstat (+ /proc/net/snmp). The format is
// recognised from the text itself; one file may hold two readings (BEFORE then AFTER). Anything else
// is a one-line error naming the file.

import { parseNetstatS } from './netstat-s.js';
import { SNAPSHOT_FORMAT, SNAPSHOT_FORMAT_VERSION, type HostCounterSnapshot, type SnapshotListener } from './snapshot.js';

export type CounterFormat = 'tcpdiag-snapshot' | 'nstat' | 'nstat-json' | 'netstat-s' | 'proc-net';

export const FORMAT_NAMES: Record<CounterFormat, string> = {
  'tcpdiag-snapshot': 'tcpdiag host --snapshot',
  nstat: 'nstat -az',
  'nstat-json': 'nstat -az --json',
  'netstat-s': 'netstat -s',
  'proc-net': '/proc/net/netstat + /proc/net/snmp',
};

export interface CounterReading {
  file: string;
  /** 1 or 2 when the file held two readings, else null. */
  part: number | null;
  format: CounterFormat;
  /** Counters named as nstat names them (TcpExtListenOverflows, TcpOutRsts). */
  counters: Record<string, number>;
  /**
   * Prefixes ('TcpExt', or '*' for all) under which a counter that is absent is 0: `netstat -s`
   * leaves out TcpExt counters that are 0, `nstat` without -z leaves out every counter that is 0.
   */
  absentIsZero: string[];
  /** Epoch seconds of the reading: only snapshots carry it. */
  time: number | null;
  hostname: string | null;
  netns: string | null;
  kernelRelease: string | null;
  sysctls: Record<string, number | null> | null;
  listeners: SnapshotListener[] | null;
}

export class CounterInputError extends Error {}

const EXPECTED = 'expected `tcpdiag host --snapshot` JSON, `nstat -az`, `netstat -s` or a copy of /proc/net/netstat';

/** The readings in one file's text: one, or two when it holds BEFORE and AFTER. */
export function parseCounterText(text: string, file: string): CounterReading[] {
  const start = text.search(/\S/);
  if (start < 0) throw new CounterInputError(`${file}: empty file (${EXPECTED})`);
  const first = text[start];
  let readings: Omit<CounterReading, 'file' | 'part'>[];
  if (first === '{' || first === '[') readings = parseJson(text, file);
  else if (/^#kernel\b/m.test(text) || NSTAT_LINE.test(firstLine(text))) readings = splitAt(text, /^#kernel\b/m).map((t) => parseNstat(t, file));
  else if (/^(Ip|Tcp|TcpExt|Icmp|Udp|IpExt):\s*$/m.test(text)) readings = splitNetstatS(text).map((t) => parseNetstatText(t, file));
  else if (/^[A-Za-z0-9]+: [A-Za-z]/.test(text.slice(start))) readings = parseProcNet(text, file);
  else throw new CounterInputError(`${file}: not a counter file at byte offset ${start} (${EXPECTED})`);
  if (readings.length > 2) throw new CounterInputError(`${file}: holds ${readings.length} readings; give one (BEFORE or AFTER) or two (BEFORE then AFTER)`);
  return readings.map((r, i) => ({ file, part: readings.length > 1 ? i + 1 : null, ...r }));
}

function firstLine(text: string): string {
  return text.trim().split('\n', 1)[0]!.trim();
}

function bare(format: CounterFormat, counters: Record<string, number>, absentIsZero: string[] = []): Omit<CounterReading, 'file' | 'part'> {
  return { format, counters, absentIsZero, time: null, hostname: null, netns: null, kernelRelease: null, sysctls: null, listeners: null };
}

// ---- JSON: a snapshot, two snapshots ([a, b], {before, after}, or one after the other), nstat --json

function parseJson(text: string, file: string): Omit<CounterReading, 'file' | 'part'>[] {
  const values = splitJsonValues(text, file);
  const out: Omit<CounterReading, 'file' | 'part'>[] = [];
  for (const { value, offset } of values) {
    if (Array.isArray(value)) value.forEach((v) => out.push(fromJsonObject(v, file, offset)));
    else if (isObject(value) && isObject(value['before']) && isObject(value['after'])) out.push(fromJsonObject(value['before'], file, offset), fromJsonObject(value['after'], file, offset));
    else out.push(fromJsonObject(value, file, offset));
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Top-level JSON values one after the other (`cat before.json after.json`), each with its byte offset. */
function splitJsonValues(text: string, file: string): { value: unknown; offset: number }[] {
  const out: { value: unknown; offset: number }[] = [];
  let depth = 0;
  let inString = false;
  let begin = -1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[') {
      if (depth++ === 0) begin = i;
    } else if (ch === '}' || ch === ']') {
      if (--depth === 0) out.push({ value: parseJsonAt(text.slice(begin, i + 1), file, begin), offset: begin });
      if (depth < 0) throw new CounterInputError(`${file}: unbalanced JSON at byte offset ${byteOffset(text, i)}`);
    } else if (depth === 0 && !/\s/.test(ch)) {
      throw new CounterInputError(`${file}: unexpected "${ch}" between JSON documents at byte offset ${byteOffset(text, i)}`);
    }
  }
  if (depth !== 0) throw new CounterInputError(`${file}: JSON cut short (unclosed from byte offset ${byteOffset(text, begin)})`);
  return out;
}

function parseJsonAt(slice: string, file: string, begin: number): unknown {
  try {
    return JSON.parse(slice);
  } catch (err) {
    const at = /position (\d+)/.exec((err as Error).message);
    const where = at ? begin + Number(at[1]) : begin;
    throw new CounterInputError(`${file}: invalid JSON at byte offset ${where}: ${(err as Error).message.split('\n')[0]}`);
  }
}

function byteOffset(text: string, index: number): number {
  return Buffer.byteLength(text.slice(0, index), 'utf8');
}

function fromJsonObject(v: unknown, file: string, offset: number): Omit<CounterReading, 'file' | 'part'> {
  if (isObject(v) && v['format'] === SNAPSHOT_FORMAT) return fromSnapshot(v, file, offset);
  // nstat --json: {"kernel": {"IpInReceives": 1, ...}}
  if (isObject(v) && isObject(v['kernel'])) {
    const counters: Record<string, number> = {};
    for (const [k, x] of Object.entries(v['kernel'])) if (typeof x === 'number' && Number.isFinite(x)) counters[k] = x;
    if (Object.keys(counters).length === 0) throw new CounterInputError(`${file}: the "kernel" object at byte offset ${offset} holds no counters`);
    return bare('nstat-json', counters, hasZero(counters) ? [] : ['*']);
  }
  throw new CounterInputError(`${file}: JSON at byte offset ${offset} is neither a tcpdiag snapshot nor \`nstat --json\` output (${EXPECTED})`);
}

function fromSnapshot(v: Record<string, unknown>, file: string, offset: number): Omit<CounterReading, 'file' | 'part'> {
  const version = v['formatVersion'];
  if (typeof version !== 'number' || version < 1) throw new CounterInputError(`${file}: snapshot at byte offset ${offset} has no formatVersion`);
  if (version > SNAPSHOT_FORMAT_VERSION) {
    throw new CounterInputError(`${file}: snapshot format version ${version} is newer than this tcpdiag reads (${SNAPSHOT_FORMAT_VERSION}); update tcpdiag`);
  }
  const s = v as unknown as HostCounterSnapshot;
  if (!isObject(s.counters) || !isObject(s.time) || typeof s.time.epoch !== 'number') {
    throw new CounterInputError(`${file}: snapshot at byte offset ${offset} lacks its counters or time`);
  }
  const counters: Record<string, number> = {};
  for (const [k, x] of Object.entries(s.counters)) if (typeof x === 'number' && Number.isFinite(x)) counters[k] = x;
  return {
    format: 'tcpdiag-snapshot',
    counters,
    absentIsZero: [],
    time: s.time.epoch,
    hostname: typeof s.hostname === 'string' ? s.hostname : null,
    netns: typeof s.netns === 'string' ? s.netns : null,
    kernelRelease: typeof s.kernelRelease === 'string' ? s.kernelRelease : null,
    sysctls: isObject(s.sysctls) ? s.sysctls : null,
    listeners: Array.isArray(s.listeners) ? s.listeners : null,
  };
}

function hasZero(counters: Record<string, number>): boolean {
  return Object.values(counters).some((x) => x === 0);
}

// ---- nstat text: "#kernel" then "Name  value  rate" lines

const NSTAT_LINE = /^([A-Za-z][A-Za-z0-9_]*)\s+(\d+)\s+\d+(?:\.\d+)?$/;

function splitAt(text: string, marker: RegExp): string[] {
  const starts: number[] = [];
  const re = new RegExp(marker.source, 'gm');
  for (let m = re.exec(text); m; m = re.exec(text)) starts.push(m.index);
  if (starts.length <= 1) return [text];
  return starts.map((s, i) => text.slice(s, starts[i + 1]));
}

function parseNstat(text: string, file: string): Omit<CounterReading, 'file' | 'part'> {
  const counters: Record<string, number> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = NSTAT_LINE.exec(line);
    if (!m) throw new CounterInputError(`${file}: not an nstat line at byte offset ${byteOffset(text, text.indexOf(raw))}: "${line.slice(0, 60)}"`);
    counters[m[1]!] = Number(m[2]);
  }
  if (Object.keys(counters).length === 0) throw new CounterInputError(`${file}: nstat output without counters`);
  // nstat -a without -z leaves out the counters that are 0.
  return bare('nstat', counters, hasZero(counters) ? [] : ['*']);
}

// ---- netstat -s

/** Two outputs one after the other: the second starts where the first section header comes again. */
function splitNetstatS(text: string): string[] {
  const lines = text.split('\n');
  const firstHeader = lines.find((l) => /^[A-Za-z0-9]+:\s*$/.test(l));
  const parts: string[] = [];
  let current: string[] = [];
  for (const l of lines) {
    if (l === firstHeader && current.some((c) => c === firstHeader)) {
      parts.push(current.join('\n'));
      current = [];
    }
    current.push(l);
  }
  parts.push(current.join('\n'));
  return parts;
}

function parseNetstatText(text: string, file: string): Omit<CounterReading, 'file' | 'part'> {
  const parsed = parseNetstatS(text);
  if (!('TcpExtListenOverflows' in parsed.counters) && !parsed.sawTcpExt && Object.keys(parsed.counters).length === 0) {
    throw new CounterInputError(`${file}: \`netstat -s\` output without a Tcp or TcpExt section (run it as \`LC_ALL=C netstat -s\`)`);
  }
  if (Object.keys(parsed.counters).length === 0 && parsed.unknown.length > 0) {
    throw new CounterInputError(`${file}: no \`netstat -s\` sentence recognised (first: "${parsed.unknown[0]!.slice(0, 60)}"); run it as \`LC_ALL=C netstat -s\``);
  }
  // A sentence this table does not know (another net-tools version or language) may be a counter that
  // is not 0: then an absent counter is unknown, not 0.
  return bare('netstat-s', parsed.counters, parsed.sawTcpExt && parsed.unknown.length === 0 ? ['TcpExt'] : []);
}

// ---- raw /proc/net/netstat and /proc/net/snmp: "Prefix: names…" then "Prefix: values…"

function parseProcNet(text: string, file: string): Omit<CounterReading, 'file' | 'part'>[] {
  const readings: Record<string, number>[] = [{}];
  const seen = new Set<string>();
  const lines = text.split('\n');
  let offset = 0;
  const offsets = lines.map((l) => {
    const at = offset;
    offset += Buffer.byteLength(l, 'utf8') + 1;
    return at;
  });
  for (let i = 0; i < lines.length; i++) {
    const header = lines[i]!.trim();
    if (header === '') continue;
    const names = header.split(/\s+/);
    const prefix = names[0]!;
    if (!/^[A-Za-z0-9]+:$/.test(prefix)) throw new CounterInputError(`${file}: not a /proc/net/netstat line at byte offset ${offsets[i]}: "${header.slice(0, 60)}"`);
    let j = i + 1;
    while (j < lines.length && lines[j]!.trim() === '') j++;
    const values = (lines[j] ?? '').trim().split(/\s+/);
    if (values[0] !== prefix || values.length !== names.length || !values.slice(1).every((x) => /^-?\d+$/.test(x))) {
      throw new CounterInputError(`${file}: the header "${prefix}" at byte offset ${offsets[i]} is not followed by its ${names.length - 1} values`);
    }
    // The same section again: a second copy (AFTER) begins.
    if (seen.has(prefix)) {
      readings.push({});
      seen.clear();
    }
    seen.add(prefix);
    const table = readings[readings.length - 1]!;
    const name = prefix.slice(0, -1);
    for (let k = 1; k < names.length; k++) table[name + names[k]] = Number(values[k]);
    i = j;
  }
  return readings.map((counters) => bare('proc-net', counters));
}
