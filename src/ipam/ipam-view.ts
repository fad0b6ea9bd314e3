// The node agent's view of the IPAM objects: its watch cache (datastore/cache.ts), overlaid with what the agent itself
// wrote or re-read since, until the cache has caught up. The watch delivers the agent's own writes a little later,
// and the next allocation must not start from the block as it was before the last one. Only a hint: every write
// from it is still a compare-and-swap, and a lost one re-reads (refresh()).
import type { StoredResource } from '../datastore/types';

/** What the view reads; DatastoreCache satisfies it. */
export interface IpamCacheReader {
  get<T extends StoredResource>(kind: string, name: string, namespace?: string): T | undefined;
  list<T extends StoredResource>(kind: string): T[];
}

type Entry = { readonly resource: StoredResource } | { readonly deletedAt: string };

const keyOf = (kind: string, name: string): string => `${kind}/${name}`;

function asRevision(rv: string | undefined): bigint | undefined {
  return rv !== undefined && /^\d+$/.test(rv) ? BigInt(rv) : undefined;
}

/** Whether the cache's copy (version `cached`) is at least as new as what the overlay holds (version `known`). */
function caughtUp(cached: string | undefined, known: string): boolean {
  const c = asRevision(cached);
  const k = asRevision(known);
  // Opaque versions (the Kubernetes API's): equal means caught up; anything else keeps the overlay.
  return c !== undefined && k !== undefined ? c >= k : cached === known;
}

export class IpamView {
  private readonly overlay = new Map<string, Entry>();

  constructor(private readonly cache: IpamCacheReader) {}

  get<T extends StoredResource>(kind: string, name: string): T | undefined {
    const key = keyOf(kind, name);
    const cached = this.cache.get<T>(kind, name);
    const o = this.overlay.get(key);
    if (o === undefined) return cached;
    if ('resource' in o) {
      if (cached !== undefined && caughtUp(cached.metadata.resourceVersion, o.resource.metadata.resourceVersion ?? '')) {
        this.overlay.delete(key);
        return cached;
      }
      return o.resource as T;
    }
    // Deleted at o.deletedAt: an older cached copy is stale; a newer one is a re-creation.
    if (cached === undefined || (cached.metadata.resourceVersion !== o.deletedAt && caughtUp(cached.metadata.resourceVersion, o.deletedAt))) {
      this.overlay.delete(key);
      return cached;
    }
    return undefined;
  }

  list<T extends StoredResource>(kind: string): T[] {
    const names = new Set(this.cache.list<T>(kind).map((r) => r.metadata.name));
    const prefix = `${kind}/`;
    for (const k of this.overlay.keys()) if (k.startsWith(prefix)) names.add(k.slice(prefix.length));
    return [...names].sort().flatMap((n) => {
      const r = this.get<T>(kind, n);
      return r === undefined ? [] : [r];
    });
  }

  /** Records a write or a fresh read: `resource` with its new version, or absent since `deletedAt` (the cache's version then). */
  remember(kind: string, name: string, resource: StoredResource | undefined, deletedAt?: string): void {
    if (resource !== undefined) this.overlay.set(keyOf(kind, name), { resource });
    else this.overlay.set(keyOf(kind, name), { deletedAt: deletedAt ?? this.cache.get(kind, name)?.metadata.resourceVersion ?? '0' });
  }
}
