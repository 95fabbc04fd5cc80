#!/usr/bin/env node
// Makes dist/bundle/cli.cache and engine.cache, V8's code caches for dist/bundle/cli.js and engine.js: run
// by scripts/bundle.mjs in a node started with bin/tcpdiag.js's flags. The two are compiled from source and
// run in this process as a user would run them (`tcpdiag --help`, `tcpdiag analyze --format json` and the text report of a small capture,
// output discarded); the cache then holds the bytecode of every function those runs compiled, which a later
// start deserializes instead of compiling.
//
//   node [flags] scripts/bundle-cache.mjs DIST_BUNDLE_DIR
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = process.argv[2];
const require = createRequire(import.meta.url);
const { loadBundle, cacheFile, CACHE, ENGINE_CACHE } = require(join(root, 'dist/cli/load-bundle.cjs'));

// V8 writes its flags into the cache and rejects it under others. An analyze sets three at run time
// (run-capture.ts favourMemory: --optimize-for-size, --expose-gc, --semi-space-growth-factor); a start has not set them
// when it reads the cache, so here they are not set.
const v8 = require('node:v8');
const quietV8 = { ...v8, setFlagsFromString() {} };
const bundleRequire = Object.assign((id) => (id === 'node:v8' || id === 'v8' ? quietV8 : require(id)), require);

const { cli, script, engine, loadEngine } = loadBundle(dir, { useCache: false, require: bundleRequire });
const sink = () => new Writable({ write: (_chunk, _encoding, done) => done() });
const small = join(root, 'fixtures/public/get.pcap');
const runs = [['--help'], ...(existsSync(small) ? [['analyze', '--format', 'json', small], ['analyze', small]] : [])];
for (const args of runs) await cli.runCli(['node', 'tcpdiag', ...args], { stdout: sink(), stderr: sink(), env: { ...process.env, NO_COLOR: '1' } });

const { readFileSync } = require('node:fs');
// An install without the small capture still gets the engine's cache, of what loading it runs.
loadEngine();
for (const [name, cache, compiled] of [['cli.js', CACHE, script], ['engine.js', ENGINE_CACHE, engine.script]]) {
  const bytes = cacheFile(readFileSync(join(dir, name)), compiled.createCachedData());
  const tmp = join(dir, `${cache}.${process.pid}.tmp`);
  writeFileSync(tmp, bytes);
  renameSync(tmp, join(dir, cache));
}
