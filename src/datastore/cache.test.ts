import { DatastoreCache, type CacheUpdate } from './cache';
import { MemoryDatastore } from './memory/memory-datastore';
import type { StoredResource, WatchEvent, WatchHandler, WatchOptions } from './types';

const pool = (name: string, cidr: string): StoredResource => ({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name }, spec: { cidr } });
const node = (name: string): StoredResource => ({ apiVersion: 'projectcalico.org/v3', kind: 'Node', metadata: { name }, spec: {} });

async function turns(n = 10): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

function recorder(): { log: string[]; listener: { onUpdates(kind: string, u: readonly CacheUpdate[]): void; onInSync(): void } } {
  const log: string[] = [];
  return {
    log,
    listener: {
      onUpdates: (kind, updates) => log.push(`${kind}: ${updates.map((u) => `${u.type} ${u.key}`).join(', ')}`),
      onInSync: () => log.push('in sync'),
    },
  };
}

describe('DatastoreCache', () => {
  it('lists each kind it was given, delivers it per kind, then signals in sync once', async () => {
    const store = new MemoryDatastore();
    await store.create(pool('a', '10.0.0.0/16'));
    await store.create(node('n1'));
    await store.create({ apiVersion: 'projectcalico.org/v3', kind: 'BGPPeer', metadata: { name: 'ignored' }, spec: {} });
    const cache = new DatastoreCache(store, ['IPPool', 'Node']);
    const r = recorder();
    cache.subscribe(r.listener);
    expect(cache.inSync).toBe(false);
    await cache.start();
    expect(r.log).toEqual(['IPPool: set /a', 'Node: set /n1', 'in sync']);
    expect(cache.inSync).toBe(true);
    expect(cache.list('IPPool').map((p) => p.metadata.name)).toEqual(['a']);
    expect(cache.get('Node', 'n1')?.metadata.name).toBe('n1');
    expect(cache.list('BGPPeer')).toEqual([]);
    await cache.close();
    await store.close();
  });

  it('delivers later changes of the watched kinds only, and a late subscriber is told it is in sync at once', async () => {
    const store = new MemoryDatastore();
    const cache = new DatastoreCache(store, ['IPPool']);
    await cache.start();
    const r = recorder();
    const unsubscribe = cache.subscribe(r.listener);
    expect(r.log).toEqual(['in sync']);
    const created = await store.create(pool('a', '10.0.0.0/16'));
    await store.update({ ...created, spec: { cidr: '10.1.0.0/16' } });
    await store.create(node('n1'));
    await store.delete('IPPool', 'a');
    await turns();
    expect(r.log).toEqual(['in sync', 'IPPool: set /a', 'IPPool: set /a', 'IPPool: deleted /a']);
    unsubscribe();
    await store.create(pool('b', '10.2.0.0/16'));
    await turns();
    expect(r.log).toHaveLength(4);
    expect(cache.list('IPPool').map((p) => p.metadata.name)).toEqual(['b']);
    await cache.close();
    await store.create(pool('c', '10.3.0.0/16'));
    await turns();
    expect(cache.list('IPPool').map((p) => p.metadata.name)).toEqual(['b']);
    await store.close();
  });

  it('delivers a resync as the difference from what it held', async () => {
    const store = new MemoryDatastore();
    const a = await store.create(pool('a', '10.0.0.0/16'));
    await store.create(pool('b', '10.1.0.0/16'));
    // The backend resyncs (its history was compacted): b is gone, c is new, a is unchanged.
    const c = { ...pool('c', '10.2.0.0/16'), metadata: { name: 'c', resourceVersion: '99' } };
    const resyncing = Object.create(store) as MemoryDatastore;
    resyncing.watch = ((kind: string, opts: WatchOptions, handler: WatchHandler) => {
      const watch = store.watch(kind, opts, handler);
      void watch.then(() => handler({ type: 'resync', items: [a, c], revision: '99' } as WatchEvent));
      return watch;
    }) as MemoryDatastore['watch'];
    const cache = new DatastoreCache(resyncing, ['IPPool']);
    const r = recorder();
    cache.subscribe(r.listener);
    await cache.start();
    await turns();
    expect(r.log).toEqual(['IPPool: set /a, set /b', 'IPPool: deleted /b, set /c', 'in sync']);
    expect(cache.list('IPPool').map((p) => p.metadata.name).sort()).toEqual(['a', 'c']);
    await cache.close();
    await store.close();
  });

  it('keeps calling the other listeners when one throws', async () => {
    const store = new MemoryDatastore();
    const errors: unknown[] = [];
    const cache = new DatastoreCache(store, ['Node'], (err) => errors.push(err));
    const r = recorder();
    cache.subscribe({ onUpdates: () => { throw new Error('boom'); } });
    cache.subscribe(r.listener);
    await cache.start();
    await store.create(node('n1'));
    await turns();
    expect(r.log).toEqual(['in sync', 'Node: set /n1']);
    expect(errors).toHaveLength(1);
    await cache.close();
    await store.close();
  });
});
