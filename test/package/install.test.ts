// The package as a user gets it: `npm pack`, the tarball installed into an empty folder (the README's
// install path without a clone), and the installed `tcpdiag` run on fixtures, outside the repository.
// Slow (the install fetches commander, chalk and lru-cache from the registry or npm's cache): in `npm run
// test:all` only (vitest.config.ts). The pack takes dist/ as the build before the tests left it
// (--ignore-scripts): run as npm runs it, `prepare` rebuilt dist/ in place while the other test files read
// it, and a test importing dist/ in that moment found a module half written (CI, session 17). `prepare`
// itself runs in CI's fresh clone (`npm ci`).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES, labCapture, ROOT } from '../helpers/fixtures.js';

// Without the npm_* variables of an enclosing `npm test`, which would configure the inner npm too.
const ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));

/** Runs a command without blocking the test worker (vitest's RPC times out under a long spawnSync). */
function exec(file: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: opts.cwd, env: opts.env ?? ENV, encoding: 'utf8', timeout: 180_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

async function npm(args: string[], cwd: string): Promise<string> {
  const r = await exec('npm', args, { cwd });
  if (r.code !== 0) throw new Error(`npm ${args.join(' ')} (in ${cwd}) exited ${r.code}:\n${r.stderr}`);
  return r.stdout;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [relative(ROOT, p)];
  });
}

describe('npm pack, installed into an empty folder', () => {
  const work = mkdtempSync(join(tmpdir(), 'tcpdiag-pack-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('ships what the runtime needs and nothing of the repository besides', async () => {
    const packed = JSON.parse(await npm(['pack', '--json', '--ignore-scripts', '--pack-destination', work], ROOT)) as { filename: string; files: { path: string }[] }[];
    const files = packed[0]!.files.map((f) => f.path);
    for (const f of ['package.json', 'README.md', 'bin/tcpdiag.js', 'dist/cli/main.js', 'dist/cli/capture-worker.js', 'schema/report.schema.json', 'schema/flow.schema.json']) {
      expect(files, f).toContain(f);
    }
    // docs/ travels with the tool: `explain`, `queues` and `host` cite it.
    if (existsSync(join(ROOT, 'docs'))) for (const f of filesUnder(join(ROOT, 'docs'))) expect(files, f).toContain(f);
    expect(files.filter((f) => /^(src|test|fixtures|scripts|\.ci)\//.test(f))).toEqual([]);
    expect(existsSync(join(work, packed[0]!.filename))).toBe(true);
  }, 120_000);

  it('installs from the tarball alone and diagnoses a capture', async () => {
    const tgz = readdirSync(work).find((n) => n.endsWith('.tgz'));
    expect(tgz, 'the tarball of the first test').toBeDefined();
    const app = join(work, 'app');
    mkdirSync(app);
    await npm(['install', '--no-audit', '--no-fund', '--prefer-offline', join(work, tgz!)], app);
    const bin = join(app, 'node_modules', '.bin', 'tcpdiag');
    expect(existsSync(bin)).toBe(true);
    // A plain capture and a gzipped one, by absolute path, from a folder that is not the repository.
    const overflow = `${FIXTURES}lab/accept-overflow-abort0-server.pcap`;
    const refused = labCapture('refused', 'server.pcap');
    const r = await exec(bin, ['analyze', overflow, refused], { cwd: app, env: { ...ENV, NO_COLOR: '1' } });
    expect(r.stderr).toBe('');
    expect(r.code, 'exit 1: an error-level finding').toBe(1);
    // Two captures: each finding line names the capture it came from.
    expect(r.stdout).toMatch(/^ERROR\s+accept-queue-overflow\s+198\.18\.0\.3:8080\s+24 connections\s+in \S*accept-overflow-abort0-server\.pcap$/m);
    expect(r.stdout).toMatch(/dropped segments \(≈ TcpExtListenOverflows\)\s+163$/m);
    expect(r.stdout).toMatch(/^WARNING\s+connection-refused\s+198\.18\.0\.3:9\s+20 connections\s+in \S*refused\/server\.pcap\.gz$/m);
    const v = await exec(bin, ['--version'], { cwd: app });
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  }, 240_000);

  it('starts the installed bundle with its code cache, though npm stamped dist/cli/ after dist/bundle/', async () => {
    const app = join(work, 'app');
    const bin = join(app, 'node_modules', '.bin', 'tcpdiag');
    expect(existsSync(bin), 'the install of the test before').toBe(true);
    // Started through its #! line (npm's bin link), as a user starts it; the cache was made at build time
    // in another folder, by the node that runs these tests.
    const r = await exec(bin, ['--help'], { cwd: app, env: { ...ENV, TCPDIAG_TRACE_LOAD: '1' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: tcpdiag \[options\] \[command\]\n/);
    expect(r.stderr).toBe('tcpdiag: start: bundle dist/bundle/cli.js, code cache used\n');
    // A command loads the second script, what the commands run, with its own cache.
    const a = await exec(bin, ['analyze', '--format', 'json', '--fail-on', 'never', `${FIXTURES}public/get.pcap`], { cwd: app, env: { ...ENV, TCPDIAG_TRACE_LOAD: '1' } });
    expect(a.code).toBe(0);
    expect(a.stderr).toBe('tcpdiag: start: bundle dist/bundle/cli.js, code cache used\ntcpdiag: start: engine dist/bundle/engine.js, code cache used\n');
  }, 60_000);
});

