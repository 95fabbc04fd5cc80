// Raw DEFLATE (RFC 1951) into a buffer the caller owns, with tables made once: nothing is allocated per
// call, so the decoder can inflate IPComp payloads on the packet path. node:zlib would return a new
// Buffer per packet. Written after the structure of tiny-inflate / tinf (canonical Huffman trees
// stored as code-length counts plus symbols sorted by code).

/** The input ended before the final block did (a payload cut by the snaplen). */
export const INFLATE_CUT = -1;
/** Not valid DEFLATE data. */
export const INFLATE_BAD = -2;
/** The output would not fit in the space given. */
export const INFLATE_TOO_BIG = -3;

interface Tree {
  /** counts[n]: how many codes are n bits long. */
  counts: Uint16Array;
  /** Symbols in code order. */
  symbols: Uint16Array;
}

function newTree(): Tree {
  return { counts: new Uint16Array(16), symbols: new Uint16Array(288) };
}

const fixedLit = newTree();
const fixedDist = newTree();
const dynLit = newTree();
const dynDist = newTree();
const codeLengthTree = newTree();
const lengths = new Uint8Array(288 + 32);
const offsets = new Uint16Array(16);

const lengthBase = new Uint16Array(30);
const lengthExtra = new Uint8Array(30);
const distBase = new Uint16Array(30);
const distExtra = new Uint8Array(30);
// The order in which a dynamic block sends its code-length code lengths.
const CODE_LENGTH_ORDER = new Uint8Array([16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]);

function buildBases(extra: Uint8Array, base: Uint16Array, delta: number, first: number): void {
  for (let i = 0; i < delta; i++) extra[i] = 0;
  for (let i = 0; i < 30 - delta; i++) extra[i + delta] = (i / delta) | 0;
  for (let i = 0, sum = first; i < 30; i++) {
    base[i] = sum;
    sum += 1 << extra[i]!;
  }
}
buildBases(lengthExtra, lengthBase, 4, 3);
buildBases(distExtra, distBase, 2, 1);
// Length code 285 is 258 with no extra bits, not what the pattern gives.
lengthExtra[28] = 0;
lengthBase[28] = 258;

for (let i = 0; i < 144; i++) lengths[i] = 8;
for (let i = 144; i < 256; i++) lengths[i] = 9;
for (let i = 256; i < 280; i++) lengths[i] = 7;
for (let i = 280; i < 288; i++) lengths[i] = 8;
buildTree(fixedLit, lengths, 0, 288);
for (let i = 0; i < 30; i++) lengths[i] = 5;
buildTree(fixedDist, lengths, 0, 30);

function buildTree(t: Tree, len: Uint8Array, off: number, n: number): void {
  t.counts.fill(0);
  for (let i = 0; i < n; i++) t.counts[len[off + i]!]!++;
  t.counts[0] = 0;
  for (let i = 0, sum = 0; i < 16; i++) {
    offsets[i] = sum;
    sum += t.counts[i]!;
  }
  for (let i = 0; i < n; i++) {
    const l = len[off + i]!;
    if (l !== 0) t.symbols[offsets[l]!++] = i;
  }
}

// Reader state for the one inflate running at a time (the decoder is single-threaded).
let src: Uint8Array = lengths;
let pos = 0;
let srcEnd = 0;
let bitBuf = 0;
let bitCount = 0;
let overrun = false;

function bits(n: number): number {
  while (bitCount < n) {
    if (pos >= srcEnd) {
      overrun = true;
      return 0;
    }
    bitBuf |= src[pos++]! << bitCount;
    bitCount += 8;
  }
  const v = bitBuf & ((1 << n) - 1);
  bitBuf >>>= n;
  bitCount -= n;
  return v;
}

/** The next symbol under tree t, or -1 for a code the tree does not have (or input that ran out). */
function symbol(t: Tree): number {
  let code = 0;
  let first = 0;
  let index = 0;
  for (let len = 1; len < 16; len++) {
    // bits(1), inlined: this loop is most of the time spent inflating.
    if (bitCount === 0) {
      if (pos >= srcEnd) {
        overrun = true;
        return -1;
      }
      bitBuf = src[pos++]!;
      bitCount = 8;
    }
    code |= bitBuf & 1;
    bitBuf >>>= 1;
    bitCount--;
    const count = t.counts[len]!;
    if (code - first < count) return t.symbols[index + code - first]!;
    index += count;
    first = (first + count) << 1;
    code <<= 1;
  }
  return -1;
}

