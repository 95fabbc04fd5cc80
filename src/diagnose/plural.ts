// A count with its noun, singular for one: what every sentence a detector writes says "1 SYN", not "1 SYNs".
// Here, at the bottom of the stages that write prose, so that diagnose/ and what is above it share it.

/** `n` and the noun: `one` for 1, `many` (default `one` + "s") otherwise. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
