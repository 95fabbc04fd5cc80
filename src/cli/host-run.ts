// `tcpdiag host`, run: loaded by the command's action (host.ts defines the command). It only reads.

import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import {
  buildHostReport,
  DEFAULT_PROC_ROOT,
  HostReadError,
  procRootFromEnv,
  readHostSnapshot,
  readKernelRelease,
  readSysctls,
  type HostReport,
} from '../knowledge/host-report.js';
import { renderHost } from '../knowledge/host-render.js';
import { withWidth } from '../knowledge/output-style.js';
import { documentPrinter, jsonPrinter } from '../report/printer.js';
import type { HostFailOn, HostFormat } from './choices.js';
import { usageError, writeTo, type OutputOptions } from './command.js';
import { textStyle } from './text-style.js';
import { Output } from './output.js';
import { readSnapshot, snapshotWrittenNote } from '../knowledge/counters/snapshot.js';

export interface HostOptions extends OutputOptions<HostFormat> {
  interval: number;
  port?: number;
  procRoot?: string;
  failOn: HostFailOn;
  snapshot?: string;
}

/** 1 when the host shows what --fail-on asks about: drops counted in the interval, a full (or nearly full) queue. */
export function hostExitCode(r: HostReport, failOn: HostFailOn): number {
  if (failOn === 'never') return 0;
  const dropped = r.moved.length > 0 || r.listeners.some((l) => l.state === 'full');
  const nearly = r.listeners.some((l) => l.state === 'nearly full');
  return dropped || (failOn === 'warning' && nearly) ? 1 : 0;
}

export async function runHost(cmd: Command, o: HostOptions): Promise<number> {
  const procRoot = o.procRoot ?? procRootFromEnv();
  if (process.platform !== 'linux' && procRoot === DEFAULT_PROC_ROOT) usageError(cmd, `reads /proc and works only on Linux (this is ${process.platform})`);
  if (o.snapshot !== undefined) return writeSnapshot(o.snapshot, procRoot);
  const out = new Output(o.output);
  const style = textStyle(o, out);
  return writeTo(out, async () => {
    let report: HostReport;
    try {
      const before = await readHostSnapshot(procRoot);
      await waitWithProgress(o.interval);
      const after = await readHostSnapshot(procRoot);
      const ss = ssFor(procRoot);
      report = buildHostReport({
        before,
        after,
        intervalSeconds: o.interval,
        sysctls: await readSysctls(procRoot),
        kernelRelease: await readKernelRelease(procRoot),
        ssText: ss.text,
        ...(ss.reason ? { ssMissingReason: ss.reason } : {}),
        ...(o.port !== undefined ? { port: o.port } : {}),
      });
    } catch (err) {
      if (!(err instanceof HostReadError)) throw err;
      process.stderr.write(`tcpdiag host: ${err.message}\n`);
      return 2;
    }
    const printer = documentPrinter(out, (r: HostReport) => withWidth(style.width, () => renderHost(r, o.format, style.color)));
    printer.print(report);
    printer.finish();
    return hostExitCode(report, o.failOn);
  });
}

/** The interval, with a countdown on a terminal's stderr so a 60 s wait does not look like a hang. */
async function waitWithProgress(seconds: number): Promise<void> {
  if (seconds <= 0) return;
  if (!process.stderr.isTTY) {
    await sleep(seconds * 1000);
    return;
  }
  const end = Date.now() + seconds * 1000;
  try {
    for (let left = end - Date.now(); left > 0; left = end - Date.now()) {
      process.stderr.write(`\rreading the counters again in ${Math.ceil(left / 1000)} s (interval ${seconds} s)…\x1b[K`);
      await sleep(Math.min(left, 1000));
    }
  } finally {
    process.stderr.write('\r\x1b[K');
  }
}

// ss reads its own network namespace over netlink, so for --proc-root /proc/PID it has to run in
// PID's namespace (nsenter); for any other root (recorded files) there is no namespace to ask.
function ssFor(procRoot: string): { text: string | null; reason?: string } {
  if (procRoot === DEFAULT_PROC_ROOT) return runSs([]);
  const pid = /^\/proc\/(\d+)\/?$/.exec(procRoot)?.[1];
  if (pid !== undefined) return runSs(['nsenter', '-t', pid, '-n']);
  return { text: null, reason: 'not run: --proc-root is not /proc or /proc/PID, so there is no live namespace to ask' };
}

// -e adds the inode, which matches ss rows to /proc lines exactly.
function runSs(prefix: string[]): { text: string | null; reason?: string } {
  const [command, ...args] = [...prefix, 'ss', '-lnte'];
  const result = spawnSync(command!, args, { encoding: 'utf8', timeout: 5000 });
  if (result.error) {
    const code = (result.error as NodeJS.ErrnoException).code;
    const missing = prefix.length > 0 ? 'nsenter (util-linux) or ss (iproute2) is not installed' : 'ss is not installed (package iproute2)';
    return { text: null, reason: code === 'ENOENT' ? missing : `${command} failed: ${code ?? result.error.message}` };
  }
  if (result.status !== 0) return { text: null, reason: `${command} exited with status ${result.status}` };
  return { text: result.stdout };
}

/** `--snapshot FILE`: one reading as JSON (schema/snapshot.schema.json), written like any --output. */
async function writeSnapshot(file: string, procRoot: string): Promise<number> {
  const out = new Output(file);
  return writeTo(out, async () => {
    let snapshot;
    try {
      snapshot = await readSnapshot(procRoot, ssFor(procRoot).text);
    } catch (err) {
      if (!(err instanceof HostReadError)) throw err;
      process.stderr.write(`tcpdiag host: ${err.message}\n`);
      return 2;
    }
    const printer = jsonPrinter(out);
    printer.print(snapshot);
    printer.finish();
    if (file !== '-') process.stderr.write(`tcpdiag host: ${snapshotWrittenNote(file, snapshot)}\n`);
    return 0;
  });
}
