#!/usr/bin/env node
// Where one cold analyze spends its time and its memory, phase by phase, for builds side by side: each run a
// fresh process (pinned), the builds alternating, as analyze runs it (runCapture: the CLI's memory settings,
// its collection before the judgement). Per run: the whole pipeline; the diagnosis's add() calls inside it
// (each timed alone: ~50 ns of timer each, counted in); the judgement (Analyzer.finish); peak RSS before the
// judgement and at the end. Medians with min–max.
//
//   node scripts/bench/phases.mjs --dists A/dist,B/dist [--reps 5] [--file F] [--cpu 1]
//
// A judgement runs once per capture, so its time in a warm process (analysis.mjs) is not the CLI's: this is.
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { commandLine, summary, textTable } from './lib.mjs';

const o = commandLine('node scripts/bench/phases.mjs', {
  dists: { type: 'list', default: [], help: 'compiled trees to compare' },
  reps: { type: 'number', default: 5, help: 'runs of each build' },
  file: { type: 'string', default: '/work/.bench-cache/tiled-2m-df314ddf89.pcap', help: 'capture' },
  cpu: { type: 'string', default: '1', help: "CPU to pin to, or 'none'" },
  child: { type: 'string', default: '', help: '(internal) run one pass of this dist and print JSON' },
});

if (o.child) {
  const load = (m) => import(pathToFileURL(`${o.child}/${m}`).href);
  const { Analyzer } = await load('diagnose/analyzer.js');
  const { runCapture } = await load('cli/run-capture.js');
  const maxRss = () => process.resourceUsage().maxRSS / 1024;
  let adds = 0;
  let judgement = 0;
  let rssBeforeJudgement = 0;
  const add = Analyzer.prototype.add;
  Analyzer.prototype.add = function (c) {
    const t = performance.now();
    const r = add.call(this, c);
    adds += performance.now() - t;
    return r;
  };
  const finish = Analyzer.prototype.finish;
  Analyzer.prototype.finish = function (s) {
    rssBeforeJudgement = maxRss();
    const t = performance.now();
    const r = finish.call(this, s);
    judgement = performance.now() - t;
    return r;
  };
  const t = performance.now();
  await runCapture(o.file, {}, { quiet: true });
  const total = performance.now() - t;
  console.log(JSON.stringify({ total, track: total - adds - judgement, adds, judgement, rssBeforeJudgement, rss: maxRss() }));
} else {
  const rows = new Map(o.dists.map((d) => [d, []]));
  for (let rep = 0; rep < o.reps; rep++) {
    for (const d of o.dists) {
      const pin = o.cpu === 'none' ? [] : ['taskset', '-c', o.cpu];
      const argv = [...pin, process.execPath, '--no-concurrent-recompilation', new URL(import.meta.url).pathname, '--child', d, '--file', o.file];
      const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', env: { ...process.env, NODE_EXTRA_CA_CERTS: '' } });
      if (r.status !== 0) throw new Error(`${d}: ${r.stderr}`);
      const run = JSON.parse(r.stdout.trim().split('\n').at(-1));
      rows.get(d).push(run);
      console.error(`rep ${rep + 1} ${d}: ${Object.entries(run).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(' ')}`);
    }
  }
  const fmt = (xs) => {
    const s = summary(xs);
    return `${s.median.toFixed(1)} (${s.min.toFixed(1)}–${s.max.toFixed(1)})`;
  };
  const keys = ['total', 'track', 'adds', 'judgement', 'rssBeforeJudgement', 'rss'];
  console.log(`${o.reps} runs each, builds alternating, ${o.cpu === 'none' ? 'not pinned' : `pinned to CPU ${o.cpu}`}; ms, and MB for rss; median (min–max)`);
  console.log(textTable(['build', ...keys], o.dists.map((d) => [d, ...keys.map((k) => fmt(rows.get(d).map((r) => r[k])))]), 'l' + 'r'.repeat(keys.length)));
}
