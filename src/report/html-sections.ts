/**
 * The text sections of the HTML report: capture summary, verdicts, finding
 * details (figures, episodes, evidence with ladder diagrams, caveats, fix,
 * confirm commands) and the listener outcome table — the Markdown report's
 * content. Everything from the capture is escaped.
 */
import type { EvidenceConnection } from '../diagnose/evidence.js';
import { plural } from './numbers.js';
import { escapeHtml, proseHtml } from './html-escape.js';
import { scrollTable } from './html-charts.js';
import { evidenceFrames } from './markdown.js';
import { digitsOf, timeDigits, type CaptureReport, type FindingReport, type Ladder, type Time } from './model.js';
import { clockOfIso, int } from './svg-common.js';
import { duration, measuredDuration } from '../diagnose/duration.js';
import { figureValue, handshakesTimed, proseNumbers } from './units.js';
import { LADDER_CAP, ladderSvg } from './svg-ladder.js';
import { OUTCOME_HEAD, OUTCOME_NUMERIC, outcomeRows } from './outcomes.js';

const esc = escapeHtml;

const count = plural;

function time(t: Time | null): string {
  return t ? `<time datetime="${esc(t.iso)}">${esc(t.iso || String(t.epoch))}</time>` : 'n/a';
}

export function severityBadge(s: FindingReport['severity']): string {
  return `<span class="sev ${s}">${s}</span>`;
}

/** A two-column key/value table. */
function facts(rows: [string, string][], cls = 'facts'): string {
  return `<div class="scroll"><table class="${cls}"><tbody>\n${rows.map(([k, v]) => `<tr><th scope="row">${k}</th><td>${v}</td></tr>`).join('\n')}\n</tbody></table></div>`;
}

export function captureSummary(c: CaptureReport, multi: boolean): string {
  const rows: [string, string][] = [];
  rows.push(['File', `<code class="path">${esc(c.path)}</code>`]);
  rows.push(['Format', esc(c.format ? `${c.format}${c.gzip ? ' (gzip)' : ''}` : 'unknown' + (c.gzip ? ' (gzip)' : ''))]);
  rows.push(['Link types', c.linkTypes.length ? c.linkTypes.map(esc).join(', ') : 'none']);
  rows.push(['Packets', int(c.packets)]);
  rows.push([
    'Decoded',
    `TCP ${int(c.tcp)}, other IP ${int(c.otherIp)}, non-IP ${int(c.nonIp)}, truncated ${int(c.truncated)}, malformed ${int(c.malformed)}` +
      (c.outsideWindow > 0 ? `, outside --since/--until ${int(c.outsideWindow)}` : ''),
  ]);
  rows.push(['Duration', c.duration === null ? 'n/a' : esc(duration(c.duration, { precision: digitsOf(c) }))]);
  rows.push(['First packet', time(c.firstTime)]);
  rows.push(['Last packet', time(c.lastTime)]);
  const v = c.vantage;
  rows.push([
    'Vantage point',
    `${esc(v.vantage)} (median SYN→SYN-ACK ${esc(measuredDuration(v.synToSynAck, digitsOf(c)))}, SYN-ACK→ACK ${esc(measuredDuration(v.synAckToAck, digitsOf(c)))}, over ${handshakesTimed(v)})`,
  ]);
  rows.push(['TCP connections', int(c.connections) + (c.evictions > 0 ? ` (${int(c.evictions)} evicted early)` : '')]);
  let status: string;
  if (c.error !== null && c.packets === 0) status = `<strong class="bad">could not be read</strong>: ${esc(c.error)}`;
  else if (c.partial || c.error !== null) {
    status =
      `<strong class="warn">partial</strong>: reading stopped` +
      (c.errorFrame !== null ? ` at frame ${c.errorFrame}` : '') +
      (c.errorOffset !== null ? ` (byte offset ${c.errorOffset})` : '') +
      (c.error !== null ? `: ${esc(c.error)}` : '');
  } else status = 'read completely';
  rows.push(['Read', status]);
  const out = [`<section class="capture">`, `<h3>${multi ? 'Capture: ' : ''}<code class="path">${esc(c.path)}</code></h3>`, facts(rows)];
  if (c.warnings.length > 0) {
    out.push(`<div class="warnings"><p>Warnings (${int(c.warnings.length)}):</p><ul>${c.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul></div>`);
  }
  out.push('</section>');
  return out.join('\n');
}

