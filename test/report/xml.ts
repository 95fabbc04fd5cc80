/**
 * A small strict XML 1.0 well-formedness checker (no DTDs): one root element,
 * matched tags, well-formed attributes with no duplicates, only the five
 * predefined entities and character references to legal characters, no `<`
 * or bare `&` in text, no characters XML forbids. Returns the parsed tree.
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = /^[A-Za-z_:][A-Za-z0-9_:.-]*/;
const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
// eslint-disable-next-line no-control-regex
const ILLEGAL = /[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;

function legalChar(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

export class XmlError extends Error {}

export function parseXml(src: string): XmlElement {
  const bad = ILLEGAL.exec(src);
  if (bad) throw new XmlError(`illegal character U+${bad[0].codePointAt(0)!.toString(16)} at ${bad.index}`);
  let i = 0;
  const fail = (m: string): never => {
    throw new XmlError(`${m} at offset ${i}: ${JSON.stringify(src.slice(i, i + 40))}`);
  };
  const decode = (s: string, where: string): string =>
    s.replace(/&([^;]*);|&/g, (m, ref: string | undefined) => {
      if (ref === undefined) fail(`bare & in ${where}`);
      if (ref!.startsWith('#')) {
        const cp = /^#x[0-9a-fA-F]+$/.test(ref!) ? parseInt(ref!.slice(2), 16) : /^#[0-9]+$/.test(ref!) ? parseInt(ref!.slice(1), 10) : NaN;
        if (!legalChar(cp)) fail(`bad character reference ${m} in ${where}`);
        return String.fromCodePoint(cp);
      }
      const v = PREDEFINED[ref!];
      if (v === undefined) fail(`unknown entity ${m} in ${where}`);
      return v!;
    });
  const skipWs = () => {
    while (i < src.length && /[ \t\r\n]/.test(src[i]!)) i++;
  };
  const skipMisc = () => {
    for (;;) {
      skipWs();
      if (src.startsWith('<!--', i)) {
        const end = src.indexOf('-->', i + 4);
        if (end < 0) fail('unterminated comment');
        if (src.slice(i + 4, end).includes('--')) fail('"--" in comment');
        i = end + 3;
      } else if (src.startsWith('<?', i) && !src.startsWith('<?xml', i)) {
        const end = src.indexOf('?>', i);
        if (end < 0) fail('unterminated processing instruction');
        i = end + 2;
      } else return;
    }
  };
  const name = (): string => {
    const m = NAME.exec(src.slice(i, i + 200));
    if (!m) fail('expected a name');
    i += m![0].length;
    return m![0];
  };
  if (src.startsWith('\ufeff')) i = 1;
  if (src.startsWith('<?xml', i)) {
    const end = src.indexOf('?>', i);
    if (end < 0) fail('unterminated XML declaration');
    if (!/^<\?xml version="1\.[0-9]"( encoding="[A-Za-z][A-Za-z0-9._-]*")?( standalone="(yes|no)")? ?$/.test(src.slice(i, end))) fail('bad XML declaration');
    i = end + 2;
  }
  skipMisc();
  if (src.startsWith('<!DOCTYPE', i)) fail('DOCTYPE not supported');

  const element = (): XmlElement => {
    if (src[i] !== '<') fail('expected <');
    i++;
    const el: XmlElement = { name: name(), attrs: {}, children: [], text: '' };
    for (;;) {
      const before = i;
      skipWs();
      if (src.startsWith('/>', i)) {
        i += 2;
        return el;
      }
      if (src[i] === '>') {
        i++;
        break;
      }
      if (i === before) fail('expected whitespace before an attribute');
      const an = name();
      skipWs();
      if (src[i] !== '=') fail('expected =');
      i++;
      skipWs();
      const q = src[i];
      if (q !== '"' && q !== "'") fail('expected a quoted attribute value');
      const end = src.indexOf(q!, i + 1);
      if (end < 0) fail('unterminated attribute value');
      const raw = src.slice(i + 1, end);
      if (raw.includes('<')) fail('< in attribute value');
      if (an in el.attrs) fail(`duplicate attribute ${an}`);
      el.attrs[an] = decode(raw, 'attribute');
      i = end + 1;
    }
    for (;;) {
      const lt = src.indexOf('<', i);
      if (lt < 0) fail(`unterminated element <${el.name}>`);
      const chunk = src.slice(i, lt);
      if (chunk.includes(']]>')) fail(']]> in text');
      el.text += decode(chunk, 'text');
      i = lt;
      if (src.startsWith('</', i)) {
        i += 2;
        const n = name();
        if (n !== el.name) fail(`</${n}> closes <${el.name}>`);
        skipWs();
        if (src[i] !== '>') fail('expected >');
        i++;
        return el;
      }
      if (src.startsWith('<!--', i)) {
        skipMisc();
        continue;
      }
      if (src.startsWith('<![CDATA[', i)) {
        const end = src.indexOf(']]>', i);
        if (end < 0) fail('unterminated CDATA');
        el.text += src.slice(i + 9, end);
        i = end + 3;
        continue;
      }
      if (src.startsWith('<?', i)) fail('processing instruction in content');
      el.children.push(element());
    }
  };
  const root = element();
  skipMisc();
  if (i !== src.length) fail('content after the root element');
  return root;
}

/** All elements named `name`, depth first. */
export function findAll(e: XmlElement, name: string): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (x: XmlElement) => {
    if (x.name === name) out.push(x);
    x.children.forEach(walk);
  };
  walk(e);
  return out;
}
