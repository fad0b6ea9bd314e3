// Leader election for processes that must run as one active replica (the controllers: two IPAM GC loops would race).
// kube-controllers has none (a single replica, `strategy: Recreate`; kube-controllers PR #215 was never merged);
// Gingham lets `replicas: 2` be safe.
//
// Two backends share one interface, LeaseElection:
// - etcd (datastore/etcd/etcd-lease.ts): etcd's own election recipe (concurrency/election.go: a key under a prefix
//   bound to an etcd lease; the lowest create revision leads; the lease's TTL ends a dead leader's term).
// - a compare-and-swap lease record with client-go's semantics (tools/leaderelection/leaderelection.go: holderIdentity,
//   renewTime, leaseDurationSeconds; a candidate takes the lease only once `renewTime + leaseDuration` has passed; the
//   holder renews every retry period and gives up leading when it could not renew within the renew deadline) over any
//   LeaseRecordStore, e.g. a coordination.k8s.io/v1 Lease. casElection below; decideLease is its pure core.
import type { Clock, TimerHandle } from '../lib/clock';
import { GinghamError } from '../lib/errors';

export interface Leadership {
  /** Settles (never rejects) when this replica stops leading: lease lost, expired, or resigned. */
  readonly lost: Promise<string>;
  /** Gives the lease up so another replica may lead at once. Idempotent. */
  resign(): Promise<void>;
}

export interface LeaseElection {
  /** Resolves once `identity` leads. Rejects with LeaseError when the election is stopped before that. */
  campaign(identity: string): Promise<Leadership>;
  /** Stops campaigning (a pending campaign rejects at its next retry) and ends held leadership (the record expires). */
  close(): Promise<void>;
}

export const LEASE_ERR = { STOPPED: 'LEASE_STOPPED' } as const;
export class LeaseError extends GinghamError {}

// ---- the compare-and-swap lease (client-go semantics) ------------------------------------------------------------

export interface LeaseRecord {
  readonly holderIdentity: string;
  /** ms since the epoch. */
  readonly acquireTime: number;
  readonly renewTime: number;
  readonly leaseDurationMs: number;
  readonly leaseTransitions: number;
}

export interface StoredLeaseRecord {
  readonly record: LeaseRecord;
  /** Opaque version for the compare-and-swap. */
  readonly version: string;
}

/** Where the record lives (a coordination.k8s.io/v1 Lease, a key). Writes are compare-and-swap. */
export interface LeaseRecordStore {
  get(): Promise<StoredLeaseRecord | undefined>;
  /** Creates the record; false when it already exists. */
  create(record: LeaseRecord): Promise<boolean>;
  /** Replaces the record if it is still at `version`; false on a conflict. */
  update(record: LeaseRecord, version: string): Promise<boolean>;
}

export type LeaseDecision =
  | { readonly action: 'create'; readonly record: LeaseRecord }
  | { readonly action: 'take'; readonly record: LeaseRecord }
  | { readonly action: 'renew'; readonly record: LeaseRecord }
  | { readonly action: 'wait'; readonly holder: string; readonly expiresAt: number };

/** client-go's tryAcquireOrRenew, pure: what `identity` does with the record it read at `now`. */
export function decideLease(current: LeaseRecord | undefined, identity: string, now: number, leaseDurationMs: number): LeaseDecision {
  if (current === undefined) {
    return { action: 'create', record: { holderIdentity: identity, acquireTime: now, renewTime: now, leaseDurationMs, leaseTransitions: 0 } };
  }
  if (current.holderIdentity === identity) return { action: 'renew', record: { ...current, renewTime: now, leaseDurationMs } };
  const expiresAt = current.renewTime + current.leaseDurationMs;
  if (current.holderIdentity !== '' && now < expiresAt) return { action: 'wait', holder: current.holderIdentity, expiresAt };
  return {
    action: 'take',
    record: { holderIdentity: identity, acquireTime: now, renewTime: now, leaseDurationMs, leaseTransitions: current.leaseTransitions + 1 },
  };
}

export interface CasElectionOptions {
  /** client-go's LeaseDuration (default 15 s). */
  readonly leaseDurationMs?: number;
  /** The holder stops leading when it has not renewed for this long (default 10 s, < leaseDuration). */
  readonly renewDeadlineMs?: number;
  /** How often candidates retry and the holder renews (default 2 s). */
  readonly retryPeriodMs?: number;
}

/** Leader election over a LeaseRecordStore, timed by the injected clock. */
export function casElection(store: LeaseRecordStore, clock: Clock, opts: CasElectionOptions = {}): LeaseElection {
  const leaseDurationMs = opts.leaseDurationMs ?? 15_000;
  const renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
  const retryPeriodMs = opts.retryPeriodMs ?? 2_000;
  let stopped = false;
  const stops = new Set<(why: string) => void>();

  async function attempt(identity: string): Promise<boolean> {
    const current = await store.get();
    const d = decideLease(current?.record, identity, clock.now(), leaseDurationMs);
    if (d.action === 'wait') return false;
    if (d.action === 'create') return store.create(d.record);
    return store.update(d.record, current?.version ?? '');
  }

  const sleep = (ms: number): Promise<void> => new Promise((r) => clock.setTimeout(r, ms));

  return {
    async campaign(identity: string): Promise<Leadership> {
      for (;;) {
        if (stopped) throw new LeaseError(LEASE_ERR.STOPPED, 'leader election stopped before this replica was elected');
        if (await attempt(identity).catch(() => false)) break;
        await sleep(retryPeriodMs);
      }
      let lastRenew = clock.now();
      let timer: TimerHandle | undefined;
      let resolveLost!: (why: string) => void;
      let over = false;
      const lost = new Promise<string>((r) => (resolveLost = r));
      const end = (why: string): void => {
        if (over) return;
        over = true;
        timer?.cancel();
        stops.delete(end);
        resolveLost(why);
      };
      stops.add(end);
      const renew = (): void => {
        timer = clock.setTimeout(() => {
          void attempt(identity)
            .catch(() => false)
            .then((ok) => {
              if (over) return;
              if (ok) lastRenew = clock.now();
              if (clock.now() - lastRenew > renewDeadlineMs) return end('lease not renewed within the renew deadline');
              if (!ok) void store.get().then((c) => c !== undefined && c.record.holderIdentity !== identity && end(`lease taken by ${c.record.holderIdentity}`), () => undefined);
              renew();
            });
        }, retryPeriodMs);
      };
      renew();
      return {
        lost,
        async resign(): Promise<void> {
          if (over) return;
          end('resigned');
          const c = await store.get();
          if (c?.record.holderIdentity === identity) {
            // client-go ReleaseOnCancel: an empty holder and a 1 s duration let the next candidate take it at once.
            await store.update({ ...c.record, holderIdentity: '', leaseDurationMs: 1_000, renewTime: clock.now() - 1_000 }, c.version);
          }
        },
      };
    },
    async close(): Promise<void> {
      stopped = true;
      for (const s of [...stops]) s('election closed');
    },
  };
}

/** A datastore that can hold an election (the etcd backend); the type guard finds it behind the Datastore interface. */
export interface ElectionCapable {
  leaseElection(name: string, ttlSeconds?: number): LeaseElection;
}

export function electionCapable(store: object): store is ElectionCapable {
  return typeof (store as Partial<ElectionCapable>).leaseElection === 'function';
}
