/** What the decoder saw besides TCP, by kind ("udp", "arp", "linktype-239", ...). */
export class DecodeStats {
  readonly kinds = new Map<string, number>();

  count(kind: string): void {
    this.kinds.set(kind, (this.kinds.get(kind) ?? 0) + 1);
  }

  toObject(): Record<string, number> {
    return Object.fromEntries([...this.kinds.entries()].sort((a, b) => b[1] - a[1]));
  }
}
