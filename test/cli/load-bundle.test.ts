// The start-up path of bin/tcpdiag.js: dist/bundle/cli.js, and engine.js when a command runs, compiled with
// the code caches the build made (src/cli/load-bundle.cts, scripts/bundle.mjs). A cache is used when it is
// whole and belongs to its script, this node and these V8 flags, and ignored otherwise, with the same output
// either way. No timing
// here: what the cache saves is measured by scripts/bench/ab.mjs (BENCHMARKS.md, session 10).
//
// Each case runs in a fresh node (V8 flags are process-wide, and the test worker sets some), started with
// the flags of bin/tcpdiag.js's #! line as a user's start is.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES, ROOT } from '../helpers/fixtures.js';

const BUNDLE = join(ROOT, 'dist/bundle');
const LOADER = join(ROOT, 'dist/cli/load-bundle.cjs');
// zlib.crc32 is node >= 20.15 (engines: >= 20); without it the build makes no cache and a start checks none.
const crc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;
const SHEBANG_FLAGS = (/^#!.*?\bnode\b(.*)$/.exec(readFileSync(join(ROOT, 'bin/tcpdiag.js'), 'utf8').split('\n', 1)[0]!)?.[1] ?? '').trim().split(/\s+/).filter(Boolean);

interface Start {
  cache: string;
  help: string;
}

/** In a fresh node: the bundle in `dir` loaded, and its `tcpdiag --help`. */
function start(dir: string, nodeFlags: string[] = []): Promise<Start> {
  const program = `
    const { Writable } = require('node:stream');
    const { cli, cache } = require(${JSON.stringify(LOADER)}).loadBundle(${JSON.stringify(dir)});
    let help = '';
    const stdout = new Writable({ write(c, e, done) { help += c; done(); } });
    cli.runCli(['node', 'tcpdiag', '--help'], { stdout }).then(() => process.stdout.write(JSON.stringify({ cache, help })));`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [...SHEBANG_FLAGS, ...nodeFlags, '-e', program], { encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as Start);
    });
  });
}

const work = mkdtempSync(join(tmpdir(), 'tcpdiag-load-bundle-'));
let copies = 0;
type Change = (b: Buffer) => Buffer | null;
/** A copy of dist/bundle's two scripts and their caches, each possibly changed (null: left out). */
function copy(change: { source?: Change; cache?: Change; engine?: Change; engineCache?: Change } = {}): string {
  const dir = join(work, String(copies++));
  mkdirSync(dir);
  const files: Array<[string, Change | undefined]> = [
    ['cli.js', change.source],
    ['cli.cache', change.cache],
    ['engine.js', change.engine],
    ['engine.cache', change.engineCache],
  ];
  for (const [name, edit] of files) {
    const bytes = (edit ?? ((b) => b))(readFileSync(join(BUNDLE, name)));
    if (bytes) writeFileSync(join(dir, name), bytes);
  }
  return dir;
}

