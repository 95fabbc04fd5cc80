// Every expected number below is worked out by hand from /work/shared/notes/kernel.md, never by
// calling the code under test: §1.1 (≥ 4.4 sizing, somaxconn default, ¾ rule), §1.2 (≤ 4.3
// reqsk_queue_alloc), §3.2 (SYN-ACK schedule), §4 (what happens at a full queue).
import { describe, expect, it } from 'vitest';
import { computeQueues, QueueInputError, type QueueInput } from '../../src/knowledge/queues.js';

const q = (input: QueueInput) => computeQueues(input);
const allText = (rules: Array<{ text: string }>) => rules.map((r) => r.text).join('\n');

describe('accept queue: min(backlog, somaxconn), holds one more (§1.1)', () => {
  it.each([
    // kernel, backlog, somaxconn (undefined = kernel default), expected limit
    ['3.10', 128, undefined, 128],
    ['4.4', 4096, undefined, 128], // somaxconn 128 before 5.4
    ['4.19', 511, undefined, 128],
    ['5.3', 511, undefined, 128],
    ['5.4', 511, undefined, 511], // somaxconn 4096 since 5.4
    ['5.4', 4096, undefined, 4096],
    ['6.1', 8, 128, 8],
    ['6.18', 4096, 128, 128],
    ['6.18', 1, undefined, 1],
  ] as const)('kernel %s, backlog %i, somaxconn %s ⇒ Send-Q %i', (kernel, backlog, somaxconn, limit) => {
    const r = q({ kernel, backlog, ...(somaxconn === undefined ? {} : { somaxconn }) });
    expect(r.acceptQueue.limit).toBe(limit);
    expect(r.acceptQueue.holds).toBe(limit + 1);
  });

  it('reports the somaxconn default by kernel version: 128 before 5.4, 4096 from 5.4', () => {
    expect(q({ kernel: '5.3.18', backlog: 1 }).settings.somaxconn).toMatchObject({ value: 128, source: 'kernel default' });
    expect(q({ kernel: '5.4', backlog: 1 }).settings.somaxconn).toMatchObject({ value: 4096, source: 'kernel default' });
  });

  it('treats a negative backlog as somaxconn ((unsigned)backlog > somaxconn)', () => {
    expect(q({ kernel: '6.18', backlog: -1 }).acceptQueue.limit).toBe(4096);
    expect(q({ kernel: '4.19', backlog: -1 }).acceptQueue.limit).toBe(128);
    expect(q({ kernel: '6.18', backlog: -5, somaxconn: 300 }).acceptQueue).toMatchObject({ limit: 300, holds: 301 });
  });

  it('matches the lab: backlog 1 on 6.18 ⇒ Send-Q 1, Recv-Q 2 when full', () => {
    expect(q({ kernel: '6.18.44', backlog: 1 }).acceptQueue).toMatchObject({ limit: 1, holds: 2 });
  });
});

