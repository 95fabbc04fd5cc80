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
/** A script's steps, as loadBundle takes them; `beforeCrc` runs (and is timed) between reading and the CRCs. */
function load(name, cacheName, require, beforeCrc) {
  const source = readFileSync(join(dir, name));
  step(`read ${name}`);
  const cacheFile = readFileSync(join(dir, cacheName));
  const data = cacheFile.subarray(12);
  step(`read ${cacheName}`);
  const crc = beforeCrc(source, cacheFile, data);
  const ok = crc(data) === cacheFile.readUInt32BE(8) && crc(source) === cacheFile.readUInt32BE(4);
  step(`its CRC-32s (${ok ? 'match' : 'DO NOT MATCH'})`);
  const text = source.toString('latin1');
  step(`${name} as a string`);
  const script = new Script(text, { filename: join(dir, name), cachedData: args.includes('--no-cache') ? undefined : data });
  step(`vm.Script (cache ${args.includes('--no-cache') ? 'not given' : script.cachedDataRejected ? 'rejected' : 'used'})`);
  const mod = { exports: {} };
  script.runInThisContext()(mod.exports, require, mod, join(dir, name), dir, pathToFileURL(join(dir, 'main.js')).href);
  step(`${name}'s top level`);
  return mod.exports;
}

/** A table-driven CRC-32 in JavaScript, run cold as a start would run it. */
function jsCrc32() {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return (b) => {
    let c = -1;
    for (let i = 0; i < b.length; i++) c = table[(c ^ b[i]) & 255] ^ (c >>> 8);
    return (c ^ -1) >>> 0;
  };
}

let zlib = null;
const front = load('cli.js', 'cli.cache', require, (source, cacheFile, data) => {
  if (args.includes('--js-crc')) {
    const crc = jsCrc32();
    const ok = crc(data) === cacheFile.readUInt32BE(8) && crc(source) === cacheFile.readUInt32BE(4);
    step(`CRC-32s in JavaScript (${ok ? 'match' : 'DO NOT MATCH'})`);
  }
  zlib = require('node:zlib');
  step('load zlib');
  return zlib.crc32;
});
// --engine: then engine.js's steps, as an action's first run loads it (load-bundle.cts loadEngine).
if (args.includes('--engine') && existsSync(join(dir, 'engine.js'))) {
  const shared = front.__front ?? {};
  const engineRequire = Object.assign((id) => (id.startsWith('tcpdiag:front:') ? shared[id.slice('tcpdiag:front:'.length)] : require(id)), require);
  load('engine.js', 'engine.cache', engineRequire, () => zlib.crc32);
}
process.stdout.write(`node started ${start.toFixed(1)} ms before; ${steps.join(', ')} (ms)\n`);
