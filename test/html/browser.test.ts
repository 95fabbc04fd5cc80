/**
 * The HTML report in a real headless Chromium (Debian's `chromium` package,
 * driven by playwright-core; never a browser download): opened from disk, no
 * console error, no request but the file itself, one episode band per overflow
 * episode of the JSON report, the capture's real times on the axis, no
 * page-wide horizontal scroll on a phone. Screenshots go to
 * test-artifacts/html/. Skipped, with the reason, only where no browser can
 * be found or launched.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/report/model.js';
import { ABORT0, ROOT, SLOW_ABORT1 } from './helpers.js';

const CHROMIUM = process.env.TCPDIAG_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const ARTIFACTS = join(ROOT, 'test-artifacts/html');

// Minimal shapes of the playwright-core API used here (imported dynamically: the test skips without it).
interface PwRequest { url(): string }
interface PwMessage { type(): string; text(): string }
interface PwPage {
  on(e: 'request', f: (r: PwRequest) => void): void;
  on(e: 'console', f: (m: PwMessage) => void): void;
  on(e: 'pageerror', f: (e: Error) => void): void;
  goto(url: string, o?: { waitUntil?: string }): Promise<unknown>;
  evaluate<T>(expression: string): Promise<T>;
  screenshot(o: { path: string; fullPage?: boolean }): Promise<unknown>;
  close(): Promise<void>;
}
interface PwBrowser {
  newPage(o: { viewport: { width: number; height: number }; colorScheme?: 'light' | 'dark' }): Promise<PwPage>;
  close(): Promise<void>;
}
interface Pw { chromium: { launch(o: { executablePath: string; args: string[]; headless?: boolean }): Promise<PwBrowser> } }

interface Box { left: number; right: number; top: number; bottom: number; width: number }
interface Seen {
  charts: { listener: string | null; bands: number[]; axis: string[]; box: Box; parts: { what: string; box: Box }[] }[];
  scripts: number;
  title: string;
  scrollWidth: number;
  ladders: number;
}

/** What the page shows, read in the browser (a string: the tests compile without the DOM types). */
const SEEN = `({
  charts: [...document.querySelectorAll('svg.timeline')].filter((svg) => svg.getBoundingClientRect().width > 0).map((svg) => ({
    box: svg.getBoundingClientRect().toJSON(),
    // Every drawn text and legend item, to find anything outside the picture or the screen.
    parts: [...svg.querySelectorAll('text, .legend-item, rect.episode, path.line')].map((e) => ({ what: (e.textContent || e.getAttribute('class') || '').slice(0, 60), box: e.getBoundingClientRect().toJSON() })),
    listener: svg.getAttribute('data-listener'),
    bands: [...svg.querySelectorAll('rect.episode')].map((r) => r.getBoundingClientRect().width),
    axis: [...svg.querySelectorAll('.x-axis text')].map((t) => t.textContent || ''),
  })),
  scripts: document.querySelectorAll('script').length,
  title: document.title,
  scrollWidth: document.documentElement.scrollWidth,
  ladders: document.querySelectorAll('svg.ladder').length,
})`;