describe('SYN queue on ≤ 4.3: roundup_pow_of_two(max(min(backlog, max_syn_backlog), 8) + 1) (§1.2)', () => {
  it.each([
    // backlog, somaxconn, tcp_max_syn_backlog, expected n
    [128, 128, 128, 256], // kernel.md's own example
    [128, 128, 2048, 256],
    [1, 128, 1024, 16], // kernel.md: backlog 1 ⇒ 16
    [8, 128, 1024, 16], // max(8,8)+1 = 9 ⇒ 16
    [7, 128, 1024, 16],
    [511, 1024, 1024, 512], // kernel.md: backlog 511 ⇒ 512
    [511, 128, 1024, 256], // somaxconn clamps first: min(511,128)=128 ⇒ 256
    [4096, 4096, 128, 256], // tcp_max_syn_backlog did size it then
    [4096, 4096, 2048, 4096], // 2049 ⇒ 4096
    [-1, 128, 1024, 256], // negative ⇒ somaxconn 128
  ] as const)('3.10 backlog %i, somaxconn %i, max_syn_backlog %i ⇒ %i', (backlog, somaxconn, maxSynBacklog, n) => {
    const r = q({ kernel: '3.10', backlog, somaxconn, maxSynBacklog });
    expect(r.synQueue.sizing).toBe('reqsk_queue_alloc');
    expect(r.synQueue.limit).toBe(n);
    expect(r.synQueue.holds).toBe(n); // full when qlen ≥ n
    expect(r.synQueue.fullTest).toBe('qlen >= limit');
  });

  it('4.3 still uses the old sizing, 4.4 the new one', () => {
    expect(q({ kernel: '4.3', backlog: 128, maxSynBacklog: 1024 }).synQueue.limit).toBe(256);
    expect(q({ kernel: '4.4', backlog: 128, maxSynBacklog: 1024 }).synQueue.limit).toBe(128);
  });

  it('says what it assumed when tcp_max_syn_backlog is unknown, and what a larger value gives', () => {
    const r = q({ kernel: '3.10', backlog: 511, somaxconn: 4096 });
    expect(r.settings.maxSynBacklog).toMatchObject({ value: 128, source: 'assumed' });
    expect(r.synQueue.limit).toBe(256); // min(511, 128) = 128 ⇒ 256
    expect(r.notes.join('\n')).toMatch(/holds 512 instead/); // with ≥ 511: 512
  });
});

describe('SYN queue on ≥ 4.4: same limit as the accept queue (§1.1)', () => {
  it('4.4 … 6.12: full when qlen ≥ limit', () => {
    for (const kernel of ['4.4', '4.19', '5.4', '6.1', '6.12']) {
      const r = q({ kernel, backlog: 100 });
      expect(r.synQueue).toMatchObject({ sizing: 'sk_max_ack_backlog', limit: 100, holds: 100, fullTest: 'qlen >= limit' });
    }
  });

  it('6.13 and later: full when qlen > limit, one more request', () => {
    for (const kernel of ['6.13', '6.18', '7.0']) {
      expect(q({ kernel, backlog: 511 }).synQueue).toMatchObject({ limit: 511, holds: 512, fullTest: 'qlen > limit' });
    }
  });

  it('matches the lab: backlog 2 on 6.18 ⇒ 3 requests accepted (synq0)', () => {
    expect(q({ kernel: '6.18.44', backlog: 2 }).synQueue.holds).toBe(3);
  });

  it('backlog 0: no request on 6.12, one from 6.13 (commit 3479c7549fb1)', () => {
    expect(q({ kernel: '6.12', backlog: 0 }).synQueue.holds).toBe(0);
    expect(q({ kernel: '6.13', backlog: 0 }).synQueue.holds).toBe(1);
    expect(q({ kernel: '6.12', backlog: 0 }).acceptQueue.holds).toBe(1);
  });

  it('warns about stable backports of the > test on older kernels only', () => {
    expect(q({ kernel: '6.1', backlog: 511 }).notes.join('\n')).toMatch(/3479c7549fb1.*hold 512/);
    expect(q({ kernel: '6.18', backlog: 511 }).notes.join('\n')).not.toMatch(/3479c7549fb1/);
  });

  it('ignores tcp_max_syn_backlog for sizing when cookies are on', () => {
    const r = q({ kernel: '4.19', backlog: 128, maxSynBacklog: 16, syncookies: 1 });
    expect(r.synQueue.holds).toBe(128);
    expect(r.synQueue.holdsForUnprovenPeers).toBe(128);
  });
});

