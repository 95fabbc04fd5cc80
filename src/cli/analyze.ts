// `tcpdiag analyze`: its arguments, options and help. What it runs is analyze-run.ts, loaded by the action
// (import()): --help, a usage error and the other commands start without the analysis's ~90 modules.

import { Option, type Command } from 'commander';
import { REPORT_FORMATS } from '../report/formats.js';
import type { AnalyzeOptions } from './analyze-run.js';
import { action, addOutputOptions, subcommand } from './command.js';
import { FAIL_ON, parseListener, parseMaxConnections, parsePort, parsePositive, parseTimeBound } from './options.js';

/** Time options as analyze and flows take them. */
export function addWindowOptions(cmd: Command): Command {
  const help = 'ISO 8601 (no zone = UTC), +SECONDS from the capture start, or @EPOCH-SECONDS';
  return cmd
    .option('--since <time>', `ignore packets before TIME: ${help}`, parseTimeBound)
    .option('--until <time>', `ignore packets after TIME: ${help}`, parseTimeBound);
}

export function addAnalyzeCommand(program: Command, version: string): void {
  const cmd = subcommand(program, 'analyze')
    .description('diagnose why TCP connections failed to open: verdict, evidence, fix')
    .argument('<captures...>', 'pcap or pcapng files (gzip is fine), folders of them, or - for stdin');
  addOutputOptions(cmd, REPORT_FORMATS, 'the report')
    .option('-q, --quiet', 'print findings only', false)
    .option('--summary', 'text: a table per listener across all captures (default with several captures)')
    .option('--no-summary', 'text: no table across captures')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding reaches this severity').choices([...FAIL_ON]).default('error'))
    .option('--listener <ip:port>', 'keep only this server (repeatable; IPv6 as [addr]:port)', parseListener)
    .option('--port <n>', 'keep only servers on this port (repeatable)', parsePort);
  addWindowOptions(cmd)
    .option('--max-connections <n>', 'cap on live connections (memory bound)', parseMaxConnections)
    .option('-j, --jobs <n>', 'captures analysed in parallel (default: the number of cores)', parsePositive)
    .option('--merge', 'read the captures as one, in time order: the files of a rotated capture (tcpdump -C/-G) or of several interfaces')
    .option('--no-correlate', 'do not read two or more captures together (by default captures of the same traffic are paired: clock offset, packets lost on the path, dropped at the host)')
    .option('--counters <files...>', 'compare with the kernel counters: BEFORE AFTER (tcpdiag host --snapshot, nstat -az, netstat -s or /proc/net/netstat), or one file holding both')
    .addHelpText(
      'after',
      `
Exit codes: 0 no finding at or above --fail-on, 1 one is, 2 an input could not be read or usage error.

Examples:
  $ tcpdiag analyze fixtures/lab/accept-overflow-abort0-server.pcap
  $ tcpdump -i eth0 -w - 'tcp port 8080' | tcpdiag analyze -
  $ tcpdiag analyze loadtest-*.pcap.gz --format junit --output tcpdiag.xml --fail-on warning
  $ tcpdiag analyze capture.pcapng --listener 10.0.0.5:443 --since 2026-11-21T10:00:00Z --format markdown
  $ tcpdiag analyze capture.pcap --since +30 --until +90
  $ tcpdiag analyze client.pcap server.pcap        # read together: lost on the path or dropped at the host
  $ tcpdiag analyze --merge /var/tmp/rotated/      # tcpdump -C/-G files as one capture`,
    )
    .action(action('analyze', async (captures: string[], opts: AnalyzeOptions) => (await import('./analyze-run.js')).analyze(cmd, captures, opts, version)));
}
