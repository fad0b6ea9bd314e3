// Several writes that belong together (an IPAM block and its handles), all or nothing where the backend can: etcd
// commits them in one transaction (etcd/etcd-datastore.ts commit()), so a crash never leaves one without the other.
// Backends without multi-object transactions (the Kubernetes API, the memory store) get the writes one at a time in
// the caller's order, each still a compare-and-swap; the caller orders them so an interruption leaves the harmless
// state (IPAM: a handle created before its addresses, deleted after them).
import type { Datastore } from './datastore';
import { AlreadyExistsError, ConflictError, NotFoundError } from './errors';
import type { StoredResource } from './types';

export type WriteOp =
  /** The resource must not exist yet. */
  | { readonly op: 'create'; readonly resource: StoredResource }
  /** The stored resource must still have resource.metadata.resourceVersion (which must be set). */
  | { readonly op: 'update'; readonly resource: StoredResource }
  /** The stored resource must still have `resourceVersion`. */
  | { readonly op: 'delete'; readonly kind: string; readonly name: string; readonly namespace?: string; readonly resourceVersion: string };

/** A datastore that commits several writes atomically. */
export interface AtomicDatastore extends Datastore {
  /**
   * Applies every op or none; a failed guard is a ConflictError (create: the name is taken; update/delete: the
   * version moved or the resource is gone). Resolves with each op's new resourceVersion (for a delete: the revision
   * it happened at), in order.
   */
  commit(ops: readonly WriteOp[]): Promise<string[]>;
}

export function isAtomic(store: Datastore): store is AtomicDatastore {
  return typeof (store as Partial<AtomicDatastore>).commit === 'function';
}

/**
 * Applies the ops: in one transaction on an atomic store, else one by one in order. Either way a failed guard is a
 * ConflictError. On the sequential path a failure deletes what this call created (best effort); updates and deletes
 * before it stay applied (the caller's order makes that harmless).
 * Resolves with each op's new resourceVersion ('' for a delete on the sequential path: the store does not say).
 */
export async function commitWrites(store: Datastore, ops: readonly WriteOp[]): Promise<string[]> {
  if (isAtomic(store)) return store.commit(ops);
  const versions: string[] = [];
  const created: StoredResource[] = [];
  for (const o of ops) {
    try {
      if (o.op === 'create') {
        const r = await store.create(o.resource);
        created.push(r);
        versions.push(r.metadata.resourceVersion ?? '');
      } else if (o.op === 'update') versions.push((await store.update(o.resource)).metadata.resourceVersion ?? '');
      else {
        await store.delete(o.kind, o.name, o.namespace, { resourceVersion: o.resourceVersion });
        versions.push('');
      }
    } catch (err) {
      for (const r of created) await store.delete(r.kind, r.metadata.name, r.metadata.namespace, { resourceVersion: r.metadata.resourceVersion }).catch(() => undefined);
      throw asConflict(o, err);
    }
  }
  return versions;
}

/** A create whose name is taken, or an update or delete of something gone, is a lost guard like any other. */
function asConflict(o: WriteOp, err: unknown): unknown {
  if (!(err instanceof AlreadyExistsError) && !(err instanceof NotFoundError)) return err;
  const [kind, name, namespace] = o.op === 'delete' ? [o.kind, o.name, o.namespace] : [o.resource.kind, o.resource.metadata.name, o.resource.metadata.namespace];
  const expected = o.op === 'create' ? '' : o.op === 'delete' ? o.resourceVersion : (o.resource.metadata.resourceVersion ?? '');
  return new ConflictError(kind, name, namespace, expected, err instanceof NotFoundError ? 'absent' : 'exists');
}
