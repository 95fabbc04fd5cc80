#!/usr/bin/env node
// npm run bench — tcpdiag against its peers on the same tiled captures, in
// the same run, and BENCHMARKS.md from the results.
//
// For each size (--sizes, millions of packets) a tiled capture is built once
// into $TCPDIAG_BENCH_CACHE (default /work/.bench-cache, see bench/tile.mjs),
// then each available command runs --reps times, interleaved, pinned to one
// CPU, stdout to /dev/null:
//   tcpdiag analyze F --format json      (node bin/tcpdiag.js)
//   tcpdiag flows F --format ndjson
//   tshark -r F -q -z expert,warn
//   tcptrace -n F
//   tcpdump -r F -w /dev/null
//   cat F > /dev/null
// Wall time (median, spread = (max - min) / median), packets/s, MB/s, peak
// RSS (GNU time -v), and tcpdiag's time ratio to each peer. A command that is
// missing, fails its probe on a small lab capture (exit status, or output
// that is not JSON / NDJSON for tcpdiag) or fails later is skipped with a
// note, so the script runs before every command exists.
//
// Also: the read benchmark (bench/read.mjs) on the 2 M file; a memory check
// on the >= 20 M file (analyze once; until analyze exists, trackCapture as a
// stand-in); and a tiling sanity check (connections, and overflowed
// connections once analyze exists, on k copies = k x one copy).
//
// BENCHMARKS.md: only the part between the bench markers is rewritten; text
// outside them is kept.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CACHE, DEFAULT_LAB, DEFAULT_MIX, DEFAULT_OFFSET_MS, ensureTiled } from './bench/tile.mjs';
import { REPO, commandLine, fmt, machine, mdTable, measure, shebangNode, snapshotBuild, summary, toolVersions, which } from './bench/lib.mjs';
import { READ_ALIGN, READ_HEAD, readBenchRows, runReadBench, trackDetails } from './bench/read.mjs';

const SPEC = {
  sizes: { type: 'list', default: ['0.5', '1', '2', '4'], help: 'tiled capture sizes, millions of packets' },
  reps: { type: 'number', default: 3, help: 'repetitions per command and size' },
  commands: { type: 'list', default: ['analyze', 'flows', 'tshark', 'tcptrace', 'tcpdump', 'cat'], help: 'commands to run' },
  cpu: { type: 'string', default: '1', help: "CPU to pin every command to (taskset), or 'none'" },
  timeoutS: { type: 'number', default: 900, help: 'per-run time limit; a command that hits it is dropped for larger sizes' },
  skip20m: { type: 'flag', help: 'skip the 20 M-packet memory check' },
  bigPackets: { type: 'number', default: 20e6, help: 'size of the memory-check capture' },
  skipRead: { type: 'flag', help: 'skip the read benchmark' },
  readReps: { type: 'number', default: 5, help: 'repetitions of the read benchmark' },
  skipSanity: { type: 'flag', help: 'skip the tiling sanity check' },
  sanityCopies: { type: 'number', default: 64, help: 'copies per scenario in the sanity check (16 for the floods)' },
  cache: { type: 'string', default: DEFAULT_CACHE, help: 'tiled captures and results' },
  out: { type: 'string', default: join(REPO, 'BENCHMARKS.md'), help: "markdown report ('-' = none)" },
  noSnapshot: { type: 'flag', help: 'run dist/ in place instead of a copy taken at the start' },
};

const o = commandLine('node scripts/bench.mjs', SPEC);
const cpu = o.cpu === 'none' ? null : Number(o.cpu);
// One build for the whole run: others may rebuild dist/ while it runs.
const buildRoot = o.noSnapshot ? REPO : snapshotBuild();
const build = { dist: join(buildRoot, 'dist'), bin: join(buildRoot, 'bin', 'tcpdiag.js') };
const log = (m) => process.stderr.write(m + '\n');
const node = process.execPath;
// The bin as a shell starts it: its shebang's command, then the bin.
const BIN = [...shebangNode(build.bin), build.bin];
const PROBE = join(DEFAULT_LAB, 'accept-overflow-abort0', 'server.pcap');
const CHILD = join(REPO, 'scripts', 'bench', 'read-child.mjs');

const isJson = (s) => {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
};
const isNdjson = (s) => {
  const lines = s.split('\n').filter((l) => l.trim() !== '');
  return lines.length > 0 && lines.every(isJson);
};

