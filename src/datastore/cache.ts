// The datastore syncer: one in-memory copy of the resource kinds a process computes from, kept current by one watch per
// kind (each watch resumes after disconnects and turns a compacted history into a resync, see watch-delivery.ts), shared
// by every consumer in the process (the node agent, a CNI server, the controllers) so each kind is watched once.
// Calico's equivalent is libcalico-go's watchersyncer (lib/backend/watchersyncer/watchersyncer.go): per-kind updates
// and a status that reaches InSync once every kind has been listed.
//
// Consumers subscribe() and receive the changes of each kind as they arrive (a resync is delivered as the difference
// from what the cache held), then onInSync once every kind has been listed and watched. list() and get() read the copy.
// The kinds are given by whoever assembles the process: the cache knows nothing of what they mean.
//
// Owns: one Watch per kind; close() stops them. Listeners are called synchronously, in subscription order; a listener
// that throws does not stop the others (the error goes to onListenerError).
import type { Datastore } from './datastore';
import type { StoredResource, Watch, WatchEvent } from './types';

export type CacheUpdate =
  | { readonly type: 'set'; readonly key: string; readonly object: StoredResource }
  | { readonly type: 'deleted'; readonly key: string; readonly object: StoredResource };

export interface CacheListener {
  /** Changes of one kind, in store order. */
  onUpdates(kind: string, updates: readonly CacheUpdate[]): void;
  /** Every kind has been listed and is being watched (called once; at once for a subscriber that comes later). */
  onInSync?(): void;
}

/** The cache's key of a resource: `namespace/name` (an empty namespace for cluster-scoped kinds). */
export const cacheKey = (r: StoredResource): string => `${r.metadata.namespace ?? ''}/${r.metadata.name}`;

export class DatastoreCache {
  private readonly maps = new Map<string, Map<string, StoredResource>>();
  private readonly watches: Watch[] = [];
  private readonly listeners = new Set<CacheListener>();
  private starting: Promise<void> | undefined;
  private synced = false;
  private closed = false;

  constructor(
    private readonly store: Datastore,
    kinds: readonly string[],
    private readonly onListenerError: (err: unknown) => void = () => undefined,
  ) {
    for (const k of new Set(kinds)) this.maps.set(k, new Map());
  }

  get kinds(): readonly string[] {
    return [...this.maps.keys()];
  }

  get inSync(): boolean {
    return this.synced;
  }

  /** Adds a listener; returns its removal. What is already cached is read with list(), not replayed. */
  subscribe(listener: CacheListener): () => void {
    this.listeners.add(listener);
    if (this.synced) this.call(() => listener.onInSync?.());
    return () => void this.listeners.delete(listener);
  }

  /** Lists every kind, then watches each from the listed revision. Resolves once all are in sync; calls after the first share it. */
  start(): Promise<void> {
    this.starting ??= this.run();
    return this.starting;
  }

  private async run(): Promise<void> {
    for (const [kind, map] of this.maps) {
      const listed = await this.store.list(kind);
      if (this.closed) return;
      this.replace(kind, map, listed.items);
      const watch = await this.store.watch(kind, { fromRevision: listed.revision }, (e: WatchEvent) => this.apply(kind, map, e));
      if (this.closed) {
        await watch.close();
        return;
      }
      this.watches.push(watch);
    }
    this.synced = true;
    for (const l of [...this.listeners]) this.call(() => l.onInSync?.());
  }

  private apply(kind: string, map: Map<string, StoredResource>, e: WatchEvent): void {
    if (this.closed) return;
    if (e.type === 'resync') return this.replace(kind, map, e.items);
    const key = cacheKey(e.object);
    if (e.type === 'deleted') map.delete(key);
    else map.set(key, e.object);
    this.emit(kind, [e.type === 'deleted' ? { type: 'deleted', key, object: e.object } : { type: 'set', key, object: e.object }]);
  }

  /** Makes the kind's map exactly `items`, delivering the difference. */
  private replace(kind: string, map: Map<string, StoredResource>, items: readonly StoredResource[]): void {
    const next = new Map(items.map((i) => [cacheKey(i), i]));
    const updates: CacheUpdate[] = [];
    for (const [key, object] of map) if (!next.has(key)) updates.push({ type: 'deleted', key, object });
    for (const [key, object] of next) {
      const old = map.get(key)?.metadata.resourceVersion;
      if (old === undefined || old !== object.metadata.resourceVersion) updates.push({ type: 'set', key, object });
    }
    map.clear();
    for (const [key, object] of next) map.set(key, object);
    if (updates.length > 0) this.emit(kind, updates);
  }

  private emit(kind: string, updates: readonly CacheUpdate[]): void {
    for (const l of [...this.listeners]) this.call(() => l.onUpdates(kind, updates));
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.onListenerError(err);
    }
  }

  /** The cached resources of a kind (empty for a kind this cache does not watch). */
  list<T extends StoredResource>(kind: string): T[] {
    return [...(this.maps.get(kind)?.values() ?? [])] as T[];
  }

  get<T extends StoredResource>(kind: string, name: string, namespace?: string): T | undefined {
    return this.maps.get(kind)?.get(`${namespace ?? ''}/${name}`) as T | undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
    await Promise.all(this.watches.splice(0).map((w) => w.close()));
  }
}
