// The in-process datastore: a map per kind, one global revision counter (like etcd's), a bounded history for watches
// from a revision, compaction on demand (to exercise re-list paths), and failure injection for callers' error paths.
// For unit tests and single-process simulations only: nothing is persisted.
import { randomUUID } from 'node:crypto';
import { systemClock, type Clock } from '../../lib/clock';
import { nullLogger, type Logger } from '../../lib/logger';
import type { Datastore } from '../datastore';
import { ConflictError, AlreadyExistsError, InvalidError, NotFoundError, UnavailableError } from '../errors';
import type { KindInfo } from '../kinds';
import { resourceMatches } from '../label-selector';
import {
  checkCollection,
  checkRef,
  checkResource,
  compareResources,
  nameHasPrefix,
  namespaceOf,
  prepareCreate,
  prepareUpdate,
  withVersion,
} from '../resource-checks';
import type {
  DatastoreOp,
  DeleteOptions,
  ListOptions,
  ListResult,
  StoredResource,
  Watch,
  WatchHandler,
  WatchOptions,
} from '../types';
import { WatchDelivery } from '../watch-delivery';
import { WatchRegistry } from '../watch-registry';
import { filterChange, parseRevision, type RawChange } from '../watch-filter';

export interface MemoryDatastoreOptions {
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** uid generator (deterministic in tests). */
  readonly newUid?: () => string;
  /** History entries kept for watches from a revision; older ones are compacted automatically. Default 10000. */
  readonly historyLimit?: number;
}

interface Entry {
  readonly object: StoredResource;
  readonly revision: number;
}

interface HistoryItem {
  readonly kind: string;
  readonly change: RawChange<StoredResource>;
}

interface Failure {
  readonly op: DatastoreOp;
  readonly error: Error;
  readonly kind: string | undefined;
}

interface MemoryWatch {
  readonly kind: string;
  /** Changes at or below this revision are not for this watch (a fromRevision ahead of the store). */
  readonly after: number;
  readonly opts: WatchOptions;
  readonly delivery: WatchDelivery;
}

/**
 * Deep copy through JSON, as every real backend serialises: what comes back is what etcd or Kubernetes would return
 * (undefined fields gone), and nothing the caller holds aliases stored state.
 */
function cloneJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function keyOf(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export class MemoryDatastore implements Datastore {
  readonly backend = 'memory';
  private revision = 0;
  /** Lowest revision still in history (etcd's compact revision): watches must start at or after it. */
  private compactedTo = 0;
  private readonly data = new Map<string, Map<string, Entry>>();
  private history: HistoryItem[] = [];
  private readonly watches = new WatchRegistry<MemoryWatch>((w) => w.delivery.close());
  private failures: Failure[] = [];
  private closed = false;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly newUid: () => string;
  private readonly historyLimit: number;

  constructor(opts: MemoryDatastoreOptions = {}) {
    this.clock = opts.clock ?? systemClock;
    this.log = (opts.logger ?? nullLogger).child('datastore.memory');
    this.newUid = opts.newUid ?? randomUUID;
    this.historyLimit = opts.historyLimit ?? 10_000;
  }

  /** The current store revision. */
  currentRevision(): string {
    return String(this.revision);
  }

  /**
   * Makes the next `op` (on `kind`, when given) reject with `error` instead of running. Several calls queue failures
   * in order.
   */
  failNext(op: DatastoreOp, error: Error, opts: { kind?: string } = {}): void {
    this.failures.push({ op, error, kind: opts.kind });
  }

  /** Discards history before `revision` (default: the current revision), as etcd's compaction does. */
  compact(revision?: string | number): void {
    const to = revision === undefined ? this.revision : Number(revision);
    if (!Number.isInteger(to) || to < 0 || to > this.revision) throw new RangeError(`compact: revision ${String(revision)} out of range 0..${this.revision}`);
    if (to <= this.compactedTo) return;
    this.compactedTo = to;
    this.history = this.history.filter((h) => Number(h.change.revision) >= to);
  }

  async get<T extends StoredResource = StoredResource>(kind: string, name: string, namespace?: string): Promise<T> {
    await this.enter('get', kind, name, namespace);
    const info = checkRef(kind, name, namespace);
    const entry = this.table(kind).get(keyOf(namespaceOf(info, namespace), name));
    if (entry === undefined) throw new NotFoundError(kind, name, namespace);
    return this.out<T>(entry);
  }

  async list<T extends StoredResource = StoredResource>(kind: string, opts: ListOptions = {}): Promise<ListResult<T>> {
    await this.enter('list', kind, '', opts.namespace);
    const info = checkCollection(kind, opts);
    return { items: this.snapshot<T>(info, opts), revision: String(this.revision) };
  }

  async create<T extends StoredResource>(res: T): Promise<T> {
    await this.enter('create', res?.kind, res?.metadata?.name, res?.metadata?.namespace);
    const info = checkResource(res);
    const ns = namespaceOf(info, res.metadata.namespace);
    const key = keyOf(ns, res.metadata.name);
    const table = this.table(res.kind);
    if (table.has(key)) throw new AlreadyExistsError(res.kind, res.metadata.name, res.metadata.namespace);
    const stored = prepareCreate(cloneJson(res), this.clock.now(), this.newUid);
    return this.out<T>(this.write(info, key, stored, undefined));
  }

  async update<T extends StoredResource>(res: T): Promise<T> {
    await this.enter('update', res?.kind, res?.metadata?.name, res?.metadata?.namespace);
    const info = checkResource(res);
    const { name, namespace, resourceVersion } = res.metadata;
    const key = keyOf(namespaceOf(info, namespace), name);
    const current = this.table(res.kind).get(key);
    if (current === undefined) throw new NotFoundError(res.kind, name, namespace);
    if (resourceVersion !== undefined && resourceVersion !== '' && resourceVersion !== String(current.revision)) {
      throw new ConflictError(res.kind, name, namespace, resourceVersion, String(current.revision));
    }
    const stored = prepareUpdate(cloneJson(res), current.object);
    return this.out<T>(this.write(info, key, stored, current));
  }

  async delete<T extends StoredResource = StoredResource>(kind: string, name: string, namespace?: string, opts: DeleteOptions = {}): Promise<T> {
    await this.enter('delete', kind, name, namespace);
    const info = checkRef(kind, name, namespace);
    const key = keyOf(namespaceOf(info, namespace), name);
    const table = this.table(kind);
    const current = table.get(key);
    if (current === undefined) throw new NotFoundError(kind, name, namespace);
    if (opts.resourceVersion !== undefined && opts.resourceVersion !== '' && opts.resourceVersion !== String(current.revision)) {
      throw new ConflictError(kind, name, namespace, opts.resourceVersion, String(current.revision));
    }
    table.delete(key);
    this.revision++;
    const previous = withVersion(current.object, String(current.revision));
    this.record(info, { revision: String(this.revision), previous, current: undefined });
    return cloneJson(previous) as T;
  }

  async watch<T extends StoredResource = StoredResource>(kind: string, opts: WatchOptions, handler: WatchHandler<T>): Promise<Watch> {
    await this.enter('watch', kind, '', opts.namespace);
    const info = checkCollection(kind, opts);
    let from: number | undefined;
    if (opts.fromRevision !== undefined) {
      const parsed = parseRevision(opts.fromRevision);
      if (parsed === undefined) throw new InvalidError(kind, '', `fromRevision "${opts.fromRevision}" is not a revision`);
      from = Number(parsed);
    }
    const delivery = new WatchDelivery<T>(handler, this.log, String(from ?? this.revision));
    // Everything below runs without an await, so no write can slip between the replay and the registration.
    if (from === undefined || from + 1 < this.compactedTo) {
      if (from !== undefined) this.log.info('watch history compacted: re-listing', { kind, fromRevision: from, compactedTo: this.compactedTo });
      delivery.push({ type: 'resync', items: this.snapshot<T>(info, opts), revision: String(this.revision) });
    } else {
      for (const h of this.history) {
        if (h.kind !== kind || Number(h.change.revision) <= from) continue;
        const event = filterChange(opts, h.change as RawChange<T>);
        if (event !== undefined) delivery.push(cloneJson(event));
      }
    }
    const w: MemoryWatch = { kind, after: from ?? this.revision, opts, delivery: delivery as unknown as WatchDelivery };
    this.watches.add(w);
    return this.watches.handle(w, () => delivery.revision);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.watches.closeAll();
  }

  private async enter(op: DatastoreOp, kind: string | undefined, name: string | undefined, namespace: string | undefined): Promise<void> {
    // Yield first, as a networked backend would: concurrent callers interleave between their read and their write.
    await Promise.resolve();
    if (this.closed) throw new UnavailableError(op, kind ?? '', name ?? '', namespace, 'datastore closed');
    const i = this.failures.findIndex((f) => f.op === op && (f.kind === undefined || f.kind === kind));
    if (i >= 0) {
      const [failure] = this.failures.splice(i, 1);
      if (failure !== undefined) throw failure.error;
    }
  }

  private table(kind: string): Map<string, Entry> {
    let t = this.data.get(kind);
    if (t === undefined) {
      t = new Map();
      this.data.set(kind, t);
    }
    return t;
  }

  private snapshot<T extends StoredResource>(info: KindInfo, opts: ListOptions): T[] {
    const items: T[] = [];
    for (const entry of this.table(info.kind).values()) {
      const res = entry.object;
      if (opts.namespace !== undefined && opts.namespace !== '' && res.metadata.namespace !== opts.namespace) continue;
      if (!nameHasPrefix(res, opts.prefix) || !resourceMatches(opts.selector, res)) continue;
      items.push(this.out<T>(entry));
    }
    return items.sort(compareResources);
  }

  private write(info: KindInfo, key: string, stored: StoredResource, previous: Entry | undefined): Entry {
    this.revision++;
    const entry: Entry = { object: stored, revision: this.revision };
    this.table(info.kind).set(key, entry);
    this.record(info, {
      revision: String(this.revision),
      previous: previous === undefined ? undefined : withVersion(previous.object, String(previous.revision)),
      current: withVersion(stored, String(this.revision)),
    });
    return entry;
  }

  private record(info: KindInfo, change: RawChange<StoredResource>): void {
    this.history.push({ kind: info.kind, change });
    if (this.history.length > this.historyLimit) {
      const dropped = this.history.splice(0, this.history.length - this.historyLimit);
      const last = dropped[dropped.length - 1];
      if (last !== undefined) this.compactedTo = Math.max(this.compactedTo, Number(last.change.revision) + 1);
    }
    for (const w of this.watches.values()) {
      if (w.kind !== info.kind || Number(change.revision) <= w.after) continue;
      const event = filterChange(w.opts, change);
      if (event !== undefined) w.delivery.push(cloneJson(event));
    }
  }

  private out<T extends StoredResource>(entry: Entry): T {
    return withVersion(cloneJson(entry.object), String(entry.revision)) as T;
  }
}
