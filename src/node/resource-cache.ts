// An in-memory copy of the resource kinds the node agent computes from, kept current by datastore watches (the
// watch itself resumes after disconnects and turns a compacted history into a resync, see src/datastore). Every change
// calls onChange; the agent debounces and recomputes from the whole cache, so event order never matters.
//
// Owns: one Watch per kind; close() stops them.
import type { Datastore, StoredResource, Watch, WatchEvent } from '../datastore';

const key = (r: StoredResource): string => `${r.metadata.namespace ?? ''}/${r.metadata.name}`;

export class ResourceCache {
  private readonly maps = new Map<string, Map<string, StoredResource>>();
  private readonly watches: Watch[] = [];
  private closed = false;

  constructor(
    private readonly store: Datastore,
    private readonly kinds: readonly string[],
    private readonly onChange: (kind: string) => void,
  ) {
    for (const k of kinds) this.maps.set(k, new Map());
  }

  /** Lists every kind, then watches each from the listed revision. Resolves once all are in sync. */
  async start(): Promise<void> {
    for (const kind of this.kinds) {
      const map = this.maps.get(kind) as Map<string, StoredResource>;
      const listed = await this.store.list(kind);
      for (const item of listed.items) map.set(key(item), item);
      if (this.closed) return;
      const watch = await this.store.watch(kind, { fromRevision: listed.revision }, (e: WatchEvent) => this.apply(kind, map, e));
      this.watches.push(watch);
    }
  }

  private apply(kind: string, map: Map<string, StoredResource>, e: WatchEvent): void {
    if (e.type === 'resync') {
      map.clear();
      for (const item of e.items) map.set(key(item), item);
    } else if (e.type === 'deleted') map.delete(key(e.object));
    else map.set(key(e.object), e.object);
    this.onChange(kind);
  }

  list<T extends StoredResource>(kind: string): T[] {
    return [...(this.maps.get(kind)?.values() ?? [])] as T[];
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.watches.splice(0).map((w) => w.close()));
  }
}
