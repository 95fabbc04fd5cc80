import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runBin, runCli } from './run-cli.js';
import { tempDirs } from '../helpers/temp.js';

const tempDir = tempDirs();

const OVERFLOW = 'fixtures/lab/accept-overflow-abort0-server.pcap';
const REFUSED = 'fixtures/lab/refused-server.pcap';
const HEALTHY = 'fixtures/public/get.pcap';

function tcpdiag(args: string[], env: Record<string, string> = {}, input?: Buffer) {
  return runCli(args, { env, input });
}

// eslint-disable-next-line no-control-regex
const ESC = /\x1b\[/;

describe('exit codes', () => {
  it('is 1 when a finding reaches --fail-on (default error), 0 when none does', async () => {
    expect((await tcpdiag(['analyze', OVERFLOW])).code).toBe(1);
    expect((await tcpdiag(['analyze', HEALTHY])).code).toBe(0);
    expect((await tcpdiag(['analyze', REFUSED])).code).toBe(0);
    expect((await tcpdiag(['analyze', REFUSED, '--fail-on', 'warning'])).code).toBe(1);
    expect((await tcpdiag(['analyze', OVERFLOW, '--fail-on', 'never'])).code).toBe(0);
  });

  it('says when there was nothing to diagnose, rather than that every handshake was answered normally', async () => {
    const healthy = await tcpdiag(['analyze', HEALTHY]);
    expect(healthy.stdout).toContain('no findings: every handshake was answered normally');
    // The overflow capture's listener is on 8080: a filter for port 80 keeps nothing.
    const filtered = await tcpdiag(['analyze', OVERFLOW, '--port', '80']);
    expect(filtered.code).toBe(0);
    expect(filtered.stdout).toContain('nothing to diagnose: no TCP connection matched the filters');
    expect(filtered.stdout).not.toContain('answered normally');
    // One packet, not TCP (tshark: 1 frame, no tcp fields in expected/public__modified-format.pcap.tshark.tsv).
    const noTcp = await tcpdiag(['analyze', 'fixtures/public/modified-format.pcap']);
    expect(noTcp.stdout).toContain('warning: no TCP segment was decoded from 1 packets (link type EN10MB): nothing to diagnose');
    expect(noTcp.stdout).toContain('nothing to diagnose: no TCP connection in the capture');
    expect(JSON.parse((await tcpdiag(['analyze', 'fixtures/public/modified-format.pcap', '--format', 'json'])).stdout).captures[0].warnings).toHaveLength(1);
    // NFLOG (link type 239) is decoded since issue 17: tshark's one connection, 13 TCP packets, handshake complete.
    const nflog = await tcpdiag(['analyze', 'fixtures/public/nflog-http.pcap']);
    expect(nflog.stdout).toContain('13 packets (13 TCP,');
    expect(nflog.stdout).toContain('no findings: every handshake was answered normally');
    // One SYN and the end of the capture: no handshake to judge by (tshark: 1 frame, [SYN]).
    expect((await tcpdiag(['analyze', 'fixtures/public/linktype_ipv6.pcap'])).stdout).toContain('no findings, but no handshake was seen to complete');
  });

  it('combines several captures: the worst wins', async () => {
    expect((await tcpdiag(['analyze', HEALTHY, OVERFLOW])).code).toBe(1);
  });

  it('is 2 for an unreadable input, with a one-line message naming the file, and no offset or frame where there was none', async () => {
    const r = await tcpdiag(['analyze', 'fixtures/public/solaris.snoop']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('tcpdiag analyze: fixtures/public/solaris.snoop: not a pcap or pcapng capture (it is a Solaris snoop file; convert it with editcap -F pcap)\n');
    const missing = await tcpdiag(['analyze', 'no/such/file.pcap']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('tcpdiag analyze: no/such/file.pcap: cannot open: no such file\n');
    // A fault inside the data does carry its place (tshark reads 6 frames of this file).
    const partial = await tcpdiag(['flows', 'fixtures/public/tls_DER-incomplete-header.pcap', '--format', 'ndjson']);
    expect(partial.stderr).toMatch(/: partial: .* \(byte offset 5035, frame 7\)\n$/);
  });

  it('is 2 for a usage error', async () => {
    expect((await tcpdiag(['analyze', OVERFLOW, '--format', 'yaml'])).code).toBe(2);
    expect((await tcpdiag(['analyze', OVERFLOW, '--listener', 'nonsense'])).code).toBe(2);
    expect((await tcpdiag(['bogus'])).code).toBe(2);
  });

  it('refuses a --max-connections too large to allocate, with a message instead of an out-of-memory abort', async () => {
    for (const cmd of ['analyze', 'flows']) {
      const r = await tcpdiag([cmd, OVERFLOW, '--max-connections', '1000000000']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/'1000000000' is more than 10000000 live connections/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('reads a partial capture up to the fault and says so', async () => {
    const r = await tcpdiag(['analyze', 'fixtures/public/tls_DER-incomplete-header.pcap', '--format', 'json']);
    expect(r.code).toBe(0);
    const c = JSON.parse(r.stdout).captures[0];
    expect(c.partial).toBe(true);
    expect(c.packets).toBe(6);
    expect(c.errorOffset).toBe(5035);
    expect(c.errorFrame).toBe(7);
    // Said on stderr in every format, and counted as a warning finding.
    expect(r.stderr).toContain('tls_DER-incomplete-header.pcap: incomplete, reading stopped at a fault (byte offset 5035, frame 7)');
    expect(JSON.parse(r.stdout).findings.map((f: { id: string }) => f.id)).toContain('capture-incomplete');
    const q = await tcpdiag(['analyze', 'fixtures/public/tls_DER-incomplete-header.pcap', '-q', '--fail-on', 'warning']);
    expect(q.code).toBe(1);
    expect(q.stderr).toContain('the report covers the 6 packets before it');
  });
});

describe('output', () => {
  it('has no escape codes off a TTY, with NO_COLOR, or in machine formats', async () => {
    expect((await tcpdiag(['analyze', OVERFLOW])).stdout).not.toMatch(ESC);
    expect((await tcpdiag(['analyze', OVERFLOW], { NO_COLOR: '1', FORCE_COLOR: '1' })).stdout).not.toMatch(ESC);
    expect((await tcpdiag(['analyze', OVERFLOW, '--format', 'json'], { FORCE_COLOR: '1' })).stdout).not.toMatch(ESC);
    expect((await tcpdiag(['analyze', OVERFLOW, '--format', 'markdown'], { FORCE_COLOR: '1' })).stdout).not.toMatch(ESC);
  });

  it('colours text when FORCE_COLOR asks for it', async () => {
    expect((await tcpdiag(['analyze', OVERFLOW], { FORCE_COLOR: '1' })).stdout).toMatch(ESC);
    expect((await tcpdiag(['analyze', OVERFLOW, '--no-color'], { FORCE_COLOR: '1' })).stdout).not.toMatch(ESC);
  });

  it.each(['json', 'markdown', 'junit', 'ndjson'])('--output writes the same bytes as stdout (%s)', async (format) => {
    const dir = tempDir('tcpdiag-cli-');
    const file = join(dir, `report.${format}`);
    const a = await tcpdiag(['analyze', OVERFLOW, '--format', format]);
    const b = await tcpdiag(['analyze', OVERFLOW, '--format', format, '--output', file]);
    expect(b.stdout).toBe('');
    expect(readFileSync(file, 'utf8')).toBe(a.stdout);
  });

  it('reads a capture from stdin and gzip by magic', async () => {
    const raw = readFileSync(join(ROOT, OVERFLOW));
    const viaStdin = JSON.parse((await tcpdiag(['analyze', '-', '--format', 'json'], {}, raw)).stdout);
    expect(viaStdin.findings[0].id).toBe('accept-queue-overflow');
    expect(viaStdin.findings[0].droppedSegments).toBe(163);
    const gz = JSON.parse((await tcpdiag(['analyze', 'fixtures/crafted/get.pcap.gz', '--format', 'json'])).stdout);
    expect(gz.captures[0].gzip).toBe(true);
    expect(gz.captures[0].packets).toBe(14);
  });

  it('--quiet prints findings only', async () => {
    expect((await tcpdiag(['analyze', HEALTHY, '--quiet'])).stdout).toBe('');
    const q = (await tcpdiag(['analyze', OVERFLOW, '--quiet'])).stdout;
    expect(q.startsWith('ERROR')).toBe(true);
  });

  it('prints GitHub annotations under GITHUB_ACTIONS', async () => {
    const r = await tcpdiag(['analyze', OVERFLOW], { GITHUB_ACTIONS: 'true' });
    expect(r.stderr).toMatch(/^::error title=accept-queue-overflow 198\.18\.0\.3%3A8080::/m);
  });

  it('--listener and --port keep only those servers', async () => {
    const all = JSON.parse((await tcpdiag(['analyze', REFUSED, '--format', 'json'])).stdout);
    expect(all.findings.map((f: { id: string }) => f.id)).toContain('connection-refused');
    const only = JSON.parse((await tcpdiag(['analyze', REFUSED, '--format', 'json', '--listener', '198.18.0.3:8080'])).stdout);
    expect(only.findings).toHaveLength(0);
    const port9 = JSON.parse((await tcpdiag(['analyze', REFUSED, '--format', 'json', '--port', '9'])).stdout);
    expect(port9.findings[0].connections).toBe(20);
  });

  it('--since/--until keep a window and account for the frames left out', async () => {
    const r = JSON.parse((await tcpdiag(['analyze', OVERFLOW, '--format', 'json', '--until', '+1'])).stdout);
    const c = r.captures[0];
    expect(c.outsideWindow).toBeGreaterThan(0);
    expect(c.tcp + c.otherIp + c.nonIp + c.truncated + c.malformed + c.outsideWindow).toBe(c.packets);
  });
});

describe('--jobs', () => {
  it('analyses captures on worker threads and merges them in input order, the same as one at a time', async () => {
    const inputs = [OVERFLOW, HEALTHY, REFUSED, 'fixtures/lab/app-reset-client.pcap'];
    const serial = await tcpdiag(['analyze', ...inputs, '--format', 'json', '--jobs', '1']);
    const parallel = await tcpdiag(['analyze', ...inputs, '--format', 'json', '--jobs', '2']);
    expect(parallel.code).toBe(serial.code);
    expect(parallel.stdout).toBe(serial.stdout);
    expect(JSON.parse(parallel.stdout).captures.map((c: { path: string }) => c.path)).toEqual(inputs);
  });
});

describe('flows', () => {
  it('prints one NDJSON object per connection with the documented names', async () => {
    const lines = (await tcpdiag(['flows', REFUSED, '--format', 'ndjson'])).stdout.trim().split('\n');
    expect(lines).toHaveLength(30);
    const rows = lines.map((l) => JSON.parse(l));
    for (const k of ['client', 'server', 'state', 'history', 'synRetransmits', 'synAckRetransmits', 'firstFrame', 'lastFrame', 'signatures']) {
      expect(rows[0]).toHaveProperty(k);
    }
    expect(rows.filter((r) => r.signatures.includes('refused'))).toHaveLength(20);
    expect(rows.filter((r) => r.state === 'REJ')).toHaveLength(20);
  });

  it('writes CSV and JSON', async () => {
    const csv = (await tcpdiag(['flows', REFUSED, '--format', 'csv'])).stdout.trim().split('\n');
    expect(csv).toHaveLength(31);
    expect(JSON.parse((await tcpdiag(['flows', REFUSED, '--format', 'json'])).stdout)).toHaveLength(30);
  });
});

describe('bin/tcpdiag.js', () => {
  // Every other test here runs the same runCli in-process (test/cli/run-cli.ts); this one runs the program.
  it('started through its #! line, prints and exits as the in-process run does: 1 on a finding, 0, 2 on a usage error', async () => {
    const cases = [['analyze', OVERFLOW], ['analyze', HEALTHY, '-f', 'json'], ['analyze', OVERFLOW, '--format', 'yaml']];
    const codes = [];
    for (const args of cases) {
      const real = await runBin(args, { shebang: true });
      const here = await tcpdiag(args);
      expect(real).toEqual(here);
      codes.push(real.code);
    }
    expect(codes).toEqual([1, 0, 2]);
  });

  // Node 20 parses its ~140 bundled root certificates and the named file at every start when
  // NODE_EXTRA_CA_CERTS is set (~65-90 ms here); tcpdiag makes no TLS connection, so the #! line empties it.
  // A file that cannot be read makes node warn on stderr at start: the warning shows whether node saw it.
  it('started through its #! line, node does not load NODE_EXTRA_CA_CERTS; TCPDIAG_CA_CERTS still reaches it', async () => {
    const missing = join(ROOT, 'no-such-ca-bundle.pem');
    const plain = await runBin(['--version'], { shebang: true, env: { NODE_EXTRA_CA_CERTS: missing } });
    expect(plain.code).toBe(0);
    expect(plain.stderr).toBe('');
    expect(plain.stdout).toMatch(/^\d+\.\d+\.\d+/);
    const asked = await runBin(['--version'], { shebang: true, env: { NODE_EXTRA_CA_CERTS: missing, TCPDIAG_CA_CERTS: missing } });
    expect(asked.code).toBe(0);
    expect(asked.stderr).toContain(`Ignoring extra certs from \`${missing}\``);
    // As node's argument (not through the #! line) node loads it: the check above can fail.
    const direct = await runBin(['--version'], { env: { NODE_EXTRA_CA_CERTS: missing } });
    expect(direct.stderr).toContain('Ignoring extra certs');
  });

  // npm makes a Windows .cmd and a sh shim from the #! line with cmd-shim's pattern (cmd-shim 8.0.0,
  // lib/index.js, copied): it must still find node, its flag, and the variable as one it can SET
  // (`${TCPDIAG_CA_CERTS}` becomes `%TCPDIAG_CA_CERTS%`, empty when unset, as env -S makes it).
  it("is a #! line npm's cmd-shim reads: node, its flag, and one variable", () => {
    const shebangExpr = /^#!\s*(?:\/usr\/bin\/env\s+(?:-S\s+)?((?:[^ \t=]+=[^ \t=]+\s+)*))?([^ \t]+)(.*)$/;
    const first = readFileSync(join(ROOT, 'bin', 'tcpdiag.js'), 'utf8').split('\n', 1)[0];
    const m = shebangExpr.exec(first);
    expect(m && [m[1].trim(), m[2], m[3].trim()]).toEqual(['NODE_EXTRA_CA_CERTS=${TCPDIAG_CA_CERTS}', 'node', '--no-concurrent-recompilation']);
    // Linux before 5.1 reads 127 bytes of a #! line.
    expect(first.length).toBeLessThan(127);
  });
});