describe('syncookies', () => {
  it('0: ¾·tcp_max_syn_backlog caps unproven peers (drop once qlen > max − max>>2)', () => {
    // 128 − 32 = 96 ⇒ requests accepted up to qlen 96 ⇒ 97 in the queue.
    const small = q({ kernel: '6.18', backlog: 4096, somaxconn: 4096, maxSynBacklog: 128, syncookies: 0 });
    expect(small.synQueue.holds).toBe(4097);
    expect(small.synQueue.holdsForUnprovenPeers).toBe(97);
    // 1000 − 250 = 750 ⇒ 751.
    expect(q({ kernel: '5.4', backlog: 4096, maxSynBacklog: 1000, syncookies: 0 }).synQueue.holdsForUnprovenPeers).toBe(751);
    // 2048 − 512 = 1536 ⇒ 1537 > 512: the queue limit wins.
    expect(q({ kernel: '6.18', backlog: 511, maxSynBacklog: 2048, syncookies: 0 }).synQueue.holdsForUnprovenPeers).toBe(512);
  });

  it('0: SYN queue full ⇒ drop with TCPReqQFullDrop', () => {
    const text = allText(q({ kernel: '6.18', backlog: 8, syncookies: 0 }).synQueue.whenFull);
    expect(text).toMatch(/dropped/);
    expect(text).toMatch(/TCPReqQFullDrop/);
    expect(text).toMatch(/Dropping request/);
  });

  it('1: SYN queue full ⇒ cookie SYN-ACK, log text by version', () => {
    expect(allText(q({ kernel: '6.2', backlog: 8, syncookies: 1 }).synQueue.whenFull)).toMatch(/on port 127\.0\.0\.1:8000\. Sending cookies/);
    expect(allText(q({ kernel: '6.1', backlog: 8, syncookies: 1 }).synQueue.whenFull)).toMatch(/on port 8000\. Sending cookies\.  Check SNMP counters/);
    expect(allText(q({ kernel: '3.10', backlog: 8, syncookies: 1 }).synQueue.whenFull)).toMatch(/TCP: TCP: Possible SYN flooding/);
  });

  it('2: no request socks at all, and abort_on_overflow cannot produce RSTs', () => {
    const r = q({ kernel: '6.18', backlog: 128, syncookies: 2, abortOnOverflow: 1 });
    expect(r.synQueue.holds).toBe(0);
    const whenFull = allText(r.acceptQueue.whenFull);
    expect(whenFull).toMatch(/dropped silently.*even with tcp_abort_on_overflow=1/);
    expect(whenFull).not.toMatch(/answered at once with a bare RST/);
  });

  it('rejects values other than 0, 1, 2', () => {
    expect(() => q({ backlog: 1, syncookies: 3 })).toThrow(QueueInputError);
  });
});

describe('accept queue full (§2, §4)', () => {
  it('drops SYNs unconditionally from 4.10; before, only with more than one young request', () => {
    expect(allText(q({ kernel: '4.10', backlog: 8 }).acceptQueue.whenFull)).toMatch(/new SYN is dropped without any answer/);
    expect(allText(q({ kernel: '4.9', backlog: 8 }).acceptQueue.whenFull)).toMatch(/more than one young request/);
    expect(allText(q({ kernel: '3.10', backlog: 8 }).acceptQueue.whenFull)).toMatch(/more than one young request/);
  });

  it('knows the 3.16.81 stable backport of the SYN drop', () => {
    expect(allText(q({ kernel: '3.16.81', backlog: 8 }).acceptQueue.whenFull)).toMatch(/dropped without any answer/);
    expect(allText(q({ kernel: '3.16.80', backlog: 8 }).acceptQueue.whenFull)).toMatch(/young request/);
  });

  it('abort_on_overflow 0: silent drop with SYN-ACK retries; 1: RST seq = ISNs+1', () => {
    const silent = allText(q({ kernel: '6.18', backlog: 8, abortOnOverflow: 0 }).acceptQueue.whenFull);
    expect(silent).toMatch(/dropped silently/);
    expect(silent).toMatch(/1, 3, 7, 15, 31 s/);
    expect(silent).toMatch(/expires silently at 63 s/);
    const reset = allText(q({ kernel: '6.18', backlog: 8, abortOnOverflow: 1 }).acceptQueue.whenFull);
    expect(reset).toMatch(/bare RST \(seq = ISNs\+1, no ACK flag, window 0\)/);
  });
});

