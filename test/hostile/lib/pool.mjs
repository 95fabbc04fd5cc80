// A pool of worker threads that runs inputs with a time limit each. A worker
// that does not answer in time is terminated (the input hangs), one that
// dies (out of memory, an uncaught exception) is replaced; both count as
// failures of the input it held.
import { Worker } from 'node:worker_threads';
import { rmSync } from 'node:fs';
import { scratchFile } from './scratch.mjs';

const WORKER = new URL('./worker.mjs', import.meta.url);

/**
 * @param {Iterable<object>} inputs each {bytes: Uint8Array, ...}; ids are assigned here
 * @param {{libDir: string, workers?: number, timeoutMs?: number, memoryMb?: number,
 *   onResult?: (input: object, result: {problems: string[], summary: object|null, ms: number}) => void}} opts
 * @returns {Promise<{runs: number, failures: Array<{input: object, problems: string[]}>, slowestMs: number}>}
 */
export function runPool(inputs, opts) {
  const it = inputs[Symbol.iterator]();
  const nWorkers = opts.workers ?? 2;
  const timeoutMs = opts.timeoutMs ?? 2000;
  const failures = [];
  let runs = 0;
  let nextId = 1;
  let slowestMs = 0;
  let live = 0;
  let exhausted = false;
  // Workers that died before answering anything: a broken library, not a bad input. Stop respawning.
  let deathsBeforeReady = 0;

  return new Promise((resolve) => {
    const finishIfDone = () => {
      if (exhausted && live === 0) resolve({ runs, failures, slowestMs });
    };

    const spawn = () => {
      live++;
      const w = new Worker(WORKER, {
        workerData: { libDir: opts.libDir },
        resourceLimits: { maxOldGenerationSizeMb: opts.memoryMb ?? 512 },
      });
      const tmpFile = scratchFile(process.pid, w.threadId);
      let current = null;
      let timer = null;
      let dead = false;
      let ready = false;

      const retire = (problem) => {
        if (dead) return;
        dead = true;
        clearTimeout(timer);
        if (!ready && ++deathsBeforeReady >= 3) {
          exhausted = true;
          failures.push({ input: { fixture: '(none)', label: 'worker start' }, problems: [`workers cannot start: ${problem}`] });
        }
        if (current) {
          runs++;
          failures.push({ input: current, problems: [problem] });
          opts.onResult?.(current, { problems: [problem], summary: null, ms: timeoutMs });
          current = null;
        }
        void w.terminate().finally(() => {
          rmSync(tmpFile, { force: true });
          live--;
          if (!exhausted) spawn();
          else finishIfDone();
        });
      };

      const feed = () => {
        const n = it.next();
        if (n.done) {
          exhausted = true;
          current = null;
          dead = true;
          void w.terminate().finally(() => {
            rmSync(tmpFile, { force: true });
            live--;
            finishIfDone();
          });
          return;
        }
        current = { ...n.value, id: nextId++ };
        timer = setTimeout(() => retire(`no answer within ${timeoutMs} ms: hang (or pathologically slow)`), timeoutMs);
        w.postMessage(current);
      };

      w.on('message', (m) => {
        if (m.ready) {
          ready = true;
          feed();
          return;
        }
        if (!current || m.id !== current.id) return;
        clearTimeout(timer);
        runs++;
        slowestMs = Math.max(slowestMs, m.ms);
        if (m.problems.length) failures.push({ input: current, problems: m.problems });
        opts.onResult?.(current, m);
        feed();
      });
      w.on('error', (e) => retire(`worker died: ${e?.code ?? ''} ${e?.message ?? e}`));
      w.on('exit', (code) => {
        if (!dead) retire(`worker exited with code ${code}`);
      });
    };

    for (let i = 0; i < nWorkers; i++) spawn();
  });
}
