import { parentPort } from 'node:worker_threads';
import type { ListenerFilter } from '../diagnose/analyzer.js';
import type { RunOptions } from '../track/run.js';
import { runCapture } from './run-capture.js';

export interface CaptureTask {
  index: number;
  path: string;
  filter: ListenerFilter;
  opts: Omit<RunOptions, 'onProgress'>;
}

// One capture per message; the result is plain data, cloned back to the main thread.
parentPort?.on('message', (task: CaptureTask) => {
  runCapture(task.path, task.filter, { ...task.opts, quiet: true }).then(
    (result) => parentPort!.postMessage({ index: task.index, result }),
    (e: Error) => parentPort!.postMessage({ index: task.index, error: e.message }),
  );
});