const ALL = {
  analyze: { label: 'tcpdiag analyze --format json', tcpdiag: true, okCodes: [0, 1], argv: (f) => [...BIN, 'analyze', f, '--format', 'json'], check: (out) => (isJson(out) ? null : 'output is not JSON') },
  flows: { label: 'tcpdiag flows --format ndjson', tcpdiag: true, argv: (f) => [...BIN, 'flows', f, '--format', 'ndjson'], check: (out) => (isNdjson(out) ? null : 'output is not NDJSON') },
  tshark: { label: 'tshark -q -z expert,warn', bin: 'tshark', argv: (f) => ['tshark', '-r', f, '-q', '-z', 'expert,warn'] },
  tcptrace: { label: 'tcptrace -n', bin: 'tcptrace', argv: (f) => ['tcptrace', '-n', f] },
  tcpdump: { label: 'tcpdump -r F -w /dev/null', bin: 'tcpdump', argv: (f) => ['tcpdump', '-r', f, '-w', '/dev/null'] },
  cat: { label: 'cat F > /dev/null', bin: 'cat', argv: (f) => ['cat', f] },
};

// ------------------------------------------------------------ probe

/** analyze exits 1 when a finding reaches --fail-on (error): a successful run. */
const okCode = (c, code) => (c.okCodes ?? [0]).includes(code);

async function probe(id) {
  const c = ALL[id];
  if (!c) return `unknown command ${id}`;
  if (c.bin && !which(c.bin)) return `${c.bin} is not installed`;
  if (c.tcpdiag && !existsSync(join(build.dist, 'cli', 'main.js'))) return 'dist/cli/main.js missing (build first)';
  const m = await measure(c.argv(PROBE), { stdout: 'pipe', timeoutS: 120 });
  if (!okCode(c, m.code) || m.timedOut) {
    const why = m.stderr.trim().split('\n').filter(Boolean).slice(-1)[0] ?? '';
    return `fails on ${PROBE.replace(DEFAULT_LAB + '/', 'lab/')}: exit ${m.code}${why ? `: ${why.slice(0, 160)}` : ''}`;
  }
  return c.check ? c.check(m.stdout) : null;
}

// ------------------------------------------------------------ main

const started = Date.now();
const mach = machine();
const tools = toolVersions();
log(`bench: ${mach.cpuModel}, ${mach.nproc} CPUs, ${mach.memGiB.toFixed(0)} GiB, Node ${mach.node}, load ${mach.loadavg}`);

const commands = [];
const skipped = [];
for (const id of o.commands) {
  const why = await probe(id);
  if (why) {
    skipped.push({ id, label: ALL[id]?.label ?? id, why });
    log(`bench: skipping ${id}: ${why}`);
  } else commands.push({ id, ...ALL[id] });
}

const sizes = o.sizes.map(Number).sort((a, b) => a - b);
const files = [];
for (const s of sizes) files.push({ label: `${s} M`, ...ensureTiled({ packets: s * 1e6, cache: o.cache, log }) });

const results = []; // { size, file, manifest, rows: [{ id, label, wall, rss, failures }] }
const dropped = new Map(); // command id -> reason, for larger sizes
for (const f of files) {
  const { manifest } = f;
  log(`bench: ${f.path} (${fmt.n(manifest.packets)} packets, ${(manifest.bytes / 1e6).toFixed(0)} MB)`);
  await measure(['cat', f.path]); // page cache
  const rows = commands.map((c) => ({ id: c.id, label: c.label, tcpdiag: !!c.tcpdiag, walls: [], cpus: [], rss: [], failures: [] }));
  for (let r = 0; r < o.reps; r++) {
    for (let i = 0; i < commands.length; i++) {
      const c = commands[i];
      const row = rows[i];
      if (dropped.has(c.id)) {
        if (!row.failures.length) row.failures.push(dropped.get(c.id));
        continue;
      }
      if (row.failures.length && r > 0 && row.walls.length === 0) continue; // failed every time so far: give up on this size
      const m = await measure(c.argv(f.path), { cpu, timeoutS: o.timeoutS });
      if (m.timedOut) {
        row.failures.push(`timed out after ${o.timeoutS} s`);
        dropped.set(c.id, `dropped: timed out on a smaller file`);
        log(`  ${c.id}: timed out`);
        continue;
      }
      if (!okCode(c, m.code)) {
        row.failures.push(`exit ${m.code}: ${m.stderr.trim().split('\n').slice(-1)[0]?.slice(0, 160) ?? ''}`);
        log(`  ${c.id}: exit ${m.code}`);
        continue;
      }
      row.walls.push(m.wallMs);
      if (m.cpuMs !== null) row.cpus.push(m.cpuMs);
      if (m.maxRssKB !== null) row.rss.push(m.maxRssKB);
      log(`  rep ${r + 1}/${o.reps} ${c.id.padEnd(9)} ${fmt.ms(m.wallMs)}, RSS ${fmt.mb(m.maxRssKB)}`);
    }
  }
  for (const row of rows) {
    if (!row.walls.length) continue;
    row.wall = summary(row.walls);
    row.cpu = row.cpus.length ? summary(row.cpus) : null;
    row.pps = manifest.packets / (row.wall.median / 1000);
    row.mbs = manifest.bytes / (row.wall.median / 1000);
    row.peakRssKB = row.rss.length ? Math.max(...row.rss) : null;
  }
  results.push({ size: f.label, file: f.path, manifest, rows });
}

