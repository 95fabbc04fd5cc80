// The accuracy scoreboard of issue 19 on the corpus in the repository (fixtures/accuracy + fixtures/lab),
// through the built CLI (`npm run build` first), with the same code as `npm run accuracy`.
// Targets met today are asserted so they cannot regress. Targets not met today are listed in
// EXPECTED_UNMET with the value measured when the list was written; each is an expected failure:
// its test checks the target is still unmet, so once a change meets it that test fails and says to
// move the target to MET_TODAY.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCorpus, runScoreboard, TARGETS, truthFor, type Scoreboard, type TargetId } from '../../scripts/accuracy/scoreboard.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const MET_TODAY: TargetId[] = ['no-error-without-overflow', 'overflow-recall-middle', 'reset-precision', 'reset-recall', 'dropped-server', 'overflow-recall-server', 'overflow-recall-client', 'dropped-client', 'vantage-per-listener'];

const EXPECTED_UNMET: Partial<Record<TargetId, string>> = {};

/** Finding × vantage cells whose precision and recall are both 1 today: they must stay there. */
const PERFECT_TODAY: [string, string][] = [
  ['syn-flood', 'all'],
  ['connection-refused', 'all'],
  ['application-resets', 'all'],
  ['accept-queue-overflow', 'middle'],
  ['handshake-loss', 'middle'],
  ['syn-unanswered', 'all'],
  ['syn-queue-overflow', 'all'],
  ['accept-queue-overflow', 'local'],
];

let board: Scoreboard;

beforeAll(async () => {
  if (!existsSync(new URL('../../dist/cli/main.js', import.meta.url))) throw new Error('dist/ is missing: run `npm run build` before this test');
  board = await runScoreboard(ROOT);
}, 900_000);

describe('accuracy corpus', () => {
  it('is all in the repository and labels both outcomes at each vantage', () => {
    const corpus = loadCorpus(ROOT);
    expect(corpus.length).toBeGreaterThanOrEqual(64); // 53 in fixtures/accuracy + 4 in fixtures/lab + 7 in fixtures/kernel-lab today
    const units = corpus.flatMap((item) => truthFor(item));
    for (const vantage of ['server', 'client', 'middle']) {
      const at = units.filter((u) => u.vantage === vantage || u.group === vantage);
      expect(at.filter((u) => u.overflow).length, `${vantage} overflow`).toBeGreaterThan(1);
      expect(at.filter((u) => !u.overflow).length, `${vantage} no overflow`).toBeGreaterThan(1);
    }
    // SYN-queue drops (syncookies off) labelled from the kernel's counters, with and without a flood.
    expect(units.filter((u) => u.expected['syn-queue-overflow'] === true).map((u) => u.synQueueDrops)).toEqual([12]);
    expect(units.filter((u) => u.synQueueDrops > 0 && u.expected['syn-queue-overflow'] === null).length).toBeGreaterThanOrEqual(1);
  });

  it('maps the kernel counters and client outcomes to the truth', () => {
    const byName = new Map(loadCorpus(ROOT).map((i) => [i.name, i]));
    const unit = (name: string) => truthFor(byName.get(name)!)[0]!;
    expect(unit('accuracy/stalled-synack1/server')).toMatchObject({ overflow: true, listenOverflows: 216 });
    expect(unit('accuracy/loss-20/client')).toMatchObject({ overflow: false, queueDrop: false, handshakeDropsOnPath: 58 });
    expect(unit('accuracy/filtered-client/server').expected).toMatchObject({ 'accept-queue-overflow': false, 'syn-unanswered': true, 'handshake-loss': null });
    expect(unit('accuracy/overflow-loss-abort1/client').resetPorts.size).toBe(15);
    expect(unit('accuracy/app-reset/server').resetPorts.size).toBe(0); // ECONNRESET from an accepted connection: an application reset
    expect(unit('accuracy/app-reset/server').expected['application-resets']).toBe(true);
    expect(unit('accuracy/cut-start-overflow-abort0-server')).toMatchObject({ overflow: true, countersApply: false });
    const proxy = truthFor(byName.get('accuracy/proxy-overflow-backend')!);
    expect(proxy.map((u) => [u.listener, u.overflow])).toEqual([['198.18.0.3:8080', false], ['198.18.0.5:8080', true]]);
    // A proxy's listeners at their own vantage: its front listener seen from the server side, its back end from the client side.
    expect(proxy.map((u) => [u.vantage, u.group])).toEqual([['server', 'middle'], ['client', 'middle']]);
    // kernel-lab synq0 (kernel.md §4): backlog 2, syncookies off, TCPReqQFullDrop 12 and ListenOverflows 3 in its log.
    expect(unit('kernel-lab/synq0')).toMatchObject({ vantage: 'local', synQueueDrops: 12, overflow: true, listenOverflows: 3 });
    expect(unit('kernel-lab/synq0').expected['syn-queue-overflow']).toBe(true);
    expect(unit('kernel-lab/ackov0c')).toMatchObject({ synQueueDrops: 0, overflow: true, listenOverflows: 18 });
    // A flood's SYN-queue drops are syn-flood's (3136 TCPReqQFullDrop, most of them spoofed SYNs).
    expect(unit('accuracy/syn-flood-nocookies/server')).toMatchObject({ synQueueDrops: 3136 });
    expect(unit('accuracy/syn-flood-nocookies/server').expected).toMatchObject({ 'syn-queue-overflow': null, 'syn-flood': true });
    const refused = truthFor(byName.get('lab/refused/server')!);
    expect(refused.map((u) => [u.listener, u.expected['connection-refused']])).toEqual([['198.18.0.3:8080', false], ['198.18.0.3:9', true]]);
  });
});

