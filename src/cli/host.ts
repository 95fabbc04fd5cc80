// `tcpdiag host`: the live half. Reads the listen-queue counters twice, the queue sysctls and every
// listener's accept queue on this machine. It only reads.

import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { emit, parseIntegerOption, usageError } from '../knowledge/emit.js';
import {
  buildHostReport,
  DEFAULT_PROC_ROOT,
  HostReadError,
  procRootFromEnv,
  readHostSnapshot,
  readKernelRelease,
  readSysctls,
} from '../knowledge/host-report.js';
import { renderHost } from '../knowledge/host-render.js';
import { colourWanted, makeStyle, parseFormat } from '../knowledge/output-style.js';
import { writeSnapshot } from '../knowledge/counters/snapshot.js';

interface HostOptions {
  interval: string;
  port?: string;
  procRoot?: string;
  format: string;
  output?: string;
  snapshot?: string;
}

const FORMATS = ['text', 'json'] as const;
const MAX_INTERVAL_SECONDS = 3600;

export function addHostCommand(program: Command): void {
  program
    .command('host')
    .description("read this machine's listen-queue counters twice and show what moved, the queue sysctls and every listener's accept queue (read-only, Linux)")
    .option('--interval <seconds>', 'seconds between the two counter readings', '5')
    .option('--port <n>', 'show only listeners on this local port')
    .option('--proc-root <dir>', 'read /proc from here, e.g. /proc/PID for the network namespace of PID (default $TCPDIAG_PROC_ROOT or /proc)')
    .option('--format <format>', 'text or json', 'text')
    .option('--output <file>', 'write to FILE (atomically) instead of stdout')
    .option('--snapshot <file>', 'read once and write the counters, sysctls and listeners as JSON to FILE (- = stdout), for `tcpdiag analyze CAPTURE --counters BEFORE AFTER`')
    .addHelpText(
      'after',
      `
Examples:
  $ tcpdiag host
  $ tcpdiag host --interval 10 --port 8080
  $ tcpdiag host --snapshot before.json   # then capture, then --snapshot after.json
  $ sudo tcpdiag host --proc-root /proc/$(pgrep -o nginx) --format json   # the container's namespace`,
    )
    .action(async (options: HostOptions) => {
      process.exitCode = await runHost(options);
    });
}

async function runHost(options: HostOptions): Promise<number> {
  const format = parseFormat(options.format, FORMATS);
  if (!format) {
    usageError('host', `unknown format "${options.format}" (use ${FORMATS.join(', ')})`);
    return 2;
  }
  const interval = Number(options.interval);
  if (!Number.isFinite(interval) || interval < 0 || interval > MAX_INTERVAL_SECONDS) {
    usageError('host', `--interval must be a number of seconds from 0 to ${MAX_INTERVAL_SECONDS}, got "${options.interval}"`);
    return 2;
  }
  const port = parseIntegerOption(options.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
    usageError('host', `--port must be a port number from 1 to 65535, got "${options.port}"`);
    return 2;
  }
  const procRoot = options.procRoot ?? procRootFromEnv();
  if (process.platform !== 'linux' && procRoot === DEFAULT_PROC_ROOT) {
    usageError('host', `reads /proc and works only on Linux (this is ${process.platform})`);
    return 2;
  }

  try {
    if (options.snapshot !== undefined) return await writeSnapshot(options.snapshot, procRoot, ssFor(procRoot).text);
    const before = await readHostSnapshot(procRoot);
    await sleep(interval * 1000);
    const after = await readHostSnapshot(procRoot);
    const ss = ssFor(procRoot);
    const report = buildHostReport({
      before,
      after,
      intervalSeconds: interval,
      sysctls: await readSysctls(procRoot),
      kernelRelease: await readKernelRelease(procRoot),
      ssText: ss.text,
      ...(ss.reason ? { ssMissingReason: ss.reason } : {}),
      ...(port !== undefined ? { port } : {}),
    });
    const style = makeStyle(format === 'text' && colourWanted(options.output !== undefined));
    return await emit('host', renderHost(report, format, style), options.output);
  } catch (err) {
    if (!(err instanceof HostReadError)) throw err;
    usageError('host', err.message);
    return 2;
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
