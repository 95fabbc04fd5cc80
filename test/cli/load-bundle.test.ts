// The start-up path of bin/tcpdiag.js: dist/bundle/cli.js compiled with the code cache the build made
// (src/cli/load-bundle.cts, scripts/bundle.mjs). The cache is used when it is whole and belongs to this
// cli.js, this node and these V8 flags, and ignored otherwise, with the same output either way. No timing
// here: what the cache saves is measured by scripts/bench/ab.mjs (BENCHMARKS.md, session 10).
//
// Each case runs in a fresh node (V8 flags are process-wide, and the test worker sets some), started with
// the flags of bin/tcpdiag.js's #! line as a user's start is.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/fixtures.js';

const BUNDLE = join(ROOT, 'dist/bundle');
const LOADER = join(ROOT, 'dist/cli/load-bundle.cjs');
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
/** A copy of dist/bundle's cli.js and cli.cache, each possibly changed. */
function copy(change: { source?: (b: Buffer) => Buffer; cache?: (b: Buffer) => Buffer | null } = {}): string {
  const dir = join(work, String(copies++));
  mkdirSync(dir);
  writeFileSync(join(dir, 'cli.js'), (change.source ?? ((b) => b))(readFileSync(join(BUNDLE, 'cli.js'))));
  const cache = (change.cache ?? ((b) => b))(readFileSync(join(BUNDLE, 'cli.cache')));
  if (cache) writeFileSync(join(dir, 'cli.cache'), cache);
  return dir;
}

/** The cache file's own header (12 bytes: magic, CRC-32 of cli.js, CRC-32 of the V8 data) made right for `data`. */
function withHeader(file: Buffer, data: Buffer): Buffer {
  const out = Buffer.concat([file.subarray(0, 12), data]);
  out.writeUInt32BE(crc32(data), 8);
  return out;
}

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the code cache of dist/bundle/cli.js', () => {
  // Made by `npm run build` with node >= 20.15 (zlib.crc32 checks it); npm test builds first.
  const reference = start(BUNDLE);

  it('is made by the build and used by a start, which prints what a start without it prints', async () => {
    const used = await reference;
    expect(used.cache).toBe('used');
    expect(used.help).toMatch(/^Usage: tcpdiag \[options\] \[command\]\n/);
    const dir = copy({ cache: () => null });
    expect(await start(dir)).toEqual({ cache: 'none', help: used.help });
  });

  it('is ignored, and the program runs from source, when a byte of it is wrong, it is cut short, or it is not one', async () => {
    const { help } = await reference;
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
    const { help } = await reference;
    const upper = (b: Buffer) => Buffer.from(b.toString('latin1').replaceAll('display help for command', 'DISPLAY HELP FOR COMMAND'), 'latin1');
    const changed = await start(copy({ source: upper }));
    expect(changed.cache).toBe('stale');
    // The program that runs is the changed one: V8 given the old cache would have run the old text.
    expect(changed.help).toContain('DISPLAY HELP FOR COMMAND');
    expect(changed.help).toBe(help.replaceAll('display help for command', 'DISPLAY HELP FOR COMMAND'));
  });

  it('is rejected by V8 for another V8 (its version hash) or other V8 flags, and the program runs from source', async () => {
    const { help } = await reference;
    // The V8 data: magic, version hash, source hash, flags hash, ... (4 bytes each). Another V8 version:
    const otherV8 = (b: Buffer) => {
      const data = Buffer.from(b.subarray(12));
      data.writeUInt32LE((data.readUInt32LE(4) + 1) >>> 0, 4);
      return withHeader(b, data);
    };
    expect(await start(copy({ cache: otherV8 }))).toEqual({ cache: 'rejected', help });
    expect(await start(BUNDLE, ['--max-old-space-size=300'])).toEqual({ cache: 'rejected', help });
  });
});
