// The watch of one API collection (a KubeSource), kept alive across disconnects; kind-watch.ts merges the collections
// of a kind into one datastore watch:
//   - start: without fromRevision, a list whose items become the first `resync` event; with fromRevision, a list at
//     exactly that revision (resourceVersionMatch=Exact) that seeds the cache without being delivered;
//   - then a watch from the list's revision with bookmarks, so the resume point advances even while nothing changes;
//   - a stream that ends (server timeout, connection loss) is re-opened from the last revision seen (event or
//     bookmark), after a bounded, growing delay when it failed;
//   - 410 Gone (history compacted: an ERROR event, or a refused watch) triggers a clean re-list delivered as `resync`.
// The cache of the latest state of every object in scope is what makes the events exact: `previous` on modified,
// the last state on deleted, and selector transitions (entering = added, leaving = deleted) for selectors the API
// server cannot evaluate (predicates, Calico-only labels).
import type { Clock, TimerHandle } from '../../lib/clock';
import { describeError } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import { resourceMatches } from '../label-selector';
import { compareResources } from '../resource-checks';
import type { StoredResource, WatchEvent, WatchOptions } from '../types';
import { filterChange } from '../watch-filter';
import { isKubeError } from './errors';
import { jsonClone } from './convert';
import type { KubeSource } from './kind-storage';
import type { KubeApi, KubeObject, KubeWatchEvent, KubeWatchStream } from './kube-api';

/** Where a KubeWatch hands its events (kind-watch.ts, which merges the sources of one kind). */
export interface WatchSink {
  push(event: WatchEvent): void;
}

export interface KubeWatchSettings {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly bookmarks: boolean;
  /** Server-side stream lifetime; the stream is then re-opened from the last revision. */
  readonly timeoutSeconds: number;
  /** Delays before re-opening after consecutive failures; the last one repeats. */
  readonly retryDelaysMs: readonly number[];
}

function keyOf(o: KubeObject): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
}

/** Same v3 view apart from resourceVersion (a Node heartbeat or a pod status change). */
function sameView(a: StoredResource, b: StoredResource): boolean {
  const strip = (r: StoredResource): string => JSON.stringify({ ...r, metadata: { ...r.metadata, resourceVersion: undefined } });
  return strip(a) === strip(b);
}

export class KubeWatch {
  private readonly cache = new Map<string, StoredResource>();
  private resumeFrom = '';
  private stream: KubeWatchStream | undefined;
  private timer: TimerHandle | undefined;
  private closed = false;
  private failures = 0;
  /** Set by a 410 ERROR event: the next (re)connection re-lists first. */
  private mustRelist = false;
  /** Whether the current stream delivered anything: a stream that ends empty-handed counts as a failure for backoff. */
  private heardFromStream = false;

  constructor(
    private readonly api: KubeApi,
    private readonly storage: KubeSource,
    private readonly opts: WatchOptions,
    private readonly delivery: WatchSink,
    private readonly settings: KubeWatchSettings,
  ) {}

  private get log(): Logger {
    return this.settings.logger;
  }

  /** Establishes the watch; rejects (with a KubeApiError or datastore error) when the first list or stream fails. */
  async start(fromRevision: string | undefined): Promise<void> {
    if (fromRevision === undefined) {
      await this.relist();
    } else {
      try {
        const past = await this.api.list(this.storage.ref(this.opts.namespace), { resourceVersion: fromRevision, resourceVersionMatch: 'Exact' });
        this.seed(past.items);
        this.resumeFrom = fromRevision;
      } catch (err) {
        if (!isKubeError(err, 410)) throw err;
        this.log.info('watch start revision compacted: re-listing', { kind: this.storage.name, fromRevision });
        await this.relist();
      }
    }
    await this.open();
  }

  close(): void {
    this.closed = true;
    this.timer?.cancel();
    this.stream?.abort();
    this.stream = undefined;
  }

  /** The revision this watch would resume from: the last event's, bookmark's or list's. */
  get revision(): string {
    return this.resumeFrom;
  }

  /** The current state of the objects in scope that match the selector (what the consumer has been told). */
  items(): StoredResource[] {
    return [...this.cache.values()].filter((r) => resourceMatches(this.opts.selector, r));
  }

