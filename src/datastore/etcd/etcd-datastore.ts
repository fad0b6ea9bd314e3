// The etcd v3 datastore (Calico's etcd mode): keys as etcd-keys.ts lays them out, values as etcd-codec.ts encodes them,
// resourceVersion = the key's mod_revision. Every write is one etcd transaction: create compares create_revision with
// 0, a guarded update or delete compares mod_revision with the caller's resourceVersion. Calls have a deadline and
// bounded retries (etcd-retry.ts); watches are etcd-watch.ts. This class owns the etcd3 client and every watch.
import { randomUUID } from 'node:crypto';
import { Etcd3, type IKeyValue, type IOptions, type ITxnResponse } from 'etcd3';
import { systemClock, type Clock } from '../../lib/clock';
import { nullLogger, type Logger } from '../../lib/logger';
import type { WriteOp } from '../atomic';
import type { Datastore } from '../datastore';
import { AlreadyExistsError, ConflictError, InvalidError, NotFoundError, UnavailableError } from '../errors';
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
import { parseRevision } from '../watch-filter';
import { decodeResource, encodeResource } from './etcd-codec';
import { CALICO_V3_ROOT, collectionPrefix, parseResourceKey, resourceKey } from './etcd-keys';
import { etcdCause, etcdName, noRetryPolicy } from './etcd-errors';
import { DEFAULT_RETRY, withRetry, type RetryPolicy, type RetryTarget } from './etcd-retry';
import { EtcdWatch } from './etcd-watch';
import { etcdElection } from './etcd-lease';
import type { LeaseElection } from '../lease';

export interface EtcdDatastoreOptions {
  /** Client URLs, e.g. ["http://127.0.0.1:2379"] (ETCD_ENDPOINTS split on commas). */
  readonly endpoints: readonly string[];
  /** Key root; Calico's by default. Tests isolate themselves with their own root. */
  readonly root?: string;
  readonly tls?: { readonly ca: Buffer; readonly cert?: Buffer; readonly key?: Buffer };
  readonly auth?: { readonly username: string; readonly password: string };
  /** Deadline of each unary call. Default 5000. */
  readonly callTimeoutMs?: number;
  /** Attempts, pauses and the time budget of one operation (DEFAULT_RETRY: 6 attempts within 10 s). */
  readonly retry?: RetryPolicy;
  /** How long watch() waits for etcd to accept a watch. Default 10000. */
  readonly watchConnectTimeoutMs?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly newUid?: () => string;
}

/** Unconditional updates re-read and retry when a concurrent write slips in; this bounds that loop. */
const MAX_UNCONDITIONAL_ROUNDS = 16;

export class EtcdDatastore implements Datastore {
  readonly backend = 'etcdv3';
  private readonly client: Etcd3;
  private readonly root: string;
  private readonly retry: RetryPolicy;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly newUid: () => string;
  private readonly watchConnectTimeoutMs: number;
  private readonly watches = new WatchRegistry<EtcdWatch>((w) => w.close());
  private readonly callTimeoutMs: number;
  /** "etcd http://10.0.0.1:2379": every Unavailable error starts its reason with it. */
  private readonly name: string;
  private closed = false;

