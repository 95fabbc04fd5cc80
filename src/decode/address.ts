/** Formats an address held as four 32-bit words (IPv4 as ::ffff:a.b.c.d). */
export function formatAddress(v: 4 | 6, w0: number, w1: number, w2: number, w3: number): string {
  if (v === 4) return `${w3 >>> 24}.${(w3 >>> 16) & 255}.${(w3 >>> 8) & 255}.${w3 & 255}`;
  const groups = [w0 >>> 16, w0 & 0xffff, w1 >>> 16, w1 & 0xffff, w2 >>> 16, w2 & 0xffff, w3 >>> 16, w3 & 0xffff];
  // RFC 5952: the longest run (of two or more) of zero groups becomes "::".
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** `ip:port`, or `[ip]:port` for IPv6. */
export function formatEndpoint(v: 4 | 6, w0: number, w1: number, w2: number, w3: number, port: number): string {
  const a = formatAddress(v, w0, w1, w2, w3);
  return v === 6 ? `[${a}]:${port}` : `${a}:${port}`;
}