describe('accuracy targets met today (must not regress)', () => {
  for (const id of MET_TODAY) {
    const text = TARGETS.find((t) => t.id === id)!.text;
    it(text, () => {
      const r = board.summary.targets[id];
      expect(r.met, r.detail).toBe(true);
    });
  }

  for (const [id, vantage] of PERFECT_TODAY) {
    it(`${id} at ${vantage} vantage: precision and recall 1`, () => {
      const cell = board.summary.findings.find((c) => c.id === id && c.vantage === vantage)!;
      expect(cell.tp).toBeGreaterThan(0);
      expect([cell.precision, cell.recall]).toEqual([1, 1]);
    });
  }

  it('accept-queue-overflow is never reported on a listener without one, at any vantage (precision 1)', () => {
    for (const vantage of ['server', 'client', 'middle']) {
      const cell = board.summary.findings.find((c) => c.id === 'accept-queue-overflow' && c.vantage === vantage)!;
      expect(cell.tp, vantage).toBeGreaterThan(0);
      expect(cell.fp, vantage).toBe(0);
    }
  });

  it('reset-after-handshake at the server: every ECONNRESET found, none invented', () => {
    const c = board.summary.resets.find((r) => r.vantage === 'server')!;
    expect(c).toMatchObject({ tp: 64, fp: 0, fn: 0 });
  });

  it('reset-after-handshake at the client: every ECONNRESET found, none invented (capture duplicates included)', () => {
    const c = board.summary.resets.find((r) => r.vantage === 'client')!;
    expect(c).toMatchObject({ tp: 113, fp: 0, fn: 0 });
  });

  it('a proxy capture\'s listeners each at their own vantage: its front listener server, its back end client (capture: mixed)', () => {
    const proxies = board.scored.filter((s) => s.units.some((u) => u.group === 'middle'));
    expect(proxies.map((s) => s.name)).toEqual(['accuracy/proxy-lossy-backend', 'accuracy/proxy-overflow-backend', 'accuracy/proxy-overflow-front-lossy-backend']);
    for (const s of proxies) {
      expect(s.captureVantage, s.name).toBe('mixed');
      expect(s.vantages.map((v) => [v.unit, v.said]), s.name).toEqual([['198.18.0.3:8080', 'server'], ['198.18.0.5:8080', 'client']]);
    }
    const cells = Object.fromEntries(board.summary.vantages.map((c) => [c.vantage, c]));
    expect(cells.middle).toMatchObject({ listeners: 6, right: 6 });
    expect(cells.client).toMatchObject({ right: cells.client!.listeners });
    expect(cells.local).toMatchObject({ listeners: 7, right: 7 });
  });

  it('the back end of a proxy gets the client-side verdicts: its path loss is handshake-loss at client vantage, its overflow counted within 0%', () => {
    const lossy = board.scored.find((s) => s.name === 'accuracy/proxy-lossy-backend')!;
    expect(lossy.rows.filter((r) => r.reported).map((r) => [r.id, r.unit, r.vantage])).toEqual([['handshake-loss', '198.18.0.5:8080', 'client']]);
    const overflow = board.summary.dropped.find((d) => d.name === 'accuracy/proxy-overflow-backend')!;
    expect(overflow).toMatchObject({ vantage: 'client', droppedSegments: 163, listenOverflows: 163 });
  });

  it('a SYN flood\'s victim whose every real client re-sent its SYN is still seen from the server side (handshakes with a re-sent SYN)', () => {
    const s = board.scored.find((x) => x.name === 'accuracy/syn-flood-nocookies/server')!;
    expect(s.vantages[0]).toMatchObject({ vantage: 'server', said: 'server', right: true });
  });

  it('syn-queue-overflow only where the kernel counted TCPReqQFullDrop outside a flood (kernel-lab synq0), with the accept queue\'s 3 drops beside it', () => {
    const rows = board.scored.flatMap((s) => s.rows.filter((r) => r.id === 'syn-queue-overflow' && r.reported).map(() => s.name));
    expect(rows).toEqual(['kernel-lab/synq0']);
    const synq0 = board.summary.dropped.find((d) => d.name === 'kernel-lab/synq0')!;
    expect(synq0).toMatchObject({ droppedSegments: 3, listenOverflows: 3 });
  });

  it('capture duplicates change no droppedSegments: the doubled captures give what the undoubled ones do', () => {
    const byName = new Map(board.summary.dropped.map((d) => [d.name, d.droppedSegments]));
    expect(byName.get('accuracy/dup-overflow-abort1-server')).toBe(byName.get('lab/accept-overflow-abort1/server'));
    expect(byName.get('accuracy/dup-slow-acceptor-abort1-client')).toBe(196);
  });

  it('accept-queue-overflow found on every real server-side run that overflowed (no transform)', () => {
    const rows = board.scored
      .filter((s) => s.vantage === 'server' && !/^accuracy\/(dup|vlan|cut|caploss|proxy)-/.test(s.name))
      .flatMap((s) => s.rows.filter((r) => r.id === 'accept-queue-overflow' && r.expected).map((r) => ({ name: s.name, reported: r.reported })));
    expect(rows.length).toBeGreaterThanOrEqual(10);
    expect(rows.filter((r) => !r.reported).map((r) => r.name)).toEqual([]);
  });

  it('droppedSegments matches ListenOverflows within 5% on every real server-side run (no transform)', () => {
    const real = board.summary.dropped.filter((d) => d.vantage === 'server' && !/^accuracy\/(dup|vlan|cut|caploss|proxy)-/.test(d.name));
    expect(real.length).toBeGreaterThanOrEqual(10);
    for (const d of real) expect(d.relError, `${d.name}: ${d.droppedSegments} / ${d.listenOverflows}`).toBeLessThanOrEqual(0.05);
  });
});

describe('accuracy targets not met today (expected failures; measured value in the name)', () => {
  it('every target is either met today or listed here', () => {
    expect(TARGETS.map((t) => t.id).sort()).toEqual([...MET_TODAY, ...Object.keys(EXPECTED_UNMET)].sort());
  });
  for (const [id, measured] of Object.entries(EXPECTED_UNMET) as [TargetId, string][]) {
    const text = TARGETS.find((t) => t.id === id)!.text;
    it(`NOT MET (expected failure): ${text} — measured ${measured}`, () => {
      const r = board.summary.targets[id];
      expect(r.measured, 'the target was not measured at all').not.toBeNull();
      expect(r.met, `met now (${r.detail}): move ${id} to MET_TODAY so it cannot regress`).toBe(false);
    });
  }
});
