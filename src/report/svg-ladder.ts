/**
 * The ladder diagram of one evidence connection (like Wireshark's flow graph):
 * client and server as two vertical lines, each packet an arrow labelled with
 * tcpdump-style flags, relative seq/ack and length, its frame number and
 * relative time; re-sent packets highlighted; the gaps that matter bracketed
 * with their duration (SYN unanswered until the SYN-ACK; handshake ACK until
 * the server's first answer or reset — the gap an accept-queue overflow adds).
 */
import type { EvidenceConnection } from '../diagnose/evidence.js';
import type { LoggedPacket } from '../track/connection.js';
import { escapeHtml } from './html-escape.js';
import { TCP_ACK, TCP_CWR, TCP_ECE, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, TCP_URG } from '../decode/segment.js';
import { n2, shortDuration, tag } from './svg-common.js';
import { formatCount, plural } from './numbers.js';
import { seconds } from '../capture/time-base.js';

export const LADDER_CAP = 40;

/** tcpdump's flag notation: `S`, `S.`, `.`, `P.`, `R`, `R.`, `F.`, `SEW`. */
export function tcpFlags(flags: number): string {
  let s = '';
  if (flags & TCP_FIN) s += 'F';
  if (flags & TCP_SYN) s += 'S';
  if (flags & TCP_RST) s += 'R';
  if (flags & TCP_PSH) s += 'P';
  if (flags & TCP_URG) s += 'U';
  if (flags & TCP_ECE) s += 'E';
  if (flags & TCP_CWR) s += 'W';
  if (flags & TCP_ACK) s += '.';
  return `[${s || 'none'}]`;
}

export interface LadderRow {
  packet: LoggedPacket;
  /** Seconds since the connection's first packet. */
  rel: number;
  flags: string;
  /** `seq 1:201 ack 1 len 200`, relative to each side's initial sequence number. */
  detail: string;
  /**
   * The packet's own resent mark, except for a RST the tracker took for a copy of the one before it
   * while the peer sent a segment in between: that RST answers the new segment (the listener's second
   * RST to the data behind the reset ACK, tcp_abort_on_overflow=1), so it is not re-sent (0).
   */
  resent: number;
  /** The peer's segment a repeated RST answers (frame), else 0. */
  answers: number;
}

/** Relative times and sequence numbers of a connection's packets, in frame order. */
export function ladderRows(packets: LoggedPacket[]): LadderRow[] {
  const ps = [...packets].sort((a, b) => a.frame - b.frame);
  if (ps.length === 0) return [];
  const t0 = ps[0]!.time;
  const isn = (fromClient: boolean): number | null => {
    const syn = ps.find((p) => p.fromClient === fromClient && p.flags & TCP_SYN);
    if (syn) return syn.seq;
    const any = ps.find((p) => p.fromClient === fromClient);
    return any ? any.seq : null;
  };
  const cIsn = isn(true);
  const sIsn = isn(false);
  const rel = (x: number, base: number | null) => (base === null ? x : (x - base) >>> 0);
  const rows = ps.map((p): LadderRow => {
    const own = p.fromClient ? cIsn : sIsn;
    const peer = p.fromClient ? sIsn : cIsn;
    const seq = rel(p.seq, own);
    const parts = [p.len > 0 ? `seq ${seq}:${(seq + p.len) >>> 0}` : `seq ${seq}`];
    if (p.flags & TCP_ACK) parts.push(`ack ${rel(p.ack, peer)}`);
    if (p.len > 0) parts.push(`len ${p.len}`);
    return { packet: p, rel: seconds(p.time - t0), flags: tcpFlags(p.flags), detail: parts.join(' '), resent: p.resent, answers: 0 };
  });
  // A repeated RST with a peer segment since the previous RST of its side answers that segment.
  rows.forEach((r, i) => {
    const p = r.packet;
    if (!(p.flags & TCP_RST) || p.resent === 0) return;
    let peer = 0;
    for (let j = i - 1; j >= 0; j--) {
      const q = rows[j]!.packet;
      if (q.fromClient === p.fromClient) {
        if (q.flags & TCP_RST) break;
      } else if (peer === 0) peer = q.frame;
    }
    if (peer !== 0) {
      r.resent = 0;
      r.answers = peer;
    }
  });
  return rows;
}

/**
 * What a packet repeats or answers: `re-sent` (a retransmission), `duplicate` (seen twice by the
 * capture), `RST again: answers #N` (a listener's new RST to a segment that came after its first), or ''.
 */
export function resentLabel(r: Pick<LadderRow, 'resent' | 'answers'>): string {
  if (r.answers !== 0) return `RST again: answers #${r.answers}`;
  return r.resent === 1 ? 're-sent' : r.resent === 2 ? 'duplicate' : '';
}

