// Markdown, HTML and JUnit show what the text report adds beside the findings: the correlation of two
// captures of the same traffic, and the --counters comparison with the kernel (issue 21's gaps).
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { requireFile, ROOT } from '../helpers/fixtures.js';
import { parseHtml } from '../html/helpers.js';
import { parseXml, type XmlElement } from './xml.js';

/** The built CLI, in-process (test/cli/run-cli.ts); paths are relative to the repository, the tests' cwd. */
async function cli(args: string[]): Promise<string> {
  const r = await runCli([...args, '--fail-on', 'never', '--color', 'never']);
  if (r.code !== 0) throw new Error(`tcpdiag ${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}

// slow-acceptor-abort1, both sides (labels.json: TcpExtListenOverflows 196 = 147 SYNs dropped + 49 ACKs reset).
const PAIR = ['client', 'server'].map((s) => requireFile(`${ROOT}fixtures/correlate/slow-acceptor-abort1/${s}.pcap.gz`).slice(ROOT.length));
// The same server capture with the kernel's nstat readings before and after the run (196 and 49 moved).
const COUNTED = [
  requireFile(`${ROOT}fixtures/counters/slow-acceptor-abort1-server.pcap.gz`).slice(ROOT.length),
  '--counters',
  requireFile(`${ROOT}fixtures/counters/nstat/before.txt`).slice(ROOT.length),
  requireFile(`${ROOT}fixtures/counters/nstat/after-slow-acceptor-abort1.txt`).slice(ROOT.length),
];

/** The text report's block after `start`, as trimmed lines. */
function textBlock(text: string, start: string): string[] {
  const from = text.indexOf(start);
  expect(from).toBeGreaterThanOrEqual(0);
  return text.slice(from).split('\n\n')[0]!.trim().split('\n').map((l) => l.trim());
}

function all(e: XmlElement, name: string): XmlElement[] {
  return [...(e.name === name ? [e] : []), ...e.children.flatMap((c) => all(c, name))];
}

const textOf = (e: XmlElement): string => e.text + e.children.map(textOf).join('');

describe('correlation in Markdown, HTML and JUnit', () => {
  let text = '';
  let lines: string[] = [];
  beforeAll(async () => {
    text = await cli(['analyze', ...PAIR]);
    lines = textBlock(text, 'Correlated ');
  });

  it('the text report says 147 SYNs dropped at the host and 49 ACKs reset (labels.json: 196 overflows)', () => {
    expect(lines).toContain('dropped at the server host (arrived, never answered): 147 (SYN 147); answered by a RST: 49 (ACK 49)');
  });

  it('Markdown: a Correlation section with the same lines', async () => {
    const md = await cli(['analyze', ...PAIR, '-f', 'markdown']);
    const section = md.slice(md.indexOf('## Correlation\n'));
    expect(section).not.toBe(md);
    const items = section.split('\n').filter((l) => /^\s*- /.test(l)).map((l) => l.replace(/^\s*- /, '').replace(/\\(.)/g, '$1'));
    expect(items.slice(0, lines.length)).toEqual(lines);
  });

  it('HTML: a correlation section with the same lines, well-formed', async () => {
    const html = await cli(['analyze', ...PAIR, '-f', 'html']);
    const doc = parseHtml(html);
    const section = all(doc, 'section').find((s) => s.attrs.id === 'correlation')!;
    expect(section).toBeDefined();
    const shown = [...all(section, 'strong'), ...all(section, 'li')].map(textOf);
    expect(shown).toEqual(lines);
  });

  it('JUnit: each capture\'s suite carries the pair in its system-out', async () => {
    const doc = parseXml(await cli(['analyze', ...PAIR, '-f', 'junit']));
    const suites = all(doc, 'testsuite');
    expect(suites.map((s) => s.attrs.name)).toEqual(PAIR);
    for (const s of suites) {
      const out = s.children.filter((c) => c.name === 'system-out').map(textOf);
      expect(out).toHaveLength(1);
      expect(out[0]!.split('\n').map((l) => l.trim())).toEqual(lines);
    }
  });
});

describe('--counters in Markdown, HTML and JUnit', () => {
  let lines: string[] = [];
  beforeAll(async () => {
    lines = textBlock(await cli(['analyze', ...COUNTED]), 'Kernel counters for ');
  });

  it('the text report: ListenOverflows 196 = 196, EmbryonicRsts 49 = 49 (nstat before/after)', () => {
    expect(lines[0]).toBe(`Kernel counters for ${COUNTED[0]}: capture and kernel agree`);
    expect(lines).toContainEqual(expect.stringMatching(/^TcpExtListenOverflows\s+196\s+196\s+yes$/));
    expect(lines).toContainEqual(expect.stringMatching(/^TcpExtEmbryonicRsts\s+49\s+49\s+yes$/));
  });

  it('Markdown: a Kernel counters section with the table and the explanations', async () => {
    const md = await cli(['analyze', ...COUNTED, '-f', 'markdown']);
    expect(md).toContain(`## Kernel counters\n\n### ${COUNTED[0]}: capture and kernel agree\n`);
    expect(md).toContain('| `TcpExtListenOverflows` | 196 | 196 | yes |');
    expect(md).toContain('| `TcpExtEmbryonicRsts` | 49 | 49 | yes |');
    expect(md).toContain('- `tcp_abort_on_overflow`: 1 (from the capture)');
    const why = lines.find((l) => l.startsWith('TcpExtListenOverflows: '))!.slice('TcpExtListenOverflows: '.length);
    expect(md).toContain(`- \`TcpExtListenOverflows\`: ${why}`);
  });

  it('HTML: a counters section with the same rows, well-formed', async () => {
    const doc = parseHtml(await cli(['analyze', ...COUNTED, '-f', 'html']));
    const section = all(doc, 'section').find((s) => s.attrs.id === 'counters')!;
    expect(section).toBeDefined();
    const rows = all(section, 'tr').map((tr) => tr.children.map(textOf));
    expect(rows).toContainEqual(['TcpExtListenOverflows', '196', '196', 'yes']);
    expect(rows).toContainEqual(['TcpExtEmbryonicRsts', '49', '49', 'yes']);
    const h3 = all(section, 'h3')[0]!;
    expect(h3.children.map(textOf)).toEqual([COUNTED[0], 'capture and kernel agree']);
    expect(h3.children[1]!.attrs.class).toBe('good');
  });

  it('JUnit: the capture\'s suite carries the comparison as the text report prints it', async () => {
    const doc = parseXml(await cli(['analyze', ...COUNTED, '-f', 'junit']));
    const [suite] = all(doc, 'testsuite');
    const out = suite!.children.filter((c) => c.name === 'system-out').map(textOf);
    expect(out.map((o) => o.split('\n').map((l) => l.trim()))).toEqual([lines]);
  });
});
