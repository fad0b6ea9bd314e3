// Is the datastore reachable? A watch resumes by itself after an outage and reports nothing, so a long-running
// component (the node agent) asks: a cheap read every intervalMs, bounded by timeoutMs (a frozen etcd accepts the
// connection and never answers). Transitions are logged, loss as a warning with the cause, recovery with how long the
// datastore was gone; state() is what `node status`, the metrics and readiness show.
//
// Owns: its probe timer. close() stops it; a probe in flight is left to its own deadline.
import type { Clock, TimerHandle } from '../lib/clock';
import { describeError } from '../lib/errors';
import type { Logger } from '../lib/logger';
import type { Datastore } from './datastore';
import { DatastoreErrorCode, isDatastoreError } from './errors';

export interface DatastoreHealth {
  /** The backend, as Datastore.backend names it. */
  readonly backend: string;
  readonly connected: boolean;
  /** Since when (ms since the epoch) the datastore has been in this state. */
  readonly since: number;
  /** Why it is unreachable (absent while connected). */
  readonly lastError?: string;
}

export interface DatastoreMonitorOptions {
  readonly backend: string;
  /** One cheap read; resolves when the datastore answered (any answer, NotFound included). */
  readonly probe: () => Promise<unknown>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Pause between probes. Default 5000. */
  readonly intervalMs?: number;
  /** A probe with no answer after this long counts as a failure. Default 5000. */
  readonly timeoutMs?: number;
}

/** The probe of a Datastore: read the ClusterInformation; an answer that it does not exist is still an answer. */
export function probeDatastore(store: Datastore): () => Promise<unknown> {
  return () =>
    store.get('ClusterInformation', 'default').catch((err: unknown) => {
      if (isDatastoreError(err) && err.code !== DatastoreErrorCode.Unavailable) return undefined;
      throw err;
    });
}

/** Human duration for logs: "850 ms", "31.2 s", "4 min 3 s". */
export function formatOutage(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

export class DatastoreMonitor {
  private health: DatastoreHealth;
  private timer: TimerHandle | undefined;
  private inFlight = false;
  private closed = false;
  private readonly log: Logger;
  private readonly listeners: Array<(h: DatastoreHealth) => void> = [];

  /** Starts as connected at `now`: it is created once the datastore has answered (the agent's first list). */
  constructor(private readonly o: DatastoreMonitorOptions) {
    this.log = o.logger.child('datastore');
    this.health = { backend: o.backend, connected: true, since: o.clock.now() };
  }

  state(): DatastoreHealth {
    return this.health;
  }

  onChange(listener: (h: DatastoreHealth) => void): void {
    this.listeners.push(listener);
  }

  start(): void {
    this.schedule(this.o.intervalMs ?? 5000);
  }

  close(): void {
    this.closed = true;
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** Runs one probe now (the timer calls this; tests may too). Resolves once its outcome is recorded. */
  async probeNow(): Promise<void> {
    if (this.inFlight || this.closed) return;
    this.inFlight = true;
    const timeoutMs = this.o.timeoutMs ?? 5000;
    // An outage is dated from the start of the probe that found it.
    const startedAt = this.o.clock.now();
    const watchdog = this.o.clock.setTimeout(() => this.record(false, startedAt, `no answer within ${timeoutMs} ms`), timeoutMs);
    try {
      await this.o.probe();
      watchdog.cancel();
      this.record(true, this.o.clock.now());
    } catch (err) {
      watchdog.cancel();
      // After the watchdog fired, a late failure still brings the real cause.
      this.record(false, startedAt, describeError(err, { codes: false }));
    } finally {
      this.inFlight = false;
      this.schedule(this.o.intervalMs ?? 5000);
    }
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    this.timer?.cancel();
    this.timer = this.o.clock.setTimeout(() => {
      this.timer = undefined;
      void this.probeNow();
    }, ms);
  }

  private record(connected: boolean, now: number, error?: string): void {
    if (this.closed) return;
    const was = this.health;
    if (connected === was.connected) {
      if (!connected && error !== was.lastError) {
        this.health = { ...was, lastError: error };
        this.log.debug(`datastore still unreachable: ${error}`);
      }
      return;
    }
    this.health = connected ? { backend: was.backend, connected, since: now } : { backend: was.backend, connected, since: now, lastError: error };
    if (connected) this.log.info(`datastore (${was.backend}) reachable again after ${formatOutage(now - was.since)} unreachable`);
    else this.log.warn(`datastore (${was.backend}) unreachable: ${error}; running on the last state read`);
    for (const l of this.listeners) l(this.health);
  }
}
