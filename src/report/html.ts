import type { Ladder, Report } from './model.js';

// Placeholder until the HTML report lands.
export function renderHtml(r: Report, ladders: Ladder[]): string {
  return `<!doctype html><title>tcpdiag</title><pre>${JSON.stringify({ findings: r.findings.length, ladders: ladders.length })}</pre>\n`;
}