interface Gap {
  from: number;
  to: number;
  cls: string;
  lines: string[];
  title: string;
}

/** The gaps worth a bracket, from the evidence's handshake events. */
export function ladderGaps(e: EvidenceConnection, rows: LadderRow[], overflow = false): Gap[] {
  const at = (frame: number | undefined) => (frame === undefined ? undefined : rows.find((r) => r.packet.frame === frame));
  const out: Gap[] = [];
  const syn = at(e.frames.syn);
  const synAck = at(e.frames.synAck);
  if (syn && synAck) {
    const resent = rows.filter((r) => r.packet.fromClient && r.packet.flags & TCP_SYN && !(r.packet.flags & TCP_ACK) && r.packet.frame < synAck.packet.frame).length - 1;
    if (resent > 0) {
      const d = seconds(synAck.packet.time - syn.packet.time);
      out.push({
        from: syn.packet.frame,
        to: synAck.packet.frame,
        cls: 'gap syn-gap',
        lines: [shortDuration(d), 'until SYN-ACK', `(SYN sent ${resent + 1}×)`],
        title: `SYN unanswered for ${shortDuration(d)}: sent ${resent + 1} times (frame ${syn.packet.frame} to the SYN-ACK in frame ${synAck.packet.frame})`,
      });
    }
  }
  const ack = at(e.frames.handshakeAck);
  const endFrame = e.frames.serverAnswer ?? e.frames.rst;
  if (ack && endFrame !== undefined && endFrame > ack.packet.frame) {
    const end = at(endFrame);
    const isRst = end ? (end.packet.flags & TCP_RST) !== 0 : e.frames.rst === endFrame;
    const d = end ? seconds(end.packet.time - ack.packet.time) : NaN;
    out.push({
      from: ack.packet.frame,
      to: endFrame,
      cls: 'gap answer-gap',
      lines: [end ? shortDuration(d) : `frame ${endFrame}`, isRst ? 'ACK until RST' : 'server silent', overflow ? (isRst ? 'queue full: reset' : 'added by overflow') : 'after the ACK'],
      title:
        `${isRst ? 'Server reset' : 'Server first answered'} ${end ? shortDuration(d) + ' ' : ''}after the client's handshake ACK ` +
        `(frame ${ack.packet.frame} to frame ${endFrame})` + (overflow ? (isRst ? ': the full accept queue reset the connection' : ': the gap the accept-queue overflow added') : ''),
    });
  }
  return out;
}

const W = 520;
const COL_X = 4;
const CX = 84;
const SX = 376;
const GAP_X = 386;
/** Room for an arrow's label between the lifelines, and the monospace glyph width at 11px. */
const LABEL_ROOM = SX - CX - 16;
const MONO_W = 6.6;
const TOP = 62;
const ROW = 30;

/** A label too long for the room between the lifelines is squeezed to fit. */
function squeeze(label: string): Record<string, number | string> {
  return label.length * MONO_W > LABEL_ROOM ? { textLength: LABEL_ROOM, lengthAdjust: 'spacingAndGlyphs' } : {};
}

/**
 * `opts.digits`: of a second, the capture's (its times' ISO digits): each packet's time since the first is
 * written with as many, at least six (`0.000040888` on a nanosecond capture, `0.000041` on a µs one).
 */
