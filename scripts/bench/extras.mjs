#!/usr/bin/env node
// The measurements the main benchmark does not make, with the same tools (scripts/bench/lib.mjs):
//   - start-up: `tcpdiag --help` and `tcpdiag analyze` on a small capture (issue 5: under 200 ms);
//   - --jobs: two captures on two cores against one at a time (issue 6: at most 60% of the serial time);
//   - the most a split of the tracker over two cores could give: read + decode + track of the 2 M
//     file in one process against two processes at once, each tracking half the connections;
//   - a million spoofed SYNs (scripts/make-syn-flood.mjs): peak RSS and the eviction warning (issue 7).
// Writes its tables into BENCHMARKS.md between the extras markers.
//   node scripts/bench/extras.mjs [--reps N]
import { existsSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { captureTwin, commandLine, measure, median, snapshotBuild, machine, shebangNode } from './lib.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CACHE = process.env.TCPDIAG_BENCH_CACHE ?? '/work/.bench-cache';
const { reps } = commandLine('node scripts/bench/extras.mjs', { reps: { type: 'number', default: 5, help: 'repetitions of each measurement' } });

const build = snapshotBuild();
const bin = join(build, 'bin/tcpdiag.js');
// node as the bin's shebang starts it (flags, environment), as a shell does.
const node = shebangNode(bin);
const out = [];
const P = (s = '') => {
  out.push(s);
  console.log(s);
};

async function med(argv, opts = {}) {
  const runs = [];
  for (let i = 0; i < reps; i++) runs.push(await measure(argv, opts));
  const bad = runs.find((r) => r.code !== 0 && r.code !== 1);
  if (bad) throw new Error(`${argv.join(' ')} exited ${bad.code}: ${bad.stderr.slice(0, 300)}`);
  return { wall: median(runs.map((r) => r.wallMs)), cpu: median(runs.map((r) => r.cpuMs ?? NaN)), rss: median(runs.map((r) => r.maxRssKB ?? NaN)), runs };
}

const m = machine();
P(`Measured ${m.date.slice(0, 10)} at ${m.git}${m.gitDirty ? " (uncommitted changes)" : ""} on ${m.nproc} × ${m.cpuModel}, ${m.memGiB.toFixed(0)} GiB, Node ${m.node}, load ${m.loadavg}; ${reps} repetitions, median.`);
P();

// Start-up.
const small = join(ROOT, 'fixtures/public/get.pcap');
const help = await med([...node, bin, '--help']);
const tiny = await med([...node, bin, 'analyze', small]);
P('| command | wall (ms) | target |');
P('| --- | ---: | --- |');
P(`| \`tcpdiag --help\` | ${help.wall.toFixed(0)} | < 200 ms: ${help.wall < 200 ? 'met' : 'not met'} |`);
P(`| \`tcpdiag analyze fixtures/public/get.pcap\` | ${tiny.wall.toFixed(0)} | < 200 ms: ${tiny.wall < 200 ? 'met' : 'not met'} |`);
P();

// --jobs on two captures, at two sizes: the cost of a second isolate (start-up, its own JIT compiles)
// is fixed, so the ratio depends on the size of the captures.
const bigs = ['tiled-1m', 'tiled-2m']
  .map((p) => execFileSync('bash', ['-c', `ls ${CACHE}/${p}-*.pcap 2>/dev/null | grep -v -- -twin | head -1`], { encoding: 'utf8' }).trim())
  .filter((f) => f && existsSync(f));
const row = (runs) => ({ wall: median(runs.map((r) => r.wallMs)), cpu: median(runs.map((r) => r.cpuMs ?? NaN)), rss: median(runs.map((r) => r.maxRssKB ?? NaN)) });
for (const big of bigs) {
  // A second name for the same bytes: analyze reads a path given twice only once.
  const twin = captureTwin(big, big.replace(/\.pcap$/, '-twin.pcap'));
  // Serial and parallel runs alternate, so a slow phase of the machine hits both alike.
  const argv = (jobs) => [...node, bin, 'analyze', big, twin, '--format', 'json', '--jobs', String(jobs)];
  const pairs = [];
  for (let i = 0; i < reps; i++) pairs.push([await measure(argv(1), { cpu: null }), await measure(argv(2), { cpu: null })]);
  const bad = pairs.flat().find((r) => r.code !== 0 && r.code !== 1);
  if (bad) throw new Error(`analyze --jobs exited ${bad.code}: ${bad.stderr.slice(0, 300)}`);
  const serial = row(pairs.map((p) => p[0]));
  const parallel = row(pairs.map((p) => p[1]));
  const ratios = pairs.map(([a, b]) => b.wallMs / a.wallMs).sort((x, y) => x - y);
  const ratio = median(ratios);
  P(`Two captures (\`${big.split('/').pop()}\` under two names) (${(statSync(big).size / 1e6).toFixed(0)} MB each), not pinned, the two runs alternating:`);
  P();
  P('| run | wall (s) | CPU user+sys (s) | cores busy (CPU ÷ wall) | peak RSS (MB) |');
  P('| --- | ---: | ---: | ---: | ---: |');
  for (const [name, r] of [['analyze A B --jobs 1', serial], ['analyze A B --jobs 2', parallel]]) {
    P(`| \`${name}\` | ${(r.wall / 1000).toFixed(2)} | ${(r.cpu / 1000).toFixed(2)} | ${(r.cpu / r.wall).toFixed(2)} | ${(r.rss / 1024).toFixed(0)} |`);
  }
  P();
  P(`--jobs 2 takes ${(ratio * 100).toFixed(0)}% of the serial time (median of ${reps} alternating pairs; ${(ratios[0] * 100).toFixed(0)}–${(ratios[ratios.length - 1] * 100).toFixed(0)}%; target: at most 60%: ${ratio <= 0.6 ? 'met' : 'not met'}).`);
  P();
}
if (bigs.length === 0) {
  P('No tiled capture in the cache: run `npm run bench` first for the --jobs measurement.');
  P();
}

// The best case of a tracker split over both cores by connection hash: two processes at once, each
// reading and decoding the whole capture and tracking the connections of its half (read-child.mjs
// track-half0/1), against one process tracking all (as the CLI does). No merge, no analysis: a bound.
const two = bigs.find((b) => b.includes('tiled-2m'));
if (two) {
  const child = join(ROOT, 'scripts/bench/read-child.mjs');
  const pass = (mode) => [process.execPath, child, mode, two, join(build, 'dist')];
  const one = [];
  const split = [];
  for (let i = 0; i < reps; i++) {
    one.push(await measure(pass('track-recycle'), { stdout: 'pipe' }));
    split.push(await Promise.all([measure(pass('track-half0'), { stdout: 'pipe' }), measure(pass('track-half1'), { stdout: 'pipe' })]));
  }
  const conns = (r) => JSON.parse(r.stdout).connections;
  const whole = conns(one[0]);
  const halves = conns(split[0][0]) + conns(split[0][1]);
  const oneWall = median(one.map((r) => r.wallMs));
  const splitWall = median(split.map(([a, b]) => Math.max(a.wallMs, b.wallMs)));
  const oneCpu = median(one.map((r) => r.cpuMs ?? NaN));
  const splitCpu = median(split.map(([a, b]) => (a.cpuMs ?? NaN) + (b.cpuMs ?? NaN)));
  const pkts = JSON.parse(one[0].stdout).packets;
  P(`Read + decode + track of \`${two.split('/').pop()}\` (${pkts.toLocaleString('en-US')} packets), not pinned, alternating: one process tracking every connection, against two processes at once that each read and decode the whole capture and track the connections of one half (by a hash of addresses and ports; ${whole.toLocaleString('en-US')} connections in one, ${halves.toLocaleString('en-US')} in the two halves). The most a tracker split over both cores could give, before merging the halves and analysing:`);
  P();
  P('| run | wall (s) | CPU user+sys (s) | packets/s (wall) |');
  P('| --- | ---: | ---: | ---: |');
  P(`| one process | ${(oneWall / 1000).toFixed(2)} | ${(oneCpu / 1000).toFixed(2)} | ${(pkts / (oneWall / 1000) / 1e6).toFixed(2)} M/s |`);
  P(`| two halves at once | ${(splitWall / 1000).toFixed(2)} | ${(splitCpu / 1000).toFixed(2)} | ${(pkts / (splitWall / 1000) / 1e6).toFixed(2)} M/s |`);
  P();
}

// A million spoofed SYNs.
const flood = join(CACHE, 'syn-flood-1m.pcap');
if (!existsSync(flood)) execFileSync(process.execPath, [join(ROOT, 'scripts/make-syn-flood.mjs'), flood], { stdio: 'inherit' });
const f = await med([...node, bin, 'analyze', flood, '--format', 'json'], { stdout: 'pipe' });
const rep = JSON.parse(f.runs[0].stdout);
const cap = rep.captures[0];
P(`A million spoofed SYNs (\`scripts/make-syn-flood.mjs\`, ${(statSync(flood).size / 1e6).toFixed(0)} MB): analyze took ${(f.wall / 1000).toFixed(2)} s, peak RSS ${(f.rss / 1024).toFixed(0)} MB; ${cap.connections} connections, ${cap.evictions} evicted, findings: ${rep.findings.map((x) => x.id).join(', ')}.`);

const md = join(ROOT, 'BENCHMARKS.md');
const text = existsSync(md) ? readFileSync(md, 'utf8') : '# Benchmarks\n';
const block = `<!-- extras:begin (generated by scripts/bench/extras.mjs) -->\n${out.join('\n')}\n<!-- extras:end -->`;
const next = /<!-- extras:begin[\s\S]*?<!-- extras:end -->/.test(text)
  ? text.replace(/<!-- extras:begin[\s\S]*?<!-- extras:end -->/, block)
  : `${text.trimEnd()}\n\n## Start-up, --jobs and a SYN flood\n\n${block}\n`;
writeFileSync(md, next);
