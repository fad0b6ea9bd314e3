// Serial delivery of watch events to a handler: one at a time, in the order queued, awaiting a handler's promise
// before the next call. Backends push events as they arrive and never call handlers themselves, so ordering and
// "no call after close" hold the same way in every backend.
import { describeError } from '../lib/errors';
import type { Logger } from '../lib/logger';
import type { StoredResource, WatchEvent, WatchHandler } from './types';

export class WatchDelivery<T extends StoredResource = StoredResource> {
  private readonly queue: WatchEvent<T>[] = [];
  private running = false;
  private closed = false;
  private delivered: string;

  constructor(
    private readonly handler: WatchHandler<T>,
    private readonly log: Logger,
    startRevision: string,
  ) {
    this.delivered = startRevision;
  }

  /** Revision of the last event handed to the handler. */
  get revision(): string {
    return this.delivered;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  push(event: WatchEvent<T>): void {
    if (this.closed) return;
    this.queue.push(event);
    if (!this.running) this.start();
  }

  /**
   * Drops queued events; no handler call starts after this. A call in progress is not awaited, so a handler may close
   * its own watch without deadlocking.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.queue.length = 0;
  }

  private start(): void {
    this.running = true;
    // Deliver on a later tick: a backend pushing from inside an operation never runs the handler re-entrantly.
    setImmediate(() => void this.drain());
  }

  private async drain(): Promise<void> {
    // Bounded by the queue: every iteration removes one event, and close() empties it.
    while (!this.closed) {
      const event = this.queue.shift();
      if (event === undefined) break;
      this.delivered = event.revision;
      try {
        await this.handler(event);
      } catch (err) {
        this.log.warn('watch handler failed', { event: event.type, revision: event.revision, error: describeError(err) });
      }
    }
    this.running = false;
  }
}