describe('SYN-ACK schedule (§3.2)', () => {
  it.each([
    ['6.18', 5, [1, 3, 7, 15, 31], 63],
    ['4.19', 2, [1, 3], 7],
    ['6.18', 0, [], 1],
    ['3.0', 5, [3, 9, 21, 45, 93], 189], // TCP_TIMEOUT_INIT 3 s before 3.1
    // 7 retries: intervals 1,2,4,…,64 then 128 capped to TCP_RTO_MAX 120 ⇒ expiry 127 + 120.
    ['6.18', 7, [1, 3, 7, 15, 31, 63, 127], 247],
  ] as const)('kernel %s, tcp_synack_retries %i', (kernel, synackRetries, at, expiry) => {
    const r = q({ kernel, backlog: 8, synackRetries });
    expect(r.synAck.retransmitsAt).toEqual(at);
    expect(r.synAck.expiresAt).toBe(expiry);
  });

  it('mentions the 200 ms quantisation only for ≤ 4.3', () => {
    expect(allText(q({ kernel: '4.3', backlog: 8 }).synAck.rules)).toMatch(/200 ms/);
    expect(allText(q({ kernel: '4.4', backlog: 8 }).synAck.rules)).not.toMatch(/200 ms/);
  });
});

describe('kernels and distributions', () => {
  it.each([
    ['rhel7', '3.10', 128],
    ['rhel8', '4.18', 128],
    ['rhel9', '5.14', 4096],
    ['ubuntu18.04', '4.15', 128],
    ['ubuntu-20.04', '5.4', 4096],
    ['jammy', '5.15', 4096],
    ['ubuntu24.04', '6.8', 4096],
    ['debian10', '4.19', 128],
    ['debian11', '5.10', 4096],
    ['debian12', '6.1', 4096],
    ['debian13', '6.12', 4096],
  ] as const)('%s ⇒ kernel %s, somaxconn %i', (distro, kernel, somaxconn) => {
    const r = q({ distro, backlog: 1 });
    expect(r.kernel.label).toBe(kernel);
    expect(r.kernel.source).toBe('distro');
    expect(r.settings.somaxconn.value).toBe(somaxconn);
  });

  it('RHEL 7 (3.10) with backlog 128 gets the old 256-entry SYN queue', () => {
    expect(q({ distro: 'rhel7', backlog: 128, maxSynBacklog: 2048 }).synQueue.limit).toBe(256);
  });

  it('an explicit --kernel beats --distro; uname -r strings parse', () => {
    expect(q({ distro: 'rhel8', kernel: '6.18', backlog: 1 }).kernel.label).toBe('6.18');
    expect(q({ kernel: '4.18.0-553.el8_10.x86_64', backlog: 1 }).kernel.label).toBe('4.18');
    expect(q({ kernel: '6.18.44-fc-v509', backlog: 1 }).kernel.label).toBe('6.18.44');
  });

  it('defaults to 6.18 when no kernel is given', () => {
    expect(q({ backlog: 1 }).kernel).toMatchObject({ label: '6.18', source: 'kernel default' });
  });

  it('rejects unknown distros, unreadable kernels and non-integer values', () => {
    expect(() => q({ distro: 'solaris', backlog: 1 })).toThrow(/unknown distro/);
    expect(() => q({ kernel: 'latest', backlog: 1 })).toThrow(QueueInputError);
    expect(() => q({ backlog: 1.5 })).toThrow(QueueInputError);
    expect(() => q({ backlog: Number.NaN })).toThrow(QueueInputError);
    expect(() => q({ backlog: 1, somaxconn: -1 })).toThrow(QueueInputError);
  });

  it('keeps the origin of values read from the host', () => {
    const r = q({ backlog: 1, somaxconn: 300, kernel: '6.18', sources: { somaxconn: 'host', kernel: 'host' } });
    expect(r.settings.somaxconn.source).toBe('host');
    expect(r.kernel.source).toBe('host');
  });

  it('cites a kernel.md section and kernel range for every rule', () => {
    const r = q({ kernel: '6.1', backlog: 511, syncookies: 0 });
    for (const rule of [...r.acceptQueue.rules, ...r.acceptQueue.whenFull, ...r.synQueue.rules, ...r.synQueue.whenFull, ...r.synAck.rules]) {
      expect(rule.source).toMatch(/§\d/);
      expect(rule.kernels.length).toBeGreaterThan(0);
    }
  });
});
