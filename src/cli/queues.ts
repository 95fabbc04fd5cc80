// `tcpdiag queues`: effective accept-queue and SYN-queue sizes for a backlog, kernel and settings.

import type { Command } from 'commander';
import { emit, parseIntegerOption, usageError } from '../knowledge/emit.js';
import { DEFAULT_PROC_ROOT, procRootFromEnv, readKernelRelease, readSysctls } from '../knowledge/host-report.js';
import { colourWanted, makeStyle, parseFormat } from '../knowledge/output-style.js';
import { computeQueues, QueueInputError, type NumericSettingName, type QueueInput } from '../knowledge/queues.js';
import { renderQueues } from '../knowledge/queues-render.js';
import { DISTROS } from '../knowledge/distros.js';

interface QueuesOptions {
  backlog?: string;
  somaxconn?: string;
  maxSynBacklog?: string;
  syncookies?: string;
  abortOnOverflow?: string;
  synackRetries?: string;
  kernel?: string;
  distro?: string;
  host?: boolean;
  procRoot?: string;
  format: string;
  output?: string;
}

const FORMATS = ['text', 'markdown', 'json'] as const;

// Sysctl name → calculator field, for --host.
const HOST_FIELDS: ReadonlyArray<[string, NumericSettingName]> = [
  ['net.core.somaxconn', 'somaxconn'],
  ['net.ipv4.tcp_max_syn_backlog', 'maxSynBacklog'],
  ['net.ipv4.tcp_syncookies', 'syncookies'],
  ['net.ipv4.tcp_abort_on_overflow', 'abortOnOverflow'],
  ['net.ipv4.tcp_synack_retries', 'synackRetries'],
];

export function addQueuesCommand(program: Command): void {
  program
    .command('queues')
    .description('compute the effective accept-queue and SYN-queue sizes of a listener, and what happens when each is full')
    .option('--backlog <n>', 'the backlog the application passes to listen() (negative = somaxconn)')
    .option('--somaxconn <n>', 'net.core.somaxconn (default: the kernel default, 4096 since 5.4, 128 before)')
    .option('--max-syn-backlog <n>', 'net.ipv4.tcp_max_syn_backlog')
    .option('--syncookies <0|1|2>', 'net.ipv4.tcp_syncookies (default 1)')
    .option('--abort-on-overflow <0|1>', 'net.ipv4.tcp_abort_on_overflow (default 0)')
    .option('--synack-retries <n>', 'net.ipv4.tcp_synack_retries (default 5)')
    .option('--kernel <version>', 'kernel version, e.g. 4.18 or 6.18.44 (default 6.18)')
    .option('--distro <name>', `sets the kernel of a distribution: ${DISTROS.map((d) => d.id).join(', ')}`)
    .option('--host', "take the settings and kernel from this machine's /proc/sys and uname -r")
    .option('--proc-root <dir>', 'where /proc is, for --host (default $TCPDIAG_PROC_ROOT or /proc)')
    .option('--format <format>', 'text, markdown or json', 'text')
    .option('--output <file>', 'write to FILE (atomically) instead of stdout')
    .addHelpText(
      'after',
      `
Examples:
  $ tcpdiag queues --backlog 511
  $ tcpdiag queues --backlog 128 --distro rhel7 --max-syn-backlog 2048
  $ tcpdiag queues --backlog 4096 --host --format json`,
    )
    .action(async (options: QueuesOptions) => {
      process.exitCode = await runQueues(options);
    });
}

async function runQueues(options: QueuesOptions): Promise<number> {
  const format = parseFormat(options.format, FORMATS);
  if (!format) {
    usageError('queues', `unknown format "${options.format}" (use ${FORMATS.join(', ')})`);
    return 2;
  }
  if (options.backlog === undefined) {
    usageError('queues', '--backlog N is required (the value the application passes to listen())');
    return 2;
  }
  const input: QueueInput = { backlog: parseIntegerOption(options.backlog)! };
  const numeric: Array<[NumericSettingName, string | undefined]> = [
    ['somaxconn', options.somaxconn],
    ['maxSynBacklog', options.maxSynBacklog],
    ['syncookies', options.syncookies],
    ['abortOnOverflow', options.abortOnOverflow],
    ['synackRetries', options.synackRetries],
  ];

  if (options.host) {
    const procRoot = options.procRoot ?? procRootFromEnv();
    if (process.platform !== 'linux' && procRoot === DEFAULT_PROC_ROOT) {
      usageError('queues', `--host reads /proc and works only on Linux (this is ${process.platform})`);
      return 2;
    }
    const sysctls = await readSysctls(procRoot);
    const sources: QueueInput['sources'] = {};
    for (const [sysctl, field] of HOST_FIELDS) {
      const value = sysctls[sysctl];
      if (value === null || value === undefined) continue;
      input[field] = value;
      sources[field] = 'host';
    }
    if (options.kernel === undefined && options.distro === undefined) {
      input.kernel = await readKernelRelease(procRoot);
      sources.kernel = 'host';
    }
    input.sources = sources;
  }

  // Flags typed by the user win over values read with --host.
  for (const [field, text] of numeric) {
    if (text === undefined) continue;
    input[field] = parseIntegerOption(text)!;
    if (input.sources) delete input.sources[field];
  }
  if (options.kernel !== undefined) input.kernel = options.kernel;
  if (options.distro !== undefined) input.distro = options.distro;

  try {
    const report = computeQueues(input);
    const style = makeStyle(format === 'text' && colourWanted(options.output !== undefined));
    return await emit('queues', renderQueues(report, format, style), options.output);
  } catch (err) {
    if (!(err instanceof QueueInputError)) throw err;
    usageError('queues', err.message);
    return 2;
  }
}
