'use strict';
// The smallest program that prints what `tcpdiag --help` prints, built as tcpdiag builds it: commander, the
// six commands with their arguments and descriptions (their options are left out: a subcommand's options
// are not part of the top-level help). The floor a commander-based CLI starts from on this machine, beside
// node's own start (`node scripts/bench/startup.mjs --jobs node-no-ca,proto-help,help`; BENCHMARKS.md, session 19).
const { Command } = require('commander');

const program = new Command('tcpdiag')
  .description('Reads packet captures and tells why TCP connections failed to open: accept-queue and SYN-queue overflow, SYN floods, refused ports, resets after the handshake.')
  .version('0.1.0', '-V, --version');
const commands = [
  ['analyze', '<captures...>', 'diagnose why TCP connections failed to open: verdict, evidence, fix'],
  ['flows', '<captures...>', 'one row per TCP connection: Zeek-style state and history, handshake timing, retransmits, signatures'],
  ['explain', '[id]', 'explain a signature or finding: how it looks on the wire, what the kernel does, look-alikes, how to confirm and fix it'],
  ['queues', '', 'compute the effective accept-queue and SYN-queue sizes of a listener, and what happens when each is full'],
  ['host', '', "read this machine's listen-queue counters twice and show what moved, the queue sysctls and every listener's accept queue (read-only, Linux)"],
  ['watch', '', 'live incident mode: the diagnosis every few seconds, from tcpdump or a replayed capture'],
];
for (const [name, args, description] of commands) {
  const c = program.command(name).description(description).option('-x, --placeholder', 'an option, so that the usage shows [options]');
  if (args) c.argument(args);
}
program.parse(process.argv);
