// A datastore client that counts the requests it sends (every get, list, create, update, delete and commit; a watch
// counts once when it is opened), so a caller can say how many datastore round trips an operation costs: the node
// agent's CNI service reports its count for the CNI benchmark's "datastore requests per ADD".
import { isAtomic, type AtomicDatastore, type WriteOp } from './atomic';
import type { Datastore } from './datastore';

export interface CountingDatastore {
  readonly store: Datastore;
  /** Requests sent so far. */
  count(): number;
}

export function countRequests(inner: Datastore): CountingDatastore {
  let n = 0;
  const counted = <A extends unknown[], R>(fn: (...a: A) => Promise<R>) => (...a: A): Promise<R> => {
    n++;
    return fn(...a);
  };
  const store: Datastore = {
    backend: inner.backend,
    get: counted((kind: string, name: string, namespace?: string) => inner.get(kind, name, namespace)) as Datastore['get'],
    list: counted((kind: string, opts?: Parameters<Datastore['list']>[1]) => inner.list(kind, opts)) as Datastore['list'],
    create: counted((res: Parameters<Datastore['create']>[0]) => inner.create(res)) as Datastore['create'],
    update: counted((res: Parameters<Datastore['update']>[0]) => inner.update(res)) as Datastore['update'],
    delete: counted((kind: string, name: string, namespace?: string, opts?: Parameters<Datastore['delete']>[3]) => inner.delete(kind, name, namespace, opts)) as Datastore['delete'],
    watch: counted((kind: string, opts: Parameters<Datastore['watch']>[1], handler: Parameters<Datastore['watch']>[2]) => inner.watch(kind, opts, handler)) as Datastore['watch'],
    close: () => inner.close(),
  };
  if (isAtomic(inner)) {
    const atomic: AtomicDatastore = { ...store, commit: counted((ops: readonly WriteOp[]) => inner.commit(ops)) };
    return { store: atomic, count: () => n };
  }
  return { store, count: () => n };
}
