// Kinds come from packet bytes (a NULL header's 32-bit family, an EtherType): a hostile file could make one per frame.
const MAX_KINDS = 256;

/** What the decoder saw besides TCP, by kind ("udp", "arp", "linktype-239", ...). */
export class DecodeStats {
  readonly kinds = new Map<string, number>();

  count(kind: string): void {
    const n = this.kinds.get(kind);
    if (n !== undefined) this.kinds.set(kind, n + 1);
    else if (this.kinds.size < MAX_KINDS) this.kinds.set(kind, 1);
    else this.kinds.set('other', (this.kinds.get('other') ?? 0) + 1);
  }

  toObject(): Record<string, number> {
    return Object.fromEntries([...this.kinds.entries()].sort((a, b) => b[1] - a[1]));
  }
}
