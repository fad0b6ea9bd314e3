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
// Kinds a cluster may not serve (optional kinds: the admin network policies, whose CRDs an install may lack) count as
// "none of that kind" while the datastore answers KindNotServed: one warning naming what to install, then a retry on a
// timer (the CRD may be installed later) that lists and watches the kind once it is served, delivering what it holds.
//
// Owns: one Watch per kind and the optional kinds' retry timers; close() stops them. Listeners are called synchronously, in subscription order; a listener
// that throws does not stop the others (the error goes to onListenerError).
import type { Clock, TimerHandle } from '../lib/clock';
import { describeError } from '../lib/errors';
import type { Logger } from '../lib/logger';
import type { Datastore } from './datastore';
import { KindNotServedError } from './errors';
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

/** Kinds whose absence from the datastore (KindNotServed) means none of them, with what retries them. */
export interface OptionalKinds {
  /** Kind -> what provides it, for the warning (the CRD's name: `adminnetworkpolicies.policy.networking.k8s.io`). */
  readonly kinds: Readonly<Record<string, string>>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** How often an absent kind is tried again. */
  readonly retryMs: number;
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
  /** Retry timers of optional kinds not served yet. */
  private readonly retries = new Map<string, TimerHandle>();

  constructor(
    private readonly store: Datastore,
    kinds: readonly string[],
    private readonly onListenerError: (err: unknown) => void = () => undefined,
    private readonly optional?: OptionalKinds,
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
      try {
        if (!(await this.startKind(kind, map))) return;
      } catch (err) {
        if (!this.isAbsentOptional(kind, err)) throw err;
        this.optional?.logger.warn(`${kind} is not served: none are enforced until ${this.optional.kinds[kind]} is installed; retrying every ${this.optional.retryMs / 1000} s`, {
          kind,
          error: describeError(err),
        });
        this.scheduleRetry(kind, map);
      }
    }
    this.synced = true;
    for (const l of [...this.listeners]) this.call(() => l.onInSync?.());
  }

  /** Lists the kind into its map, then watches it from the listed revision; false once the cache is closed. */
  private async startKind(kind: string, map: Map<string, StoredResource>): Promise<boolean> {
    const listed = await this.store.list(kind);
    if (this.closed) return false;
    this.replace(kind, map, listed.items);
    const watch = await this.store.watch(kind, { fromRevision: listed.revision }, (e: WatchEvent) => this.apply(kind, map, e));
    if (this.closed) {
      await watch.close();
      return false;
    }
    this.watches.push(watch);
    return true;
  }

  private isAbsentOptional(kind: string, err: unknown): boolean {
    return err instanceof KindNotServedError && this.optional?.kinds[kind] !== undefined;
  }

  private scheduleRetry(kind: string, map: Map<string, StoredResource>): void {
    const o = this.optional;
    if (o === undefined || this.closed) return;
    this.retries.set(
      kind,
      o.clock.setTimeout(() => void this.retry(kind, map, o), o.retryMs),
    );
  }

  /** Tries an absent optional kind again: quietly while it is still not served, loudly on any other failure. */
  private async retry(kind: string, map: Map<string, StoredResource>, o: OptionalKinds): Promise<void> {
    this.retries.delete(kind);
    if (this.closed) return;
    try {
      if (await this.startKind(kind, map)) o.logger.info(`${kind} is served now: watching it`, { kind, count: map.size });
    } catch (err) {
      if (!this.isAbsentOptional(kind, err)) o.logger.warn(`${kind}: list or watch failed: retrying`, { kind, error: describeError(err) });
      this.scheduleRetry(kind, map);
    }
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
    for (const t of this.retries.values()) t.cancel();
    this.retries.clear();
    await Promise.all(this.watches.splice(0).map((w) => w.close()));
  }
}
