// The one compare-and-swap retry loop (IPAM's block, affinity, handle and configuration writes, the CNI plugin's
// WorkloadEndpoint, the node's own resource, and whatever comes next): read, compute, write with the read
// resourceVersion; when another writer got there first, pause and go again. Bounded, so contention ends in a typed
// error (with the last lost race as its cause) rather than a hang. The bound and the pause are passed in; the pause
// runs on an injected clock.
import { systemClock, type Clock } from '../lib/clock';
import { GinghamError } from '../lib/errors';
import type { Datastore } from './datastore';
import { isDatastoreError, DatastoreErrorCode } from './errors';
import type { StoredResource } from './types';

/** Pause before retry `retry` (1 = the first retry, after one lost attempt). */
export type Backoff = (retry: number) => Promise<void>;

export interface CasPolicy {
  /** Attempts before giving up. */
  readonly maxAttempts: number;
  /** Pause between attempts; none when absent. */
  readonly backoff?: Backoff;
  /** The error thrown when every attempt lost (default CasExhaustedError); `cause` is what the last attempt lost to. */
  readonly giveUp?: (what: string, attempts: number, cause: unknown) => Error;
}

/** Calico's bound on datastore retries (libcalico-go lib/ipam/ipam.go datastoreRetries = 100). */
export const DEFAULT_CAS_ATTEMPTS = 100;

/** No pause for the first retry, then a random pause of up to min(2^retry, 20) ms, so racing writers spread out. */
export function jitterBackoff(clock: Clock, random: () => number = Math.random): Backoff {
  return (retry) => {
    if (retry <= 1) return Promise.resolve();
    const ms = Math.floor(random() * Math.min(2 ** retry, 20));
    return new Promise((resolve) => clock.setTimeout(resolve, ms));
  };
}

/** The policy most writers want: Calico's bound and the jittered pause on the given clock. */
export function defaultCasPolicy(clock: Clock): CasPolicy {
  return { maxAttempts: DEFAULT_CAS_ATTEMPTS, backoff: jitterBackoff(clock) };
}

/** Every attempt of a compare-and-swap lost to another writer. */
export class CasExhaustedError extends GinghamError {
  constructor(
    readonly what: string,
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super('CAS_EXHAUSTED', `${what}: gave up after ${attempts} attempts, other writers kept changing it`, options);
  }
}

const RETRY: unique symbol = Symbol('cas retry');

/** What an attempt returns when it lost the race (a Conflict, or the state changed under it) and wants another go. */
export interface CasRetry {
  readonly [RETRY]: true;
  readonly cause?: unknown;
}

/** The attempt lost; `cause` (usually the ConflictError) becomes the cause of the error if no attempt wins. */
export function retry(cause?: unknown): CasRetry {
  return { [RETRY]: true, cause };
}

function isRetry(v: unknown): v is CasRetry {
  return typeof v === 'object' && v !== null && RETRY in v;
}

/**
 * Runs `attempt` (1-based number) until it returns something other than retry(), at most policy.maxAttempts times,
 * pausing with policy.backoff between attempts. An error thrown by `attempt` ends the loop at once.
 */
export async function casLoop<T>(policy: CasPolicy, what: string, attempt: (n: number) => Promise<T | CasRetry>): Promise<T> {
  let last: unknown;
  for (let n = 1; n <= policy.maxAttempts; n++) {
    if (n > 1 && policy.backoff) await policy.backoff(n - 1);
    const out = await attempt(n);
    if (!isRetry(out)) return out;
    last = out.cause;
  }
  throw policy.giveUp ? policy.giveUp(what, policy.maxAttempts, last) : new CasExhaustedError(what, policy.maxAttempts, { cause: last });
}

/** Retries on Conflict only: the common case of "someone else wrote it first". */
export function retryOnConflict(err: unknown): CasRetry {
  if (isDatastoreError(err, DatastoreErrorCode.Conflict)) return retry(err);
  throw err;
}

export type CasOptions = Partial<CasPolicy>;

/**
 * Applies mutate to the stored resource until an update succeeds without Conflict. mutate receives a fresh copy on each
 * attempt and returns the new resource (or undefined to leave it unchanged, which returns the stored one). The policy
 * defaults to defaultCasPolicy on the system clock.
 */
export async function updateWithRetry<T extends StoredResource>(
  store: Datastore,
  kind: string,
  name: string,
  namespace: string | undefined,
  mutate: (current: T) => T | undefined,
  opts: CasOptions = {},
): Promise<T> {
  const policy = { ...defaultCasPolicy(systemClock), ...opts };
  return casLoop<T>(policy, `${kind} ${namespace ? `${namespace}/` : ''}${name}`, async () => {
    const current = await store.get<T>(kind, name, namespace);
    const next = mutate(current);
    if (next === undefined) return current;
    try {
      return await store.update<T>({ ...next, metadata: { ...next.metadata, resourceVersion: current.metadata.resourceVersion } });
    } catch (err) {
      return retryOnConflict(err);
    }
  });
}
