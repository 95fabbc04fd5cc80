// Shared pieces of the benchmark scripts: running a command with wall time
// and peak RSS, statistics, machine facts, table formatting.

import { spawn, spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, cpSync, existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, symlinkSync, unlinkSync, writeSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const TIME_BIN = '/usr/bin/time';

export function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

const tmp = mkdtempSync(join(tmpdir(), 'tcpdiag-bench-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
let seq = 0;
// Commands run in their own process group (for timeouts); pass Ctrl-C on to them.
const running = new Set();
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    for (const pid of running) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    process.exit(130);
  });
}

/**
 * Runs argv (no shell), stdout to /dev/null unless `stdout` is 'pipe' or a
 * file path, pinned to one CPU when `cpu` is a number (taskset), wrapped in
 * GNU time -v for the peak RSS. Resolves to { wallMs, maxRssKB, code,
 * signal, stdout, stderr, timedOut, cpuMs (user + sys, GNU time) }. wallMs is measured here, around the
 * whole process (startup included).
 */
export function measure(argv, { stdout = 'null', cpu = null, timeoutS = 900, env } = {}) {
  const haveTime = existsSync(TIME_BIN);
  const timeFile = join(tmp, `time-${seq++}.txt`);
  let full = argv;
  if (cpu !== null && which('taskset')) full = ['taskset', '-c', String(cpu), ...full];
  if (haveTime) full = [TIME_BIN, '-v', '-o', timeFile, ...full];
  let outFd = null;
  let outMode;
  if (stdout === 'null') {
    outFd = openSync('/dev/null', 'w');
    outMode = outFd;
  } else if (stdout === 'pipe') outMode = 'pipe';
  else {
    outFd = openSync(stdout, 'w');
    outMode = outFd;
  }
  return new Promise((res) => {
    const t0 = process.hrtime.bigint();
    // Own process group, so a timeout can end the command and not only GNU time.
    const child = spawn(full[0], full.slice(1), { stdio: ['ignore', outMode, 'pipe'], env: env ?? process.env, detached: true });
    running.add(child.pid);
    let out = '';
    let err = '';
    if (outMode === 'pipe') child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => {
      if (err.length < 1 << 20) err += d;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutS * 1000);
    child.on('close', (code, signal) => {
      running.delete(child.pid);
      clearTimeout(timer);
      const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
      if (outFd !== null) closeSync(outFd);
      let maxRssKB = null;
      let cpuMs = null;
      let exit = code;
      if (haveTime && existsSync(timeFile)) {
        const t = readFileSync(timeFile, 'utf8');
        const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(t);
        if (m) maxRssKB = Number(m[1]);
        const u = /User time \(seconds\): ([\d.]+)/.exec(t);
        const sy = /System time \(seconds\): ([\d.]+)/.exec(t);
        if (u && sy) cpuMs = (Number(u[1]) + Number(sy[1])) * 1000;
        const e = /Exit status: (\d+)/.exec(t);
        if (e) exit = Number(e[1]);
        if (/Command terminated by signal/.test(t)) exit = exit || 128;
        rmSync(timeFile, { force: true });
      }
      res({ wallMs, cpuMs, maxRssKB, code: exit, signal, stdout: out, stderr: err, timedOut });
    });
  });
}

/**
 * Copies bin/, dist/, schema/ and package.json to a temporary directory (node_modules linked), so a
 * whole run measures one build even when dist/ is rebuilt meanwhile. Returns the copy's root
 * (root/dist, root/bin/tcpdiag.js); removed at exit.
 */
