// Markdown escaping that keeps `code spans` as written and lets no raw HTML through: catalog and
// rule texts contain things like "<id>", "qlen > n" and "__sys_listen" that would otherwise be
// read as tags or emphasis.

const SPECIAL = /[\\<>*_|[\]#]/g;

export function mdInline(text: string): string {
  return text
    .split(/(`[^`]*`)/)
    .map((part) => (part.startsWith('`') && part.endsWith('`') && part.length >= 2 ? part : part.replace(SPECIAL, (c) => `\\${c}`)))
    .join('');
}

/** A code span that survives backticks inside the content. */
export function mdCode(text: string): string {
  const fence = text.includes('`') ? '``' : '`';
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

export function mdTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