/** The cache file's own header (12 bytes: magic, CRC-32 of cli.js, CRC-32 of the V8 data) made right for `data`. */
function withHeader(file: Buffer, data: Buffer): Buffer {
  const out = Buffer.concat([file.subarray(0, 12), data]);
  out.writeUInt32BE(crc32!(data), 8);
  return out;
}

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.skipIf(!crc32)('the code cache of dist/bundle/cli.js', () => {
  // Made by `npm run build` with node >= 20.15 (zlib.crc32 checks it); npm test builds first. Started on
  // first use: the describe's body runs even where it is skipped.
  let started: Promise<Start> | undefined;
  const reference = () => (started ??= start(BUNDLE));

  it('is made by the build and used by a start, which prints what a start without it prints', async () => {
    const used = await reference();
    expect(used.cache).toBe('used');
    expect(used.help).toMatch(/^Usage: tcpdiag \[options\] \[command\]\n/);
    const dir = copy({ cache: () => null });
    expect(await start(dir)).toEqual({ cache: 'none', help: used.help });
  });

  it('is ignored, and the program runs from source, when a byte of it is wrong, it is cut short, or it is not one', async () => {
    const { help } = await reference();
    const flipped = (b: Buffer) => {
      const c = Buffer.from(b);
      c[Math.floor(c.length / 2)]! ^= 0x55;
      return c;
    };
    // V8 itself takes a flipped byte in its data for bytecode (its checksum is checked in debug builds only).
    expect(await start(copy({ cache: flipped }))).toEqual({ cache: 'corrupt', help });
    expect(await start(copy({ cache: (b) => b.subarray(0, b.length - 1000) }))).toEqual({ cache: 'corrupt', help });
    expect(await start(copy({ cache: (b) => b.subarray(0, 10) }))).toEqual({ cache: 'corrupt', help });
    expect(await start(copy({ cache: () => Buffer.from('not a cache at all') }))).toEqual({ cache: 'corrupt', help });
  });

  it('is ignored when cli.js changed since, even to a text of the same length (V8 checks only the length)', async () => {
    const { help } = await reference();
    const upper = (b: Buffer) => Buffer.from(b.toString('latin1').replaceAll('display help for command', 'DISPLAY HELP FOR COMMAND'), 'latin1');
    const changed = await start(copy({ source: upper }));
    expect(changed.cache).toBe('stale');
    // The program that runs is the changed one: V8 given the old cache would have run the old text.
    expect(changed.help).toContain('DISPLAY HELP FOR COMMAND');
    expect(changed.help).toBe(help.replaceAll('display help for command', 'DISPLAY HELP FOR COMMAND'));
  });

  it('is rejected by V8 for another V8 (its version hash) or other V8 flags, and the program runs from source', async () => {
    const { help } = await reference();
    // The V8 data: magic, version hash, source hash, flags hash, ... (4 bytes each). Another V8 version:
    const otherV8 = (b: Buffer) => {
      const data = Buffer.from(b.subarray(12));
      data.writeUInt32LE((data.readUInt32LE(4) + 1) >>> 0, 4);
      return withHeader(b, data);
    };
    expect(await start(copy({ cache: otherV8 }))).toEqual({ cache: 'rejected', help });
    expect(await start(BUNDLE, ['--max-old-space-size=300'])).toEqual({ cache: 'rejected', help });
  });

  it('is not used by a node without zlib.crc32 (20.0-20.14), which runs the program from source', async () => {
    const { help } = await reference();
    const older = join(work, 'no-crc32.cjs');
    writeFileSync(older, "delete require('node:zlib').crc32;\n");
    expect(await start(BUNDLE, ['--require', older])).toEqual({ cache: 'unsupported', help });
  });
});

interface Run {
  cache: string;
  engine: string | null;
  stdout: string;
  stderr?: string;
  code?: number;
}

/** In a fresh node: the bundle in `dir` loaded, `tcpdiag ARGS` run, and what became of each script's cache. */
function run(dir: string, args: string[]): Promise<Run> {
  const program = `
    const { Writable } = require('node:stream');
    const b = require(${JSON.stringify(LOADER)}).loadBundle(${JSON.stringify(dir)});
    let stdout = '';
    let stderr = '';
    const sink = new Writable({ write(c, e, done) { stdout += c; done(); } });
    const errors = new Writable({ write(c, e, done) { stderr += c; done(); } });
    b.cli.runCli(['node', 'tcpdiag', ...${JSON.stringify(args)}], { stdout: sink, stderr: errors })
      .then((code) => process.stdout.write(JSON.stringify({ cache: b.cache, engine: b.engine.cache, stdout, ...(code === 0 ? {} : { stderr, code }) })));`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [...SHEBANG_FLAGS, '-e', program], { encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as Run);
    });
  });
}

