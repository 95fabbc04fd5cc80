// The read benchmark: tcpdiag's reader + decoder (and + tracker) beside
// tcpdump and cat on the same tiled file, interleaved, several repetitions.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ensureTiled } from './tile.mjs';
import { REPO, fmt, measure, shebangNode, summary, which } from './lib.mjs';

const CHILD = join(REPO, 'scripts', 'bench', 'read-child.mjs');

export const READ_TARGETS = {
  decodePps: 6e6,
  decodeVsTcpdump: 1.3,
  trackPps: 3e6,
  trackRssMB: 200,
};

/**
 * opts: { packets, reps, cpu (number|null), dist, peers (bool), modes, log }
 * Returns { file, manifest, jobs: [{ id, label, wall, inproc, rssKB, ... }], targets }.
 */
export async function runReadBench(opts) {
  const { packets = 2e6, reps = 5, cpu = 1, dist = join(REPO, 'dist'), peers = true, modes = ['read', 'decode', 'track', 'track-recycle'], log = console.error } = opts;
  if (!existsSync(join(dist, 'capture', 'reader.js'))) throw new Error(`${dist}/capture/reader.js is missing: build first (npx tsc -p tsconfig.json)`);
  const { path: file, manifest } = ensureTiled({ packets, cache: opts.cache, log });
  const jobs = [];
  const node = process.execPath;
  const labels = {
    read: 'tcpdiag read (readCapture, empty sink)',
    decode: 'tcpdiag read+decode (readCapture + Decoder)',
    track: 'tcpdiag read+decode+track (trackCapture)',
    'track-recycle': 'tcpdiag read+decode+track, recycle: true (as the CLI)',
  };
  // Started as the build's bin starts (its shebang's command: node's flags and environment), as the CLI runs.
  const bin = join(dist, '..', 'bin', 'tcpdiag.js');
  const start = existsSync(bin) ? shebangNode(bin) : [node];
  for (const m of modes) jobs.push({ id: m, label: labels[m], argv: [...start, CHILD, m, file, dist], child: true });
  if (peers && which('tcpdump')) jobs.push({ id: 'tcpdump', label: 'tcpdump -r F -w /dev/null', argv: ['tcpdump', '-r', file, '-w', '/dev/null'] });
  if (peers) jobs.push({ id: 'cat', label: 'cat F > /dev/null', argv: ['cat', file] });
  for (const j of jobs) {
    j.walls = [];
    j.cpus = [];
    j.inproc = [];
    j.incpu = [];
    j.rss = [];
    j.failures = [];
  }
  // Page cache warm-up, so every repetition reads from memory.
  await measure(['cat', file]);
  log(`read bench: ${file} (${fmt.n(manifest.packets)} packets, ${(manifest.bytes / 1e6).toFixed(0)} MB), ${reps} reps${cpu !== null ? `, pinned to CPU ${cpu}` : ''}`);
  for (let r = 0; r < reps; r++) {
    for (const j of jobs) {
      const m = await measure(j.argv, { stdout: j.child ? 'pipe' : 'null', cpu });
      if (m.code !== 0) {
        j.failures.push(m.stderr.trim().split('\n').slice(-3).join(' / ') || `exit ${m.code}`);
        continue;
      }
      j.walls.push(m.wallMs);
      if (m.cpuMs !== null) j.cpus.push(m.cpuMs);
      if (m.maxRssKB !== null) j.rss.push(m.maxRssKB);
      if (j.child) {
        const o = JSON.parse(m.stdout.trim().split('\n').pop());
        j.inproc.push(o.ms);
        if (typeof o.cpuMs === 'number') j.incpu.push(o.cpuMs);
        if (o.packets !== manifest.packets) j.failures.push(`read ${o.packets} packets, expected ${manifest.packets}`);
        j.last = o;
        if (m.maxRssKB === null) j.rss.push(o.maxRssKB);
      }
      log(`  rep ${r + 1}/${reps} ${j.id.padEnd(8)} ${fmt.ms(m.wallMs)}${j.child ? ` (in-process ${fmt.ms(j.inproc.at(-1))})` : ''}, RSS ${fmt.mb(m.maxRssKB)}`);
    }
  }
  for (const j of jobs) {
    delete j.argv;
    if (j.walls.length === 0) continue;
    j.wall = summary(j.walls);
    j.cpu = j.cpus.length ? summary(j.cpus) : null;
    j.ppsWall = manifest.packets / (j.wall.median / 1000);
    j.mbsWall = manifest.bytes / (j.wall.median / 1000);
    if (j.inproc.length) {
      j.in = summary(j.inproc);
      j.ppsIn = manifest.packets / (j.in.median / 1000);
    }
    if (j.incpu.length) {
      j.inCpu = summary(j.incpu);
      j.ppsInCpu = manifest.packets / (j.inCpu.median / 1000);
    }
    j.peakRssKB = j.rss.length ? Math.max(...j.rss) : null;
  }
  const by = Object.fromEntries(jobs.map((j) => [j.id, j]));
  const targets = [];
  const T = READ_TARGETS;
  if (by.decode?.in) {
    targets.push({
      what: `read+decode >= ${T.decodePps / 1e6} M packets/s (in-process)`,
      value: `${fmt.rate(by.decode.ppsIn)}${by.decode.inCpu ? ` (by CPU time: ${fmt.rate(by.decode.ppsInCpu)})` : ''}`,
      met: by.decode.ppsIn >= T.decodePps,
    });
    if (by.tcpdump?.wall) {
      const rp = by.decode.wall.median / by.tcpdump.wall.median;
      const ri = by.decode.in.median / by.tcpdump.wall.median;
      targets.push({ what: `read+decode time <= ${T.decodeVsTcpdump}x tcpdump (whole process, node startup included)`, value: fmt.ratio(rp), met: rp <= T.decodeVsTcpdump });
      targets.push({ what: `read+decode time <= ${T.decodeVsTcpdump}x tcpdump (in-process pass vs tcpdump process)`, value: fmt.ratio(ri), met: ri <= T.decodeVsTcpdump });
    }
  }
  for (const id of ['track', 'track-recycle']) {
    const t = by[id];
    if (!t?.in) continue;
    const how = id === 'track' ? '' : ', recycle';
    targets.push({ what: `read+decode+track${how} >= ${T.trackPps / 1e6} M packets/s (in-process)`, value: `${fmt.rate(t.ppsIn)}${t.inCpu ? ` (by CPU time: ${fmt.rate(t.ppsInCpu)})` : ''}`, met: t.ppsIn >= T.trackPps });
    targets.push({ what: `read+decode+track${how} peak RSS < ${T.trackRssMB} MB`, value: fmt.mb(t.peakRssKB), met: t.peakRssKB / 1024 < T.trackRssMB });
  }
  return { file, manifest, reps, cpu, jobs, targets };
}

