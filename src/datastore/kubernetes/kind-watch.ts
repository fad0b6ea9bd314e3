// One datastore watch of a kind: a KubeWatch per API collection the kind is read from (KindStorage.sources), merged
// into one ordered stream for the caller. Events carry the composite revision (composite-revision.ts): the changed
// source's revision with the others' last ones, so resuming from any delivered revision misses nothing. A `resync`
// from one source (its start without a revision, or a re-list after 410 Gone) becomes a resync of the whole kind:
// that source's fresh state with the other sources' current state. During start, resyncs are held back and one
// resync of the whole kind is delivered once every source is watching, so a consumer never sees a half-listed kind.
// With a single source this is that source's watch unchanged. Owns: the KubeWatches (close() stops them) and the
// delivery (close() drops what is queued).
import { compareResources } from '../resource-checks';
import type { StoredResource, WatchEvent, WatchOptions } from '../types';
import type { WatchDelivery } from '../watch-delivery';
import { jsonClone } from './convert';
import { joinRevisions } from './composite-revision';
import type { KubeSource } from './kind-storage';
import type { KubeApi } from './kube-api';
import { KubeWatch, type KubeWatchSettings } from './kube-watch';

export class KindWatch {
  private readonly watches: KubeWatch[];
  /** Each source's revision as last delivered (its part of the composite revision). */
  private readonly parts: string[];
  private started = false;
  /** A resync arrived while starting: the whole kind is delivered as one resync once started. */
  private resyncPending = false;

  constructor(
    api: KubeApi,
    sources: readonly KubeSource[],
    opts: WatchOptions,
    private readonly delivery: WatchDelivery,
    settings: KubeWatchSettings,
  ) {
    this.parts = sources.map(() => '');
    this.watches = sources.map((s, i) => new KubeWatch(api, s, opts, { push: (e) => this.onSourceEvent(i, e) }, settings));
  }

  /** Starts every source from its part of `fromRevision` (already split and checked by the caller). */
  async start(fromRevisions: readonly string[] | undefined): Promise<void> {
    if (fromRevisions !== undefined) fromRevisions.forEach((r, i) => (this.parts[i] = r));
    else this.resyncPending = true;
    for (const [i, w] of this.watches.entries()) await w.start(fromRevisions?.[i]);
    this.started = true;
    if (this.resyncPending) this.pushResync();
  }

  close(): Promise<void> {
    for (const w of this.watches) w.close();
    return this.delivery.close();
  }

  private onSourceEvent(i: number, e: WatchEvent): void {
    if (e.type === 'resync') {
      this.parts[i] = e.revision;
      if (!this.started) this.resyncPending = true;
      else if (this.watches.length === 1) this.delivery.push(e);
      else this.pushResync();
      return;
    }
    // Before the first resync of the whole kind the consumer knows nothing: the change is in that resync.
    if (!this.started && this.resyncPending) return;
    this.parts[i] = e.revision;
    this.delivery.push({ ...e, revision: joinRevisions(this.parts) });
  }

  private pushResync(): void {
    this.resyncPending = false;
    this.watches.forEach((w, i) => (this.parts[i] = w.revision));
    const items = this.watches.flatMap((w) => w.items()).sort(compareResources);
    this.delivery.push({ type: 'resync', items: jsonClone(items) as StoredResource[], revision: joinRevisions(this.parts) });
  }
}
