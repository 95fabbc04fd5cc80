// Loads the CLI from the one-file bundle of `npm run build` (scripts/bundle.mjs), with the V8 code cache the
// build made for it. CommonJS (.cts -> dist/cli/load-bundle.cjs), as bin/tcpdiag.js is, so that a start goes
// through no ES-module loading at all.
//
// dist/bundle/cli.js is the whole program as one function expression,
//   (function (exports, require, module, __filename, __dirname, __tcpdiagUrl) { ... })
// compiled here with vm.Script. Compiling it (parsing ~540 KB and the functions a run calls) is most of what
// the start-up costs above node's own; the code cache is V8's bytecode of those functions, made by the build
// after a `--help` and an `analyze` of a small capture, so that a run deserializes them instead.
//
// dist/bundle/cli.cache: "TDC1", the CRC-32 of cli.js, the CRC-32 of the V8 data (big-endian), the V8 data.
// V8 checks its own data's version (node/V8 build), flags and source length, but not its bytes (its checksum
// is verified in debug builds only: a flipped byte is accepted as bytecode) nor the source's content; the two
// CRCs are what make a corrupt cache, or one left from another cli.js, ignored. Whatever is wrong with the
// cache, the program compiles from source as if there were none. Nothing is ever written here at run time.

import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Script } from 'node:vm';

type Cli = typeof import('./main.js', { with: { 'resolution-mode': 'import' } });

const SCRIPT = 'cli.js';
export const CACHE = 'cli.cache';
const MAGIC = 'TDC1';
const HEADER = 12;

/**
 * What became of the code cache: used; none (no file); unsupported (this node has no zlib.crc32 to check
 * it with); corrupt (a short file, another magic, or its CRC does not match its data); stale (made for
 * another cli.js); rejected (V8's own check failed: another node or V8, other V8 flags).
 */
export type CacheUse = 'used' | 'none' | 'unsupported' | 'corrupt' | 'stale' | 'rejected';

export interface LoadedBundle {
  cli: Cli;
  cache: CacheUse;
  /** The compiled script: the build asks it for its code cache after a run (scripts/bundle.mjs). */
  script: Script;
}

export interface LoadOptions {
  /** false: compile from source, ignoring the cache (the build does, to make a new one). */
  useCache?: boolean;
  /** The `require` the bundle's code gets; the bundle requires only node's built-ins (scripts/bundle.mjs checks). */
  require?: NodeJS.Require;
}

type Crc32 = (data: Uint8Array, value?: number) => number;

/** zlib.crc32 (node >= 20.15), or null. zlib is loaded only when a cache is there to check. */
function crc32(): Crc32 | null {
  const zlib = require('node:zlib') as { crc32?: Crc32 };
  return typeof zlib.crc32 === 'function' ? zlib.crc32 : null;
}

/** The V8 data of `file` if it is whole and belongs to `source`; otherwise why not. */
function readCache(file: string, source: Uint8Array): { data: Buffer } | { why: Exclude<CacheUse, 'used' | 'rejected'> } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return { why: 'none' };
  }
  const crc = crc32();
  if (!crc) return { why: 'unsupported' };
  if (bytes.length <= HEADER || bytes.toString('latin1', 0, 4) !== MAGIC) return { why: 'corrupt' };
  const data = bytes.subarray(HEADER);
  if (crc(data) !== bytes.readUInt32BE(8)) return { why: 'corrupt' };
  if (crc(source) !== bytes.readUInt32BE(4)) return { why: 'stale' };
  return { data };
}

/** The cache file's bytes for V8 data made from `source`. */
export function cacheFile(source: Uint8Array, data: Uint8Array): Buffer {
  const crc = crc32();
  if (!crc) throw new Error('zlib.crc32 is missing (node >= 20.15 has it): no code cache can be made');
  const header = Buffer.alloc(HEADER);
  header.write(MAGIC, 0, 'latin1');
  header.writeUInt32BE(crc(source), 4);
  header.writeUInt32BE(crc(data), 8);
  return Buffer.concat([header, data]);
}

/**
 * What bin/tcpdiag.js starts in the package at `root` (bin/..): 'bundle', dist/bundle/cli.js (with its code
 * cache), or 'modules', the compiled tree dist/cli/main.js and its ~90 ES modules.
 *
 * An installed package (no src/ beside bin/): the bundle whenever it is there. Its files' times say nothing:
 * npm stamps each file as it extracts it, and dist/bundle/ comes before dist/cli/ in the tarball, so
 * dist/cli/main.js is always the newer. A development checkout (src/ beside bin/): the bundle unless it is
 * older than dist/cli/main.js, which means `tsc` ran alone since the last `npm run build`.
 */
export function startPath(root: string): 'bundle' | 'modules' {
  const mtime = (p: string) => statSync(join(root, p), { throwIfNoEntry: false })?.mtimeMs ?? -1;
  const bundle = mtime('dist/bundle/cli.js');
  if (bundle < 0) return 'modules';
  if (mtime('src') < 0) return 'bundle';
  return bundle >= mtime('dist/cli/main.js') ? 'bundle' : 'modules';
}

/** The CLI of the bundle in `dir` (dist/bundle), and whether its code cache was used. */
export function loadBundle(dir: string, opts: LoadOptions = {}): LoadedBundle {
  const file = join(dir, SCRIPT);
  const source = readFileSync(file);
  let cache: CacheUse = 'none';
  let cachedData: Buffer | undefined;
  if (opts.useCache !== false) {
    const c = readCache(join(dir, CACHE), source);
    if ('data' in c) cachedData = c.data;
    else cache = c.why;
  }
  // The build checks that cli.js is ASCII, so latin1 reads it as UTF-8 would, a little faster.
  const script = new Script(source.toString('latin1'), { filename: file, cachedData });
  if (cachedData) cache = script.cachedDataRejected ? 'rejected' : 'used';
  const run = script.runInThisContext() as (
    exports: object,
    require: NodeJS.Require,
    module: { exports: object },
    filename: string,
    dirname: string,
    url: string,
  ) => void;
  const module = { exports: {} };
  // import.meta.url of the sources becomes the URL of dist/bundle/main.js: their paths relative to it
  // (../../package.json, ./capture-worker.js) hold as in the ES-module bundle.
  run(module.exports, opts.require ?? require, module, file, dir, pathToFileURL(join(dir, 'main.js')).href);
  return { cli: module.exports as Cli, cache, script };
}
