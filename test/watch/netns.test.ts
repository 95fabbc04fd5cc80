// Against the real kernel: `tcpdiag watch --port` (tcpdump inside a throw-away network namespace) on a
// listener with a small backlog that never accepts, flooded by a bounded burst of loopback clients; and
// the same burst on a listener that accepts. Needs root, iproute2, tcpdump and python3; skips otherwise.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/tcpdiag.js');
const PORT = 8080;
const CLIENTS_N = 30;
const INTERVAL = 2;

// backlog 2; "stall": never accepts, "accept": accepts and reads everything. Ends by itself after 40 s.
const LISTENER = `
import socket, sys, threading, time
mode = sys.argv[1]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", ${PORT}))
s.listen(2 if mode == "stall" else 128)
print("listening", flush=True)
def serve():
    while True:
        c, _ = s.accept()
        threading.Thread(target=lambda c=c: (c.recv(100), c.send(b"ok"), time.sleep(0.2), c.close()), daemon=True).start()
if mode == "accept":
    threading.Thread(target=serve, daemon=True).start()
time.sleep(40)
`;

// A bounded burst: CLIENTS_N non-blocking connects, a request on each, and after 3 s every socket closed
// with a RST (SO_LINGER 0), so the tracker can finish the connections; then it exits.
const CLIENTS = `
import socket, struct, time
socks = []
for _ in range(${CLIENTS_N}):
    c = socket.socket()
    c.setblocking(False)
    try:
        c.connect(("127.0.0.1", ${PORT}))
    except BlockingIOError:
        pass
    socks.append(c)
time.sleep(0.3)
for c in socks:
    try:
        c.send(b"GET / HTTP/1.0\\r\\n\\r\\n")
    except OSError:
        pass
print("burst", time.time(), flush=True)
time.sleep(3)
for c in socks:
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
print("closed", flush=True)
`;