export function readBenchRows(res) {
  const tcpdump = res.jobs.find((j) => j.id === 'tcpdump');
  return res.jobs.map((j) => {
    if (!j.wall) return [j.label, 'failed', '', '', '', '', '', '', '', '', j.failures[0] ?? ''];
    const vs = tcpdump?.wall ? fmt.ratio(j.wall.median / tcpdump.wall.median) : 'n/a';
    return [
      j.label,
      fmt.ms(j.wall.median),
      fmt.pct(j.wall.spread),
      j.cpu ? fmt.ms(j.cpu.median) : 'n/a',
      j.in ? fmt.ms(j.in.median) : '',
      j.in ? fmt.rate(j.ppsIn) : '',
      j.inCpu ? fmt.rate(j.ppsInCpu) : '',
      fmt.rate(j.ppsWall),
      fmt.mbs(j.mbsWall),
      fmt.mb(j.peakRssKB),
      vs,
    ];
  });
}

export const READ_HEAD = ['job', 'wall (median)', 'spread', 'CPU user+sys', 'in-process', 'pkts/s in-proc', 'pkts/s in-proc CPU', 'pkts/s wall', 'MB/s wall', 'peak RSS', 'wall vs tcpdump'];
export const READ_ALIGN = 'lrrrrrrrrrr';

export function trackDetails(res) {
  const t = res.jobs.find((j) => j.id === 'track');
  if (!t?.last) return null;
  const o = t.last;
  return `track: ${fmt.n(o.connections)} connections, peak live ${fmt.n(o.peakLive)}, evictions ${fmt.n(o.evictions)}, heap used at end ${o.heapUsedMB.toFixed(0)} MB`;
}
