import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { readFileSync } from 'node:fs';
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { FINDING_IDS } from '../../src/diagnose/registry.js';
import { renderHtml } from '../../src/report/html.js';
import { renderJunit } from '../../src/report/junit.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { renderText } from '../../src/report/text.js';
import { TEST_ALL } from '../helpers/fixtures.js';
import { analyzeCaptures } from './pipeline.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));
const SIDE = /\.(log|json|txt|out|md|tsv)$/;

function captures(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== 'expected' && name !== 'proc' && name !== 'LICENSES') out.push(...captures(p));
    } else if (!SIDE.test(name) || name.endsWith('not-a-capture.txt')) out.push(p);
  }
  return out;
}

const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(JSON.parse(readFileSync(new URL('../../schema/report.schema.json', import.meta.url), 'utf8')));

// Every capture the project holds, broken ones included, through the whole pipeline and every renderer:
// a capture with a clock that jumps by centuries once made the timeline allocate without bound.
// fixtures/lab-all (1.8 MB of gzip, 26 captures; test/diagnose/lab.test.ts analyses them in every run) in
// `npm run test:all` only.
describe.each(captures(FIXTURES).map((p) => [p.slice(FIXTURES.length), p]))('%s', (name, path) => {
  it.skipIf(name.startsWith('lab-all/') && !TEST_ALL)('analyses and renders in every format, and the report validates', async () => {
    const { report } = await analyzeCaptures([path]);
    const c = report.captures[0]!;
    expect(c.tcp + c.otherIp + c.nonIp + c.truncated + c.malformed + c.outsideWindow).toBe(c.packets);
    expect(validate(report), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    expect(renderText(report, new Chalk({ level: 0 }), false).length).toBeGreaterThan(0);
    expect(renderMarkdown(report).length).toBeGreaterThan(0);
    expect(renderJunit(report, 'error', FINDING_IDS)).toContain('<testsuites');
    expect(renderHtml(report, [])).toContain('<html');
  });
});
