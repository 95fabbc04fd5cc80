'use strict';
// The steps of src/cli/load-bundle.cts loadBundle, timed one by one in a fresh process (performance.now()):
// read cli.js, read its cache, load zlib, the two CRC-32s, cli.js as a string, vm.Script with the cache,
// its top level; `--engine` then the same steps of engine.js (what an action loads); `--js-crc` adds a table-driven CRC-32 in JavaScript over the same bytes (as a cold
// start would run it), `--no-cache` compiles without the cache. Run it as the bin starts node:
//
//   NODE_EXTRA_CA_CERTS= taskset -c 1 node --no-concurrent-recompilation scripts/bench/load-steps.cjs [DIST] [--engine] [--js-crc] [--no-cache]
const { existsSync, readFileSync } = require('node:fs');
const { join, resolve } = require('node:path');
const { pathToFileURL } = require('node:url');
const { Script } = require('node:vm');

const args = process.argv.slice(2);
const dir = join(resolve(args.find((a) => !a.startsWith('--')) ?? join(__dirname, '../../dist')), 'bundle');
const steps = [];
let t = performance.now();
const start = t;
const step = (name) => {
  const now = performance.now();
  steps.push(`${name} ${(now - t).toFixed(1)}`);
  t = now;
};
const source = readFileSync(join(dir, 'cli.js'));
step('read cli.js');
const cacheFile = readFileSync(join(dir, 'cli.cache'));
const data = cacheFile.subarray(12);
step('read cli.cache');
if (args.includes('--js-crc')) {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  const crc = (b) => {
    let c = -1;
    for (let i = 0; i < b.length; i++) c = table[(c ^ b[i]) & 255] ^ (c >>> 8);
    return (c ^ -1) >>> 0;
  };
  const ok = crc(data) === cacheFile.readUInt32BE(8) && crc(source) === cacheFile.readUInt32BE(4);
  step(`CRC-32s in JavaScript (${ok ? 'match' : 'DO NOT MATCH'})`);
}
const zlib = require('node:zlib');
step('load zlib');
const ok = zlib.crc32(data) === cacheFile.readUInt32BE(8) && zlib.crc32(source) === cacheFile.readUInt32BE(4);
step(`zlib's CRC-32s (${ok ? 'match' : 'DO NOT MATCH'})`);
const text = source.toString('latin1');
step('cli.js as a string');
const script = new Script(text, { filename: join(dir, 'cli.js'), cachedData: args.includes('--no-cache') ? undefined : data });
step(`vm.Script (cache ${args.includes('--no-cache') ? 'not given' : script.cachedDataRejected ? 'rejected' : 'used'})`);
const run = script.runInThisContext();
const mod = { exports: {} };
run(mod.exports, require, mod, join(dir, 'cli.js'), dir, pathToFileURL(join(dir, 'main.js')).href);
step("cli.js's top level");
// --engine: then engine.js's steps, as an action's first run loads it (load-bundle.cts loadEngine).
if (args.includes('--engine') && existsSync(join(dir, 'engine.js'))) {
  const engineSource = readFileSync(join(dir, 'engine.js'));
  step('read engine.js');
  const engineCache = readFileSync(join(dir, 'engine.cache'));
  const engineData = engineCache.subarray(12);
  step('read engine.cache');
  const engineOk = zlib.crc32(engineData) === engineCache.readUInt32BE(8) && zlib.crc32(engineSource) === engineCache.readUInt32BE(4);
  step(`its CRC-32s (${engineOk ? 'match' : 'DO NOT MATCH'})`);
  const engineText = engineSource.toString('latin1');
  step('engine.js as a string');
  const engineScript = new Script(engineText, { filename: join(dir, 'engine.js'), cachedData: args.includes('--no-cache') ? undefined : engineData });
  step(`vm.Script (cache ${args.includes('--no-cache') ? 'not given' : engineScript.cachedDataRejected ? 'rejected' : 'used'})`);
  const shared = mod.exports.__front ?? {};
  const engineRequire = Object.assign((id) => (id.startsWith('tcpdiag:front:') ? shared[id.slice('tcpdiag:front:'.length)] : require(id)), require);
  const engineMod = { exports: {} };
  engineScript.runInThisContext()(engineMod.exports, engineRequire, engineMod, join(dir, 'engine.js'), dir, pathToFileURL(join(dir, 'main.js')).href);
  step("engine.js's top level");
}
process.stdout.write(`node started ${start.toFixed(1)} ms before; ${steps.join(', ')} (ms)\n`);
