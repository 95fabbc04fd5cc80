// Loads the CLI from the bundle of `npm run build` (scripts/bundle.mjs), with the V8 code caches the build
// made for it. CommonJS (.cts -> dist/cli/load-bundle.cjs), as bin/tcpdiag.js is, so that a start goes
// through no ES-module loading at all.
//
// The bundle is two scripts, each a function expression
//   (function (exports, require, module, __filename, __dirname, __tcpdiagUrl) { ... })
// compiled here with vm.Script:
//   dist/bundle/cli.js     the commands' definitions (commander, their options and help), the output and what
//                          else the commands share: all that `--help`, `--version` or a usage error runs;
//   dist/bundle/engine.js  what the commands run (cli/engine.ts: analyze-run.ts, flows-run.ts, ...), loaded
//                          when an action first require()s "tcpdiag:engine". Its imports of the modules cli.js
//                          holds are require()s of "tcpdiag:front:PATH", answered with cli.js's own modules
//                          (its __front export), so that output.ts's state and classes exist once.
// Compiling a script (parsing it and the functions a run calls) is most of what the start-up costs above
// node's own; the code cache is V8's bytecode of those functions, made by the build after a `--help` and an
// `analyze` of a small capture, so that a run deserializes them instead. V8 deserializes a cache whole: one
// script for everything made `--help` pay for the analysis's (BENCHMARKS.md, session 20).
//
// dist/bundle/NAME.cache: "TDC1", the CRC-32 of NAME.js, the CRC-32 of the V8 data (big-endian), the V8 data.
// V8 checks its own data's version (node/V8 build), flags and source length, but not its bytes (its checksum
// is verified in debug builds only: a flipped byte is accepted as bytecode) nor the source's content; the two
// CRCs are what make a corrupt cache, or one left from another script, ignored. Whatever is wrong with a
// cache, its script compiles from source as if there were none. Nothing is ever written here at run time.

import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Script } from 'node:vm';

type Cli = typeof import('./main.js', { with: { 'resolution-mode': 'import' } });

const SCRIPT = 'cli.js';
export const CACHE = 'cli.cache';
const ENGINE_SCRIPT = 'engine.js';
export const ENGINE_CACHE = 'engine.cache';
/** What cli.js require()s for the engine, and the prefix of engine.js's require()s of cli.js's modules. */
export const ENGINE_ID = 'tcpdiag:engine';
export const FRONT_PREFIX = 'tcpdiag:front:';
const MAGIC = 'TDC1';
const HEADER = 12;

/**
 * What became of the code cache: used; none (no file); unsupported (this node has no zlib.crc32 to check
 * it with); corrupt (a short file, another magic, or its CRC does not match its data); stale (made for
 * another text of its script); rejected (V8's own check failed: another node or V8, other V8 flags).
 */
export type CacheUse = 'used' | 'none' | 'unsupported' | 'corrupt' | 'stale' | 'rejected';

export interface LoadedBundle {
  cli: Cli;
  /** The code cache of cli.js. */
  cache: CacheUse;
  /** The compiled cli.js: the build asks it for its code cache after a run (scripts/bundle.mjs). */
  script: Script;
  /** engine.js: loaded by the first action that runs, or by loadEngine(). */
  engine: LoadedEngine;
  loadEngine(): object;
}

export interface LoadedEngine {
  /** The code cache of engine.js; null until it is loaded. */
  cache: CacheUse | null;
  script: Script | null;
}

export interface LoadOptions {
  /** false: compile from source, ignoring the cache (the build does, to make a new one). */
  useCache?: boolean;
  /** The `require` the bundle's code gets; the bundle requires only node's built-ins (scripts/bundle.mjs checks). */
  require?: NodeJS.Require;
  /** Told what became of engine.js's code cache when it loads (bin/tcpdiag.js's TCPDIAG_TRACE_LOAD). */
  onEngine?: (cache: CacheUse) => void;
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

type BundleFunction = (exports: object, require: NodeJS.Require, module: { exports: object }, filename: string, dirname: string, url: string) => void;

/** The build id scripts/bundle.mjs writes before each script (`/*tcpdiag-build:ID*\/`), or null. */
function buildIdOf(source: Buffer): string | null {
  return /^\/\*tcpdiag-build:([0-9a-f]+)\*\//.exec(source.toString('latin1', 0, 64))?.[1] ?? null;
}

/**
 * The script `name` of `dir` compiled (with its cache unless told not to) and run; its exports and what
 * became of the cache. `build`: the id the script must carry (engine.js, cli.js's), checked before it runs.
 */
function runScript(
  dir: string,
  name: string,
  cacheName: string,
  useCache: boolean,
  require: NodeJS.Require,
  build?: string | null,
): { exports: object; cache: CacheUse; script: Script; build: string | null } {
  const file = join(dir, name);
  const source = readFileSync(file);
  const id = buildIdOf(source);
  if (build !== undefined && id !== build) {
    throw new Error(`${file} is of another build than the cli.js this process started with (built again since it started?); run the command again`);
  }
  let cache: CacheUse = 'none';
  let cachedData: Buffer | undefined;
  if (useCache) {
    const c = readCache(join(dir, cacheName), source);
    if ('data' in c) cachedData = c.data;
    else cache = c.why;
  }
  // The build checks that the scripts are ASCII, so latin1 reads them as UTF-8 would, a little faster.
  const script = new Script(source.toString('latin1'), { filename: file, cachedData });
  if (cachedData) cache = script.cachedDataRejected ? 'rejected' : 'used';
  const run = script.runInThisContext() as BundleFunction;
  const module = { exports: {} };
  // import.meta.url of the sources becomes the URL of dist/bundle/main.js: their paths relative to it
  // (../../package.json, ./capture-worker.js) hold as in the ES-module bundle.
  run(module.exports, require, module, file, dir, pathToFileURL(join(dir, 'main.js')).href);
  return { exports: module.exports, cache, script, build: id };
}

/** The CLI of the bundle in `dir` (dist/bundle), and whether its code cache was used. */
export function loadBundle(dir: string, opts: LoadOptions = {}): LoadedBundle {
  const useCache = opts.useCache !== false;
  const base = opts.require ?? require;
  let engineExports: object | null = null;
  const engine: LoadedEngine = { cache: null, script: null };
  const loadEngine = (): object => {
    if (engineExports) return engineExports;
    const shared = (front.exports as { __front?: Record<string, object> }).__front ?? {};
    const engineRequire = Object.assign((id: string): unknown => {
      if (!id.startsWith(FRONT_PREFIX)) return base(id);
      const m = shared[id.slice(FRONT_PREFIX.length)];
      if (!m) throw new Error(`tcpdiag: the bundle's engine.js needs ${id}, which cli.js does not give (a build out of step?)`);
      return m;
    }, base);
    const loaded = runScript(dir, ENGINE_SCRIPT, ENGINE_CACHE, useCache, engineRequire as NodeJS.Require, front.build);
    engine.cache = loaded.cache;
    engine.script = loaded.script;
    opts.onEngine?.(loaded.cache);
    return (engineExports = loaded.exports);
  };
  const frontRequire = Object.assign((id: string): unknown => (id === ENGINE_ID ? loadEngine() : base(id)), base);
  const front = runScript(dir, SCRIPT, CACHE, useCache, frontRequire as NodeJS.Require);
  return { cli: front.exports as Cli, cache: front.cache, script: front.script, engine, loadEngine };
}
