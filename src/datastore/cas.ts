// The compare-and-swap retry loop callers need around update (IPAM, controllers, the CLI's patch): read, mutate, write
// with the read resourceVersion, and on Conflict read again. Bounded, so contention ends in a typed error rather than
// a hang.
import { ConflictError, isDatastoreError, DatastoreErrorCode } from './errors';
import type { Datastore } from './datastore';
import type { StoredResource } from './types';

export interface CasOptions {
  /** Attempts before the last Conflict is rethrown. Default 20. */
  readonly maxAttempts?: number;
}

/**
 * Applies mutate to the stored resource until an update succeeds without Conflict. mutate receives a fresh copy on each
 * attempt and returns the new resource (or undefined to leave it unchanged, which returns the stored one).
 */
export async function updateWithRetry<T extends StoredResource>(
  store: Datastore,
  kind: string,
  name: string,
  namespace: string | undefined,
  mutate: (current: T) => T | undefined,
  opts: CasOptions = {},
): Promise<T> {
  const maxAttempts = opts.maxAttempts ?? 20;
  let last: unknown;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const current = await store.get<T>(kind, name, namespace);
    const next = mutate(current);
    if (next === undefined) return current;
    try {
      return await store.update<T>({ ...next, metadata: { ...next.metadata, resourceVersion: current.metadata.resourceVersion } });
    } catch (err) {
      if (!isDatastoreError(err, DatastoreErrorCode.Conflict)) throw err;
      last = err;
    }
  }
  throw last instanceof ConflictError ? last : new ConflictError(kind, name, namespace, '?', '?');
}
