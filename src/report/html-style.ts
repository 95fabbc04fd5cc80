/**
 * The HTML report's inline stylesheet: system fonts only, light and dark
 * colour schemes (prefers-color-scheme), print rules, and narrow screens
 * (tables and wide diagrams scroll sideways, charts scale with their viewBox).
 * Print always uses the light palette (the dark one is for screens only).
 * No `<` or `&` in here: the document also parses as XML.
 */
export const STYLE = `
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1f2328; --muted: #59636e; --border: #d1d9e0; --panel: #f6f8fa; --panel2: #eef1f4;
  --link: #0969da; --code-bg: #eff2f5;
  --error: #cf222e; --error-bg: #ffebe9; --warning: #9a6700; --warning-bg: #fff8c5; --info: #0969da; --info-bg: #ddf4ff;
  --s-syns: #2f6fde; --s-synRetransmits: #c26a00; --s-handshakes: #1a7f37; --s-ignored: #d1242f; --s-resets: #8250df; --s-refused: #6e7781; --s-segmentDrops: #bf3989; --s-synDrops: #953800;
  --episode: rgba(209, 36, 47, 0.16); --episode-edge: rgba(209, 36, 47, 0.55); --marker: #a40e26;
  --grid: #e4e8ec; --axis: #8c959f; --resent-row: rgba(191, 135, 0, 0.16); --dup-row: rgba(110, 119, 129, 0.14);
  --bar: #2f6fde; --gap: #d1242f; --syn-gap: #c26a00;
}
@media screen and (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --border: #3d444d; --panel: #151b23; --panel2: #1c232c;
    --link: #4493f8; --code-bg: #262c36;
    --error: #ff7b72; --error-bg: rgba(248, 81, 73, 0.16); --warning: #d29922; --warning-bg: rgba(187, 128, 9, 0.18); --info: #58a6ff; --info-bg: rgba(56, 139, 253, 0.16);
    --s-syns: #58a6ff; --s-synRetransmits: #e3a03a; --s-handshakes: #3fb950; --s-ignored: #ff6e6e; --s-resets: #bc8cff; --s-refused: #9198a1; --s-segmentDrops: #f778ba; --s-synDrops: #ffa657;
    --episode: rgba(255, 110, 110, 0.17); --episode-edge: rgba(255, 110, 110, 0.6); --marker: #ff9492;
    --grid: #262c36; --axis: #656c76; --resent-row: rgba(210, 153, 34, 0.18); --dup-row: rgba(145, 152, 161, 0.14);
    --bar: #58a6ff; --gap: #ff7b72; --syn-gap: #e3a03a;
  }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--fg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif;
}
main { max-width: 1120px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 1.7rem; margin: 0 0 4px; }
h2 { font-size: 1.3rem; margin: 36px 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--border); }
h3 { font-size: 1.1rem; margin: 24px 0 10px; overflow-wrap: anywhere; }
h4 { font-size: 1rem; margin: 18px 0 8px; }
a { color: var(--link); }
p, ul, ol { margin: 8px 0; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace; font-size: 0.88em; }
code { background: var(--code-bg); padding: 1px 5px; border-radius: 4px; overflow-wrap: anywhere; }
pre { background: var(--panel); border: 1px solid var(--border); border-radius: 6px; padding: 10px 12px; overflow-x: auto; }
pre code { background: none; padding: 0; overflow-wrap: normal; }
.lede { color: var(--muted); margin: 0 0 8px; }
.scroll { overflow-x: auto; max-width: 100%; -webkit-overflow-scrolling: touch; }
table { border-collapse: collapse; margin: 8px 0; font-size: 0.93em; }
th, td { border: 1px solid var(--border); padding: 5px 10px; text-align: left; vertical-align: top; }
thead th { background: var(--panel2); white-space: nowrap; }
tbody th { background: var(--panel); font-weight: 600; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.data td { white-space: nowrap; padding: 2px 10px; }
table.figures td:first-child { white-space: nowrap; }
.sev { display: inline-block; font-size: 0.72rem; font-weight: 700; text-transform: uppercase; letter-spacing: 0.04em;
  padding: 1px 8px; border-radius: 999px; border: 1px solid currentColor; vertical-align: 0.15em; text-decoration: none; }
.sev.error { color: var(--error); background: var(--error-bg); }
.sev.warning { color: var(--warning); background: var(--warning-bg); }
.sev.info { color: var(--info); background: var(--info-bg); }
.bad { color: var(--error); }
.good { color: var(--s-handshakes); }
.warn { color: var(--warning); }
.tag { font-size: 0.75em; padding: 0 5px; border-radius: 4px; }
.tag.ep { background: var(--episode); color: var(--fg); }
ol.verdicts { list-style: none; padding: 0; display: grid; gap: 10px; }
li.verdict { border: 1px solid var(--border); border-left: 5px solid var(--info); border-radius: 6px; padding: 10px 14px; background: var(--panel); }
li.verdict.error { border-left-color: var(--error); }
li.verdict.warning { border-left-color: var(--warning); }
li.verdict p { margin: 6px 0 0; }
.verdict-head { display: flex; flex-wrap: wrap; gap: 6px 10px; align-items: baseline; }
.verdict-head .listener { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.9em; }
.verdict-head .conns { color: var(--muted); }
.warnings { border-left: 4px solid var(--warning); padding: 2px 12px; background: var(--warning-bg); border-radius: 4px; }
.summary-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 8px; margin: 12px 0; }
.stat { border: 1px solid var(--border); border-radius: 6px; padding: 8px 12px; background: var(--panel); }
.stat b { display: block; font-size: 1.25rem; font-variant-numeric: tabular-nums; }
.stat span { color: var(--muted); font-size: 0.85em; }
figure { margin: 12px 0 20px; }
figcaption { color: var(--muted); font-size: 0.9em; margin-top: 4px; }
details { margin: 6px 0; }
summary { cursor: pointer; color: var(--link); }
.chart-figure { border: 1px solid var(--border); border-radius: 8px; padding: 12px; background: var(--bg); }
.chart-figure.small { max-width: 560px; }
svg { display: block; width: 100%; height: auto; }
svg text { fill: var(--fg); font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; font-size: 12px; }
svg .tick { fill: var(--muted); font-variant-numeric: tabular-nums; }
svg .tick.edge { fill: var(--fg); font-weight: 700; }
svg .axis-title { fill: var(--muted); font-size: 11.5px; }
svg .grid { stroke: var(--grid); stroke-width: 1; }
svg .axis, svg .tick-mark { stroke: var(--axis); stroke-width: 1; }
svg .tick-mark.edge { stroke: var(--fg); stroke-width: 1.5; }
svg .line { fill: none; stroke-width: 2; stroke-linejoin: round; }
svg path.line.s-syns { fill: var(--s-syns); fill-opacity: 0.12; }
.s-syns { stroke: var(--s-syns); }
.s-synRetransmits { stroke: var(--s-synRetransmits); stroke-dasharray: 6 3; }
.s-handshakes { stroke: var(--s-handshakes); }
.s-ignored { stroke: var(--s-ignored); stroke-width: 2.5; }
.s-resets { stroke: var(--s-resets); stroke-dasharray: 2 3; }
.s-refused { stroke: var(--s-refused); stroke-dasharray: 8 3 2 3; }
.s-segmentDrops { stroke: var(--s-segmentDrops); stroke-width: 2.5; }
svg path.line.s-segmentDrops { fill: var(--s-segmentDrops); fill-opacity: 0.1; }
.s-synDrops { stroke: var(--s-synDrops); stroke-width: 2.5; stroke-dasharray: 5 2; }
svg .legend-item line { stroke-width: 3; }
svg .legend-item .none { opacity: 0.35; }
svg .legend-item text { font-size: 12px; }
svg rect.episode, svg rect.episode-key { fill: var(--episode); stroke: var(--episode-edge); stroke-width: 1; }
svg .overflow-start line, svg line.overflow-start { stroke: var(--marker); stroke-width: 1.5; stroke-dasharray: 4 3; }
svg .overflow-start text { fill: var(--marker); font-weight: 600; paint-order: stroke; stroke: var(--bg); stroke-width: 4px; stroke-linejoin: round; }
svg .bar { fill: var(--bar); }
svg .value { font-size: 11px; font-weight: 600; }
svg .unit { font-size: 10.5px; }
svg.ladder text { font-size: 11.5px; }
svg.ladder .host { font-weight: 700; font-size: 13px; }
svg.ladder .addr { fill: var(--muted); font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
svg.ladder .col-head { fill: var(--muted); font-size: 11px; }
svg.ladder .lifeline { stroke: var(--axis); stroke-width: 2; }
svg.ladder .frame, svg.ladder .time { fill: var(--muted); font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 10.5px; }
svg.ladder .frame { fill: var(--fg); }
svg.ladder .label { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 11px; }
svg.ladder .arrow { stroke-width: 1.5; }
svg.ladder .c2s .arrow { stroke: var(--s-syns); }
svg.ladder .c2s .head { fill: var(--s-syns); }
svg.ladder .s2c .arrow { stroke: var(--s-handshakes); }
svg.ladder .s2c .head { fill: var(--s-handshakes); }
svg.ladder .resent .arrow { stroke: var(--s-synRetransmits); stroke-dasharray: 6 3; }
svg.ladder .resent .head { fill: var(--s-synRetransmits); }
svg.ladder .resent .label { fill: var(--s-synRetransmits); }
svg.ladder .dup .arrow { stroke-dasharray: 2 3; }
svg.ladder .rst .arrow { stroke: var(--s-ignored); }
svg.ladder .rst .head { fill: var(--s-ignored); }
svg.ladder .rst .label { fill: var(--s-ignored); font-weight: 700; }
svg.ladder .event .label { font-weight: 700; }
svg.ladder .resent-row { fill: var(--resent-row); }
svg.ladder .dup-row { fill: var(--dup-row); }
svg.ladder .bracket { fill: none; stroke: var(--gap); stroke-width: 2; }
svg.ladder .bracket.open { stroke-dasharray: 4 3; }
svg.ladder .gap-len { fill: var(--gap); font-weight: 700; font-size: 12.5px; }
svg.ladder .gap-note { fill: var(--gap); font-size: 11px; }
svg.ladder .syn-gap .bracket { stroke: var(--syn-gap); }
svg.ladder .syn-gap .gap-len, svg.ladder .syn-gap .gap-note { fill: var(--syn-gap); }
svg.ladder .cut { fill: var(--muted); font-style: italic; }
.chart-box svg.timeline { display: block; width: 100%; height: auto; }
.tl-narrow { display: none; }
@media screen and (max-width: 560px) {
  .tl-wide { display: none; }
  .tl-narrow { display: block; }
}
.ladder-scroll svg.ladder { min-width: 440px; max-width: 640px; }
ul.evidence-list { list-style: none; padding: 0; }
li.evidence { border: 1px solid var(--border); border-radius: 8px; padding: 8px 14px; margin: 10px 0; }
li.evidence ul.meta { padding-left: 20px; color: var(--muted); font-size: 0.92em; }
.key, .note { color: var(--muted); font-size: 0.85em; }
.k-resent { background: var(--resent-row); padding: 0 4px; }
.k-dup { border-bottom: 2px dotted var(--muted); }
article.finding { border-top: 3px solid var(--info); padding-top: 4px; margin-top: 28px; }
article.finding.error { border-top-color: var(--error); }
article.finding.warning { border-top-color: var(--warning); }
ul.fix li { margin: 4px 0; }
section.listener h3 .sev { margin-left: 6px; }
footer { color: var(--muted); font-size: 0.85em; margin-top: 40px; border-top: 1px solid var(--border); padding-top: 10px; }
@media (max-width: 640px) {
  body { font-size: 14px; }
  main { padding: 14px 12px 32px; }
  h1 { font-size: 1.35rem; }
  h2 { font-size: 1.15rem; }
  .chart-figure { padding: 6px; }
  li.evidence { padding: 6px 8px; }
  li.evidence ul.meta { padding-left: 14px; }
  table.figures td:first-child, tbody th { white-space: normal; }
  th, td { padding: 4px 7px; }
}
@media print {
  :root { color-scheme: light; --fg: #000000; --muted: #444c56; --border: #b8c0c8; --code-bg: #f0f0f0; }
  body { font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  .scroll { overflow: visible; }
  .ladder-scroll svg.ladder { min-width: 0; }
  .tl-narrow { display: none; }
  .tl-wide { display: block; }
  figure, li.evidence, li.verdict, tr { break-inside: avoid; page-break-inside: avoid; }
  h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
  summary { color: var(--fg); }
  a { color: inherit; text-decoration: none; }
  thead th, table.data td { white-space: normal; }
  table { font-size: 9pt; }
}
`;