/** The capture at a glance (top of the report). */
export function captureTiles(c: CaptureReport, multi: boolean): string {
  const tiles: [string, string][] = [
    [int(c.packets), `packets (${int(c.tcp)} TCP)`],
    [int(c.connections), 'TCP connections'],
    [c.duration === null ? 'n/a' : esc(duration(c.duration, { precision: digitsOf(c) })), 'duration'],
    [c.firstTime ? esc(clockOfIso(c.firstTime.iso, c.firstTime.epoch)) : 'n/a', `first packet (UTC${c.firstTime ? `, ${esc(c.firstTime.iso.slice(0, 10))}` : ''})`],
    [c.lastTime ? esc(clockOfIso(c.lastTime.iso, c.lastTime.epoch)) : 'n/a', 'last packet (UTC)'],
    [esc(c.vantage.vantage), 'capture taken at'],
  ];
  let status = '';
  if (c.error !== null && c.packets === 0) status = `<p class="bad"><strong>Could not be read</strong>: ${esc(c.error)}</p>`;
  else if (c.partial || c.error !== null) status = `<p class="warn"><strong>Partial</strong>: reading stopped${c.errorFrame !== null ? ` at frame ${c.errorFrame}` : ''}${c.error !== null ? `: ${esc(c.error)}` : ''}</p>`;
  return [
    `<div class="capture-glance">`,
    `<p class="capture-file">${multi ? 'Capture' : 'Capture'} <code class="path">${esc(c.path)}</code>${c.warnings.length ? ` <a class="warn" href="#captures">(${count(c.warnings.length, 'warning')})</a>` : ''}</p>`,
    `<div class="summary-grid">${tiles.map(([v, l]) => `<div class="stat"><b>${v}</b><span>${l}</span></div>`).join('')}</div>`,
    status,
    `</div>`,
  ].join('\n');
}

/** The verdicts, most severe first, each linking to its detail. */
export function verdictList(findings: FindingReport[], multi: boolean): string {
  if (findings.length === 0) return `<p class="none"><strong>No findings</strong>: no handshake failure pattern was detected in ${multi ? 'these captures' : 'this capture'}.</p>`;
  const items = findings.map(
    (f, i) =>
      `<li class="verdict ${f.severity}"><div class="verdict-head">${severityBadge(f.severity)} <a href="#finding-${i + 1}"><strong>${esc(f.id)}</strong></a>` +
      ` <span class="listener">${esc(f.listener)}</span> <span class="conns">${count(f.connections, 'connection')}</span>` +
      (multi ? ` <code class="path">${esc(f.capture)}</code>` : '') +
      `</div><p>${proseHtml(proseNumbers(f.verdict))}</p></li>`,
  );
  return `<ol class="verdicts">\n${items.join('\n')}\n</ol>`;
}

const LADDER_KEY =
  '<p class="key">In the ladder diagrams each arrow is one packet: frame number, seconds since the connection\'s first packet, tcpdump flags, ' +
  'seq/ack relative to each side\'s first sequence number. <span class="k-resent">Highlighted, dashed</span> = re-sent (retransmission); ' +
  '<span class="k-dup">dotted</span> = capture duplicate; "RST again: answers #N" = the listener\'s new RST to a segment that arrived after its first RST ' +
  '(with tcp_abort_on_overflow=1, the data behind the reset ACK), not a copy; brackets mark the waits, with their duration.</p>';

/** `digits`: of a second, the capture's, for the ladder's times. */
function evidenceItem(e: EvidenceConnection, ladder: Ladder | undefined, id: string, overflow: boolean, digits: number): string {
  const frames = evidenceFrames(e).map(([label, n]) => `${esc(label)} #${n}`);
  const out = [`<li class="evidence" id="${id}">`];
  out.push(
    `<p><strong>Connection ${e.id}</strong>: <code>${esc(e.client)}</code> → <code>${esc(e.server)}</code>, frames ${e.firstFrame}–${e.lastFrame}` +
      (e.note ? `: ${proseHtml(e.note)}` : '') +
      '</p>',
  );
  const meta: string[] = [];
  if (frames.length) meta.push(`<li>events: ${frames.join(', ')}</li>`);
  if (e.signatures.length) meta.push(`<li>signatures: ${e.signatures.map((s) => `<code>${esc(s)}</code>`).join(', ')}</li>`);
  if (e.filter) meta.push(`<li>filter: <code class="filter">${esc(e.filter)}</code></li>`);
  for (const x of e.inFiles ?? []) meta.push(`<li>in <code>${esc(x.file)}</code>: frames ${x.firstFrame}–${x.lastFrame}, filter <code class="filter">${esc(x.filter)}</code></li>`);
  if (meta.length) out.push(`<ul class="meta">${meta.join('')}</ul>`);
  if (ladder && ladder.packets.length > 0) {
    const n = ladder.packets.length;
    out.push(`<details class="ladder-box" open="open"><summary>Ladder diagram (${count(n, 'packet')}${n > LADDER_CAP ? `, first ${LADDER_CAP} drawn` : ''})</summary>`);
    out.push(`<div class="scroll ladder-scroll">${ladderSvg(e, ladder.packets, `${id}-ladder`, { overflow, digits })}</div>`);
    if (n > LADDER_CAP) {
      out.push(`<p class="note">Only the first ${int(LADDER_CAP)} of ${int(n)} packets are drawn; open the capture in Wireshark with the filter above for the rest.</p>`);
    }
    out.push('</details>');
  }
  out.push('</li>');
  return out.join('\n');
}

