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

  /**
   * Counts a numbered kind (an IP protocol, an EtherType, ...) without building its name per frame:
   * the names are made once, in toObject().
   */
  countNumbered(family: NumberedKind, value: number): void {
    const key = family * 0x100000 + (value >>> 0 < 0x100000 ? value >>> 0 : 0xfffff);
    const n = this.numbered.get(key);
    if (n !== undefined) this.numbered.set(key, n + 1);
    else if (this.numbered.size < MAX_KINDS) this.numbered.set(key, 1);
    else this.count('other');
  }

  private readonly numbered = new Map<number, number>();

  toObject(): Record<string, number> {
    const all = new Map(this.kinds);
    for (const [key, n] of this.numbered) {
      const name = numberedName(Math.floor(key / 0x100000) as NumberedKind, key % 0x100000);
      all.set(name, (all.get(name) ?? 0) + n);
    }
    return Object.fromEntries([...all.entries()].sort((a, b) => b[1] - a[1]));
  }
}

export const enum NumberedKind {
  IpProtocol = 1,
  EtherType = 2,
  AddressFamily = 3,
  LinkType = 4,
}

function numberedName(kind: NumberedKind, v: number): string {
  switch (kind) {
    case NumberedKind.IpProtocol:
      return `ip-proto-${v}`;
    case NumberedKind.EtherType:
      return `ethertype-0x${v.toString(16).padStart(4, '0')}`;
    case NumberedKind.AddressFamily:
      return v === 0xfffff ? 'af-other' : `af-${v}`;
    default:
      return `linktype-${v}`;
  }
}
