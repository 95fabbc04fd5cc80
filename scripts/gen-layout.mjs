#!/usr/bin/env node
// Makes three files from the field table src/track/fields.ts: src/track/layout.generated.ts, the slot's
// const enums (W, DW, Fl, DF: literal offsets in the compiled code); src/track/record.generated.ts, the
// classes Connection and Direction extend (the fields that are slot numbers as they stand, declared and
// filled); src/report/flow.generated.ts, the flows row (its columns that are record fields, the order of
// all). Run it after changing fields.ts; test/track/layout.test.ts fails while a file is not what the
// table makes.
//
//   node scripts/gen-layout.mjs           # writes the file
//   node scripts/gen-layout.mjs --check   # exit 1 when the file is out of date

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const FIELDS_PATH = join(REPO, 'src/track/fields.ts');
export const OUTPUT_PATH = join(REPO, 'src/track/layout.generated.ts');
export const RECORDS_PATH = join(REPO, 'src/track/record.generated.ts');
export const FLOWS_PATH = join(REPO, 'src/report/flow.generated.ts');

/** The field table, loaded from its TypeScript source. */
export async function loadFields(path = FIELDS_PATH) {
  const js = ts.transpileModule(readFileSync(path, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  return import(`data:text/javascript;base64,${Buffer.from(js).toString('base64')}`);
}

/**
 * Offsets of every number of a slot. `W` and `DW` count 32-bit words, `Fl` and `DF` doubles; `W.Client` and
 * `W.Server` (`Fl.Client`, `Fl.Server`) are where each direction's DW (DF) block starts. Each entry:
 * [name, offset, field]; `size` in words.
 */
export function computeLayout(t) {
  const unique = (list, what) => {
    const seen = new Set();
    for (const f of list) {
      if (seen.has(f.name)) throw new Error(`${what}: ${f.name} twice`);
      seen.add(f.name);
    }
  };
  unique(t.DIRECTION_WORDS, 'DW');
  unique(t.DIRECTION_DOUBLES, 'DF');
  unique(t.DIRECTION_COUNTERS, 'DC');
  if (t.DIRECTION_WORDS.length > t.DIRECTION_WORDS_SIZE) throw new Error('DW: more words than DIRECTION_WORDS_SIZE');
  for (const f of t.DIRECTION_WORDS) if (f.type === 'f64') throw new Error(`DW.${f.name}: a double among words`);
  for (const f of t.DIRECTION_DOUBLES) if (f.type !== 'f64') throw new Error(`DF.${f.name}: a word among doubles`);
  for (const f of t.DIRECTION_COUNTERS) if (f.type === 'f64') throw new Error(`DC.${f.name}: a double among words`);
  const DW = t.DIRECTION_WORDS.map((f, i) => [f.name, i, f]);
  const DF = t.DIRECTION_DOUBLES.map((f, i) => [f.name, i, f]);
  const DC = t.DIRECTION_COUNTERS.map((f, i) => [f.name, i, f]);
  const dwSize = t.DIRECTION_WORDS_SIZE;
  const dfSize = t.DIRECTION_DOUBLES.length;
  const dcSize = t.DIRECTION_COUNTERS.length;
  const W = [];
  const Fl = [];
  let at = 0;
  for (const g of t.SLOT_GROUPS) {
    if (g.kind === 'doubles' && g.align % 2 !== 0) throw new Error(`a group of doubles aligned to ${g.align} words`);
    at = Math.ceil(at / g.align) * g.align;
    for (const f of g.fields) {
      if ((f.type === 'f64') !== (g.kind === 'doubles')) throw new Error(`${f.name}: ${f.type} in a group of ${g.kind}`);
      if (g.kind === 'words') W.push([f.name, at++, f]);
      else {
        Fl.push([f.name, at / 2, f]);
        at += 2;
      }
    }
    if (g.directionCounters) {
      if (g.kind !== 'words') throw new Error('the DC blocks in a group of doubles');
      for (const side of ['ClientCounters', 'ServerCounters']) {
        W.push([side, at, null]);
        at += dcSize;
      }
    }
    if (g.directions) {
      for (const side of ['Client', 'Server']) {
        if (g.kind === 'words') {
          W.push([side, at, null]);
          at += dwSize;
        } else {
          Fl.push([side, at / 2, null]);
          at += 2 * dfSize;
        }
      }
    }
  }
  unique(W.map(([name]) => ({ name })), 'W');
  unique(Fl.map(([name]) => ({ name })), 'Fl');
  // Whole cache lines (16 words): slots lie one after another, so each then starts at the same place in a line
  // (the buffer, from calloc, starts 16 bytes into one); 176 words measured ~1% faster than 172, and a
  // page-aligned buffer, every slot on a line, no faster than that (BENCHMARKS.md, session 14).
  const size = Math.ceil(at / 16) * 16;
  return { W, Fl, DW, DF, DC, size, dwSize, dfSize, dcSize };
}

const VIEW = { i32: 'I', u32: 'U', f64: 'F' };

function enumText(name, doc, entries, size, comments) {
  const lines = [`/** ${doc} */`, `export const enum ${name} {`];
  for (const [n, at, f] of entries) {
    if (f?.doc) lines.push(`  /** ${f.doc} */`);
    else if (!f && comments[n]) lines.push(`  /** ${comments[n]} */`);
    lines.push(`  ${n} = ${at},`);
  }
  lines.push(`  Size = ${size},`, '}');
  return lines.join('\n');
}

/** The text of layout.generated.ts. */
export function generate(t) {
  const L = computeLayout(t);
  const out = [
    '// Generated by scripts/gen-layout.mjs from src/track/fields.ts: do not edit (change the table and run',
    '// `node scripts/gen-layout.mjs`). Where each number of a live connection sits in the slot (slots.ts), as',
    '// const enums (literal offsets in the compiled code); record.generated.ts copies them into the records.',
    '',
    enumText('DW', '32-bit words of one direction of a connection (a block at W.Client and at W.Server).', L.DW, L.dwSize, {}),
    '',
    enumText('DF', 'Float64 words of one direction (a block at Fl.Client and at Fl.Server).', L.DF, L.dfSize, {}),
    '',
    enumText('DC', "32-bit words of one direction's counts of rare events (a block at W.ClientCounters and at W.ServerCounters).", L.DC, L.dcSize, {}),
    '',
    enumText('W', `32-bit words of a connection's slot, ${L.size * 4} bytes; the Fl doubles share its bytes.`, L.W, L.size, {
      Client: "The client's DW block.",
      Server: "The server's DW block.",
      ClientCounters: "The client's DC block.",
      ServerCounters: "The server's DC block.",
    }),
    '',
    enumText('Fl', 'Float64 words of a connection, counted in doubles from the start of its slot.', L.Fl, L.size / 2, {
      Client: "The client's DF block.",
      Server: "The server's DF block.",
    }),
    '',
    '/**',
    " * The slot's doubles that do not start at 0 (the table's `init`), as [Fl offset, value] pairs: Slots.clear",
    ' * writes them after zeroing a new slot, so a slot starts as a new record does.',
    ' */',
    `export const SLOT_DOUBLE_INITS: readonly number[] = [${slotDoubleInits(L).join(', ')}];`,
    '',
  ];
  return out.join('\n');
}

/** [offset, value as text] of every double of a slot whose `init` is not 0, the directions' at each block. */
function slotDoubleInits(L) {
  const out = [];
  const nonZero = (f) => f && f.init !== undefined && !Object.is(f.init, 0);
  for (const [, at, f] of L.Fl) if (nonZero(f)) out.push(at, initText(f));
  for (const [side, block] of L.Fl) {
    if (side !== 'Client' && side !== 'Server') continue;
    for (const [, at, f] of L.DF) if (nonZero(f)) out.push(block + at, initText(f));
  }
  return out;
}

/** The record fields among [name, offset, field] entries, each with the read of its slot number. */
function recordFields(entries, words, doubles, counters = []) {
  const out = [];
  for (const [n, , f] of entries) {
    if (!f?.record) continue;
    out.push({ ...f, read: f.type === 'f64' ? `F[fb + ${doubles}.${n}]!` : `${VIEW[f.type]}[b + ${words}.${n}]!` });
  }
  for (const [n, , f] of counters) {
    if (!f?.record) continue;
    out.push({ ...f, read: `${VIEW[f.type]}[cb + DC.${n}]!` });
  }
  const seen = new Set();
  for (const f of out) {
    if (seen.has(f.record)) throw new Error(`record field ${f.record} twice`);
    seen.add(f.record);
  }
  return out;
}

/** `init` as TypeScript: 0 unless the table says. */
function initText(f) {
  const v = f.init ?? 0;
  if (typeof v !== 'number') throw new Error(`${f.name}: init must be a number`);
  return Number.isNaN(v) ? 'NaN' : String(v);
}

function docLines(doc, indent) {
  return doc ? [`${indent}/** ${doc} */`] : [];
}

function classText(name, doc, fields, fillDoc, counters = false) {
  const lines = [`/** ${doc} */`, `export class ${name} {`];
  for (const f of fields) lines.push(...docLines(f.recordDoc, '  '), `  ${f.record} = ${initText(f)};`);
  lines.push(
    '',
    `  /** ${fillDoc} */`,
    `  protected fillSlot(I: Int32Array, U: Uint32Array, F: Float64Array, b: number, fb: number${counters ? ', cb: number' : ''}): void {`,
    ...fields.map((f) => `    this.${f.record} = ${f.read};`),
    '  }',
    '}',
  );
  return lines;
}

/** The text of record.generated.ts: the slot's numbers as fields of the finished records, declared and filled. */
export function generateRecords(t) {
  const L = computeLayout(t);
  return [
    '// Generated by scripts/gen-layout.mjs from src/track/fields.ts: do not edit (change the table and run',
    '// `node scripts/gen-layout.mjs`). The fields of the finished records that are numbers of a live slot as',
    '// they stand (fields.ts `record`): declared once here, with their documentation and first value, and',
    '// copied out of the slot by fillSlot. Connection and Direction extend these classes with the rest.',
    '',
    "import { DC, DF, DW, Fl, W } from './layout.generated.js';",
    '',
    ...classText(
      'SlotRecord',
      "A connection's record: the fields that are numbers of its slot.",
      recordFields([...L.W, ...L.Fl], 'W', 'Fl'),
      'Copies them out of a slot (b: its first word, fb: its first double).',
    ),
    '',
    ...classText(
      'DirectionRecord',
      "A direction's record: the fields that are numbers of its DW, DF and DC blocks.",
      recordFields([...L.DW, ...L.DF], 'DW', 'DF', L.DC),
      "Copies them out of a slot (b: the direction's first word, fb: its first double, cb: its first counter).",
      true,
    ),
    '',
  ].join('\n');
}

const SIDES = [
  ['client', 'orig'],
  ['server', 'resp'],
];

/**
 * The flows row from the table: its columns that are record fields (fields.ts `flows`) and the read of each,
 * and the order of all of them (FLOW_ROW, then the table's columns it does not name).
 */
export function flowColumns(t) {
  const L = computeLayout(t);
  const row = new Map();
  const stats = new Map();
  const add = (map, column, read, f) => {
    if (map.has(column)) throw new Error(`flows column ${column} twice`);
    map.set(column, { read, field: f });
  };
  for (const [, , f] of [...L.W, ...L.Fl]) {
    if (!f?.flows) continue;
    if (!f.record) throw new Error(`${f.name}: a flows column needs a record field`);
    for (const col of f.flows) {
      if (col.includes('{') || col.startsWith('directions.')) throw new Error(`${f.name}: ${col} is a direction's column`);
      add(row, col, `c.${f.record}`, f);
    }
  }
  for (const f of [...t.DIRECTION_WORDS, ...t.DIRECTION_DOUBLES, ...t.DIRECTION_COUNTERS]) {
    if (!f.flows) continue;
    if (!f.record) throw new Error(`DW/DF/DC ${f.name}: a flows column needs a record field`);
    for (const col of f.flows) {
      if (col.startsWith('directions.')) add(stats, col.slice('directions.'.length), `d.${f.record}`, f);
      else if (col.includes('{side}') || col.includes('{zeek}')) {
        for (const [side, zeek] of SIDES) add(row, col.replace('{side}', side).replace('{zeek}', zeek), `c.${side}.${f.record}`, f);
      } else throw new Error(`DW/DF/DC ${f.name}: ${col} names no side`);
    }
  }
  if (row.has('directions')) throw new Error("the flows column 'directions' is the sides' stats");
  const order = [...t.FLOW_ROW, ...[...row.keys()].filter((c) => !t.FLOW_ROW.includes(c))];
  const statsOrder = [...t.FLOW_DIRECTION_STATS, ...[...stats.keys()].filter((c) => !t.FLOW_DIRECTION_STATS.includes(c))];
  for (const list of [order, statsOrder]) if (new Set(list).size !== list.length) throw new Error('a column twice in FLOW_ROW or FLOW_DIRECTION_STATS');
  return {
    row,
    stats,
    order,
    statsOrder,
    derived: order.filter((c) => c !== 'directions' && !row.has(c)),
    appended: order.filter((c) => !t.FLOW_ROW.includes(c)),
  };
}

const prop = (name) => (/^[A-Za-z_$][\w$]*$/.test(name) ? name : `'${name}'`);
const member = (name) => (/^[A-Za-z_$][\w$]*$/.test(name) ? `.${name}` : `['${name}']`);

/** The text of src/report/flow.generated.ts. */
export function generateFlows(t) {
  const C = flowColumns(t);
  const out = [
    '// Generated by scripts/gen-layout.mjs from src/track/fields.ts: do not edit (change the table and run',
    '// `node scripts/gen-layout.mjs`). The columns of a `tcpdiag flows` row that are fields of the finished',
    '// record as they stand (fields.ts `flows`), and the row with every column in its order (fields.ts',
    '// FLOW_ROW): flow.ts flowRecord computes the derived ones and hands them to flowRow.',
    '',
    "import type { Connection } from '../track/connection.js';",
    "import type { Direction } from '../track/direction.js';",
    '',
    "/** One side's stats in a flows row (`directions.client`, `directions.server`), in tcptrace's and Wireshark's terms. */",
    'export interface DirectionStats {',
  ];
  for (const m of C.statsOrder) {
    const s = C.stats.get(m);
    out.push(...docLines(s ? s.field.recordDoc : `Direction.${m} (direction.ts).`, '  '), `  ${prop(m)}: number;`);
  }
  out.push(
    '}',
    '',
    '/** The stats of one side, from its record. */',
    'export function directionStats(d: Direction): DirectionStats {',
    '  return {',
    ...C.statsOrder.map((m) => `    ${prop(m)}: ${C.stats.get(m)?.read ?? `d${member(m)}`},`),
    '  };',
    '}',
    '',
    "/** The columns of a flows row that are fields of the record (fields.ts `flows`), and both sides' stats. */",
    'export interface FlowTableColumns {',
  );
  for (const col of C.order) {
    const r = C.row.get(col);
    if (r) out.push(...docLines(`${r.read.slice(2)}${r.field.recordDoc ? `: ${r.field.recordDoc}` : '.'}`, '  '), `  ${prop(col)}: number;`);
  }
  out.push(
    "  /** Per direction, in tcptrace's and Wireshark's terms. */",
    '  directions: { client: DirectionStats; server: DirectionStats };',
    '}',
    '',
    "/** The columns report/flow.ts flowRecord computes (fields.ts FLOW_ROW names them among the table's). */",
    `export type FlowDerivedColumn =\n${C.derived.map((c) => `  | '${c}'`).join('\n')};`,
    '',
    "/** The table's columns FLOW_ROW does not name: after the others in each row, and the last CSV columns. */",
    `export const FLOW_APPENDED_COLUMNS: readonly string[] = [${C.appended.map((c) => `'${c}'`).join(', ')}];`,
    '',
    "/** A flows row: the derived columns as given, the table's from the record, every column in FLOW_ROW's order. */",
    'export function flowRow<D extends Record<FlowDerivedColumn, unknown>>(c: Connection, d: D): Pick<D, FlowDerivedColumn> & FlowTableColumns {',
    '  return {',
  );
  for (const col of C.order) {
    if (col === 'directions') out.push('    directions: { client: directionStats(c.client), server: directionStats(c.server) },');
    else out.push(`    ${prop(col)}: ${C.row.get(col)?.read ?? `d${member(col)}`},`);
  }
  out.push('  };', '}', '');
  return out.join('\n');
}

/** Every file the table makes: [path, text]. */
export function generateAll(t) {
  return [
    [OUTPUT_PATH, generate(t)],
    [RECORDS_PATH, generateRecords(t)],
    [FLOWS_PATH, generateFlows(t)],
  ];
}

async function main() {
  const files = generateAll(await loadFields());
  if (process.argv.includes('--check')) {
    let stale = false;
    for (const [path, text] of files) {
      let now = '';
      try {
        now = readFileSync(path, 'utf8');
      } catch {}
      if (now !== text) {
        console.error(`${path} is not what src/track/fields.ts makes: run node scripts/gen-layout.mjs`);
        stale = true;
      }
    }
    if (stale) process.exit(1);
    return;
  }
  for (const [path, text] of files) {
    writeFileSync(path, text);
    console.log(`wrote ${path}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await main();
