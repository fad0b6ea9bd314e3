// The set of open watches a datastore backend owns: each backend registers its watch objects here, hands callers a
// `Watch` that unregisters on close, and closes whatever is still open when the datastore closes. One place for the
// bookkeeping the etcd, Kubernetes and memory backends would otherwise each repeat.
import type { Watch } from './types';

export class WatchRegistry<W> {
  private readonly open = new Set<W>();

  /** `stop` ends one watch's delivery (idempotent in the backends' watch objects). */
  constructor(private readonly stop: (w: W) => Promise<void>) {}

  get size(): number {
    return this.open.size;
  }

  add(w: W): void {
    this.open.add(w);
  }

  /** Forgets `w` without stopping it (a watch that failed to start and was stopped by its owner). */
  forget(w: W): void {
    this.open.delete(w);
  }

  /** The caller's handle: `revision` read live from the backend's watch, `close` stops it and forgets it. */
  handle(w: W, revision: () => string): Watch {
    return {
      get revision() {
        return revision();
      },
      close: async () => {
        this.open.delete(w);
        await this.stop(w);
      },
    };
  }

  values(): IterableIterator<W> {
    return this.open.values();
  }

  /** Stops every open watch (datastore close). */
  async closeAll(): Promise<void> {
    const closing = [...this.open].map((w) => this.stop(w));
    this.open.clear();
    await Promise.all(closing);
  }
}
