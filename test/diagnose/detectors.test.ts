import { describe, expect, it } from 'vitest';
import { runPipeline } from '../../src/diagnose/pipeline.js';
import { synAckAfterAck } from '../../src/diagnose/synack-after-ack.js';
import { exitCode } from '../../src/cli/analyze-run.js';
import { renderJunit } from '../../src/report/junit.js';
import { captureReport, findingReport, newReport } from '../../src/report/model.js';
import { Connection } from '../../src/track/connection.js';
import { runCli } from '../cli/run-cli.js';
import { FIXTURES } from '../helpers/pipeline.js';
import { S } from '../../src/capture/time-base.js';

const CUT = `${FIXTURES}crafted/get-cut-in-data.pcap`;

async function report(path: string) {
  const { summary, analysis } = await runPipeline(path);
  const r = newReport('0.0.0-test');
  r.captures.push(captureReport(summary, analysis));
  r.findings.push(...analysis.findings.map((f) => findingReport(path, f, summary)));
  return r;
}

describe('capture-incomplete', () => {
  it('a capture cut inside a record gives a warning naming the file, byte offset and frame', async () => {
    const { summary, analysis } = await runPipeline(CUT);
    // What the reader said (tshark reads 4 packets of this file and calls the 5th cut short).
    expect(summary).toMatchObject({ partial: true, packets: 4, errorOffset: 508, errorFrame: 5 });
    const f = analysis.findings.find((x) => x.id === 'capture-incomplete')!;
    expect(f).toMatchObject({ severity: 'warning', listener: '*', explain: 'tcpdiag explain capture-incomplete' });
    expect(f.verdict).toContain(CUT);
    expect(f.verdict).toContain('byte offset 508, frame 5');
    expect(f.verdict).toContain('only the 4 packets before it were diagnosed');
    expect(f.figures).toContainEqual(['byte offset', '508']);
    expect(f.figures).toContainEqual(['frame', '5']);
  });

  it('fails --fail-on warning (not error) and is a failing JUnit case at warning', async () => {
    const r = await report(CUT);
    expect(exitCode(r, 'warning')).toBe(1);
    expect(exitCode(r, 'error')).toBe(0);
    const xml = renderJunit(r, 'warning');
    expect(xml).toMatch(/<testcase name="capture-incomplete \*" classname="tcpdiag.capture-incomplete" time="0">\s*<failure message="Reading [^"]*byte offset 508, frame 5/);
    expect(renderJunit(r, 'error')).not.toMatch(/<failure[^>]*Reading/);
  });

  it('is a GitHub ::warning annotation', async () => {
    const r = await runCli(['analyze', CUT, '-q', '--format', 'json'], { env: { GITHUB_ACTIONS: 'true' } });
    expect(r.stderr).toMatch(/^::warning title=capture-incomplete \*::.*byte offset 508, frame 5/m);
  });

  it('is not raised for a whole capture, nor for one that could not be read at all', async () => {
    for (const path of [`${FIXTURES}lab/refused-server.pcap`, `${FIXTURES}crafted/not-a-capture.txt`]) {
      const { analysis } = await runPipeline(path);
      expect(analysis.findings.map((f) => f.id), path).not.toContain('capture-incomplete');
    }
  });
});

describe('synAckAfterAck (the SYN-ACK crossing judgement)', () => {
  /**
   * A record with a handshake ACK at 1.0 s and SYN-ACK copies at the given times, frames in time order. The
   * arguments are seconds; the record's times nanoseconds (capture/time-base.ts).
   */
  function conn(copiesS: number[], synToSynAckS = 0.01): Connection {
    const copies = copiesS.map((t) => Math.round(t * S));
    const synToSynAck = Math.round(synToSynAckS * S);
    const c = new Connection();
    c.synTime = c.lastSynTime = 0.5 * S - synToSynAck;
    c.synAckTime = 0.5 * S;
    c.synAckFrame = 2;
    c.synAckCount = 1 + copies.length;
    c.handshakeAckTime = 1 * S;
    c.handshakeAckFrame = 3;
    const more: number[] = [];
    copies.forEach((t, i) => more.push(t < 1 * S ? 2 + (i + 1) * 0.1 : 4 + i, t));
    // The record's own storage of the SYN-ACK timeline (track/connection.ts): frame, time pairs and their count.
    Object.assign(c, { synAckMore: Float64Array.from(more), synAckMoreLength: more.length });
    c.synAckCopiesAfterAck = copies.filter((t) => t > 1 * S).length;
    return c;
  }

  it('counts the copies sent after the server could have had the ACK', () => {
    expect(synAckAfterAck(conn([1.5, 3.5, 7.5]))).toBe(3);
  });

  it('does not count a copy that crossed the ACK on the wire (within 0.1 s, or 1.5 × SYN → SYN-ACK)', () => {
    expect(synAckAfterAck(conn([1.05, 1.5]))).toBe(1);
    // A slow SYN → SYN-ACK (0.2 s, a client-side capture) widens the window to 0.3 s.
    expect(synAckAfterAck(conn([1.25, 1.5], 0.2))).toBe(1);
    expect(synAckAfterAck(conn([1.35], 0.2))).toBe(1);
  });

  it('is 0 without copies after the ACK', () => {
    expect(synAckAfterAck(conn([]))).toBe(0);
  });
});
