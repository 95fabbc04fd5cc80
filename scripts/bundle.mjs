#!/usr/bin/env node
// npm run build, second step: the compiled tree (dist/, from tsc) bundled into one file per entry point,
// dist/bundle/main.js (the CLI) and dist/bundle/capture-worker.js (a --jobs worker), dependencies
// included. Node loads one module at start-up instead of ~90: `tcpdiag --help` ~139 -> ~85 ms (issue 20,
// BENCHMARKS.md). dist/bundle sits at the depth of dist/cli, so the import.meta.url paths of the sources
// (../../package.json, ./capture-worker.js) hold in both.
import { build } from 'esbuild';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

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
        contents: `let m;
const load = () => (m ??= require(${JSON.stringify(`node:${args.path}`)}));
for (const n of ${JSON.stringify(names)}) Object.defineProperty(exports, n, { get: () => load()[n], enumerable: true });`,
      };
    });
  },
};

await build({
  plugins: [lazyBuiltins],
  entryPoints: [join(root, 'dist/cli/main.js'), join(root, 'dist/cli/capture-worker.js')],
  outdir: join(root, 'dist/bundle'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  // Whitespace and syntax only (names kept, so profiles and stack traces still read): less for V8 to parse.
  minifyWhitespace: true,
  minifySyntax: true,
  // commander is CommonJS: its require() calls of node built-ins need a real require in an ES module.
  banner: { js: "import { createRequire as __tcpdiagRequire } from 'node:module'; const require = __tcpdiagRequire(import.meta.url);" },
});