export function snapshotBuild() {
  const root = join(tmp, 'build');
  mkdirSync(root, { recursive: true });
  for (const d of ['bin', 'dist', 'schema', 'package.json']) {
    if (existsSync(join(REPO, d))) cpSync(join(REPO, d), join(root, d), { recursive: true });
  }
  symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'));
  return root;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return NaN;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/** median, min, max, and spread = (max - min) / median. */
export function summary(xs) {
  const med = median(xs);
  const min = Math.min(...xs);
  const max = Math.max(...xs);
  return { median: med, min, max, spread: med > 0 ? (max - min) / med : 0, n: xs.length };
}

export function machine() {
  const cpuModel = (() => {
    try {
      const m = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'));
      return m ? m[1].trim() : cpus()[0]?.model ?? 'unknown';
    } catch {
      return cpus()[0]?.model ?? 'unknown';
    }
  })();
  const sh = (c) => {
    const r = spawnSync('sh', ['-c', c], { encoding: 'utf8' });
    return r.status === 0 ? (r.stdout || r.stderr).trim() : null;
  };
  return {
    nproc: Number(sh('nproc') ?? cpus().length),
    memGiB: totalmem() / 2 ** 30,
    cpuModel,
    kernel: sh('uname -sr'),
    node: process.version,
    date: new Date().toISOString(),
    loadavg: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
    git: sh(`git -C ${REPO} rev-parse --short HEAD`),
    distBuilt: existsSync(join(REPO, 'dist', 'track', 'run.js')) ? statSync(join(REPO, 'dist', 'track', 'run.js')).mtime.toISOString().slice(0, 19).replace('T', ' ') + ' UTC' : 'missing',
    gitDirty: (sh(`git -C ${REPO} status --porcelain -- src`) ?? '') !== '',
  };
}

export function toolVersions() {
  const v = (cmd, args, re) => {
    const path = which(cmd);
    if (!path) return null;
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    const text = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
    const m = re.exec(text);
    return m ? m[0].trim() : 'installed';
  };
  return {
    tcpdump: v('tcpdump', ['--version'], /tcpdump version \S+/),
    libpcap: v('tcpdump', ['--version'], /libpcap version \S+/),
    tshark: v('tshark', ['--version'], /TShark \(Wireshark\) \S+/),
    tcptrace: v('tcptrace', ['-v'], /version \S+/),
  };
}

/** Markdown table; `align` is a string of l/r per column. */
export function mdTable(head, rows, align) {
  const a = align ?? head.map(() => 'l').join('');
  const sep = [...a].map((c) => (c === 'r' ? '---:' : '---'));
  return [head, sep, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

/** Plain-text table for the terminal. */
export function textTable(head, rows, align) {
  const a = align ?? head.map(() => 'l').join('');
  const w = head.map((h, i) => Math.max(String(h).length, ...rows.map((r) => String(r[i]).length)));
  const fmt = (r) => r.map((c, i) => (a[i] === 'r' ? String(c).padStart(w[i]) : String(c).padEnd(w[i]))).join('  ');
  return [fmt(head), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(fmt)].join('\n');
}

export const fmt = {
  ms: (x) => (x >= 10000 ? `${(x / 1000).toFixed(1)} s` : x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(0)} ms`),
  rate: (pps) => (pps >= 1e6 ? `${(pps / 1e6).toFixed(2)} M/s` : `${(pps / 1e3).toFixed(0)} k/s`),
  mbs: (bps) => `${(bps / 1e6).toFixed(0)} MB/s`,
  mb: (kb) => (kb === null || kb === undefined ? 'n/a' : `${(kb / 1024).toFixed(0)} MB`),
  pct: (x) => `${(x * 100).toFixed(1)}%`,
  ratio: (x) => (Number.isFinite(x) ? `${x.toFixed(2)}x` : 'n/a'),
  n: (x) => x.toLocaleString('en-US'),
};

/** Command-line options: --name value or --flag. */
export function parseOptions(argv, spec) {
  const o = {};
  for (const [k, d] of Object.entries(spec)) o[k] = d.default;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') {
      o.help = true;
      continue;
    }
    const name = a.replace(/^--/, '').replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());
    const d = spec[name];
    if (!a.startsWith('--') || !d) throw new Error(`unknown option ${a}`);
    if (d.type === 'flag') o[name] = true;
    else {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      const v = argv[++i];
      if (d.type === 'number' && (v.trim() === '' || !Number.isFinite(Number(v)))) throw new Error(`${a}: not a number: ${v}`);
      o[name] = d.type === 'number' ? Number(v) : d.type === 'list' ? v.split(',').map((x) => x.trim()).filter(Boolean) : v;
    }
  }
  return o;
}

/**
 * The options of a script's command line (`parseOptions`): a bad one ends the
 * script with its message and the usage (exit 2), --help with the usage (exit 0).
 */
export function commandLine(name, spec, argv = process.argv.slice(2)) {
  let o;
  try {
    o = parseOptions(argv, spec);
  } catch (e) {
    console.error(`${e.message}\n${usage(name, spec)}`);
    process.exit(2);
  }
  if (o.help) {
    console.log(usage(name, spec));
    process.exit(0);
  }
  return o;
}

export function usage(name, spec) {
  const lines = Object.entries(spec).map(([k, d]) => {
    const flag = '--' + k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase()).replace(/([a-z])(\d)/g, '$1-$2');
    return `  ${(flag + (d.type === 'flag' ? '' : ' ' + (d.type === 'list' ? 'a,b' : 'X'))).padEnd(28)} ${d.help}${d.default !== undefined && d.type !== 'flag' ? ` (default ${Array.isArray(d.default) ? d.default.join(',') : d.default})` : ''}`;
  });
  return `usage: ${name} [options]\n${lines.join('\n')}`;
}

/**
 * The command a bin's shebang runs, to put before the bin: a shell running `bin args` runs
 * `/usr/bin/env -S '<the rest of the #! line>' bin args`, and so do the benchmarks (node from PATH, its
 * flags, and the environment the line sets: tcpdiag's empties NODE_EXTRA_CA_CERTS, see README). A line
 * without `env -S` gives process.execPath with the flags after `node`.
 */
export function shebangNode(bin) {
  const first = readFileSync(bin, 'utf8').split('\n', 1)[0];
  const viaEnv = /^#!\s*(\S*\/env)\s+-S\s+(.*\S)\s*$/.exec(first);
  if (viaEnv) return [viaEnv[1], '-S', viaEnv[2]];
  const m = /^#!.*?\bnode\b(.*)$/.exec(first);
  return [process.execPath, ...(m ? m[1].trim().split(/\s+/).filter(Boolean) : [])];
}

/**
 * A second path to the same capture bytes, for runs that analyze two captures (--jobs): a hard link (a copy
 * across file systems). Not a symbolic link: analyze reads a capture given twice only once, and it knows a
 * symbolic link for the file it names (realpath), so a symlinked twin measured one capture, not two (it did
 * from session 11's capture-paths change until session 12).
 */
export function captureTwin(file, twin) {
  const there = lstatSync(twin, { throwIfNoEntry: false });
  if (there && !there.isSymbolicLink() && there.ino === statSync(file).ino) return twin;
  if (there) unlinkSync(twin);
  try {
    linkSync(file, twin);
  } catch (e) {
    if (e.code !== 'EXDEV') throw e;
    copyFileSync(file, twin);
  }
  return twin;
}

/**
 * The classic pcap `src`'s global header and its first `n` records, in `dir`/first-N.pcap; the path and the
 * records written (fewer than `n` when the file holds fewer). For runs under valgrind, where the 2 M file is slow.
 */
export function pcapPrefix(src, n, dir) {
  const out = join(dir, `first-${n}.pcap`);
  const fi = openSync(src, 'r');
  const fo = openSync(out, 'w');
  const head = Buffer.alloc(24);
  readSync(fi, head, 0, 24, 0);
  if (head.readUInt32LE(0) !== 0xa1b2c3d4) throw new Error(`${src}: only a little-endian microsecond pcap is cut here`);
  writeSync(fo, head);
  let pos = 24;
  const rec = Buffer.alloc(16);
  let body = Buffer.alloc(65536);
  let i = 0;
  for (; i < n && readSync(fi, rec, 0, 16, pos) === 16; i++) {
    const len = rec.readUInt32LE(8);
    if (len > body.length) body = Buffer.alloc(len);
    readSync(fi, body, 0, len, pos + 16);
    writeSync(fo, rec);
    writeSync(fo, body, 0, len);
    pos += 16 + len;
  }
  closeSync(fi);
  closeSync(fo);
  return { path: out, packets: i };
}

/** The records of a classic pcap, counted from their headers. */
export function pcapRecordCount(src) {
  const fi = openSync(src, 'r');
  const rec = Buffer.alloc(16);
  let pos = 24;
  let k = 0;
  for (; readSync(fi, rec, 0, 16, pos) === 16; k++) pos += 16 + rec.readUInt32LE(8);
  closeSync(fi);
  return k;
}
