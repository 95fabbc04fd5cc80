import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ListenerBase, type CaptureTimes } from '../../src/diagnose/listener.js';
import { deepCopy } from '../../src/diagnose/live.js';
import { listenerDetectors } from '../../src/diagnose/registry.js';
import { Fact, SIGNATURES, type SignatureId } from '../../src/diagnose/signatures.js';
import { Timeline } from '../../src/diagnose/timeline.js';
import { FIXTURES, run, type ConnView } from '../helpers/pipeline.js';

// The analyzer calls a detector's observe() only for the connections its `observes` names (Listener.add):
// a detector that declares one must do nothing with any other. Held here on every connection of the
// fixtures' captures: the lab's, the kernel lab's, the public ones, the slices and the accuracy corpus.

function captures(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...captures(p));
    else if (/\.(pcap|pcapng)(\.gz)?$/.test(e.name)) out.push(p);
  }
  return out;
}

const PATHS = ['lab', 'kernel-lab', 'public', 'slices', 'accuracy'].flatMap((d) => captures(`${FIXTURES}${d}`));

async function everyConnection(): Promise<ConnView[]> {
  const all: ConnView[] = [];
  for (const p of PATHS) {
    try {
      all.push(...(await run(p)).conns);
    } catch {
      // A fixture that cannot be read at all (the reader's own test cases) has no connection to offer.
    }
  }
  return all;
}

const conns = await everyConnection();

function newBase(): ListenerBase {
  const times: CaptureTimes = { base: 0, digits: 6 };
  return new ListenerBase('10.0.0.1:80', '10.0.0.1', times, new Timeline(times));
}

describe('ConnectionFacts.bits', () => {
  it('holds each signature at its SIGNATURES index, and the facts', () => {
    expect(PATHS.length).toBeGreaterThan(80);
    expect(conns.length).toBeGreaterThan(3000);
    const seen = new Set<string>();
    for (const { facts: f } of conns) {
      SIGNATURES.forEach((id, i) => {
        expect(((f.bits >> i) & 1) === 1, id).toBe(f.signatures.includes(id));
        if (f.signatures.includes(id)) seen.add(id);
      });
      expect((f.bits & Fact.SynDropped) !== 0).toBe(f.synDropped);
      expect((f.bits & Fact.IgnoredHandshake) !== 0).toBe(f.ignoredHandshake);
      expect((f.bits & Fact.HalfOpen) !== 0).toBe(f.halfOpen);
      expect((f.bits & Fact.UnansweredSyns) !== 0).toBe(f.unansweredSyns > 0);
    }
    // Every signature occurs somewhere in the fixtures, so each bit above was compared set as well as clear.
    expect([...seen].sort()).toEqual([...SIGNATURES].sort());
  });

  it('names each signature by its SIGNATURES index: a detector testing Fact.Refused tests the refusal', () => {
    // A Fact value out of place would pass the test above (classify sets bits by SIGNATURES, not by Fact) while
    // a detector and its mask agreed on the wrong bit.
    const byName: Record<SignatureId, number> = {
      'syn-retransmit': Fact.SynRetransmit,
      'syn-unanswered': Fact.SynUnanswered,
      refused: Fact.Refused,
      'synack-retransmit': Fact.SynAckRetransmit,
      'synack-retransmit-after-ack': Fact.SynAckRetransmitAfterAck,
      'handshake-data-ignored': Fact.HandshakeDataIgnored,
      'reset-after-handshake': Fact.ResetAfterHandshake,
      'reset-by-application': Fact.ResetByApplication,
      syncookie: Fact.Syncookie,
      'port-reuse': Fact.PortReuse,
    };
    for (const id of SIGNATURES) expect(byName[id], id).toBe(1 << SIGNATURES.indexOf(id));
    // The facts' bits come after the signatures' and apart from each other.
    const facts = [Fact.SynDropped, Fact.IgnoredHandshake, Fact.HalfOpen, Fact.UnansweredSyns];
    for (const b of facts) expect(b).toBeGreaterThanOrEqual(1 << SIGNATURES.length);
    expect(new Set(facts).size).toBe(facts.length);
  });
});

describe('ListenerDetector.observes', () => {
  const gated = listenerDetectors.filter((d) => d.observes !== undefined);

  it('is declared by every detector but the accept queue\'s, which reads every connection', () => {
    expect(listenerDetectors.filter((d) => d.observes === undefined).map((d) => d.id)).toEqual(['accept-queue-overflow']);
  });

  for (const d of gated) {
    it(`${d.id}: observe() changes nothing for a connection without its facts, and something for one with them`, () => {
      // As the analyzer runs it: one state and one base fed every connection in turn (a skipped connection
      // must leave them as they are, whatever came before), and a new state per connection beside it (so that
      // a state already saturated by the earlier ones cannot hide an effect).
      const state = d.newState();
      const base = newBase();
      let skipped = 0;
      let acted = 0;
      for (const { c, facts } of conns) {
        const fresh = d.newState();
        // A state may hold a random hash seed: compared with a copy of itself, not with another new one.
        const freshBefore = deepCopy(fresh);
        const skip = (facts.bits & d.observes!) === 0;
        const before = skip ? deepCopy(state) : null;
        const baseBefore = skip ? deepCopy(base) : null;
        d.observe(fresh, c, facts, newBase());
        d.observe(state, c, facts, base);
        if (skip) {
          skipped++;
          expect(fresh, `${d.id}, connection ${c.id}`).toEqual(freshBefore);
          expect(state, `${d.id}, connection ${c.id}, after the others`).toEqual(before);
          expect(base, `${d.id}, connection ${c.id}: the base`).toEqual(baseBefore);
        } else if (!isEqual(fresh, freshBefore)) acted++;
      }
      // Both sides were tried: most connections are skipped, and the facts the detector waits for do occur.
      expect(skipped).toBeGreaterThan(1000);
      expect(acted).toBeGreaterThan(0);
    });
  }
});

function isEqual(a: unknown, b: unknown): boolean {
  try {
    expect(a).toEqual(b);
    return true;
  } catch {
    return false;
  }
}
