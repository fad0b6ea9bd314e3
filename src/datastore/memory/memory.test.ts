// The memory backend against the conformance suite, plus what only it has: failure injection, explicit and automatic
// compaction.
import { FakeClock } from '../../lib/fake-clock';
import { runConformance } from '../testing/conformance';
import { ConflictError, DatastoreErrorCode, UnavailableError } from '../errors';
import type { StoredResource, WatchEvent } from '../types';
import { MemoryDatastore } from './memory-datastore';

runConformance('memory', async () => {
  const store = new MemoryDatastore();
  return { store, compact: async () => store.compact(), cleanup: () => store.close() };
});

function pool(name: string): StoredResource {
  return { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name }, spec: { cidr: '10.0.0.0/16' } };
}

async function nextEvents(events: WatchEvent[], n: number): Promise<void> {
  // Deliveries happen on setImmediate; a bounded number of turns is enough for an in-process store.
  for (let i = 0; i < 100 && events.length < n; i++) await new Promise((r) => setImmediate(r));
}

describe('MemoryDatastore', () => {
  let store: MemoryDatastore;
  afterEach(() => store.close());

  it('stamps creationTimestamp from the injected clock and uid from the injected generator', async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
    store = new MemoryDatastore({ clock, newUid: () => 'uid-1' });
    const res = await store.create(pool('p'));
    expect(res.metadata).toEqual({ name: 'p', uid: 'uid-1', creationTimestamp: '2026-01-02T03:04:05Z', resourceVersion: '1' });
  });

  it('counts one global revision across kinds', async () => {
    store = new MemoryDatastore();
    await store.create(pool('p'));
    await store.create({ apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: 't' } });
    expect(store.currentRevision()).toBe('2');
    expect((await store.list('IPPool')).revision).toBe('2');
  });

  const failCases: Array<{ name: string; op: 'get' | 'list' | 'create' | 'update' | 'delete' | 'watch'; run: (s: MemoryDatastore) => Promise<unknown> }> = [
    { name: 'get', op: 'get', run: (s) => s.get('IPPool', 'p') },
    { name: 'list', op: 'list', run: (s) => s.list('IPPool') },
    { name: 'create', op: 'create', run: (s) => s.create(pool('q')) },
    { name: 'update', op: 'update', run: (s) => s.update(pool('p')) },
    { name: 'delete', op: 'delete', run: (s) => s.delete('IPPool', 'p') },
    { name: 'watch', op: 'watch', run: (s) => s.watch('IPPool', {}, () => undefined) },
  ];
  it.each(failCases)('failNext($name) fails exactly the next $name, then works again', async ({ op, run }) => {
    store = new MemoryDatastore();
    await store.create(pool('p'));
    const injected = new UnavailableError(op, 'IPPool', 'p', undefined, 'injected');
    store.failNext(op, injected);
    await expect(run(store)).rejects.toBe(injected);
    const w = await run(store);
    if (op === 'watch') await (w as { close(): Promise<void> }).close();
  });

  it('failNext with a kind leaves other kinds alone and queues failures in order', async () => {
    store = new MemoryDatastore();
    await store.create(pool('p'));
    store.failNext('get', new ConflictError('IPPool', 'p', undefined, '1', '2'), { kind: 'IPPool' });
    store.failNext('get', new Error('second'), { kind: 'IPPool' });
    await expect(store.get('Tier', 'x')).rejects.toHaveProperty('code', DatastoreErrorCode.NotFound);
    await expect(store.get('IPPool', 'p')).rejects.toHaveProperty('code', DatastoreErrorCode.Conflict);
    await expect(store.get('IPPool', 'p')).rejects.toThrow('second');
    await expect(store.get('IPPool', 'p')).resolves.toHaveProperty('metadata.name', 'p');
  });

  it('compacts history beyond historyLimit, so an old fromRevision gets a resync', async () => {
    store = new MemoryDatastore({ historyLimit: 3 });
    for (const n of ['a', 'b', 'c', 'd', 'e']) await store.create(pool(n));
    const recent: WatchEvent[] = [];
    const old: WatchEvent[] = [];
    const w1 = await store.watch('IPPool', { fromRevision: '2' }, (e) => void recent.push(e));
    const w2 = await store.watch('IPPool', { fromRevision: '1' }, (e) => void old.push(e));
    await nextEvents(recent, 3);
    await nextEvents(old, 1);
    expect(recent.map((e) => (e.type === 'added' ? e.object.metadata.name : e.type))).toEqual(['c', 'd', 'e']);
    expect(old.map((e) => e.type)).toEqual(['resync']);
    expect(old[0]?.type === 'resync' && old[0].items.map((i) => i.metadata.name)).toEqual(['a', 'b', 'c', 'd', 'e']);
    await w1.close();
    await w2.close();
  });

  it('rejects a malformed fromRevision and an out-of-range compaction', async () => {
    store = new MemoryDatastore();
    await expect(store.watch('IPPool', { fromRevision: 'x' }, () => undefined)).rejects.toHaveProperty('code', DatastoreErrorCode.Invalid);
    expect(() => store.compact(5)).toThrow(RangeError);
  });

  it('a fromRevision ahead of the store delivers only changes after it, as etcd does', async () => {
    store = new MemoryDatastore();
    await store.create(pool('r1'));
    const events: WatchEvent[] = [];
    const w = await store.watch('IPPool', { fromRevision: '3' }, (e) => void events.push(e));
    for (const n of ['r2', 'r3', 'r4']) await store.create(pool(n));
    await nextEvents(events, 1);
    expect(events.map((e) => (e.type === 'added' ? e.object.metadata.name : e.type))).toEqual(['r4']);
    await w.close();
  });

  it('keeps delivering after a handler throws', async () => {
    store = new MemoryDatastore();
    const seen: string[] = [];
    const w = await store.watch('IPPool', { fromRevision: '0' }, (e) => {
      if (e.type !== 'added') return;
      seen.push(e.object.metadata.name);
      if (e.object.metadata.name === 'a') throw new Error('handler bug');
    });
    await store.create(pool('a'));
    await store.create(pool('b'));
    for (let i = 0; i < 100 && seen.length < 2; i++) await new Promise((r) => setImmediate(r));
    expect(seen).toEqual(['a', 'b']);
    await w.close();
  });
});