function commandExists(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

function skipReason(): string | null {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (process.getuid?.() !== 0) return 'not running as root';
  for (const c of ['ip', 'python3', 'tcpdump']) if (!commandExists(c)) return `${c} is not installed`;
  const probe = `tcpdiag-probe-${randomBytes(4).toString('hex')}`;
  const added = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (added.status !== 0) return `\`ip netns add\` failed: ${(added.stderr || added.error?.message || '').trim()}`;
  spawnSync('ip', ['netns', 'del', probe]);
  return null;
}

const reason = skipReason();
if (reason !== null) console.log(`watch netns test skipped: ${reason}`);

function lines(child: ChildProcess): { text: () => string; waitFor: (s: string, ms: number) => Promise<void> } {
  let seen = '';
  const waiters: [string, () => void][] = [];
  child.stdout!.on('data', (d: Buffer) => {
    seen += d.toString();
    for (const [s, r] of waiters) if (seen.includes(s)) r();
  });
  return {
    text: () => seen,
    waitFor: (s, ms) =>
      new Promise((resolve, reject) => {
        if (seen.includes(s)) return resolve();
        const t = setTimeout(() => reject(new Error(`no "${s}" within ${ms} ms; output: ${seen.slice(-2000)}`)), ms);
        waiters.push([s, () => (clearTimeout(t), resolve())]);
      }),
  };
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', (code) => r(code))));
}

interface Ev {
  type: string;
  [k: string]: unknown;
}

/** One scenario in its own namespace: watch, listener, burst; the watch's events. */
async function scenario(mode: 'stall' | 'accept'): Promise<{ events: Ev[]; burstAt: number }> {
  const ns = `tcpdiag-watch-${randomBytes(4).toString('hex')}`;
  expect(spawnSync('ip', ['netns', 'add', ns]).status).toBe(0);
  const children: ChildProcess[] = [];
  try {
    spawnSync('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
    const listener = spawn('ip', ['netns', 'exec', ns, 'python3', '-c', LISTENER, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(listener);
    await lines(listener).waitFor('listening', 10_000);
    const watch = spawn('ip', ['netns', 'exec', ns, process.execPath, BIN, 'watch', '--port', String(PORT), '-i', 'lo', '--interval', String(INTERVAL), '--duration', '40s', '--format', 'ndjson', ...(process.env.TCPDIAG_WATCH_SAVE ? ['--save', `${process.env.TCPDIAG_WATCH_SAVE}-${mode}.pcap`] : [])], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(watch);
    const out = lines(watch);
    // tcpdump is running once the first window has been printed.
    await out.waitFor('"type":"window"', 10_000);
    const clients = spawn('ip', ['netns', 'exec', ns, 'python3', '-c', CLIENTS], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(clients);
    const c = lines(clients);
    await c.waitFor('closed', 15_000);
    const burstAt = Number(/burst ([\d.]+)/.exec(c.text())![1]);
    // Ctrl-C once the burst is over (the client RSTs seen): watch stops tcpdump and prints the end.
    // (\`ip netns exec\` execs the command: its pid is watch's.)
    await new Promise((r) => setTimeout(r, 1000));
    watch.kill('SIGINT');
    await exited(watch);
    return { events: out.text().trim().split('\n').map((l) => JSON.parse(l) as Ev), burstAt };
  } finally {
    for (const ch of children) if (ch.exitCode === null) ch.kill('SIGKILL');
    spawnSync('ip', ['netns', 'del', ns]);
  }
}

describe.skipIf(reason !== null)('watch --port against the real kernel (network namespace)', () => {
  it('a listener that stops accepting: the overflow is reported, and the counters agree with the capture', async () => {
    const { events, burstAt } = await scenario('stall');
    const end = events.at(-1)!;
    expect(end.type).toBe('end');
    const report = end.report as { findings: { id: string; listener: string; droppedSegments: number }[] };
    const overflow = report.findings.find((f) => f.id === 'accept-queue-overflow');
    expect(overflow, JSON.stringify(report.findings.map((f) => f.id))).toBeDefined();
    expect(overflow!.listener).toBe(`127.0.0.1:${PORT}`);
    const started = events.find((e) => e.type === 'finding' && e.change === 'started' && e.id === 'accept-queue-overflow');
    expect(started).toBeDefined();
    // Not before the burst. (The issue asks for it within one interval of the burst: see the README's
    // limits — a connection reaches the diagnosis only when the tracker finishes it.)
    expect(started!.windowEnd as number).toBeGreaterThan(burstAt);
    // The kernel's ListenOverflows over the whole watch against the capture's dropped segments: within 10 %.
    const windows = events.filter((e) => e.type === 'window') as unknown as { host?: { counters: Record<string, number> | null } }[];
    const kernel = windows.reduce((s, w) => s + (w.host?.counters?.TcpExtListenOverflows ?? 0), 0);
    expect(kernel).toBeGreaterThan(0);
    const capture = overflow!.droppedSegments;
    const startedIn = events.filter((e) => e.type === 'window').findIndex((w) => (w.end as number) === started!.windowEnd);
    const burstIn = windows.findIndex((w) => ((w as unknown as { end: number }).end) > burstAt);
    console.log(`watch netns: burst in window ${burstIn}, overflow started in window ${startedIn} (${((started!.windowEnd as number) - burstAt).toFixed(1)} s after the burst); ListenOverflows kernel ${kernel}, capture ${capture}`);
    expect(Math.abs(capture - kernel), `capture ${capture} vs kernel ${kernel}`).toBeLessThanOrEqual(Math.max(2, 0.1 * Math.max(capture, kernel)));
    // The accept queue as /proc showed it: full (backlog 2 holds 3) at some window.
    const queues = windows.flatMap((w) => ((w.host as { queues?: { recvQ: number }[] } | undefined)?.queues ?? []).map((q) => q.recvQ));
    expect(Math.max(...queues)).toBe(3);
  }, 60_000);

  it('a listener that accepts, under the same burst: no finding', async () => {
    const { events } = await scenario('accept');
    const end = events.at(-1)!;
    const report = end.report as { findings: { id: string }[]; captures: { connections: number }[] };
    expect(report.captures[0]!.connections).toBe(CLIENTS_N);
    expect(report.findings.filter((f) => f.id !== 'application-resets')).toEqual([]);
    expect(events.filter((e) => e.type === 'finding' && e.id === 'accept-queue-overflow')).toEqual([]);
  }, 60_000);
});
