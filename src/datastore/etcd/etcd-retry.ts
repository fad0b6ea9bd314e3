// Bounded retries for etcd calls. Transient failures (connection refused, deadline, a tripped circuit breaker) are
// retried with doubling delays on the injected clock; after the bound, or for anything else, the caller gets one
// of the datastore errors. Non-idempotent writes are retried too: etcd may have applied a write whose reply was lost,
// in which case the retry reports AlreadyExists or Conflict, which CAS callers already handle by re-reading.
import {
  ClientClosedError,
  EtcdWatchStreamEnded,
  GRPCCancelledError,
  GRPCDeadlineExceededError,
  GRPCInternalError,
  GRPCResourceExhastedError,
  GRPCUnavailableError,
  GRPCUnknownError,
  isRecoverableError,
} from 'etcd3';
import type { Clock } from '../../lib/clock';
import { describeError } from '../../lib/errors';
import { DatastoreError, UnavailableError } from '../errors';
import type { DatastoreOp } from '../types';

export interface RetryPolicy {
  /** Attempts in all (first try included). */
  readonly attempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, initialDelayMs: 100, maxDelayMs: 2000 };

export function isTransient(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err instanceof ClientClosedError) return false;
  if ((err as { isBrokenCircuitError?: unknown }).isBrokenCircuitError === true) return true;
  return (
    isRecoverableError(err) ||
    err instanceof GRPCUnavailableError ||
    err instanceof GRPCDeadlineExceededError ||
    err instanceof GRPCCancelledError ||
    err instanceof GRPCResourceExhastedError ||
    err instanceof GRPCInternalError ||
    err instanceof GRPCUnknownError ||
    err instanceof EtcdWatchStreamEnded
  );
}

export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}

export interface RetryTarget {
  readonly op: DatastoreOp;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

/**
 * Runs fn until it succeeds, throws a DatastoreError (passed through: NotFound and friends are answers, not
 * failures), throws a non-transient error (wrapped as Unavailable with the cause), or the attempts run out.
 */
export async function withRetry<T>(clock: Clock, policy: RetryPolicy, target: RetryTarget, fn: () => Promise<T>, isClosed: () => boolean = () => false): Promise<T> {
  let delay = policy.initialDelayMs;
  let last: unknown;
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    if (isClosed()) throw new UnavailableError(target.op, target.kind, target.name, target.namespace, 'datastore closed');
    try {
      return await fn();
    } catch (err) {
      if (err instanceof DatastoreError) throw err;
      if (!isTransient(err)) {
        throw new UnavailableError(target.op, target.kind, target.name, target.namespace, describeError(err), { cause: err });
      }
      last = err;
    }
    if (attempt < policy.attempts) {
      await sleep(clock, delay);
      delay = Math.min(delay * 2, policy.maxDelayMs);
    }
  }
  throw new UnavailableError(target.op, target.kind, target.name, target.namespace, `gave up after ${policy.attempts} attempts: ${describeError(last)}`, {
    cause: last,
  });
}