// ------------------------------------------------------------ read benchmark

let read = null;
if (!o.skipRead) {
  try {
    read = await runReadBench({ packets: 2e6, reps: o.readReps, cpu, cache: o.cache, dist: build.dist, log });
  } catch (e) {
    read = { error: e.message };
    log(`bench: read benchmark failed: ${e.message}`);
  }
}

// ------------------------------------------------------------ memory check

let big = null;
if (!o.skip20m) {
  const t = ensureTiled({ packets: o.bigPackets, cache: o.cache, log });
  big = { file: t.path, manifest: t.manifest, runs: [] };
  await measure(['cat', t.path]);
  const analyze = commands.find((c) => c.id === 'analyze');
  if (analyze) {
    log('bench: memory check: analyze on the big file');
    const m = await measure(analyze.argv(t.path), { cpu, timeoutS: Math.max(o.timeoutS, 3600) });
    const ok = okCode(analyze, m.code) && !m.timedOut;
    big.runs.push({ what: analyze.label, ok, wallMs: m.wallMs, maxRssKB: m.maxRssKB, note: ok ? `${fmt.rate(big.manifest.packets / (m.wallMs / 1000))}` : m.timedOut ? 'timed out' : `exit ${m.code}` });
  }
  log('bench: memory check: trackCapture (read + decode + track) on the big file');
  const m = await measure([...shebangNode(build.bin), CHILD, 'track', t.path, build.dist], { stdout: 'pipe', cpu, timeoutS: Math.max(o.timeoutS, 3600) });
  let extra = '';
  if (m.code === 0) {
    const r = JSON.parse(m.stdout.trim().split('\n').pop());
    extra = `${fmt.n(r.connections)} connections, peak live ${fmt.n(r.peakLive)}, evictions ${fmt.n(r.evictions)}, in-process ${fmt.ms(r.ms)} (${fmt.rate(r.packets / (r.ms / 1000))})`;
  }
  big.runs.push({ what: `trackCapture (read+decode+track)${analyze ? '' : ', stand-in until analyze exists'}`, ok: m.code === 0, wallMs: m.wallMs, maxRssKB: m.maxRssKB, note: m.code === 0 ? extra : `exit ${m.code}` });
}

// ------------------------------------------------------------ sanity check

const FLOOD = new Set(['syn-flood-cookies', 'syn-flood-nocookies']);
// One scenario alone, and pairs sharing the listener (copies alternate): a pair shows whether the
// diagnosis of one scenario's connections depends on what else the listener saw.
const SANITY_SETS = [
  ['accept-overflow-abort0'],
  ['accept-overflow-abort1'],
  ['slow-acceptor-abort0'],
  ['slow-acceptor-abort1'],
  ['healthy'],
  ['syn-flood-cookies'],
  ['syn-flood-nocookies'],
  ['slow-acceptor-abort1', 'healthy-lossy'],
  ['slow-acceptor-abort1', 'syn-flood-cookies'],
  ['slow-acceptor-abort1', 'syn-flood-nocookies'],
];

async function trackCount(file) {
  const m = await measure([...shebangNode(build.bin), CHILD, 'track', file, build.dist], { stdout: 'pipe', timeoutS: 1800 });
  if (m.code !== 0) throw new Error(`track-child failed on ${file}: ${m.stderr.trim().split('\n').pop()}`);
  return JSON.parse(m.stdout.trim().split('\n').pop());
}

