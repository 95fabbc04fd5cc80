import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { addQueuesCommand } from '../../src/cli/queues.js';
import { computeQueues, type QueueReport } from '../../src/knowledge/queues.js';
import { renderQueues } from '../../src/knowledge/queues-render.js';
import { rawHtmlOutsideCode, runCommand } from './run-command.js';

const AFTER = fileURLToPath(new URL('../../fixtures/proc/after', import.meta.url));

describe('tcpdiag queues rendering', () => {
  it.each([
    { kernel: '3.10', backlog: 128, maxSynBacklog: 2048 },
    { kernel: '6.1', backlog: -1, syncookies: 0, maxSynBacklog: 128 },
    { kernel: '6.18', backlog: 1, syncookies: 2, abortOnOverflow: 1 },
  ])('renders %o in all three formats', (input) => {
    const report = computeQueues(input);
    const text = renderQueues(report, 'text');
    expect(text).toContain(`Send-Q ${report.acceptQueue.limit}, holds ${report.acceptQueue.holds}`);
    const markdown = renderQueues(report, 'markdown');
    expect(rawHtmlOutsideCode(markdown)).toEqual([]);
    expect(markdown).toContain(`holds **${report.acceptQueue.holds}**`);
    expect(JSON.parse(renderQueues(report, 'json'))).toEqual(JSON.parse(JSON.stringify(report)));
  });
});

describe('tcpdiag queues command', () => {
  it('computes from flags, negative backlog included', async () => {
    const r = await runCommand(addQueuesCommand, ['queues', '--backlog', '-1', '--kernel', '5.4', '--format', 'json']);
    expect(r.exitCode).toBe(0);
    const report = JSON.parse(r.stdout) as QueueReport;
    expect(report.acceptQueue.limit).toBe(4096);
  });

  it('takes --distro as a shortcut for the kernel', async () => {
    const r = await runCommand(addQueuesCommand, ['queues', '--backlog', '128', '--distro', 'rhel7', '--max-syn-backlog', '2048', '--format', 'json']);
    const report = JSON.parse(r.stdout) as QueueReport;
    expect(report.kernel).toMatchObject({ label: '3.10', distro: 'RHEL 7' });
    expect(report.synQueue.limit).toBe(256);
  });

  it('--host reads the sysctls and kernel from the proc root; flags still win', async () => {
    const r = await runCommand(addQueuesCommand, ['queues', '--backlog', '511', '--host', '--proc-root', AFTER, '--syncookies', '0', '--format', 'json']);
    expect(r.exitCode).toBe(0);
    const report = JSON.parse(r.stdout) as QueueReport;
    expect(report.kernel.source).toBe('host');
    expect(report.settings.somaxconn.source).toBe('host');
    expect(report.settings.maxSynBacklog.source).toBe('host');
    expect(report.settings.syncookies).toMatchObject({ value: 0, source: 'given' });
  });

  it.each([
    [['queues'], /--backlog N is required/],
    [['queues', '--backlog', 'many'], /^tcpdiag queues: option '--backlog <n>' argument 'many' is invalid\. not an integer/],
    [['queues', '--backlog', '8', '--syncookies', '3'], /--syncookies must be one of 0, 1, 2/],
    [['queues', '--backlog', '8', '--distro', 'beos'], /unknown distro/],
    [['queues', '--backlog', '8', '--format', 'yaml'], /argument 'yaml' is invalid\. Allowed choices are text, markdown, json/],
  ])('rejects %j with exit 2', async (args, message) => {
    const r = await runCommand(addQueuesCommand, args);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });
});