  private seed(items: KubeObject[]): void {
    this.cache.clear();
    for (const o of items) {
      const v3 = this.storage.toV3(o);
      if (v3 !== undefined) this.cache.set(keyOf(o), v3);
    }
  }

  /** Lists the current state and hands it to the sink as one `resync`. */
  private async relist(): Promise<void> {
    const list = await this.api.list(this.storage.ref(this.opts.namespace));
    if (this.closed) return;
    this.seed(list.items);
    this.resumeFrom = list.resourceVersion;
    this.mustRelist = false;
    const items = this.items().sort(compareResources);
    this.delivery.push({ type: 'resync', items: jsonClone(items), revision: list.resourceVersion });
  }

  private async open(): Promise<void> {
    if (this.closed) return;
    try {
      this.stream = await this.api.watch(
        this.storage.ref(this.opts.namespace),
        { resourceVersion: this.resumeFrom, allowWatchBookmarks: this.settings.bookmarks, timeoutSeconds: this.settings.timeoutSeconds },
        (e) => this.onEvent(e),
        (err) => this.onDone(err),
      );
    } catch (err) {
      // A refused watch for a compacted revision answers 410 outright on some servers.
      if (isKubeError(err, 410)) {
        this.mustRelist = true;
        await this.relist();
        return this.open();
      }
      throw err;
    }
    this.heardFromStream = false;
    if (this.closed) this.stream.abort();
  }

  private onEvent(e: KubeWatchEvent): void {
    if (this.closed) return;
    this.heardFromStream = true;
    const rv = e.object?.metadata?.resourceVersion;
    if (e.type === 'BOOKMARK') {
      if (rv) this.resumeFrom = rv;
      return;
    }
    if (e.type === 'ERROR') {
      const status = e.object as unknown as { code?: number; message?: string };
      if (status.code === 410) this.mustRelist = true;
      else this.log.warn('watch error event', { kind: this.storage.name, code: status.code, message: status.message });
      // The server ends the stream after an ERROR; make sure of it so onDone reconnects.
      this.stream?.abort();
      return;
    }
    const key = keyOf(e.object);
    const previous = this.cache.get(key);
    const current = e.type === 'DELETED' ? undefined : this.storage.toV3(e.object);
    if (current === undefined) this.cache.delete(key);
    else this.cache.set(key, current);
    if (rv) this.resumeFrom = rv;
    if (previous === undefined && current === undefined && e.type !== 'DELETED') return;
    if (previous !== undefined && current !== undefined && this.storage.derived && sameView(previous, current)) return;
    // A deletion of an object this watch never saw (seeding found nothing): its last state is the event's object.
    const before = previous ?? (e.type === 'DELETED' ? this.storage.toV3(e.object) : undefined);
    const event = filterChange(this.opts, { revision: rv ?? this.resumeFrom, previous: before, current });
    if (event !== undefined) this.delivery.push(jsonClone(event));
  }

  private onDone(err: Error | undefined): void {
    this.stream = undefined;
    if (this.closed) return;
    // A clean end after traffic is the server's timeout: re-open at once. A failure, or a stream that ended without
    // a single event or bookmark (a server that keeps refusing), backs off so that the loop never spins.
    const failed = err !== undefined || !this.heardFromStream;
    if (failed) {
      this.failures++;
      this.log.info('watch stream ended: reconnecting', { kind: this.storage.name, error: err ? describeError(err) : 'ended without events', attempt: this.failures });
    } else {
      this.failures = 0;
    }
    const delays = this.settings.retryDelaysMs;
    const delay = failed ? (delays[Math.min(this.failures - 1, delays.length - 1)] ?? 1000) : 0;
    this.timer = this.settings.clock.setTimeout(() => void this.reconnect(), delay);
  }

  private async reconnect(): Promise<void> {
    this.timer = undefined;
    if (this.closed) return;
    try {
      if (this.mustRelist) {
        this.log.info('watch history compacted: re-listing', { kind: this.storage.name, resumeFrom: this.resumeFrom });
        await this.relist();
      }
      await this.open();
    } catch (err) {
      this.onDone(err instanceof Error ? err : new Error(String(err)));
    }
  }
}