  constructor(opts: EtcdDatastoreOptions) {
    if (opts.endpoints.length === 0) throw new InvalidError('', '', 'etcd datastore needs at least one endpoint');
    const callTimeoutMs = opts.callTimeoutMs ?? 5000;
    const options: IOptions = {
      hosts: [...opts.endpoints],
      // Streams (watches) live until cancelled; only unary calls get a deadline.
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + callTimeoutMs }),
      // No circuit breaker and no hidden retries: withRetry bounds every operation and keeps the real cause.
      faultHandling: { host: () => noRetryPolicy, global: noRetryPolicy },
      ...(opts.tls ? { credentials: { rootCertificate: opts.tls.ca, privateKey: opts.tls.key, certChain: opts.tls.cert } } : {}),
      ...(opts.auth ? { auth: { username: opts.auth.username, password: opts.auth.password } } : {}),
    };
    this.client = new Etcd3(options);
    this.callTimeoutMs = callTimeoutMs;
    this.name = etcdName(opts.endpoints);
    this.root = (opts.root ?? CALICO_V3_ROOT).replace(/\/+$/, '');
    this.retry = opts.retry ?? DEFAULT_RETRY;
    this.clock = opts.clock ?? systemClock;
    this.log = (opts.logger ?? nullLogger).child('datastore.etcd');
    this.newUid = opts.newUid ?? randomUUID;
    this.watchConnectTimeoutMs = opts.watchConnectTimeoutMs ?? 10_000;
  }

  /** Leader election among processes sharing this datastore (datastore/lease.ts; etcd-lease.ts). */
  leaseElection(name: string, ttlSeconds = 15): LeaseElection {
    return etcdElection(this.client, this.root, name, ttlSeconds);
  }

  async get<T extends StoredResource = StoredResource>(kind: string, name: string, namespace?: string): Promise<T> {
    const info = checkRef(kind, name, namespace);
    const key = resourceKey(this.root, info, namespaceOf(info, namespace), name);
    const kv = await this.run({ op: 'get', kind, name, namespace }, async () => (await this.client.get(key).exec()).kvs[0]);
    if (kv === undefined) throw new NotFoundError(kind, name, namespace);
    return this.decodeOrThrow<T>(info, kv);
  }

  async list<T extends StoredResource = StoredResource>(kind: string, opts: ListOptions = {}): Promise<ListResult<T>> {
    const info = checkCollection(kind, opts);
    // The name prefix narrows the key range when the names' parent is pinned (cluster kind, or one namespace).
    const pinned = !info.namespaced || (opts.namespace !== undefined && opts.namespace !== '');
    const prefix = collectionPrefix(this.root, info, opts.namespace, pinned ? opts.prefix : undefined);
    const res = await this.run({ op: 'list', kind, name: '', namespace: opts.namespace }, () => this.client.getAll().prefix(prefix).exec());
    const items: T[] = [];
    for (const kv of res.kvs) {
      const r = this.decodeKv(info, kv);
      if (r === undefined || !nameHasPrefix(r, opts.prefix) || !resourceMatches(opts.selector, r)) continue;
      items.push(r as T);
    }
    return { items: items.sort(compareResources), revision: String(res.header.revision) };
  }

  async create<T extends StoredResource>(res: T): Promise<T> {
    const info = checkResource(res);
    const { name, namespace } = res.metadata;
    const stored = prepareCreate(res, this.clock.now(), this.newUid);
    const key = resourceKey(this.root, info, namespaceOf(info, namespace), name);
    const value = encodeResource(stored);
    // create_revision == 0 means the key does not exist (etcd api/v3 Compare CREATE).
    const txn = await this.run({ op: 'create', kind: info.kind, name, namespace }, () =>
      this.client.if(key, 'Create', '==', 0).then(this.client.put(key).value(value)).commit(),
    );
    if (!txn.succeeded) throw new AlreadyExistsError(info.kind, name, namespace);
    return withVersion(stored, String(txn.header.revision));
  }

  async update<T extends StoredResource>(res: T): Promise<T> {
    const info = checkResource(res);
    const { name, namespace, resourceVersion } = res.metadata;
    const guarded = resourceVersion !== undefined && resourceVersion !== '';
    if (guarded && parseRevision(resourceVersion) === undefined) throw new ConflictError(info.kind, name, namespace, resourceVersion, '?');
    const key = resourceKey(this.root, info, namespaceOf(info, namespace), name);
    const target: RetryTarget = { op: 'update', kind: info.kind, name, namespace };
    for (let round = 0; round < MAX_UNCONDITIONAL_ROUNDS; round++) {
      // The stored uid and creationTimestamp survive an update, so the current value is needed first.
      const kv = await this.run(target, async () => (await this.client.get(key).exec()).kvs[0]);
      if (kv === undefined) throw new NotFoundError(info.kind, name, namespace);
      if (guarded && kv.mod_revision !== resourceVersion) throw new ConflictError(info.kind, name, namespace, resourceVersion, kv.mod_revision);
      const current = this.decodeOrThrow(info, kv);
      const stored = prepareUpdate(res, current);
      const value = encodeResource(stored);
      const txn = await this.run(target, () =>
        this.client
          .if(key, 'Mod', '==', kv.mod_revision)
          .then(this.client.put(key).value(value))
          .else(this.client.get(key))
          .commit(),
      );
      if (txn.succeeded) return withVersion(stored, String(txn.header.revision));
      const now = rangeKv(txn);
      if (now === undefined) throw new NotFoundError(info.kind, name, namespace);
      if (guarded) throw new ConflictError(info.kind, name, namespace, resourceVersion, now.mod_revision);
      // Unconditional: someone wrote between our read and our write; read again.
    }
    throw new UnavailableError('update', info.kind, name, namespace, `key kept changing during ${MAX_UNCONDITIONAL_ROUNDS} read-write rounds`);
  }

  async delete<T extends StoredResource = StoredResource>(kind: string, name: string, namespace?: string, opts: DeleteOptions = {}): Promise<T> {
    const info = checkRef(kind, name, namespace);
    const key = resourceKey(this.root, info, namespaceOf(info, namespace), name);
    const keyBuf = Buffer.from(key);
    const target: RetryTarget = { op: 'delete', kind, name, namespace };
    const expected = opts.resourceVersion;
    if (expected === undefined || expected === '') {
      const prev = await this.run(target, () => this.client.delete().key(key).getPrevious());
      const kv = prev[0];
      if (kv === undefined) throw new NotFoundError(kind, name, namespace);
      return this.decodeOrThrow<T>(info, kv);
    }
    if (parseRevision(expected) === undefined) throw new ConflictError(kind, name, namespace, expected, '?');
    const txn = await this.run(target, () =>
      this.client
        .if(key, 'Mod', '==', expected)
        .then({ request_delete_range: { key: keyBuf, prev_kv: true } })
        .else({ request_range: { key: keyBuf } })
        .commit(),
    );
    if (txn.succeeded) {
      const kv = txn.responses[0]?.response_delete_range?.prev_kvs?.[0];
      if (kv === undefined) throw new NotFoundError(kind, name, namespace);
      return this.decodeOrThrow<T>(info, kv);
    }
    const now = rangeKv(txn);
    if (now === undefined) throw new NotFoundError(kind, name, namespace);
    throw new ConflictError(kind, name, namespace, expected, now.mod_revision);
  }

  /**
   * Several writes in one etcd transaction (datastore/atomic.ts): every guard is a compare (create_revision == 0 for
   * a create, mod_revision == resourceVersion for an update or delete), every write a put or delete; all or none.
   * Not retried on a failed compare: the caller re-reads and decides. One request, whatever the number of ops.
   */
  async commit(ops: readonly WriteOp[]): Promise<string[]> {
    if (ops.length === 0) throw new InvalidError('', '', 'commit needs at least one write');
    const now = this.clock.now();
    const compares: Array<{ key: string; target: 'Create' | 'Mod'; value: number | string }> = [];
    const writes: Array<{ key: string; value?: string }> = [];
    for (const o of ops) {
      if (o.op === 'delete') {
        const info = checkRef(o.kind, o.name, o.namespace);
        if (parseRevision(o.resourceVersion) === undefined) throw new ConflictError(o.kind, o.name, o.namespace, o.resourceVersion, '?');
        const key = resourceKey(this.root, info, namespaceOf(info, o.namespace), o.name);
        compares.push({ key, target: 'Mod', value: o.resourceVersion });
        writes.push({ key });
        continue;
      }
      const info = checkResource(o.resource);
      const { name, namespace, resourceVersion } = o.resource.metadata;
      const key = resourceKey(this.root, info, namespaceOf(info, namespace), name);
      if (o.op === 'create') {
        compares.push({ key, target: 'Create', value: 0 });
        writes.push({ key, value: encodeResource(prepareCreate(o.resource, now, this.newUid)) });
      } else {
        if (resourceVersion === undefined || parseRevision(resourceVersion) === undefined) throw new ConflictError(info.kind, name, namespace, resourceVersion ?? '', '?');
        compares.push({ key, target: 'Mod', value: resourceVersion });
        writes.push({ key, value: encodeResource(prepareUpdate(o.resource, o.resource)) });
      }
    }
    const first = ops[0]!;
    const ref = first.op === 'delete' ? first : { kind: first.resource.kind, name: first.resource.metadata.name, namespace: first.resource.metadata.namespace };
    const txn = await this.run({ op: 'commit', kind: ref.kind, name: ref.name, namespace: ref.namespace }, () => {
      const [c0, ...rest] = compares;
      let b = this.client.if(c0!.key, c0!.target, '==', c0!.value);
      for (const c of rest) b = b.and(c.key, c.target, '==', c.value);
      return b.then(...writes.map((w) => (w.value === undefined ? this.client.delete().key(w.key) : this.client.put(w.key).value(w.value)))).commit();
    });
    if (!txn.succeeded) throw new ConflictError(ref.kind, ref.name, ref.namespace, `${ops.length} guarded writes`, 'changed');
    return ops.map(() => String(txn.header.revision));
  }

  async watch<T extends StoredResource = StoredResource>(kind: string, opts: WatchOptions, handler: WatchHandler<T>): Promise<Watch> {
    const info = checkCollection(kind, opts);
    if (this.closed) throw new UnavailableError('watch', kind, '', opts.namespace, 'datastore closed');
    let from: bigint | undefined;
    if (opts.fromRevision !== undefined) {
      from = parseRevision(opts.fromRevision);
      if (from === undefined) throw new InvalidError(kind, '', `fromRevision "${opts.fromRevision}" is not a revision`);
    }
    const delivery = new WatchDelivery(handler as WatchHandler, this.log, from === undefined ? '0' : String(from));
    const w = new EtcdWatch({
      client: this.client,
      root: this.root,
      info,
      opts,
      delivery,
      clock: this.clock,
      log: this.log,
      connectTimeoutMs: this.watchConnectTimeoutMs,
      relistDelayMs: this.retry.maxDelayMs,
      list: () => this.list(kind, { namespace: opts.namespace, selector: opts.selector }),
    });
    this.watches.add(w);
    try {
      await w.start(from);
    } catch (err) {
      this.watches.forget(w);
      throw err;
    }
    return this.watches.handle(w, () => w.revision);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.watches.closeAll();
    this.client.close();
  }

  /** Runs one etcd call with the retry bound, refusing once closed. */
  private run<R>(target: RetryTarget, fn: () => Promise<R>): Promise<R> {
    if (this.closed) return Promise.reject(new UnavailableError(target.op, target.kind, target.name, target.namespace, 'datastore closed'));
    return withRetry(this.clock, this.retry, target, fn, {
      isClosed: () => this.closed,
      describe: (err) => `${this.name}: ${etcdCause(err, this.callTimeoutMs)}`,
    });
  }

  private decodeKv(info: KindInfo, kv: IKeyValue): StoredResource | undefined {
    const key = kv.key.toString('utf8');
    const where = parseResourceKey(this.root, info, key);
    if (where === undefined) return undefined;
    const r = decodeResource(info, where, kv.value, kv.mod_revision);
    if (r.ok) return r.resource;
    this.log.warn('skipping unreadable etcd value', { key, reason: r.reason });
    return undefined;
  }

  private decodeOrThrow<T extends StoredResource>(info: KindInfo, kv: IKeyValue): T {
    const key = kv.key.toString('utf8');
    const where = parseResourceKey(this.root, info, key);
    const r = where === undefined ? { ok: false as const, reason: 'key outside the layout' } : decodeResource(info, where, kv.value, kv.mod_revision);
    if (!r.ok) throw new InvalidError(info.kind, where?.name ?? key, `stored value at ${key} is unreadable: ${r.reason}`);
    return r.resource as T;
  }
}

/** The key-value read by a transaction's else branch (a single-key range), if it exists. */
function rangeKv(txn: ITxnResponse): IKeyValue | undefined {
  return txn.responses[0]?.response_range?.kvs?.[0];
}
