#!/usr/bin/env node
// npm run build, second step: the compiled tree (dist/, from tsc) bundled into one file per entry point,
// dependencies included, so that node loads one file at start-up instead of ~90 modules: `tcpdiag --help`
// ~139 -> ~85 ms (issue 20, BENCHMARKS.md).
//
//   dist/bundle/cli.js            the commands' definitions and what they share, as one script: a function
//                                 expression that src/cli/load-bundle.cts compiles with vm.Script (CommonJS
//                                 format; import.meta.url is a parameter)
//   dist/bundle/engine.js         what the commands run (src/cli/engine.ts), the same way; loaded by an action
//   dist/bundle/cli.cache,        V8's code caches for the two, made here by running them (--help and an analyze
//   dist/bundle/engine.cache      of fixtures/public/get.pcap) in a node started as bin/tcpdiag.js starts it
//   dist/bundle/main.js           the same CLI as an ES module (it loads cli.js through load-bundle.cjs): what
//                                 the tests import, and anyone who imports the bundle
//   dist/bundle/capture-worker.js a --jobs worker (an ES module)
//
// dist/bundle sits at the depth of dist/cli, so the import.meta.url paths of the sources (../../package.json,
// ./capture-worker.js) hold in both.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
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

// chalk detects the terminal's colours when it loads (its supports-color: tty.isatty(1) and (2)), which loads
// node:tty and with it node:net, ~4-6 ms of a fresh process, in every run. tcpdiag never uses that detection:
// every Chalk it makes is given its level (cli/text-style.ts colorWanted decides, knowledge/output-style.ts
// and report/context-sections.ts likewise). In the bundle chalk's detection reports no colour, and loads nothing.
const chalkWithoutDetection = {
  name: 'chalk-without-detection',
  setup(b) {
    b.onResolve({ filter: /^#supports-color$/ }, (args) => (/[\\/]node_modules[\\/]chalk[\\/]/.test(args.importer) ? { path: 'supports-color', namespace: 'chalk-stub' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'chalk-stub' }, () => ({ loader: 'js', contents: 'export default { stdout: false, stderr: false };' }));
  },
};

const common = {
  plugins: [chalkWithoutDetection, lazyBuiltins],
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
rmSync(join(out, 'engine.cache'), { force: true });

const worker = await build({
  ...common,
  entryPoints: [join(root, 'dist/cli/capture-worker.js')],
  format: 'esm',
  write: false,
  // commander is CommonJS: its require() calls of node built-ins need a real require in an ES module.
  banner: { js: "import { createRequire as __tcpdiagRequire } from 'node:module'; const require = __tcpdiagRequire(import.meta.url);" },
});
writeWhole('capture-worker.js', worker.outputFiles[0].text);

// The CLI as two scripts (src/cli/load-bundle.cts): cli.js, the commands' definitions and what they share,
// and engine.js, what the commands run. A command's action import()s ./NAME-run.js; in cli.js that import is
// a require of "tcpdiag:engine" (the loader runs engine.js then), and in engine.js every import of a module
// cli.js holds is a require of "tcpdiag:front:PATH", answered with cli.js's own module: one output.ts, one
// OutputError class, one commander. Their one free name besides the CommonJS ones is __tcpdiagUrl, the
// import.meta.url of the sources (load-bundle.cts passes dist/bundle/main.js's URL).
const ENGINE_ID = 'tcpdiag:engine';
const FRONT_PREFIX = 'tcpdiag:front:';
const scriptOptions = { ...common, format: 'cjs', write: false, metafile: true, define: { 'import.meta.url': '__tcpdiagUrl' } };
const engineRef = {
  name: 'engine-ref',
  setup(b) {
    b.onResolve({ filter: /^tcpdiag:/ }, (args) => ({ path: args.path, external: true }));
    b.onResolve({ filter: /-run\.js$/ }, (args) => (args.kind === 'dynamic-import' ? { path: args.path, namespace: 'engine-ref' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'engine-ref' }, () => ({ loader: 'js', contents: `module.exports = require(${JSON.stringify(ENGINE_ID)});` }));
  },
};
const MAIN = join(root, 'dist/cli/main.js');
// First cli.js alone, for the list of the modules it holds.
const frontAlone = await build({ ...scriptOptions, entryPoints: [MAIN], plugins: [chalkWithoutDetection, engineRef, lazyBuiltins] });
const frontFiles = new Set(Object.keys(frontAlone.metafile.inputs).filter((f) => !f.includes(':')));
const strayRun = [...frontFiles].filter((f) => /-run\.js$/.test(f));
if (strayRun.length) throw new Error(`bundle: cli.js holds ${strayRun.join(', ')}: a command's definition imports what it runs`);
// engine.js takes every module it shares with cli.js from cli.js, so that state and classes exist once
// (output.ts's stream state and OutputError, command.ts's InputError, which cli.js's actions test with
// instanceof; commander). Copied into engine.js instead, only modules of numeric constants and pure functions
// that per-packet code reads: through cli.js each use would be a getter's call on its namespace (time-base.ts's
// `S` in the reader; 54 small captures in one run took 305 -> 352 ms, a noisy phase: BENCHMARKS.md, session
// 20), and each is checked to hold nothing else.
const COPIED_INTO_ENGINE = new Set(['dist/capture/time-base.js']);
const PURE_LINE = /^(?:export )?(?:const [\w$]+ = [\d.e* ]+;|function [\w$]+\(|async function )|^[\s}]|^$|^\/[/*]/;
for (const rel of COPIED_INTO_ENGINE) {
  const impure = readFileSync(join(root, rel), 'latin1').split('\n').filter((line) => !PURE_LINE.test(line));
  if (impure.length) throw new Error(`bundle: ${rel} is copied into engine.js but holds more than numbers and functions: ${impure[0]}`);
}
const frontShared = {
  name: 'front-shared',
  setup(b) {
    b.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData === 'front-shared' || args.kind === 'entry-point') return undefined;
      const r = await b.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, importer: args.importer, pluginData: 'front-shared' });
      if (r.errors.length || r.external || r.namespace !== 'file') return undefined;
      const rel = relative(root, r.path).split(sep).join('/');
      return frontFiles.has(rel) && !COPIED_INTO_ENGINE.has(rel) ? { path: FRONT_PREFIX + rel, external: true } : undefined;
    });
  },
};
const engine = await build({ ...scriptOptions, entryPoints: [join(root, 'dist/cli/engine.js')], plugins: [chalkWithoutDetection, frontShared, lazyBuiltins] });
const shared = [...new Set(Object.values(engine.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.external && i.path.startsWith(FRONT_PREFIX)).map((i) => i.path.slice(FRONT_PREFIX.length))))].sort();
// cli.js again, exporting (as __front) each of its modules engine.js imports.
const front = await build({
  ...scriptOptions,
  plugins: [chalkWithoutDetection, engineRef, lazyBuiltins],
  stdin: {
    resolveDir: root,
    sourcefile: 'cli-entry.js',
    contents: [
      `export * from './dist/cli/main.js';`,
      ...shared.map((f, n) => `import * as m${n} from './${f}';`),
      `export const __front = { ${shared.map((f, n) => `${JSON.stringify(f)}: m${n}`).join(', ')} };`,
    ].join('\n'),
  },
});
const frontInputs = Object.keys(front.metafile.inputs).filter((f) => !f.includes(':') && f !== 'cli-entry.js');
if (frontInputs.length !== frontFiles.size || frontInputs.some((f) => !frontFiles.has(f))) throw new Error('bundle: cli.js holds other modules once it exports those engine.js imports');
// cli.js requires the engine only inside the modules that stand for the import()s (run by an action, after
// cli.js has loaded: load-bundle.cts's loadEngine reads cli.js's exports).
const frontBody = front.outputFiles[0].text;
const engineRequires = frontBody.split(`require(${JSON.stringify(ENGINE_ID)})`).length - 1;
const importedRuns = Object.keys(front.metafile.inputs).filter((f) => f.startsWith('engine-ref:')).map((f) => `dist/cli/${f.slice('engine-ref:./'.length)}`);
if (engineRequires !== importedRuns.length) throw new Error(`bundle: cli.js requires the engine ${engineRequires} times, in ${importedRuns.length} import()s`);
// Each run an action imports is in engine.js (src/cli/engine.ts exports it).
const missingRuns = importedRuns.filter((f) => !(f in engine.metafile.inputs));
if (missingRuns.length) throw new Error(`bundle: engine.js lacks ${missingRuns.join(', ')}, which an action imports: export it from src/cli/engine.ts`);
// One id for the two scripts, in a comment before each: load-bundle.cts loads engine.js only if it is of
// cli.js's build (a rebuild between a process's start and its first action would pair two builds).
const buildId = createHash('sha256').update(frontBody).update(engine.outputFiles[0].text).digest('hex').slice(0, 16);
for (const [name, result, allowed] of [
  ['cli.js', front, (n) => n === ENGINE_ID],
  ['engine.js', engine, (n) => n.startsWith(FRONT_PREFIX)],
]) {
  const body = result.outputFiles[0].text;
  // vm.Script is given no importModuleDynamically, and the script only node's built-ins (and the other
  // script's modules) as require(); the file is read as latin1 (load-bundle.cts).
  if (/\bimport\(/.test(body)) throw new Error(`bundle: ${name} holds a dynamic import(), which its vm.Script cannot run`);
  const required = [...body.matchAll(/\brequire\(("[^"]*")\)/g)].map((m) => JSON.parse(m[1])).filter((n) => !n.startsWith('node:') && !allowed(n));
  if (required.length) throw new Error(`bundle: ${name} requires ${required.join(', ')}: only node: built-ins are given to it`);
  if (/[^\x00-\x7f]/.test(body)) throw new Error(`bundle: ${name} is not ASCII (esbuild charset)`);
  writeWhole(name, `/*tcpdiag-build:${buildId}*/(function (exports, require, module, __filename, __dirname, __tcpdiagUrl) {${body}\n})`);
}

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
// Both children run without the build's NODE_OPTIONS: node passes its V8 flags (--max-old-space-size=4096,
// --stack-size) to V8, whose flag hash in the cache then differs from a plain start's, and the check run
// under the same NODE_OPTIONS would accept the cache that every plain start rejects.
const env = { ...process.env, NODE_OPTIONS: '' };
const flags = (/^#!.*?\bnode\b(.*)$/.exec(readFileSync(join(root, 'bin/tcpdiag.js'), 'utf8').split('\n', 1)[0])?.[1] ?? '').trim().split(/\s+/).filter(Boolean);
const made = spawnSync(process.execPath, [...flags, join(root, 'scripts/bundle-cache.mjs'), out], { stdio: ['ignore', 'inherit', 'inherit'], env });
if (made.status !== 0) {
  console.warn('bundle: no code cache was made (start-up compiles cli.js from source)');
} else {
  // A cache the next start would not use is not kept.
  const check = spawnSync(
    process.execPath,
    [...flags, '-e', `const b = require(${JSON.stringify(loader)}).loadBundle(${JSON.stringify(out)}); b.loadEngine(); process.stdout.write(b.cache + ' ' + b.engine.cache)`],
    { encoding: 'utf8', env },
  );
  if (check.stdout !== 'used used') {
    rmSync(join(out, 'cli.cache'), { force: true });
    rmSync(join(out, 'engine.cache'), { force: true });
    console.warn(`bundle: the code caches made were not usable (${check.stdout || check.stderr}): removed`);
  }
}
