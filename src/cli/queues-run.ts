// `tcpdiag queues`, run: loaded by the command's action (queues.ts defines the command).

import type { Command } from 'commander';
import { DEFAULT_PROC_ROOT, procRootFromEnv, readKernelRelease, readSysctls } from '../knowledge/host-report.js';
import { withWidth } from '../knowledge/output-style.js';
import { computeQueues, QueueInputError, type NumericSettingName, type QueueInput } from '../knowledge/queues.js';
import { renderQueues } from '../knowledge/queues-render.js';
import { documentPrinter } from '../report/printer.js';
import type { QueuesFormat } from './choices.js';
import { usageError, writeTo, type OutputOptions } from './command.js';
import { textStyle } from './text-style.js';
import { Output } from './output.js';

/** The calculator's settings as options (each may be left out: --backlog is checked by the run), and where to read the host's. */
export interface QueuesOptions extends OutputOptions<QueuesFormat>, Partial<Omit<QueueInput, 'sources'>> {
  host?: boolean;
  procRoot?: string;
}

// Sysctl name → calculator field, for --host.
const HOST_FIELDS: ReadonlyArray<[string, NumericSettingName]> = [
  ['net.core.somaxconn', 'somaxconn'],
  ['net.ipv4.tcp_max_syn_backlog', 'maxSynBacklog'],
  ['net.ipv4.tcp_syncookies', 'syncookies'],
  ['net.ipv4.tcp_abort_on_overflow', 'abortOnOverflow'],
  ['net.ipv4.tcp_synack_retries', 'synackRetries'],
];

export async function runQueues(cmd: Command, o: QueuesOptions): Promise<number> {
  if (o.backlog === undefined) usageError(cmd, '--backlog N is required (the value the application passes to listen())');
  const input: QueueInput = { backlog: o.backlog };
  const numeric: Array<[NumericSettingName, number | undefined]> = [
    ['somaxconn', o.somaxconn],
    ['maxSynBacklog', o.maxSynBacklog],
    ['syncookies', o.syncookies],
    ['abortOnOverflow', o.abortOnOverflow],
    ['synackRetries', o.synackRetries],
  ];

  if (o.host) {
    const procRoot = o.procRoot ?? procRootFromEnv();
    if (process.platform !== 'linux' && procRoot === DEFAULT_PROC_ROOT) usageError(cmd, `--host reads /proc and works only on Linux (this is ${process.platform})`);
    const sysctls = await readSysctls(procRoot);
    const sources: QueueInput['sources'] = {};
    for (const [sysctl, field] of HOST_FIELDS) {
      const value = sysctls[sysctl];
      if (value === null || value === undefined) continue;
      input[field] = value;
      sources[field] = 'host';
    }
    if (o.kernel === undefined && o.distro === undefined) {
      input.kernel = await readKernelRelease(procRoot);
      sources.kernel = 'host';
    }
    input.sources = sources;
  }

  // Flags typed by the user win over values read with --host.
  for (const [field, value] of numeric) {
    if (value === undefined) continue;
    input[field] = value;
    if (input.sources) delete input.sources[field];
  }
  if (o.kernel !== undefined) input.kernel = o.kernel;
  if (o.distro !== undefined) input.distro = o.distro;

  let report;
  try {
    report = computeQueues(input);
  } catch (err) {
    if (!(err instanceof QueueInputError)) throw err;
    usageError(cmd, err.message);
  }
  const out = new Output(o.output);
  const style = textStyle(o, out);
  const printer = documentPrinter(out, (r: typeof report) => withWidth(style.width, () => renderQueues(r, o.format, style.color)));
  return writeTo(out, () => {
    printer.print(report);
    printer.finish();
    return 0;
  });
}