function whyNoBrowser(): string | null {
  if (!existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM} (apt-get install -y chromium)`;
  try {
    createRequire(import.meta.url).resolve('playwright-core');
  } catch {
    return 'playwright-core is not installed (npm install)';
  }
  return null;
}

const skipReason = whyNoBrowser();
if (skipReason) console.warn(`[test/html/browser] skipped: ${skipReason}`);

interface Built {
  name: string;
  html: string;
  report: Report;
}

function build(dir: string, name: string, capture: string): Built {
  const html = join(dir, `${name}.html`);
  const json = join(dir, `${name}.json`);
  for (const [format, out] of [['html', html], ['json', json]] as const) {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/tcpdiag.js'), 'analyze', capture, '--format', format, '--output', out], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status === 0 || r.status === 1, `tcpdiag ${format} exited ${r.status}: ${r.stderr}`).toBe(true);
  }
  return { name, html, report: JSON.parse(readFileSync(json, 'utf8')) as Report };
}

describe('HTML report in headless Chromium', () => {
  let browser: PwBrowser | null = null;
  let launchError = '';
  const dir = mkdtempSync(join(tmpdir(), 'tcpdiag-browser-'));

  beforeAll(async () => {
    if (skipReason) return;
    mkdirSync(ARTIFACTS, { recursive: true });
    try {
      const specifier = 'playwright-core';
      const pw = (await import(specifier)) as Pw;
      browser = await pw.chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
    } catch (e) {
      launchError = String(e).split('\n')[0]!;
      console.warn(`[test/html/browser] skipped: Chromium at ${CHROMIUM} could not be launched: ${launchError}`);
    }
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const cases: [string, () => string][] = [
    ['accept-overflow-abort0', () => join(ROOT, ABORT0)],
    ['slow-acceptor-abort1', () => SLOW_ABORT1],
    // Nanosecond timestamps: the chart's clock labels carry nine digits and must still fit at 390 px.
    ['nsec-accept-overflow-abort1', () => join(ROOT, 'fixtures/lab-nsec/accept-overflow-abort1/server.pcap.gz')],
    [
      'hostile-name',
      () => {
        const p = join(dir, `x<script>alert(1)&amp;"'.pcap`);
        copyFileSync(join(ROOT, ABORT0), p);
        return p;
      },
    ],
  ];

  for (const [name, capture] of cases) {
    it.skipIf(skipReason !== null)(`${name}: opens from disk, offline, with the report's episodes and times`, async (ctx) => {
      if (!browser) {
        console.warn(`[test/html/browser] ${name} skipped: no browser (${launchError})`);
        ctx.skip();
        return;
      }
      const b = build(dir, name, capture());
      const url = pathToFileURL(b.html).href;
      const shots: [number, number, 'light' | 'dark'][] = [[1280, 800, 'light'], [390, 844, 'light']];
      if (name === 'accept-overflow-abort0') shots.push([1280, 800, 'dark']);
      for (const [width, height, scheme] of shots) {
        const page = await browser.newPage({ viewport: { width, height }, colorScheme: scheme });
        const requests: string[] = [];
        const errors: string[] = [];
        page.on('request', (r) => requests.push(r.url()));
        page.on('console', (m) => {
          if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text());
        });
        page.on('pageerror', (e) => errors.push(String(e)));
        await page.goto(url, { waitUntil: 'load' });

        const seen = await page.evaluate<Seen>(SEEN);

        expect(errors, 'console errors').toEqual([]);
        expect(requests, 'network requests').toEqual([url]);
        expect(seen.scripts).toBe(0);
        const cap = b.report.captures[0]!;
        expect(seen.charts.map((c) => c.listener)).toEqual(cap.timelines.map((t) => t.listener));
        for (const chart of seen.charts) {
          const f = b.report.findings.find((x) => x.listener === chart.listener && x.id === 'accept-queue-overflow');
          expect(chart.bands, `episode bands of ${chart.listener}`).toHaveLength(f?.episodes.length ?? 0);
          for (const w of chart.bands) expect(w).toBeGreaterThan(0);
          expect(chart.axis.some((t) => t.startsWith(cap.firstTime!.iso.slice(11, 19)))).toBe(true);
          expect(chart.axis.some((t) => t.startsWith(cap.lastTime!.iso.slice(11, 19)))).toBe(true);
        }
        expect(seen.charts.some((c) => c.bands.length > 0)).toBe(true);
        // Nothing clipped: the chart inside the viewport, and every text, legend item, band and line inside the chart.
        for (const chart of seen.charts) {
          expect(chart.box.left, `chart left at ${width}px`).toBeGreaterThanOrEqual(0);
          expect(chart.box.right, `chart right at ${width}px`).toBeLessThanOrEqual(width);
          for (const p of chart.parts) {
            expect(p.box.left, `${p.what} left at ${width}px`).toBeGreaterThanOrEqual(chart.box.left - 0.5);
            expect(p.box.right, `${p.what} right at ${width}px`).toBeLessThanOrEqual(chart.box.right + 0.5);
            expect(p.box.top, `${p.what} top at ${width}px`).toBeGreaterThanOrEqual(chart.box.top - 0.5);
            expect(p.box.bottom, `${p.what} bottom at ${width}px`).toBeLessThanOrEqual(chart.box.bottom + 0.5);
          }
          // Readable on a phone: the phone chart is drawn at about its own size (360 units in ~360 px).
          if (width <= 390) expect(chart.box.width).toBeGreaterThan(300);
        }
        expect(seen.ladders).toBe(b.report.findings.reduce((n, f) => n + f.evidence.connections.length, 0));
        if (name === 'hostile-name') expect(seen.title).toContain('x<script>alert(1)&amp;"\'.pcap');
        // Wide tables and diagrams scroll inside their box, never the page.
        expect(seen.scrollWidth, `page width at ${width}px`).toBeLessThanOrEqual(width);

        await page.screenshot({ path: join(ARTIFACTS, `${name}-${width}x${height}${scheme === 'dark' ? '-dark' : ''}.png`), fullPage: true });
        await page.close();
      }
    }, 120_000);
  }
});
