#!/usr/bin/env node
// npm run build, second step: the compiled tree (dist/, from tsc) bundled into one file per entry point,
// dependencies included, so that node loads one file at start-up instead of ~90 modules: `tcpdiag --help`
// ~139 -> ~85 ms (issue 20, BENCHMARKS.md).
//
//   dist/bundle/cli.js            the CLI as one script: a function expression that src/cli/load-bundle.cts
//                                 compiles with vm.Script (CommonJS format; import.meta.url is a parameter)
//   dist/bundle/cli.cache         V8's code cache for cli.js, made here by running it (--help and an analyze
//                                 of fixtures/public/get.pcap) in a node started as bin/tcpdiag.js starts it
//   dist/bundle/main.js           the same CLI as an ES module (it loads cli.js through load-bundle.cjs): what
//                                 the tests import, and anyone who imports the bundle
//   dist/bundle/capture-worker.js a --jobs worker (an ES module)
//
// dist/bundle sits at the depth of dist/cli, so the import.meta.url paths of the sources (../../package.json,
// ./capture-worker.js) hold in both.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist/bundle');
const loader = join(root, 'dist/cli/load-bundle.cjs');

// Every Node built-in the sources import becomes a module of getters that require()s the real one on
// first use. Two costs go: built-ins most runs never call (crypto alone loads ~20 internal modules; zlib,
// worker_threads, child_process, v8), and the ES-module facade Node builds for each built-in imported as
// an ES module, which reads every export and so runs fs's lazy getters (fs/promises, the streams). The
// names are the built-in's own, read here at build time.
const LAZY = builtinModules.filter((n) => !n.startsWith('_') && n !== 'module');
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    const filter = new RegExp(`^(node:)?(${LAZY.map((n) => n.replace(/\//g, '\\/')).join('|')})$`);
    b.onResolve({ filter }, (args) =>
      // The getters' own require() is the real built-in.
      args.namespace === 'lazy-builtin' ? { path: args.path, external: true } : { path: args.path.replace(/^node:/, ''), namespace: 'lazy-builtin' },
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, async (args) => {
      const names = Object.keys(await import(`node:${args.path}`)).filter((n) => n !== 'default');
      return {
        loader: 'js',
        // The getters sit on the prototype of the module object: esbuild's __toESM, run once for each
        // module that imports the built-in, copies only own properties (~2 000 getters made at start-up
        // for 42 imports when they were own: fs has ~100 names) and gives its copy the same prototype.
        contents: `let m;
const load = () => (m ??= require(${JSON.stringify(`node:${args.path}`)}));
const getters = {};
for (const n of ${JSON.stringify(names)}) Object.defineProperty(getters, n, { get: () => load()[n], enumerable: true });
module.exports = Object.create(getters);`,
      };
    });
  },
};

const common = {
  plugins: [lazyBuiltins],
  bundle: true,
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  // Whitespace and syntax only (names kept, so profiles and stack traces still read): less for V8 to parse.
  minifyWhitespace: true,
  minifySyntax: true,
};

// Every file is written whole under another name and renamed into place: a CLI started, or a test importing
// dist/bundle/main.js, while a build runs (npm pack runs one during npm test) reads the old file or the new.
mkdirSync(out, { recursive: true });
function writeWhole(name, text) {
  const tmp = join(out, `${name}.${process.pid}.tmp`);
  writeFileSync(tmp, text);
  renameSync(tmp, join(out, name));
}

// A failed build leaves no cache that could belong to an older cli.js (load-bundle checks anyway).
rmSync(join(out, 'cli.cache'), { force: true });

const worker = await build({
  ...common,
  entryPoints: [join(root, 'dist/cli/capture-worker.js')],
  format: 'esm',
  write: false,
  // commander is CommonJS: its require() calls of node built-ins need a real require in an ES module.
  banner: { js: "import { createRequire as __tcpdiagRequire } from 'node:module'; const require = __tcpdiagRequire(import.meta.url);" },
});
writeWhole('capture-worker.js', worker.outputFiles[0].text);

// The CLI as a script. Its one free name besides the CommonJS ones is __tcpdiagUrl, the import.meta.url of the
// sources (load-bundle.cts passes dist/bundle/main.js's URL).
const cli = await build({
  ...common,
  entryPoints: [join(root, 'dist/cli/main.js')],
  format: 'cjs',
  write: false,
  define: { 'import.meta.url': '__tcpdiagUrl' },
});
const body = cli.outputFiles[0].text;
// vm.Script is given no importModuleDynamically, and the script only node's built-ins as require(); the
// file is read as latin1 (load-bundle.cts).
if (/\bimport\(/.test(body)) throw new Error('bundle: the CLI bundle holds a dynamic import(), which its vm.Script cannot run');
const required = [...body.matchAll(/\brequire\(("[^"]*")\)/g)].map((m) => JSON.parse(m[1])).filter((n) => !n.startsWith('node:'));
if (required.length) throw new Error(`bundle: the CLI bundle requires ${required.join(', ')}: only node: built-ins are given to it`);
if (/[^\x00-\x7f]/.test(body)) throw new Error('bundle: the CLI bundle is not ASCII (esbuild charset)');
const script = `(function (exports, require, module, __filename, __dirname, __tcpdiagUrl) {${body}\n})`;
writeWhole('cli.js', script);

// The ES-module face: every export of dist/cli/main.js.
const names = Object.keys(await import(pathToFileURL(join(root, 'dist/cli/main.js')).href)).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n));
writeWhole(
  'main.js',
  `// Made by scripts/bundle.mjs: the CLI of cli.js (loaded with its code cache by ../cli/load-bundle.cjs) as an ES module.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
const { cli } = createRequire(import.meta.url)('../cli/load-bundle.cjs').loadBundle(dirname(fileURLToPath(import.meta.url)));
export const { ${names.join(', ')} } = cli;
`,
);

// The code cache, made in a node started with bin/tcpdiag.js's flags (V8 rejects a cache made under other flags).
const flags = (/^#!.*?\bnode\b(.*)$/.exec(readFileSync(join(root, 'bin/tcpdiag.js'), 'utf8').split('\n', 1)[0])?.[1] ?? '').trim().split(/\s+/).filter(Boolean);
const made = spawnSync(process.execPath, [...flags, join(root, 'scripts/bundle-cache.mjs'), out], { stdio: ['ignore', 'inherit', 'inherit'] });
if (made.status !== 0) {
  console.warn('bundle: no code cache was made (start-up compiles cli.js from source)');
} else {
  // A cache the next start would not use is not kept.
  const check = spawnSync(process.execPath, [...flags, '-e', `process.stdout.write(require(${JSON.stringify(loader)}).loadBundle(${JSON.stringify(out)}).cache)`], { encoding: 'utf8' });
  if (check.stdout !== 'used') {
    rmSync(join(out, 'cli.cache'), { force: true });
    console.warn(`bundle: the code cache made was not usable (${check.stdout || check.stderr}): removed`);
  }
}
