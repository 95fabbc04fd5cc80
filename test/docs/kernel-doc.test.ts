// docs/kernel.md is the reference that explain, queues and host cite ("§2.3", "§4 step 2", "§11
// pitfall 6"). Every citation anywhere in src/ must resolve to a heading there, or to a numbered item
// of the section it names; and the packed package must carry the file.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { citingKernelDoc, KERNEL_DOC } from '../../src/knowledge/kernel-doc.js';
import { renderEntry } from '../../src/knowledge/explain-render.js';
import { findEntry } from '../../src/knowledge/catalog.js';
import { computeQueues } from '../../src/knowledge/queues.js';
import { renderQueues } from '../../src/knowledge/queues-render.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DOC = readFileSync(join(ROOT, KERNEL_DOC), 'utf8');

/** Sections by number ("2", "2.3"), each with its text up to the next heading of its level or above. */
function sections(md: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = md.split('\n');
  const heads: Array<{ num: string; level: number; line: number }> = [];
  lines.forEach((l, i) => {
    const m = /^(##|###) (\d+(?:\.\d+)?)\.? /.exec(l);
    if (m) heads.push({ num: m[2]!, level: m[1]!.length, line: i });
  });
  heads.forEach((h, k) => {
    const next = heads.slice(k + 1).find((x) => x.level <= h.level);
    out.set(h.num, lines.slice(h.line + 1, next ? next.line : lines.length).join('\n'));
  });
  return out;
}

/** Numbers of the items of a section's top-level numbered list ("1. …" at the start of a line). */
function numberedItems(text: string): number[] {
  return [...text.matchAll(/^(\d+)\. /gm)].map((m) => Number(m[1]));
}

const SECTIONS = sections(DOC);

/** Why a citation does not resolve, or null when it does. */
function unresolved(section: string, item: { kind: string; n: number } | null): string | null {
  const text = SECTIONS.get(section);
  if (text === undefined) return `no heading §${section}`;
  if (item && !numberedItems(text).includes(item.n)) return `§${section} has no numbered ${item.kind} ${item.n}`;
  return null;
}

interface Citation {
  file: string;
  text: string;
  section: string;
  item: { kind: string; n: number } | null;
}

const CITATION = /§\s?(\d+(?:\.\d+)?)(?:\s+(step|pitfalls?)\s+(\d+))?/g;

function citationsIn(dir: string): Citation[] {
  const out: Citation[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      out.push(...citationsIn(path));
      continue;
    }
    if (!name.endsWith('.ts')) continue;
    for (const m of readFileSync(path, 'utf8').matchAll(CITATION)) {
      out.push({
        file: path.slice(ROOT.length),
        text: m[0],
        section: m[1]!,
        item: m[2] ? { kind: m[2].replace(/s$/, ''), n: Number(m[3]) } : null,
      });
    }
  }
  return out;
}

describe('docs/kernel.md', () => {
  it('keeps the numbering the citations were written against: §0–§12 and their subsections', () => {
    expect([...SECTIONS.keys()]).toEqual([
      '0', '1', '1.1', '1.2', '2', '2.1', '2.2', '2.3', '2.4', '2.5', '2.6', '3', '3.1', '3.2', '3.3', '3.4',
      '4', '5', '6', '6.1', '6.2', '7', '8', '9', '10', '10.1', '11', '12',
    ]);
    expect(numberedItems(SECTIONS.get('4')!)).toEqual([1, 2, 3, 4]);
    expect(numberedItems(SECTIONS.get('11')!)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
  });

  it('the resolver can fail: a missing section, subsection, step or pitfall is reported', () => {
    expect(unresolved('13', null)).toBe('no heading §13');
    expect(unresolved('2.7', null)).toBe('no heading §2.7');
    expect(unresolved('4', { kind: 'step', n: 5 })).toBe('§4 has no numbered step 5');
    expect(unresolved('11', { kind: 'pitfall', n: 15 })).toBe('§11 has no numbered pitfall 15');
    expect(unresolved('2.3', null)).toBeNull();
  });

  it('every § cited anywhere in src/ resolves to a heading or a numbered item', () => {
    const all = citationsIn(join(ROOT, 'src'));
    // Not vacuous: src/ cites the document a few hundred times, steps and pitfalls included.
    expect(all.length).toBeGreaterThan(300);
    expect(new Set(all.map((c) => c.section)).size).toBeGreaterThanOrEqual(25);
    expect(all.filter((c) => c.item?.kind === 'step').length).toBeGreaterThan(0);
    expect(all.filter((c) => c.item?.kind === 'pitfall').length).toBeGreaterThan(0);
    const broken = all.flatMap((c) => {
      const why = unresolved(c.section, c.item);
      return why ? [`${c.file}: "${c.text}": ${why}`] : [];
    });
    expect(broken, broken.join('\n')).toEqual([]);
  });

  it('its own cross-references (§2.2, §10.1, …) resolve too', () => {
    const own = [...DOC.matchAll(CITATION)];
    expect(own.length).toBeGreaterThan(40);
    const broken = own.flatMap((m) => {
      const why = unresolved(m[1]!, m[2] ? { kind: m[2].replace(/s$/, ''), n: Number(m[3]) } : null);
      return why ? [`"${m[0]}": ${why}`] : [];
    });
    expect(broken, broken.join('\n')).toEqual([]);
  });

  it('what the commands print names the file as the user has it: docs/kernel.md', () => {
    expect(renderEntry(findEntry('accept-queue-overflow')!, 'text')).toMatch(/Sources: docs\/kernel\.md \(.*\) §\d/);
    for (const format of ['text', 'markdown'] as const) {
      const queues = renderQueues(computeQueues({ kernel: '6.1', backlog: 511 }), format);
      expect(queues.match(/docs\/kernel\.md §\d/g)?.length, format).toBeGreaterThan(5);
      expect(queues.replaceAll('docs/kernel.md', ''), format).not.toContain('kernel.md');
      expect(queues, format).toContain(`§ = a section of ${format === 'markdown' ? '`docs/kernel.md`' : 'docs/kernel.md'}`);
    }
    expect(citingKernelDoc('[kernel.md §2.1, §2.2]')).toBe('[docs/kernel.md §2.1, §2.2]');
    expect(citingKernelDoc('(docs/kernel.md §1.1)')).toBe('(docs/kernel.md §1.1)');
  });

  it('is in the package: npm pack lists docs/kernel.md', () => {
    // --ignore-scripts: the listing is what matters, not a fresh build (prepare would run tsc).
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
    const files = (JSON.parse(out) as Array<{ files: Array<{ path: string; size: number }> }>)[0]!.files;
    const doc = files.find((f) => f.path === KERNEL_DOC);
    expect(doc, files.map((f) => f.path).join('\n')).toBeDefined();
    expect(doc!.size).toBe(Buffer.byteLength(DOC));
  });
});
