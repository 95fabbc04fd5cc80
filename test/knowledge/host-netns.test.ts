// Once against the real kernel: a listener with backlog 1 that never accepts, ten loopback clients,
// all inside a throw-away network namespace, observed by `tcpdiag host --proc-root /proc/PID`
// (PID = the listener, whose /proc/PID/net shows that namespace). Needs root and iproute2; skips otherwise.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readlinkSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { addHostCommand } from '../../src/cli/host.js';
import type { HostReport } from '../../src/knowledge/host-report.js';
import { runCommand } from './run-command.js';

const LISTENER = `
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(1)
print("listening", flush=True)
time.sleep(60)  # never accepts; ends by itself if the test dies
`;

// Non-blocking, loopback only, a fixed number of connections and a bounded lifetime.
const CLIENTS = `
import socket, sys, time
port = int(sys.argv[1])
time.sleep(0.5)  # let the first counter reading happen before any connection
socks = []
for _ in range(10):
    c = socket.socket()
    c.setblocking(False)
    try:
        c.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    socks.append(c)
time.sleep(0.3)
for c in socks:
    try:
        c.send(b"hello")
    except OSError:
        pass
print("sent", flush=True)
time.sleep(20)
`;

function commandExists(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

/** Why the test cannot run here, or null when it can. */
function skipReason(): string | null {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (process.getuid?.() !== 0) return 'not running as root';
  if (!commandExists('ip')) return '`ip` (iproute2) is not installed';
  if (!commandExists('python3')) return 'python3 is not installed';
  const probe = `tcpdiag-probe-${randomBytes(4).toString('hex')}`;
  const added = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (added.status !== 0) return `\`ip netns add\` failed: ${(added.stderr || added.error?.message || '').trim()}`;
  spawnSync('ip', ['netns', 'del', probe]);
  return null;
}

const reason = skipReason();
if (reason !== null) console.log(`host-netns test skipped: ${reason}`);

function waitForLine(child: ChildProcess, wanted: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no "${wanted}" within ${timeoutMs} ms; output: ${seen}`)), timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(wanted)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before "${wanted}"; output: ${seen}`));
    });
  });
}

describe('tcpdiag host against a real listener in a network namespace', () => {
  const ns = `tcpdiag-test-${randomBytes(4).toString('hex')}`;
  const port = 20000 + Math.floor(Math.random() * 40000);
  const children: ChildProcess[] = [];

  afterAll(() => {
    if (reason !== null) return;
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    // Anything else still running in the namespace (there should be nothing).
    const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout ?? '';
    for (const pid of pids.split(/\s+/).filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    spawnSync('ip', ['netns', 'del', ns]);
  });

  it.skipIf(reason !== null)('sees ListenOverflows move and flags the backlog-1 listener as full', async () => {
    expect(spawnSync('ip', ['netns', 'add', ns]).status).toBe(0);
    expect(spawnSync('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']).status).toBe(0);

    const listener = spawn('ip', ['netns', 'exec', ns, 'python3', '-c', LISTENER, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(listener);
    await waitForLine(listener, 'listening', 10_000);

    // `ip netns exec` execs the command, so this pid is the listener inside the namespace.
    const procRoot = `/proc/${listener.pid}`;
    expect(readlinkSync(`${procRoot}/ns/net`)).not.toBe(readlinkSync('/proc/self/ns/net'));

    // The CLI reads the counters, waits --interval, reads again; the clients connect in between.
    // The clients start 1 s into an 8 s interval, so on a loaded machine the first reading is taken before
    // them and the second after them (with 3 s and no delay, a load of 12 once let them fall outside it).
    const run = runCommand(addHostCommand, ['host', '--proc-root', procRoot, '--interval', '8', '--port', String(port), '--format', 'json']);
    await sleep(1000);
    const clients = spawn('ip', ['netns', 'exec', ns, 'python3', '-c', CLIENTS, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(clients);
    await waitForLine(clients, 'sent', 10_000);
    const result = await run;
    expect(result.exitCode, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as HostReport;
    // ss ran inside the namespace through nsenter, so the limit is known.
    expect(report.ssUsed).toBe(true);

    const overflows = report.moved.find((c) => c.name === 'TcpExtListenOverflows');
    expect(overflows?.delta).toBeGreaterThan(0);
    expect(report.listeners).toHaveLength(1);
    // backlog 1 ⇒ Send-Q 1, and a full queue holds 2 (kernel.md §1.1, [LAB]).
    expect(report.listeners[0]).toMatchObject({ address: '127.0.0.1', port, acceptQueue: 2, limit: 1, state: 'full' });
  });
});