/** Overflowed connections in analyze's findings (every object with id accept-queue-overflow, anywhere in the JSON). */
async function overflowCount(file) {
  const a = commands.find((c) => c.id === 'analyze');
  if (!a) return null;
  const m = await measure(a.argv(file), { stdout: 'pipe', timeoutS: 1800 });
  if (!okCode(a, m.code)) return null;
  let n = 0;
  let found = false;
  const walk = (v) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      if (v.id === 'accept-queue-overflow' && typeof v.connections === 'number') {
        n += v.connections;
        found = true;
        return;
      }
      Object.values(v).forEach(walk);
    }
  };
  walk(JSON.parse(m.stdout));
  return found ? n : 0;
}

let sanity = null;
if (!o.skipSanity) {
  sanity = { perScenario: [], mix: null };
  const single = new Map();
  const singleOverflow = new Map();
  for (const [name] of DEFAULT_MIX) {
    const p = join(DEFAULT_LAB, name, 'server.pcap');
    single.set(name, await trackCount(p));
    singleOverflow.set(name, await overflowCount(p));
  }
  for (const names of SANITY_SETS) {
    const flood = names.some((n) => FLOOD.has(n));
    // 16 copies of a flood are ~49 000 half-open connections: under the tracker's cap.
    const k = (flood ? Math.min(16, o.sanityCopies) : o.sanityCopies) * names.length;
    const t = ensureTiled({ copies: k, mix: names.map((n) => [n, 1]), cache: o.cache, log });
    const r = await trackCount(t.path);
    const each = k / names.length;
    const one = names.reduce((a, n) => a + single.get(n).connections, 0);
    const ov1s = names.map((n) => singleOverflow.get(n));
    const ov1 = ov1s.includes(null) ? null : ov1s.reduce((a, v) => a + v, 0);
    const ov = await overflowCount(t.path);
    sanity.perScenario.push({
      name: names.join(' + '),
      copies: names.length > 1 ? `${each} each` : each,
      one,
      tiled: r.connections,
      evictions: r.evictions,
      ok: r.connections === each * one,
      overflowOne: ov1,
      overflowTiled: ov,
      overflowOk: ov === null || ov1 === null ? null : ov === each * ov1,
    });
  }
  // The smallest benchmark file: expected = sum over sources of copies x connections of one copy.
  const f = files[0] ?? ensureTiled({ packets: 0.5e6, cache: o.cache, log });
  const r = await trackCount(f.path);
  let expected = 0;
  let expectedOv = 0;
  let haveOv = true;
  for (const [name, e] of Object.entries(f.manifest.perSource)) {
    expected += e.copies * single.get(name).connections;
    const v = singleOverflow.get(name);
    if (v === null) haveOv = false;
    else expectedOv += e.copies * v;
  }
  const ov = haveOv ? await overflowCount(f.path) : null;
  sanity.mix = { file: f.path, packets: f.manifest.packets, copies: f.manifest.copies, expected, tiled: r.connections, evictions: r.evictions, peakLive: r.peakLive, ok: expected === r.connections, expectedOverflow: haveOv ? expectedOv : null, overflowTiled: ov, overflowOk: ov === null ? null : ov === expectedOv };
}

// ------------------------------------------------------------ output

const peers = ['tshark', 'tcptrace', 'tcpdump', 'cat'];
const tcpdiagIds = ['analyze', 'flows'];
const notAvail = (id) => skipped.find((s) => s.id === id);

function sizeRows(res) {
  const rows = [];
  for (const id of o.commands) {
    const row = res.rows.find((r) => r.id === id);
    const s = notAvail(id);
    if (s) {
      rows.push([ALL[id]?.label ?? id, ALL[id]?.tcpdiag ? '**not available yet**' : 'not run', '', '', '', '', '', s.why]);
      continue;
    }
    if (!row) continue;
    if (!row.wall) {
      rows.push([row.label, 'failed', '', '', '', '', '', row.failures[0] ?? '']);
      continue;
    }
    rows.push([row.label, fmt.ms(row.wall.median), fmt.pct(row.wall.spread), row.cpu ? fmt.ms(row.cpu.median) : 'n/a', fmt.rate(row.pps), fmt.mbs(row.mbs), fmt.mb(row.peakRssKB), row.failures.length ? `${row.failures.length} failed run(s): ${row.failures[0]}` : '']);
  }
  return rows;
}
const SIZE_HEAD = ['command', 'wall (median)', 'spread', 'CPU user+sys', 'packets/s', 'MB/s', 'peak RSS', 'note'];