function readDynamicTrees(): boolean {
  const hlit = bits(5) + 257;
  const hdist = bits(5) + 1;
  const hclen = bits(4) + 4;
  if (hlit > 286 || hdist > 30) return false;
  lengths.fill(0, 0, 19);
  for (let i = 0; i < hclen; i++) lengths[CODE_LENGTH_ORDER[i]!] = bits(3);
  if (overrun) return false;
  buildTree(codeLengthTree, lengths, 0, 19);
  const total = hlit + hdist;
  for (let n = 0; n < total; ) {
    const sym = symbol(codeLengthTree);
    if (sym < 0) return false;
    if (sym < 16) {
      lengths[n++] = sym;
      continue;
    }
    let value = 0;
    let repeat: number;
    if (sym === 16) {
      if (n === 0) return false;
      value = lengths[n - 1]!;
      repeat = bits(2) + 3;
    } else if (sym === 17) repeat = bits(3) + 3;
    else repeat = bits(7) + 11;
    if (overrun || n + repeat > total) return false;
    lengths.fill(value, n, n + repeat);
    n += repeat;
  }
  buildTree(dynLit, lengths, 0, hlit);
  buildTree(dynDist, lengths, hlit, hdist);
  return true;
}

/**
 * Inflates the raw DEFLATE stream in `input[start, end)` into `out` from `outStart`, at most up to
 * `outEnd`. Returns the number of bytes written, or INFLATE_CUT / INFLATE_BAD / INFLATE_TOO_BIG.
 * With `stopAt`, it returns as soon as the output reaches that index (a caller that needs only the
 * headers at the front), having checked the stream only that far.
 */
export function inflateRaw(
  input: Uint8Array, start: number, end: number, out: Uint8Array, outStart: number, outEnd: number, stopAt = outEnd + 1,
): number {
  src = input;
  pos = start;
  srcEnd = end;
  bitBuf = 0;
  bitCount = 0;
  overrun = false;
  let o = outStart;
  let last = 0;
  do {
    last = bits(1);
    const type = bits(2);
    if (overrun) return INFLATE_CUT;
    if (type === 0) {
      // Stored: the rest of this byte is padding, then LEN and its complement.
      bitBuf = 0;
      bitCount = 0;
      if (srcEnd - pos < 4) return INFLATE_CUT;
      const len = input[pos]! | (input[pos + 1]! << 8);
      const nlen = input[pos + 2]! | (input[pos + 3]! << 8);
      if ((len ^ 0xffff) !== nlen) return INFLATE_BAD;
      pos += 4;
      if (srcEnd - pos < len) return INFLATE_CUT;
      if (outEnd - o < len) return INFLATE_TOO_BIG;
      // A loop, not out.set(input.subarray()): subarray would allocate a view per block.
      for (let i = 0; i < len; i++) out[o++] = input[pos++]!;
      if (o >= stopAt) return o - outStart;
      continue;
    }
    if (type === 3) return INFLATE_BAD;
    let lit = fixedLit;
    let dist = fixedDist;
    if (type === 2) {
      if (!readDynamicTrees()) return overrun ? INFLATE_CUT : INFLATE_BAD;
      lit = dynLit;
      dist = dynDist;
    }
    for (;;) {
      let sym = symbol(lit);
      if (sym < 0) return overrun ? INFLATE_CUT : INFLATE_BAD;
      if (sym === 256) break;
      if (sym < 256) {
        if (o >= outEnd) return INFLATE_TOO_BIG;
        out[o++] = sym;
        if (o >= stopAt) return o - outStart;
        continue;
      }
      sym -= 257;
      if (sym >= 29) return INFLATE_BAD;
      const length = lengthBase[sym]! + bits(lengthExtra[sym]!);
      const d = symbol(dist);
      if (d < 0) return overrun ? INFLATE_CUT : INFLATE_BAD;
      if (d >= 30) return INFLATE_BAD;
      const back = distBase[d]! + bits(distExtra[d]!);
      if (overrun) return INFLATE_CUT;
      if (back > o - outStart) return INFLATE_BAD;
      if (outEnd - o < length) return INFLATE_TOO_BIG;
      // Byte by byte: a match may overlap the bytes it is producing.
      for (let i = 0; i < length; i++, o++) out[o] = out[o - back]!;
      if (o >= stopAt) return o - outStart;
    }
  } while (!last);
  return o - outStart;
}
