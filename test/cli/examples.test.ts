import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli, type CliResult } from './run-cli.js';
import { tempDirs } from '../helpers/temp.js';

const tempDir = tempDirs();

/** Command lines of the README's sh blocks that call tcpdiag. */
function readmeCommands(): string[] {
  const md = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const out: string[] = [];
  for (const block of md.matchAll(/```sh\n([\s\S]*?)```/g)) {
    for (const line of block[1]!.split('\n')) if (line.startsWith('npx tcpdiag ')) out.push(line.slice(4));
  }
  return out;
}

/** `$ tcpdiag ...` examples of every command's --help. */
async function helpExamples(): Promise<string[]> {
  const commands = ['analyze', 'flows', 'explain', 'queues', 'host'];
  const out: string[] = [];
  for (const c of commands) {
    const help = (await runCli([c, '--help'])).stdout;
    for (const m of help.matchAll(/^\s*\$ (tcpdiag .*)$/gm)) out.push(m[1]!);
  }
  return out;
}

/**
 * Only examples whose inputs are files of this repository can run here (not `capture.pcap`, not `tcpdump`).
 * An example naming a file under fixtures/ that is not there is an error, not an example to leave out.
 */
function runnable(cmd: string): boolean {
  if (/tcpdump|\bhost\b/.test(cmd)) return false;
  const files = cmd.split(/\s+/).filter((w) => /\.(pcap|pcapng|gz)$/.test(w));
  for (const f of files) if (f.startsWith('fixtures/') && !existsSync(join(ROOT, f))) throw new Error(`example names a missing fixture: ${cmd}`);
  return files.every((f) => existsSync(join(ROOT, f)));
}

// Examples run in a scratch folder that sees the repository's fixtures, so those that write files leave none behind.
const CWD = tempDir('tcpdiag-examples-');
symlinkSync(join(ROOT, 'fixtures'), join(CWD, 'fixtures'));

// What a shell would read differently from a list of words: such examples run in bash, the rest in-process.
const SHELL = /[|&;<>()$`'"\\*?#~]/;

/**
 * An example run as a user would: in bash if it has a pipe or other shell syntax, else in-process with the
 * same words (its --output file, if a relative path, written in the scratch folder, as bash would).
 */
async function run(cmd: string): Promise<CliResult> {
  if (SHELL.test(cmd)) {
    const shell = cmd.replace(/^tcpdiag /, `"${process.execPath}" "${BIN}" `);
    const r = spawnSync('bash', ['-o', 'pipefail', '-c', shell], { cwd: CWD, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
  }
  const words = cmd.trim().split(/\s+/).slice(1);
  const args = words.map((w, i) => (/^(-o|--output)$/.test(words[i - 1] ?? '') && w !== '-' && !isAbsolute(w) ? join(CWD, w) : w));
  return runCli(args, { env: { NO_COLOR: '1' } });
}

const readme = readmeCommands();
const help = await helpExamples();

describe('every example runs as shown', () => {
  it('finds the examples', () => {
    expect(readme.length).toBeGreaterThanOrEqual(5);
    expect(help.length).toBeGreaterThanOrEqual(8);
  });

  it.each([...readme, ...help].filter(runnable).map((c) => [c]))('%s', async (cmd) => {
    const r = await run(cmd);
    // 1 is the documented "a finding reached --fail-on" and is what an overflow capture should give.
    expect([0, 1], `${cmd}\n${r.stderr}`).toContain(r.code);
    if (!/--output/.test(cmd)) expect(r.stdout.length).toBeGreaterThan(0);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
  });

  it('the README shows the real output of its first example', async () => {
    const md = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const shown = /```text\n([\s\S]*?)\n {2}\.\.\.\n```/.exec(md)![1]!.split('\n');
    const r = await run('tcpdiag analyze fixtures/lab/accept-overflow-abort0-server.pcap');
    expect(r.stdout.split('\n').slice(0, shown.length)).toEqual(shown);
  });
});
