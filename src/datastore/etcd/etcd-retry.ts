// Bounded retries for etcd calls. Transient failures (connection refused, deadline, a tripped circuit breaker) are
// retried with doubling delays on the injected clock, within a number of attempts and a time budget for the whole
// operation (libcalico-go's etcd client gives a call 10 s: clientTimeout in lib/backend/etcdv3/etcdv3.go), so a hung
// etcd fails the operation in time; after the bound, or for anything else, the caller gets one of the datastore errors. Non-idempotent writes are retried too: etcd may have applied a write whose reply was lost,
// in which case the retry reports AlreadyExists or Conflict, which CAS callers already handle by re-reading.
import { GinghamError } from '../../lib/errors';
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
  /** The whole operation (every attempt and pause) ends within this many ms. Absent: attempts alone bound it. */
  readonly budgetMs?: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, initialDelayMs: 100, maxDelayMs: 2000, budgetMs: 10_000 };

export interface RetryHooks {
  /** True once the datastore is closed: no further attempt starts. */
  readonly isClosed?: () => boolean;
  /** The cause of a failure in the operator's words (default: the error's message). */
  readonly describe?: (err: unknown) => string;
}

/** The budget ran out while an attempt was still waiting for its answer. */
class BudgetExceeded extends GinghamError {
  constructor(readonly budgetMs: number) {
    super('BudgetExceeded', `no answer within ${budgetMs} ms`);
  }
}

/** fn's result, or a BudgetExceeded rejection once ms have passed on the clock (fn itself is left to its own deadline). */
function within<T>(clock: Clock, ms: number, budgetMs: number, fn: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = clock.setTimeout(() => reject(new BudgetExceeded(budgetMs)), Math.max(0, ms));
    fn().then(
      (v) => {
        timer.cancel();
        resolve(v);
      },
      (e: unknown) => {
        timer.cancel();
        reject(e);
      },
    );
  });
}

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
 * failures), throws a non-transient error (wrapped as Unavailable with the cause), or the attempts or the time budget
 * run out (Unavailable naming the last cause).
 */
export async function withRetry<T>(clock: Clock, policy: RetryPolicy, target: RetryTarget, fn: () => Promise<T>, hooks: RetryHooks = {}): Promise<T> {
  const isClosed = hooks.isClosed ?? (() => false);
  const describe = hooks.describe ?? describeError;
  const started = clock.now();
  const left = (): number => (policy.budgetMs === undefined ? Infinity : started + policy.budgetMs - clock.now());
  const unavailable = (reason: string, cause: unknown): UnavailableError =>
    new UnavailableError(target.op, target.kind, target.name, target.namespace, reason, { cause });
  let delay = policy.initialDelayMs;
  let last: unknown;
  let attempt = 1;
  for (; attempt <= policy.attempts; attempt++) {
    if (isClosed()) throw new UnavailableError(target.op, target.kind, target.name, target.namespace, 'datastore closed');
    try {
      return await (policy.budgetMs === undefined ? fn() : within(clock, left(), policy.budgetMs, fn));
    } catch (err) {
      if (err instanceof DatastoreError) throw err;
      if (err instanceof BudgetExceeded) throw unavailable(last === undefined ? err.message : `${describe(last)}, then ${err.message}`, last ?? err);
      if (!isTransient(err)) throw unavailable(describe(err), err);
      last = err;
    }
    if (attempt >= policy.attempts) break;
    if (left() <= delay) {
      throw unavailable(`${describe(last)} (gave up after ${attempt} attempts in ${policy.budgetMs} ms)`, last);
    }
    await sleep(clock, delay);
    delay = Math.min(delay * 2, policy.maxDelayMs);
  }
  throw unavailable(`${describe(last)} (gave up after ${policy.attempts} attempts)`, last);
}
