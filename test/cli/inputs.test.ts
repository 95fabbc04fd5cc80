// Inputs that cannot be read: named with the reason, a place only where there was one, an ::error
// annotation under GitHub Actions; compressed files tcpdiag does not read are named as such.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli } from './run-cli.js';
import { readCapture } from '../../src/capture/reader.js';
import { tempDirs } from '../helpers/temp.js';

const tempDir = tempDirs();

const OVERFLOW = 'fixtures/lab/accept-overflow-abort0-server.pcap';

function tcpdiag(args: string[], env: Record<string, string> = {}, input?: Buffer) {
  return runCli(args, { env, input });
}

const sink = { onFrame: () => undefined };

describe('compressed files other than gzip', () => {
  // The first bytes are what names them; a real capture follows so only the magic can be at fault.
  const capture = readFileSync(join(ROOT, OVERFLOW));
  it.each([
    ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], 'xz -dc'],
    ['zstd', [0x28, 0xb5, 0x2f, 0xfd], 'zstd -dc'],
    ['bzip2', [0x42, 0x5a, 0x68, 0x39], 'bzip2 -dc'],
  ])('names %s and the command that decompresses it, from a file and from stdin', async (name, magic, tool) => {
    const file = join(tempDir('tcpdiag-in-'), `capture.pcap.${name}`);
    writeFileSync(file, Buffer.concat([Buffer.from(magic), capture]));
    const r = await readCapture(file, sink);
    expect(r.error?.message).toBe(`${name}-compressed: tcpdiag reads gzip but not ${name}; decompress it first (${tool} ${file} | tcpdiag analyze -)`);
    expect(r.frames).toBe(0);
    const cli = (await tcpdiag(['analyze', '-'], {}, Buffer.concat([Buffer.from(magic), capture])));
    expect(cli.code).toBe(2);
    expect(cli.stderr).toBe(`tcpdiag analyze: -: ${name}-compressed: tcpdiag reads gzip but not ${name}; decompress it first (${tool} FILE | tcpdiag analyze -)\n`);
  });
});

describe('unreadable inputs', () => {
  it('get an ::error annotation under GitHub Actions, beside the findings of the readable ones', async () => {
    const r = (await tcpdiag(['analyze', 'no/such/file.pcap', OVERFLOW], { GITHUB_ACTIONS: 'true' }));
    expect(r.code).toBe(2);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe('tcpdiag analyze: no/such/file.pcap: cannot open: no such file');
    expect(lines).toContain('::error title=unreadable capture no/such/file.pcap::no/such/file.pcap: cannot open: no such file');
    expect(lines.some((l) => l.startsWith('::error title=accept-queue-overflow 198.18.0.3%3A8080::'))).toBe(true);
  });

  it('carry no offset or frame in the text report when there was none, and do where there was', async () => {
    const missing = (await tcpdiag(['analyze', 'no/such/file.pcap'])).stdout;
    expect(missing).toContain('unreadable: no/such/file.pcap: cannot open: no such file\n');
    expect(missing).not.toContain('byte offset');
    const partial = (await tcpdiag(['analyze', 'fixtures/public/tls_DER-incomplete-header.pcap'])).stdout;
    expect(partial).toMatch(/partial: reading stopped: .*\(byte offset 5035, frame 7\)/);
  });
});
