// What every IPAM datastore step shares: the store, the retry bound of its compare-and-swap loops (datastore/cas.ts),
// a short jittered pause between attempts (so writers racing for one block spread out instead of colliding in lock
// step), the clock that stamps claim times and initial sequence numbers, and the logger.
import { casLoop, type Backoff, type CasRetry } from '../datastore/cas';
import type { Datastore } from '../datastore/datastore';
import { DatastoreErrorCode, isDatastoreError } from '../datastore/errors';
import type { Clock } from '../lib/clock';
import type { Logger } from '../lib/logger';
import { IpamError, IpamErrorCode } from './ipam-errors';

export interface IpamContext {
  readonly store: Datastore;
  /** Attempts of each CAS loop before IpamError Contention. */
  readonly maxAttempts: number;
  readonly clock: Clock;
  readonly log: Logger;
  /** Pause before retry `attempt` (1-based) of a lost compare-and-swap. */
  readonly backoff: Backoff;
}

/** datastore/cas.ts's loop with IPAM's bound and pause, ending in IpamError Contention (cause: the last lost race). */
export function ipamCas<T>(ctx: IpamContext, what: string, attempt: (n: number) => Promise<T | CasRetry>): Promise<T> {
  return casLoop({ maxAttempts: ctx.maxAttempts, backoff: ctx.backoff, giveUp: (w, _n, cause) => contention(ctx, w, cause) }, what, attempt);
}

export function isConflict(err: unknown): boolean {
  return isDatastoreError(err, DatastoreErrorCode.Conflict);
}

export function isNotFound(err: unknown): boolean {
  return isDatastoreError(err, DatastoreErrorCode.NotFound);
}

export function isAlreadyExists(err: unknown): boolean {
  return isDatastoreError(err, DatastoreErrorCode.AlreadyExists);
}

export function contention(ctx: IpamContext, what: string, cause?: unknown): IpamError {
  return new IpamError(
    IpamErrorCode.Contention,
    `${what}: gave up after ${ctx.maxAttempts} attempts, other writers kept changing it; retry the operation`,
    { cause },
  );
}

/**
 * A sequence number no earlier incarnation of a block can have reached: the clock in microseconds. Calico uses
 * nanoseconds; microseconds stay below 2^53 (until the year 2255), so the int64 the CRD stores is exact as a JSON
 * number in JavaScript too.
 */
export function initialSequence(ctx: IpamContext): bigint {
  return BigInt(Math.floor(ctx.clock.now())) * 1_000n;
}