export function findingDetail(f: FindingReport, n: number, multi: boolean, ladders: Ladder[]): string {
  const id = `finding-${n}`;
  const out: string[] = [`<article class="finding ${f.severity}" id="${id}">`];
  out.push(`<h3>${n}. ${esc(f.id)} on ${esc(f.listener)} ${severityBadge(f.severity)}</h3>`);
  out.push(`<p class="verdict-text"><strong>Verdict:</strong> ${proseHtml(proseNumbers(f.verdict))}</p>`);
  const list = [`Connections affected: ${int(f.connections)}`];
  if (multi) list.unshift(`Capture: <code class="path">${esc(f.capture)}</code>`);
  if (f.firstTime || f.lastTime) list.push(`Seen: ${time(f.firstTime)} → ${time(f.lastTime)}`);
  out.push(`<ul class="seen">${list.map((x) => `<li>${x}</li>`).join('')}</ul>`);
  if (f.figures.length > 0) {
    out.push(scrollTable(['Figure', 'Value'], f.figures.map(([k, v]) => [proseHtml(k), proseHtml(figureValue(v))]), { cls: 'figures' }));
  }
  if (f.episodes.length > 0) {
    out.push(`<h4>Episodes (${int(f.episodes.length)})</h4>`);
    out.push(
      scrollTable(
        ['Start', 'End', 'Length', 'Connections'],
        f.episodes.map((e) => [time(e.start), time(e.end), esc(duration(e.duration, { precision: timeDigits(e.start) })), int(e.connections)]),
        { numeric: [false, false, true, true], cls: 'episodes' },
      ),
    );
  }
  if (f.evidence.connections.length > 0 || f.evidence.filter) {
    out.push('<h4>Evidence</h4>');
    if (f.evidence.filter) out.push(`<p>Wireshark display filter for the pattern: <code class="filter">${esc(f.evidence.filter)}</code></p>`);
    if (f.evidence.connections.length > 0) {
      out.push(`<p>Example connections (${int(f.evidence.connections.length)}):</p>`);
      if (ladders.some((l) => l.capture === f.capture && f.evidence.connections.some((e) => e.id === l.connection))) out.push(LADDER_KEY);
      out.push('<ul class="evidence-list">');
      f.evidence.connections.forEach((e, i) => {
        const ladder = ladders.find((l) => l.capture === f.capture && l.connection === e.id);
        out.push(evidenceItem(e, ladder, `${id}-ev${i + 1}`, f.id === 'accept-queue-overflow', f.firstTime ? timeDigits(f.firstTime) : 6));
      });
      out.push('</ul>');
    }
  }
  if (f.confidence) out.push(`<p class="confidence">Confidence: <strong>${esc(f.confidence)}</strong></p>`);
  if (f.vantage) out.push(`<p class="vantage">Seen from: <strong>the ${esc(f.vantage)} side</strong></p>`);
  if (f.alternatives?.length) out.push('<h4>Could also be</h4>', `<ul class="alternatives">${f.alternatives.map((a) => `<li><code>${esc(a.cause)}</code>: ${proseHtml(a.why)}</li>`).join('')}</ul>`);
  if (f.caveats.length > 0) out.push('<h4>Caveats</h4>', `<ul>${f.caveats.map((c) => `<li>${proseHtml(c)}</li>`).join('')}</ul>`);
  if (f.fix.length > 0) out.push('<h4>Fix</h4>', `<ul class="fix">${f.fix.map((x) => `<li>${proseHtml(x)}</li>`).join('')}</ul>`);
  if (f.confirm.length > 0) {
    out.push('<h4>Confirm on the host</h4>', `<pre class="confirm"><code>${f.confirm.map((x) => esc(x.replace(/[\r\n\t]+/g, ' '))).join('\n')}</code></pre>`);
  }
  if (f.explain) out.push(`<p class="more">More: <code>${esc(f.explain)}</code></p>`);
  out.push('</article>');
  return out.join('\n');
}

export function listenerTable(c: CaptureReport): string {
  if (c.listeners.length === 0) return '<p>No TCP listeners seen.</p>';
  return scrollTable(
    OUTCOME_HEAD.map(esc),
    outcomeRows(c).map((r) => [`<code>${esc(r.listener)}</code>`, ...r.counts.map(int), esc(r.vantage)]),
    { numeric: OUTCOME_NUMERIC, cls: 'outcomes', caption: OUTCOME_CAPTION },
  );
}

const OUTCOME_CAPTION =
  'Completed, ignored and reset split the handshakes the capture saw complete, as the timeline does; ' +
  'overflowed counts every connection the full accept queue delayed or failed (its SYN drops included); ' +
  'seen from says where the capture saw the listener (a proxy\'s capture sees its front listener from the server side, its back ends from the client side).';