describe.skipIf(!crc32)('the two scripts of the bundle: cli.js, and engine.js when a command runs', () => {
  const ANALYZE = ['analyze', '--format', 'json', '--fail-on', 'never', join(FIXTURES, 'public/get.pcap')];
  let analyzed: Promise<Run> | undefined;
  // In a copy (no package.json above it: the report's version is 0.0.0 in every run compared).
  const reference = () => (analyzed ??= run(copy(), ANALYZE));

  it('--help, a usage error and --version do not load engine.js; an analyze loads it, with its code cache', async () => {
    for (const args of [['--help'], ['analyze', '--no-such-option'], ['--version'], ['analyze', '--help']]) {
      expect((await run(BUNDLE, args)).engine, args.join(' ')).toBeNull();
    }
    const r = await reference();
    expect(r).toMatchObject({ cache: 'used', engine: 'used' });
    expect((JSON.parse(r.stdout) as { captures: Array<{ packets: number }> }).captures[0]!.packets).toBeGreaterThan(0);
  });

  it("engine.js's cache is ignored when it is missing, corrupt, or made for another engine.js of the same length", async () => {
    const { stdout } = await reference();
    expect(await run(copy({ engineCache: () => null }), ANALYZE)).toEqual({ cache: 'used', engine: 'none', stdout });
    const flipped = (b: Buffer) => {
      const c = Buffer.from(b);
      c[Math.floor(c.length / 2)]! ^= 0x55;
      return c;
    };
    expect(await run(copy({ engineCache: flipped }), ANALYZE)).toEqual({ cache: 'used', engine: 'corrupt', stdout });
    // The engine's text changed, its length not: the changed program runs, from source.
    const renamed = (b: Buffer) => Buffer.from(b.toString('latin1').replaceAll('"tcpdiag"', '"TCPDIAG"'), 'latin1');
    expect(renamed(readFileSync(join(BUNDLE, 'engine.js'))).equals(readFileSync(join(BUNDLE, 'engine.js')))).toBe(false);
    expect((await run(copy({ engine: renamed }), ANALYZE)).engine).toBe('stale');
  });

  it('an engine.js of another build than the cli.js running is not run: one line, exit 2', async () => {
    const other = (b: Buffer) => {
      const c = Buffer.from(b);
      expect(c.toString('latin1', 0, 16)).toBe('/*tcpdiag-build:');
      c.write('0000000000000000', 16, 'latin1');
      return c;
    };
    const r = await run(copy({ engine: other }), ANALYZE);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^tcpdiag analyze: \S+engine\.js is of another build than the cli\.js this process started with \(built again since it started\?\); run the command again\n$/);
    expect(r.engine).toBeNull();
  });

  it("engine.js takes what it shares with cli.js from cli.js: one output module (its state, OutputError's class)", () => {
    const engine = readFileSync(join(BUNDLE, 'engine.js'), 'latin1');
    const cli = readFileSync(join(BUNDLE, 'cli.js'), 'latin1');
    expect(engine).toContain('require("tcpdiag:front:dist/cli/output.js")');
    expect(engine).toContain('require("tcpdiag:front:dist/cli/command.js")');
    expect(cli).toMatch(/\bOutputError\b\s*=\s*class\b|class OutputError\b/);
    expect(engine).not.toMatch(/class OutputError\b|\bOutputError\s*=\s*class\b/);
    // cli.js does not hold the analysis: its tracker is engine.js's.
    expect(engine).toMatch(/class Tracker\b|\bTracker\s*=\s*class\b/);
    expect(cli).not.toMatch(/class Tracker\b|\bTracker\s*=\s*class\b/);
  });
});

describe('what bin/tcpdiag.js starts (startPath)', () => {
  const { startPath } = createRequire(import.meta.url)(LOADER) as { startPath: (root: string) => 'bundle' | 'modules' };
  let roots = 0;
  /** A package root with dist/bundle/cli.js and dist/cli/main.js stamped at these times (s), and src/ or not. */
  function root(files: { bundle?: number; main?: number; src?: boolean }): string {
    const dir = join(work, `root-${roots++}`);
    for (const [name, time] of [['dist/bundle/cli.js', files.bundle], ['dist/cli/main.js', files.main]] as const) {
      if (time === undefined) continue;
      mkdirSync(join(dir, name, '..'), { recursive: true });
      writeFileSync(join(dir, name), '');
      utimesSync(join(dir, name), time, time);
    }
    if (files.src) mkdirSync(join(dir, 'src'), { recursive: true });
    return dir;
  }

  it('in an installed package (no src/), the bundle whenever it is there, though npm stamped dist/cli later', () => {
    expect(startPath(root({ bundle: 1_000, main: 1_001 }))).toBe('bundle');
    expect(startPath(root({ bundle: 1_000, main: 1_000 }))).toBe('bundle');
    expect(startPath(root({ main: 1_000 }))).toBe('modules');
  });

  it('in a development checkout (src/), the compiled tree when tsc ran alone after the last bundle', () => {
    expect(startPath(root({ bundle: 1_000, main: 1_001, src: true }))).toBe('modules');
    expect(startPath(root({ bundle: 1_001, main: 1_000, src: true }))).toBe('bundle');
    expect(startPath(root({ bundle: 1_000, main: 1_000, src: true }))).toBe('bundle');
    expect(startPath(root({ main: 1_000, src: true }))).toBe('modules');
  });

  it('in this checkout, after the build npm test runs first: the bundle', () => {
    expect(startPath(ROOT)).toBe('bundle');
  });
});
