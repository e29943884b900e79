// The keys a process has verified, by a digest of the presented key: each entry holds until its
// own end (the cache lifetime, or the key's or its rotated-out secret's expiry) and carries the
// tenant's key generation it was read at, so that a change made elsewhere (a newer generation)
// drops it. Bounded: the oldest entry makes room.
/** What an entry must name: the key and its tenant. */
interface Identity {
  keyId: string;
  tenantId: string;
}

interface Entry<I> {
  identity: I;
  /** Epoch ms after which the entry no longer answers. */
  until: number;
  generation: number;
}

export class VerifiedKeys<I extends Identity> {
  private readonly entries = new Map<string, Entry<I>>();

  constructor(private readonly max: number) {}

  get(digest: string, now: number): I | undefined {
    const entry = this.entries.get(digest);
    if (!entry) return undefined;
    if (entry.until > now) return entry.identity;
    this.entries.delete(digest);
    return undefined;
  }

  set(digest: string, identity: I, until: number, generation: number): void {
    if (this.entries.size >= this.max && !this.entries.has(digest))
      this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(digest, { identity, until, generation });
  }

  /** Drops every entry of one key (both its secrets during a rotation). */
  forgetKey(keyId: string): void {
    for (const [digest, entry] of this.entries)
      if (entry.identity.keyId === keyId) this.entries.delete(digest);
  }

  /** The tenants with an entry. */
  tenants(): string[] {
    return [...new Set([...this.entries.values()].map((entry) => entry.identity.tenantId))];
  }

  /** Drops the entries read before their tenant's current generation. */
  dropOlderThan(generations: ReadonlyMap<string, number>): void {
    for (const [digest, entry] of this.entries) {
      if ((generations.get(entry.identity.tenantId) ?? 0) > entry.generation) this.entries.delete(digest);
    }
  }
}
