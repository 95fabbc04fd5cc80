// `tcpdiag queues`: effective accept-queue and SYN-queue sizes for a backlog, kernel and settings. Its
// definition; what it runs is queues-run.ts, loaded by the action.

import type { Command } from 'commander';
import { DISTROS } from '../knowledge/distros.js';
import { QUEUES_FORMATS } from './choices.js';
import { action, addOutputOptions, subcommand } from './command.js';
import { parseInteger } from './options.js';
import type { QueuesOptions } from './queues-run.js';

export function addQueuesCommand(program: Command): void {
  const cmd = subcommand(program, 'queues')
    .description('compute the effective accept-queue and SYN-queue sizes of a listener, and what happens when each is full')
    .option('--backlog <n>', 'the backlog the application passes to listen() (negative = somaxconn); required', parseInteger)
    .option('--somaxconn <n>', 'net.core.somaxconn (default: the kernel default, 4096 since 5.4, 128 before)', parseInteger)
    .option('--max-syn-backlog <n>', 'net.ipv4.tcp_max_syn_backlog', parseInteger)
    .option('--syncookies <0|1|2>', 'net.ipv4.tcp_syncookies (default 1)', parseInteger)
    .option('--abort-on-overflow <0|1>', 'net.ipv4.tcp_abort_on_overflow (default 0)', parseInteger)
    .option('--synack-retries <n>', 'net.ipv4.tcp_synack_retries (default 5)', parseInteger)
    .option('--kernel <version>', 'kernel version, e.g. 4.18 or 6.18.44 (default 6.18)')
    .option('--distro <name>', `sets the kernel of a distribution: ${DISTROS.map((d) => d.id).join(', ')}`)
    .option('--host', "take the settings and kernel from this machine's /proc/sys and uname -r")
    .option('--proc-root <dir>', 'where /proc is, for --host (default $TCPDIAG_PROC_ROOT or /proc)');
  addOutputOptions(cmd, QUEUES_FORMATS)
    .addHelpText(
      'after',
      `
Examples:
  $ tcpdiag queues --backlog 511
  $ tcpdiag queues --backlog 128 --distro rhel7 --max-syn-backlog 2048
  $ tcpdiag queues --backlog 4096 --host --format json`,
    )
    .action(action('queues', async (options: QueuesOptions) => (await import('./queues-run.js')).runQueues(cmd, options)));
}
