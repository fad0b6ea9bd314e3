// One datastore watch over an etcd key prefix. It owns its etcd3 Watcher and keeps three promises:
//  - resume after a disconnect from the last revision it received (it rewrites the watcher's start revision on every
//    disconnect, because etcd3 would otherwise resume from a response header's revision, which can run ahead of the
//    events actually received while etcd replays history);
//  - never deliver a revision twice (events at or below the last received revision are dropped);
//  - when etcd cancels the watch (its history was compacted past our revision, or anything else), re-list, deliver a
//    `resync`, and watch again from the list's revision.
import type { Etcd3, IKeyValue, IWatchResponse, Watcher } from 'etcd3';
import type { Clock, TimerHandle } from '../../lib/clock';
import { describeError } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import { UnavailableError } from '../errors';
import type { KindInfo } from '../kinds';
import type { ListResult, StoredResource, Watch, WatchOptions } from '../types';
import type { WatchDelivery } from '../watch-delivery';
import { filterChange, type RawChange } from '../watch-filter';
import { decodeResource } from './etcd-codec';
import { collectionPrefix, parseResourceKey } from './etcd-keys';
import { sleep } from './etcd-retry';

export interface EtcdWatchDeps {
  readonly client: Etcd3;
  readonly root: string;
  readonly info: KindInfo;
  readonly opts: WatchOptions;
  readonly delivery: WatchDelivery;
  readonly clock: Clock;
  readonly log: Logger;
  /** How long establishing the etcd watch may take before watch() fails with Unavailable. */
  readonly connectTimeoutMs: number;
  /** Pause between failed re-list attempts after a cancellation (the list itself retries within its own bound). */
  readonly relistDelayMs: number;
  /** The datastore's list with this watch's namespace and selector (bounded retries, Unavailable after). */
  readonly list: () => Promise<ListResult>;
}

export class EtcdWatch implements Watch {
  private watcher: Watcher | undefined;
  /** Highest revision received from etcd (and queued for delivery). */
  private last = 0n;
  private closed = false;
  private readonly prefix: string;

  constructor(private readonly d: EtcdWatchDeps) {
    this.prefix = collectionPrefix(d.root, d.info, d.opts.namespace);
  }

  get revision(): string {
    return this.d.delivery.revision;
  }

