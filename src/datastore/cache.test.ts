import { FakeClock } from '../lib/fake-clock';
import { nullLogger, type Logger } from '../lib/logger';
import { DatastoreCache, type CacheUpdate } from './cache';
import { KindNotServedError, UnavailableError } from './errors';
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

  describe('optional kinds', () => {
    const anp = (name: string): StoredResource => ({ apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'AdminNetworkPolicy', metadata: { name }, spec: { priority: 1, subject: { namespaces: {} } } }) as unknown as StoredResource;

    /** A memory datastore that does not serve AdminNetworkPolicy until `served` is set (its CRD installed), or fails with `failure`. */
    function withoutCrd(store: MemoryDatastore): { ds: MemoryDatastore; lists: () => number; set(state: 'absent' | 'served' | 'down'): void } {
      let state: 'absent' | 'served' | 'down' = 'absent';
      let lists = 0;
      const ds = Object.create(store) as MemoryDatastore;
      ds.list = ((kind: string, opts?: unknown) => {
        if (kind === 'AdminNetworkPolicy') {
          lists++;
          if (state === 'absent') return Promise.reject(new KindNotServedError('list', kind, '', undefined, 'the API server does not serve this resource'));
          if (state === 'down') return Promise.reject(new UnavailableError('list', kind, '', undefined, 'connection refused'));
        }
        return store.list(kind, opts as never);
      }) as MemoryDatastore['list'];
      return { ds, lists: () => lists, set: (s) => (state = s) };
    }

    function logs(): { logger: Logger; lines: string[] } {
      const lines: string[] = [];
      const logger: Logger = { ...nullLogger, warn: (m) => void lines.push(`warn ${m}`), info: (m) => void lines.push(`info ${m}`), child: () => logger };
      return { logger, lines };
    }

    const OPTIONAL = { AdminNetworkPolicy: 'adminnetworkpolicies.policy.networking.k8s.io' };

    it('treats an unserved optional kind as empty, warns once naming the CRD, and picks it up once served', async () => {
      const store = new MemoryDatastore();
      await store.create(pool('a', '10.0.0.0/16'));
      const fake = withoutCrd(store);
      const clock = new FakeClock();
      const { logger, lines } = logs();
      const cache = new DatastoreCache(fake.ds, ['AdminNetworkPolicy', 'IPPool'], undefined, { kinds: OPTIONAL, clock, logger, retryMs: 30_000 });
      const r = recorder();
      cache.subscribe(r.listener);
      await cache.start();
      expect(r.log).toEqual(['IPPool: set /a', 'in sync']);
      expect(lines).toEqual(['warn AdminNetworkPolicy is not served: none are enforced until adminnetworkpolicies.policy.networking.k8s.io is installed; retrying every 30 s']);

      // Still absent: one list per period, no new warning, no spinning.
      clock.advance(29_999);
      await turns();
      expect(fake.lists()).toBe(1);
      clock.advance(1);
      await turns();
      clock.advance(30_000);
      await turns();
      expect(fake.lists()).toBe(3);
      expect(lines).toHaveLength(1);

      // The CRD is installed and a policy created: the next retry lists and watches it.
      fake.set('served');
      await store.create(anp('p1'));
      clock.advance(30_000);
      await turns();
      expect(r.log.slice(2)).toEqual(['AdminNetworkPolicy: set /p1']);
      expect(lines[1]).toBe('info AdminNetworkPolicy is served now: watching it');
      await store.create(anp('p2'));
      await turns();
      expect(r.log.slice(3)).toEqual(['AdminNetworkPolicy: set /p2']);
      clock.advance(300_000);
      await turns();
      expect(fake.lists()).toBe(4);
      await cache.close();
      await store.close();
    });

    it('retries with a warning on other failures of an absent kind, and stops retrying on close', async () => {
      const store = new MemoryDatastore();
      const fake = withoutCrd(store);
      const clock = new FakeClock();
      const { logger, lines } = logs();
      const cache = new DatastoreCache(fake.ds, ['AdminNetworkPolicy'], undefined, { kinds: OPTIONAL, clock, logger, retryMs: 1000 });
      await cache.start();
      fake.set('down');
      clock.advance(1000);
      await turns();
      expect(lines[1]).toMatch(/^warn AdminNetworkPolicy: list or watch failed: retrying/);
      await cache.close();
      expect(clock.pending()).toBe(0);
      clock.advance(10_000);
      await turns();
      expect(fake.lists()).toBe(2);
      await store.close();
    });

    it('fails start for an unserved kind that is not optional, and for other failures of an optional one', async () => {
      const store = new MemoryDatastore();
      const fake = withoutCrd(store);
      const clock = new FakeClock();
      await expect(new DatastoreCache(fake.ds, ['AdminNetworkPolicy']).start()).rejects.toBeInstanceOf(KindNotServedError);
      fake.set('down');
      const cache = new DatastoreCache(fake.ds, ['AdminNetworkPolicy'], undefined, { kinds: OPTIONAL, clock, logger: nullLogger, retryMs: 1000 });
      await expect(cache.start()).rejects.toBeInstanceOf(UnavailableError);
      await cache.close();
      await store.close();
    });
  });
});