function ratioRows() {
  const rows = [];
  for (const t of tcpdiagIds) {
    for (const res of results) {
      const a = res.rows.find((r) => r.id === t);
      const cells = peers.map((p) => {
        const b = res.rows.find((r) => r.id === p);
        if (!a?.wall) return 'n/a';
        if (!b?.wall) return '—';
        const cpu = a.cpu && b.cpu && b.cpu.median > 0 ? ` (CPU ${fmt.ratio(a.cpu.median / b.cpu.median)})` : '';
        return `${fmt.ratio(a.wall.median / b.wall.median)}${cpu}`;
      });
      rows.push([`${ALL[t].label}`, res.size, ...cells]);
    }
  }
  return rows;
}
const RATIO_HEAD = ['tcpdiag command', 'size', ...peers.map((p) => `÷ ${p}`)];

const lines = [];
const P = (s = '') => lines.push(s);
P(`Generated by \`npm run bench\` (scripts/bench.mjs) on ${mach.date.slice(0, 19).replace('T', ' ')} UTC, in ${((Date.now() - started) / 60000).toFixed(1)} min.`);
P();
P(`- Machine: ${mach.cpuModel}, ${mach.nproc} CPUs (nproc), ${mach.memGiB.toFixed(1)} GiB RAM, ${mach.kernel}; load average at start ${mach.loadavg}, at end ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} (other work on the machine inflates wall times; CPU user+sys is less sensitive to it)`);
P(`- Node ${mach.node}; tcpdiag at ${mach.git}${mach.gitDirty ? ' with uncommitted changes in src/' : ''}: the dist/ build present at the start${o.noSnapshot ? '' : ', copied so the whole run measures one build'} (dist/ built ${mach.distBuilt})`);
P(`- Peers: ${Object.entries(tools).map(([k, v]) => `${k} ${v ?? 'not installed'}`).join(', ')}`);
P(`- Every command pinned to ${cpu === null ? 'no CPU (unpinned)' : `CPU ${cpu} (taskset)`}, stdout to /dev/null, page cache warm; ${o.reps} repetitions interleaved; wall time = whole process (startup included), median; spread = (max − min) / median; peak RSS from GNU time -v.`);
P(`- Captures: tiled from the lab captures (scripts/bench/tile.mjs, offset ${DEFAULT_OFFSET_MS} ms per copy), cached in ${o.cache}.`);
P();
P('### Captures');
P();
const allFiles = [...results.map((r) => ({ size: r.size, ...r })), ...(big ? [{ size: `${o.bigPackets / 1e6} M`, file: big.file, manifest: big.manifest }] : [])];
P(mdTable(['size', 'packets', 'MB', 'copies', 'capture span', 'file'], allFiles.map((r) => [r.size, fmt.n(r.manifest.packets), (r.manifest.bytes / 1e6).toFixed(0), fmt.n(r.manifest.copies), `${r.manifest.spanSeconds.toFixed(0)} s`, `\`${r.file.split('/').pop()}\``]), 'lrrrrl'));
if (results[0]) {
  P();
  P(`Mix, copies per cycle of ${DEFAULT_MIX.reduce((a, [, w]) => a + w, 0)} (server.pcap of each lab scenario): ${DEFAULT_MIX.map(([n, w]) => `${n} ×${w}`).join(', ')}.`);
}
P();
for (const res of results) {
  P(`### ${res.size} packets (${fmt.n(res.manifest.packets)} packets, ${(res.manifest.bytes / 1e6).toFixed(0)} MB)`);
  P();
  P(mdTable(SIZE_HEAD, sizeRows(res), 'lrrrrrrl'));
  P();
}
if (results.length) {
  P('### tcpdiag time ÷ peer time');
  P();
  P('Wall-time ratio, and in brackets the ratio of CPU time (user + sys). Below 1 means tcpdiag is faster. Peers do different work: tshark dissects every layer, tcptrace builds per-connection statistics, tcpdump only copies records, cat only reads.');
  P();
  P(mdTable(RATIO_HEAD, ratioRows(), 'llrrrr'));
  P();
}
if (read) {
  P('### Read benchmark (`npm run bench:read`)');
  P();
  if (read.error) P(`Failed: ${read.error}`);
  else {
    P(`${fmt.n(read.manifest.packets)} packets, ${(read.manifest.bytes / 1e6).toFixed(0)} MB; ${read.reps} repetitions; each tcpdiag pass in a fresh node process; "in-process" excludes node startup and module loading.`);
    P();
    P(mdTable(READ_HEAD, readBenchRows(read), READ_ALIGN));
    const td = trackDetails(read);
    if (td) {
      P();
      P(td);
    }
    P();
    for (const t of read.targets) P(`- ${t.met ? '✅ met' : '❌ not met'}: ${t.what} — ${t.value}`);
  }
  P();
}
if (big) {
  P(`### Memory check (${fmt.n(big.manifest.packets)} packets, ${(big.manifest.bytes / 1e9).toFixed(1)} GB)`);
  P();
  if (!commands.find((c) => c.id === 'analyze')) {
    P('`tcpdiag analyze` is **not available yet**; trackCapture (read + decode + track) stands in.');
    P();
  }
  P(mdTable(['run', 'wall', 'peak RSS', 'note'], big.runs.map((r) => [r.what, r.ok ? fmt.ms(r.wallMs) : 'failed', fmt.mb(r.maxRssKB), r.note]), 'lrrl'));
  P();
}
if (sanity) {
  P('### Tiling sanity check');
  P();
  P('k copies of one capture must give k times its connections (trackCapture), and k times its overflowed connections (analyze findings, `accept-queue-overflow`) once analyze exists. For a pair, k copies of each alternate on the same listener, and "1 copy" is the sum of one copy of each.');
  P();
  P(mdTable(
    ['source', 'copies', 'connections: 1 copy', 'k copies', 'evictions', 'ok', 'overflowed: 1 copy', 'k copies', 'ok'],
    sanity.perScenario.map((s) => [s.name, s.copies, s.one, s.tiled, s.evictions, s.ok ? 'yes' : '**NO**', s.overflowOne ?? 'n/a', s.overflowTiled ?? 'n/a', s.overflowOk === null ? 'n/a' : s.overflowOk ? 'yes' : '**NO**']),
    'lrrrrlrrl',
  ));
  const mx = sanity.mix;
  P();
  P(`Mixed file ${mx.file.split('/').pop()} (${fmt.n(mx.copies)} copies): expected ${fmt.n(mx.expected)} connections, tracked ${fmt.n(mx.tiled)} (${mx.ok ? 'equal' : '**different**'}; evictions ${fmt.n(mx.evictions)}, peak live ${fmt.n(mx.peakLive)})` +
    (mx.overflowOk === null ? '; overflowed connections: n/a (analyze not available).' : `; overflowed connections expected ${mx.expectedOverflow}, found ${mx.overflowTiled} (${mx.overflowOk ? 'equal' : '**different**'}).`));
  P();
}
if (skipped.length) {
  P('### Not run');
  P();
  for (const s of skipped) P(`- ${s.label}: ${s.why}`);
  P();
}

const section = lines.join('\n');
console.log('\n' + section);

mkdirSync(join(o.cache, 'results'), { recursive: true });
writeFileSync(join(o.cache, 'results', 'bench-latest.json'), JSON.stringify({ machine: mach, tools, options: o, skipped, results, read, big, sanity }, null, 2) + '\n');

if (o.out !== '-') {
  const BEGIN = '<!-- bench:begin (generated by scripts/bench.mjs; edit outside these markers) -->';
  const END = '<!-- bench:end -->';
  let doc = existsSync(o.out) ? readFileSync(o.out, 'utf8') : '# Benchmarks\n\nRun `npm run bench` (everything) or `npm run bench:read` (reader and decoder only).\n\n## Latest results\n\n' + BEGIN + '\n' + END + '\n';
  const a = doc.indexOf(BEGIN);
  const b = doc.indexOf(END);
  if (a < 0 || b < a) doc = doc.trimEnd() + '\n\n' + BEGIN + '\n' + section + '\n' + END + '\n';
  else doc = doc.slice(0, a + BEGIN.length) + '\n' + section + '\n' + doc.slice(b);
  writeFileSync(o.out, doc);
  log(`bench: wrote ${o.out}`);
}