export function ladderSvg(e: EvidenceConnection, packets: LoggedPacket[], id: string, opts: { overflow?: boolean; cap?: number; digits?: number } = {}): string {
  const cap = opts.cap ?? LADDER_CAP;
  const digits = Math.min(9, Math.max(6, opts.digits ?? 6));
  const all = ladderRows(packets);
  const rows = all.slice(0, cap);
  const gaps = ladderGaps(e, all, opts.overflow ?? false);
  const rowY = (i: number) => TOP + 14 + i * ROW;
  const yOf = new Map(rows.map((r, i) => [r.packet.frame, rowY(i)]));
  const lastY = rowY(Math.max(0, rows.length - 1));
  const more = all.length - rows.length;
  const H = lastY + 26 + (more > 0 ? 22 : 0);
  const events = new Set(Object.values(e.frames));
  const p: string[] = [];
  p.push(tag('title', { id: `${id}-title` }, escapeHtml(`Ladder diagram of connection ${e.id}: ${e.client} → ${e.server}`)));
  p.push(
    tag(
      'desc',
      { id: `${id}-desc` },
      escapeHtml(
        `${plural(all.length, 'packet')}, frames ${e.firstFrame} to ${e.lastFrame}` +
          (more > 0 ? `, the first ${formatCount(rows.length)} drawn` : '') +
          `. ${gaps.map((g) => g.title).join('. ')}${gaps.length ? '.' : ''}`,
      ),
    ),
  );
  // Highlight rows of re-sent packets first, under everything.
  rows.forEach((r, i) => {
    if (r.resent) p.push(tag('rect', { class: r.resent === 1 ? 'resent-row' : 'dup-row', x: 0, y: rowY(i) - ROW / 2 - 4, width: W, height: ROW }));
  });
  // Headers and the two lifelines.
  p.push(tag('text', { class: 'col-head', x: COL_X, y: TOP - 20 }, 'frame'));
  p.push(tag('text', { class: 'col-head', x: COL_X, y: TOP - 7 }, 'time (s)'));
  // Host names centred on their lifeline, kept inside the picture when long (IPv6).
  const host = (x: number, name: string, addr: string) => {
    const half = (addr.length * MONO_W) / 2;
    const [ax, anchor] = x - half < 2 ? [2, 'start'] : x + half > W - 2 ? [W - 2, 'end'] : [x, 'middle'];
    return (
      tag('text', { class: 'host', x, y: 16, 'text-anchor': 'middle' }, name) +
      tag('text', { class: 'addr', x: ax, y: 31, 'text-anchor': anchor }, escapeHtml(addr))
    );
  };
  p.push(host(CX, 'client', e.client), host(SX, 'server', e.server));
  p.push(tag('line', { class: 'lifeline', x1: CX, x2: CX, y1: TOP - 18, y2: lastY + 16 }));
  p.push(tag('line', { class: 'lifeline', x1: SX, x2: SX, y1: TOP - 18, y2: lastY + 16 }));

  rows.forEach((r, i) => {
    const y = rowY(i);
    const pk = r.packet;
    const [x1, x2] = pk.fromClient ? [CX, SX] : [SX, CX];
    const dir = pk.fromClient ? 1 : -1;
    const resent = resentLabel(r);
    const cls = ['pkt', pk.fromClient ? 'c2s' : 's2c', r.resent === 1 ? 'resent' : r.resent === 2 ? 'dup' : '', r.answers ? 'rst-again' : '', pk.flags & TCP_RST ? 'rst' : '', events.has(pk.frame) ? 'event' : '']
      .filter(Boolean)
      .join(' ');
    const label = `${r.flags} ${r.detail}${resent ? ` (${resent})` : ''}`;
    const head = `${n2(x2)},${n2(y)} ${n2(x2 - dir * 9)},${n2(y - 4.5)} ${n2(x2 - dir * 9)},${n2(y + 4.5)}`;
    p.push(
      tag(
        'g',
        { class: cls },
        tag('title', {}, escapeHtml(`Frame ${pk.frame}, +${r.rel.toFixed(digits)} s, ${pk.fromClient ? 'client → server' : 'server → client'}: ${label}`)) +
          tag('text', { class: 'frame', x: COL_X, y: y - 4 }, `#${pk.frame}`) +
          tag('text', { class: 'time', x: COL_X, y: y + 10 }, r.rel.toFixed(digits)) +
          tag('line', { class: 'arrow', x1, x2: x2 - dir * 8, y1: y, y2: y }) +
          tag('polygon', { class: 'head', points: head }) +
          tag('text', { class: 'label', x: (CX + SX) / 2, y: y - 5, 'text-anchor': 'middle', ...squeeze(label) }, escapeHtml(label)),
      ),
    );
  });

  for (const g of gaps) {
    const y1 = yOf.get(g.from);
    if (y1 === undefined) continue;
    const y2v = yOf.get(g.to);
    const y2 = y2v ?? lastY + 14;
    const open = y2v === undefined;
    const d = `M${GAP_X} ${n2(y1)}h8V${n2(y2)}${open ? '' : 'h-8'}`;
    const mid = (y1 + y2) / 2;
    const lines = open ? [...g.lines, '(below the cut)'] : g.lines;
    const top = Math.max(y1 + 2, Math.min(mid - ((lines.length - 1) * 13) / 2 + 4, y2 - (lines.length - 1) * 13));
    const text = lines.map((l, i) => tag('text', { class: i === 0 ? 'gap-len' : 'gap-note', x: GAP_X + 14, y: top + i * 13 }, escapeHtml(l))).join('');
    p.push(tag('g', { class: g.cls }, tag('title', {}, escapeHtml(g.title)) + tag('path', { d, class: open ? 'bracket open' : 'bracket' }) + text));
  }
  if (more > 0) {
    p.push(tag('text', { class: 'cut', x: (CX + SX) / 2, y: lastY + 36, 'text-anchor': 'middle' }, escapeHtml(`… ${plural(more, 'more packet')} not drawn (first ${formatCount(rows.length)} of ${formatCount(all.length)})`)));
  }
  return tag(
    'svg',
    { class: 'ladder', xmlns: 'http://www.w3.org/2000/svg', viewBox: `0 0 ${W} ${n2(H)}`, role: 'img', 'aria-labelledby': `${id}-title ${id}-desc` },
    p.join(''),
  );
}
