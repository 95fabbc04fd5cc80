// `tcpdiag host`: the live half. Reads the listen-queue counters twice, the queue sysctls and every
// listener's accept queue on this machine. It only reads. Its definition; what it runs is host-run.ts,
// loaded by the action.

import { Option, type Command } from 'commander';
import { HOST_FAIL_ON, HOST_FORMATS } from './choices.js';
import { action, addOutputOptions, subcommand } from './command.js';
import type { HostOptions } from './host-run.js';
import { parseOnePort, secondsUpTo } from './options.js';

const MAX_INTERVAL_SECONDS = 3600;

export function addHostCommand(program: Command): void {
  const cmd = subcommand(program, 'host')
    .description("read this machine's listen-queue counters twice and show what moved, the queue sysctls and every listener's accept queue (read-only, Linux)")
    .option('--interval <seconds>', 'seconds between the two counter readings', secondsUpTo(MAX_INTERVAL_SECONDS), 5)
    .option('--port <n>', 'show only listeners on this local port', parseOnePort)
    .option('--proc-root <dir>', 'read /proc from here, e.g. /proc/PID for the network namespace of PID (default $TCPDIAG_PROC_ROOT or /proc)')
    .addOption(
      new Option('--fail-on <level>', 'exit 1 on error: a listen-queue counter moved or a queue is full; on warning: also a queue nearly full')
        .choices(HOST_FAIL_ON)
        .default('never'),
    )
    .option('--snapshot <file>', 'read once and write the counters, sysctls and listeners as JSON to FILE (- = stdout), for `tcpdiag analyze CAPTURE --counters BEFORE AFTER`');
  addOutputOptions(cmd, HOST_FORMATS)
    .addHelpText(
      'after',
      `
Exit codes: 0 nothing at or above --fail-on (default never), 1 something is, 2 /proc could not be read or usage error.

Examples:
  $ tcpdiag host
  $ tcpdiag host --interval 10 --port 8080 --fail-on error
  $ tcpdiag host --snapshot before.json   # then capture, then --snapshot after.json
  $ sudo tcpdiag host --proc-root /proc/$(pgrep -o nginx) --format json   # the container's namespace`,
    )
    .action(action('host', async (options: HostOptions) => (await import('./host-run.js')).runHost(cmd, options)));
}