  /** Establishes the watch: after fromRevision, or after a first resync when it is absent. */
  async start(fromRevision: bigint | undefined): Promise<void> {
    if (fromRevision === undefined) {
      const listed = await this.d.list();
      this.d.delivery.push({ type: 'resync', items: listed.items, revision: listed.revision });
      this.last = BigInt(listed.revision);
    } else {
      this.last = fromRevision;
    }
    try {
      await this.open();
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const w = this.watcher;
    this.watcher = undefined;
    if (w !== undefined) await this.cancel(w);
    await this.d.delivery.close();
  }

  /** Creates the etcd watcher from last+1; resolves when etcd acknowledged it (or already cancelled it). */
  private open(): Promise<void> {
    const w = this.d.client
      .watch()
      .prefix(this.prefix)
      .withPreviousKV()
      .startRevision(String(this.last + 1n))
      .watcher();
    this.watcher = w;
    // Listeners go on synchronously: a cancellation may arrive in the same chunk as the creation.
    w.on('data', (res) => this.onData(w, res));
    w.on('disconnected', (err) => {
      // etcd3 reconnects by itself after a backoff; make it resume where our events end.
      w.request.start_revision = String(this.last + 1n);
      this.d.log.info('etcd watch disconnected; will resume', { prefix: this.prefix, fromRevision: String(this.last + 1n), error: describeError(err) });
    });
    w.on('error', (err) => void this.onCancelled(w, err));
    return new Promise<void>((resolve, reject) => {
      const settle = (fn: () => void): void => {
        timer.cancel();
        w.removeListener('connected', onConnected);
        w.removeListener('error', onError);
        fn();
      };
      const onConnected = (): void => settle(resolve);
      // A cancellation right away (compacted start revision) is handled by onCancelled; the watch itself is up.
      const onError = (): void => settle(resolve);
      w.once('connected', onConnected);
      w.once('error', onError);
      const timer = this.d.clock.setTimeout(() => {
        settle(() =>
          reject(new UnavailableError('watch', this.d.info.kind, '', this.d.opts.namespace, `etcd did not accept the watch within ${this.d.connectTimeoutMs} ms`)),
        );
      }, this.d.connectTimeoutMs);
    });
  }

  private onData(w: Watcher, res: IWatchResponse): void {
    if (this.closed || w !== this.watcher) return;
    const floor = this.last;
    for (const ev of res.events) {
      const revision = BigInt(ev.kv.mod_revision);
      // Already received before a reconnect (several events of one transaction share a revision, so compare with
      // the last revision of earlier responses only).
      if (revision <= floor) continue;
      if (revision > this.last) this.last = revision;
      const change = this.toChange(ev.type, ev.kv, ev.prev_kv, String(revision));
      if (change === undefined) continue;
      const event = filterChange(this.d.opts, change);
      if (event !== undefined) this.d.delivery.push(event);
    }
  }

  private toChange(type: string, kv: IKeyValue, prev: IKeyValue | undefined, revision: string): RawChange<StoredResource> | undefined {
    const where = parseResourceKey(this.d.root, this.d.info, kv.key.toString('utf8'));
    if (where === undefined) return undefined;
    const decode = (x: IKeyValue): StoredResource | undefined => {
      const r = decodeResource(this.d.info, where, x.value, x.mod_revision);
      if (r.ok) return r.resource;
      this.d.log.warn('skipping unreadable etcd value', { key: x.key.toString('utf8'), reason: r.reason });
      return undefined;
    };
    // etcd omits prev_kv only when that revision was compacted away; the change is then reported without it (a
    // modification arrives as `added`, a deletion with the bare name).
    const previous = prev !== undefined && prev !== null && prev.key !== undefined ? decode(prev) : undefined;
    if (type === 'Delete') {
      const last: StoredResource = previous ?? {
        apiVersion: 'projectcalico.org/v3',
        kind: this.d.info.kind,
        metadata: this.d.info.namespaced ? { name: where.name, namespace: where.namespace } : { name: where.name },
      };
      return { revision, previous: last, current: undefined };
    }
    const current = decode(kv);
    if (current === undefined) return undefined;
    return { revision, previous, current };
  }

  /** etcd cancelled the watcher: re-list and watch again, until that works or the watch is closed. */
  private async onCancelled(w: Watcher, err: Error): Promise<void> {
    if (this.closed || w !== this.watcher) return;
    this.watcher = undefined;
    this.d.log.warn('etcd cancelled the watch (history compacted?); re-listing', { prefix: this.prefix, fromRevision: String(this.last + 1n), error: describeError(err) });
    // Bounded by close(): each round either succeeds and returns, or waits relistDelayMs and checks `closed`.
    while (!this.closed) {
      try {
        const listed = await this.d.list();
        if (this.closed) return;
        this.d.delivery.push({ type: 'resync', items: listed.items, revision: listed.revision });
        this.last = BigInt(listed.revision);
        await this.open();
        return;
      } catch (e) {
        const stale = this.watcher;
        this.watcher = undefined;
        if (stale !== undefined) await this.cancel(stale);
        this.d.log.warn('re-list after watch cancellation failed; retrying', { prefix: this.prefix, error: describeError(e) });
        await sleep(this.d.clock, this.d.relistDelayMs);
      }
    }
  }

  /** Cancels an etcd3 watcher without waiting forever on a connection that is down. */
  private async cancel(w: Watcher): Promise<void> {
    let timer: TimerHandle | undefined;
    await Promise.race([
      w.cancel().catch((e: unknown) => this.d.log.debug('watch cancel failed', { error: describeError(e) })),
      new Promise<void>((resolve) => {
        timer = this.d.clock.setTimeout(resolve, this.d.connectTimeoutMs);
      }),
    ]);
    timer?.cancel();
    // The watcher may still emit after cancel (a late 'error'); the listeners check `w !== this.watcher`.
  }
}
