// What node loads for a small `analyze`: node's own modules cost start-up time each (node:fs/promises, with the
// readline and directory modules it pulls in, ~9 ms of a 130 ms run; BENCHMARKS.md, session 17). The capture
// is read with node:fs's callbacks, which node has loaded before the program starts. No timing here: this
// says which modules load, scripts/bench/startup.mjs what they cost.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES, ROOT } from '../helpers/fixtures.js';

const BIN = join(ROOT, 'bin/tcpdiag.js');
const SHEBANG_FLAGS = (/^#!.*?\bnode\b(.*)$/.exec(readFileSync(BIN, 'utf8').split('\n', 1)[0]!)?.[1] ?? '').trim().split(/\s+/).filter(Boolean);

const work = mkdtempSync(join(tmpdir(), 'tcpdiag-start-up-modules-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
// Preloaded into the run: at its exit, the node modules it loaded (those node had loaded before it started left out).
const PRELOAD = join(work, 'modules.cjs');
writeFileSync(
  PRELOAD,
  `const before = new Set(process.moduleLoadList);
   process.on('exit', () => require('node:fs').writeFileSync(process.env.MODULES_OUT, process.moduleLoadList.filter((m) => !before.has(m)).join('\\n')));`,
);

/** The node modules a run of `tcpdiag ARGS` loaded, and how it started (bundle or modules). */
function modulesOf(args: string[]): Promise<{ modules: string[]; start: string; stdout: string }> {
  const out = join(work, 'out.txt');
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [...SHEBANG_FLAGS, '-r', PRELOAD, BIN, ...args],
      { encoding: 'utf8', env: { ...process.env, MODULES_OUT: out, TCPDIAG_TRACE_LOAD: '1' }, maxBuffer: 1 << 26 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${err.message}\n${stderr}`));
        else resolve({ modules: readFileSync(out, 'utf8').split('\n'), start: stderr, stdout });
      },
    );
  });
}

describe('the node modules a small analyze loads, and --help', () => {
  it('reads the capture without node:fs/promises (nor the readline and directory modules it brings)', async () => {
    const r = await modulesOf(['analyze', '--format', 'json', '--fail-on', 'never', join(FIXTURES, 'public/get.pcap')]);
    // The installed program's start: the bundle, whose node modules load when first used; its second script,
    // what the commands run, loaded by the action.
    expect(r.start).toMatch(/start: bundle/);
    expect(r.start).toMatch(/start: engine dist\/bundle\/engine\.js, code cache used/);
    expect((JSON.parse(r.stdout) as { captures: unknown[] }).captures).toHaveLength(1);
    const loaded = r.modules.filter((m) => m.startsWith('NativeModule '));
    // It loads some (the output stream's, the code cache's zlib): the list is read, not empty.
    expect(loaded).toContain('NativeModule zlib');
    expect(loaded.filter((m) => /fs\/promises|readline|internal\/fs\/dir/.test(m))).toEqual([]);
    // Nor node:tty (and the node:net it loads), which chalk's own colour detection loaded at start-up
    // (scripts/bundle.mjs: tcpdiag gives every Chalk its level). Only tty is looked for: stdout here is a
    // pipe, which node makes a net.Socket.
    expect(loaded.filter((m) => /^NativeModule (tty|internal\/tty)$/.test(m))).toEqual([]);
  });

  it('--help does not load engine.js (what the commands run)', async () => {
    const r = await modulesOf(['--help']);
    expect(r.stdout).toMatch(/^Usage: tcpdiag /);
    expect(r.start).toMatch(/start: bundle dist\/bundle\/cli\.js, code cache used/);
    expect(r.start).not.toMatch(/engine/);
  });
});
