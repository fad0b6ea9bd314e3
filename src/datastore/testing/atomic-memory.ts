// A memory store with etcd's all-or-nothing commit() (datastore/atomic.ts), for tests of code that commits several
// writes at once (ipam/node-ipam.ts) or counts its requests (one commit is one request, as one etcd transaction).
import { commitWrites, type WriteOp } from '../atomic';
import type { Datastore } from '../datastore';
import { ConflictError } from '../errors';
import { MemoryDatastore } from '../memory/memory-datastore';

/** A memory store with an all-or-nothing commit() that records each commit (as etcd's one transaction). */
export function atomicStore(): { store: MemoryDatastore & { commit(ops: readonly WriteOp[]): Promise<string[]> }; commits: WriteOp[][] } {
  const mem = new MemoryDatastore();
  const plain: Datastore = {
    backend: 'memory',
    get: (k, n, ns) => mem.get(k, n, ns),
    list: (k, o) => mem.list(k, o),
    create: (r) => mem.create(r),
    update: (r) => mem.update(r),
    delete: (k, n, ns, o) => mem.delete(k, n, ns, o),
    watch: (k, o, h) => mem.watch(k, o, h),
    close: () => mem.close(),
  };
  const commits: WriteOp[][] = [];
  const store = Object.assign(mem, {
    // Every guard is checked before anything is written: all or nothing.
    commit: async (ops: readonly WriteOp[]) => {
      commits.push([...ops]);
      for (const o of ops) {
        const [kind, name] = o.op === 'delete' ? [o.kind, o.name] : [o.resource.kind, o.resource.metadata.name];
        const now = await mem.get(kind, name).catch(() => undefined);
        const want = o.op === 'create' ? undefined : o.op === 'delete' ? o.resourceVersion : o.resource.metadata.resourceVersion;
        if (now?.metadata.resourceVersion !== want) throw new ConflictError(kind, name, undefined, want ?? '', now?.metadata.resourceVersion ?? 'absent');
      }
      return commitWrites(plain, ops);
    },
  });
  return { store, commits };
}

