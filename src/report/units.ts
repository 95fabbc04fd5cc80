// One way to write a count in every report: en-US digits grouped by thousands (`3,000`), whatever the
// machine's locale, so that a header and the body of the same report agree and tests can compare text.
// Written out, not Intl.NumberFormat: building one loads ICU's number data, 20–30 ms of a small capture's
// text report (BENCHMARKS.md, session 17). It gives what Intl.NumberFormat('en-US', { maximumFractionDigits:
// 0 }) gives (test/report/numbers.test.ts compares them), and hands it the numbers past 2^53, where a double's
// digits are not an integer's.
let INTEGER: Intl.NumberFormat | null = null;

/** A whole number as the reports write it: `3,000`. */
export function integer(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 2 ** 53) return (INTEGER ??= new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })).format(x);
  // Half away from zero, as Intl rounds; a negative number that rounds to 0 is "-0", as Intl writes it.
  const digits = String(Math.round(a));
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  if (digits.length <= 3) return sign + digits;
  let out = digits.slice(0, ((digits.length - 1) % 3) + 1);
  for (let i = out.length; i < digits.length; i += 3) out += ',' + digits.slice(i, i + 3);
  return sign + out;
}

/** `1 connection`, `3,000 connections`: the count and the noun in the right number. */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${integer(n)} ${n === 1 ? one : many}`;
}

/**
 * A finding's key figure as printed: a bare count (`3000`, `24 of 30`) gets the same grouping as
 * the report's own numbers; any other text (a duration, an explanation) is left as the detector wrote it.
 */
export function figureValue(v: string): string {
  const m = /^(\d+)( of (\d+))?$/.exec(v);
  if (!m) return v;
  return integer(Number(m[1])) + (m[3] !== undefined ? ` of ${integer(Number(m[3]))}` : '');
}

// A count in a sentence: a run of 4+ digits standing alone (not part of an address, a port after `:`, a
// time, a decimal or a name), outside `code`, and not a port, byte offset or frame number named as such.
const PROSE_COUNT = /(^|[\s(])(\d{4,})(?=$|[\s),;:])/g;
const NOT_A_COUNT = /\b(?:port|offset|frame|frames)\s$/i;

/**
 * A detector's sentence (a verdict) with its counts grouped like the report's other numbers (`3,000
 * handshakes`): the one place the human formats do it, so detectors write plain numbers and JSON keeps
 * the verdict as the detector wrote it. Ports, byte offsets and frame numbers stay as they are.
 */
export function proseNumbers(text: string): string {
  return text
    .split(/(`[^`]*`)/)
    .map((part, i) =>
      i % 2 === 1
        ? part
        : part.replace(PROSE_COUNT, (m, lead: string, digits: string, at: number) =>
            NOT_A_COUNT.test(part.slice(0, at + lead.length)) ? m : lead + integer(Number(digits)),
          ),
    )
    .join('');
}

/** What the vantage medians were read from: `40 clean handshakes`, or, without one, those whose SYN was re-sent. */
export function handshakesTimed(v: { handshakes: number; handshakeKind?: 'clean' | 'resent-syn' }): string {
  return v.handshakeKind === 'resent-syn'
    ? `${count(v.handshakes, 'handshake')} with a re-sent SYN (timed from the last SYN; none was clean)`
    : count(v.handshakes, 'clean handshake');
}
