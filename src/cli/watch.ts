// `tcpdiag watch`: its options and help. What it runs is watch-run.ts, loaded by the action.

import { InvalidArgumentError, Option, type Command } from 'commander';
import { WATCH_FORMATS } from './choices.js';
import { action, addOutputOptions, subcommand } from './command.js';
import { FAIL_ON, parseMaxConnections, parseOnePort } from './options.js';
import type { WatchOptions } from './watch-run.js';

/** Seconds: 90, 2.5, 30s, 10m, 1h. */
export function parseDuration(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(v.trim());
  const n = m ? Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1) : NaN;
  if (!m || !(n > 0)) throw new InvalidArgumentError('not a duration (such as 30, 30s, 10m or 1h)');
  return n;
}

export function addWatchCommand(program: Command, version: string): void {
  const cmd = subcommand(program, 'watch').description('live incident mode: the diagnosis every few seconds, from tcpdump or a replayed capture');
  addOutputOptions(cmd, WATCH_FORMATS, 'the windows and the report')
    .option('-r, --read <capture...>', 'replay this capture (pcap/pcapng, gzip is fine; - for a pipe; a folder) as fast as it can be read')
    .option('--merge', 'with -r: read several files (or a folder) as one capture in time order: a rotated capture (tcpdump -C/-G) or several interfaces', false)
    .option('--port <n>', 'watch this port on this host (starts tcpdump); with -r, keep only servers on this port', parseOnePort)
    .option('-i, --interface <if>', 'interface tcpdump captures on', 'any')
    .option('--interval <seconds>', 'window length in seconds of capture time', parseDuration, 5)
    .option('--duration <time>', 'stop after this long (30s, 10m, 1h); with -r, keep this much capture time', parseDuration)
    .option('--save <file>', 'with --port: also write the capture to FILE as it is read')
    .option('-q, --quiet', 'the closing report: findings only', false)
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding reaches this severity').choices([...FAIL_ON]).default('error'))
    .option('--max-connections <n>', 'cap on live connections (memory bound)', parseMaxConnections)
    .addHelpText(
      'after',
      `
Each window prints, per active listener, new SYNs, completed handshakes, SYN drops, ignored handshakes,
resets and refusals per second, counted in the window in which the capture shows them (connections still
open included). With --port, also the accept queue now and the movement of the listen-queue counters. A
finding is printed in the first window whose end completes its evidence, and again when it grows or ends.
The end (input over, --duration, Ctrl-C) prints the analyze report.

Exit codes: 0 no finding at or above --fail-on, 1 one is, 2 an input could not be read, tcpdump could
not run, or usage error.

Examples:
  $ sudo tcpdiag watch --port 8080 --interval 5 --save incident.pcap
  $ tcpdump -i any -U -w - 'tcp port 8080' | tcpdiag watch -r -
  $ tcpdiag watch -r incident.pcap --format ndjson | jq 'select(.type == "finding")'
  $ tcpdiag watch -r /var/tmp/rotated/ --merge     # tcpdump -C/-G files replayed as one capture`,
    )
    .action(action('watch', async (opts: WatchOptions) => (await import('./watch-run.js')).watch(cmd, opts, version)));
}
