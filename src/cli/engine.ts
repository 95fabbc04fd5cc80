// What the commands run, as one module: the entry of dist/bundle/engine.js (scripts/bundle.mjs), the second
// script of the bundle. dist/bundle/cli.js holds the commands' definitions, commander and what they share;
// a command's action loads this when it runs (its import() of ./NAME-run.js becomes a require of the engine),
// so `tcpdiag --help`, a usage error or a version start without parsing or deserializing the analysis.
// Started from the compiled tree (dist/cli), each action imports its own run module and this file is unused.

export * from './analyze-run.js';
export * from './explain-run.js';
export * from './flows-run.js';
export * from './host-run.js';
export * from './queues-run.js';
export * from './watch-run.js';
