// The datastore conformance suite: the behaviour every backend (memory, etcd, kubernetes) must share, written once.
// A backend's test file calls runConformance(name, makeStore) at top level; this module defines the jest tests.
//
// It is a test helper (testing/ is left out of dist/ by tsconfig.build.json). It uses node:assert and reaches jest's
// describe/it through globalThis rather than the jest type globals, so it also compiles where jest's types are absent.
import assert from 'node:assert/strict';
import { updateWithRetry } from '../cas';
import type { Datastore } from '../datastore';
import { DatastoreErrorCode, isDatastoreError, type DatastoreError } from '../errors';
import type { StoredResource, Watch, WatchEvent } from '../types';

export interface ConformanceStore {
  /** An empty datastore (no resource of the kinds the suite uses: IPPool, IPAMHandle, NetworkSet). */
  readonly store: Datastore;
  /** Compacts the backend's history up to its current revision, so older revisions can no longer be watched from. */
  compact?(): Promise<void>;
  /** Releases everything makeStore created; called after each test, also when store.close() was already called. */
  cleanup(): Promise<void>;
}

export interface ConformanceOptions {
  /** False for a backend that cannot compact on demand: the re-list test is then skipped, visibly. Default true. */
  readonly canCompact?: boolean;
  /** Per-test timeout in ms. Default 30000. */
  readonly timeoutMs?: number;
}

/** Namespaces the suite creates NetworkSets in (a Kubernetes backend's makeStore must make them exist). */
export const CONFORMANCE_NAMESPACES = ['conf-a', 'conf-b'] as const;

type TestFn = () => Promise<void>;
interface JestLike {
  describe(name: string, fn: () => void): void;
  it: ((name: string, fn: TestFn, timeout?: number) => void) & { skip(name: string, fn: TestFn): void };
}

function jestApi(): JestLike {
  const g = globalThis as unknown as Partial<JestLike>;
  if (typeof g.describe !== 'function' || typeof g.it !== 'function') throw new Error('runConformance must be called from a jest test file');
  return g as JestLike;
}

const [NS_A, NS_B] = CONFORMANCE_NAMESPACES;

function pool(name: string, cidr: string, labels?: Record<string, string>): StoredResource {
  return {
    apiVersion: 'projectcalico.org/v3',
    kind: 'IPPool',
    metadata: { name, ...(labels ? { labels } : {}) },
    spec: { cidr, blockSize: 26, ipipMode: 'Never', vxlanMode: 'Never', natOutgoing: true },
  };
}

function netset(namespace: string, name: string, labels?: Record<string, string>): StoredResource {
  return {
    apiVersion: 'projectcalico.org/v3',
    kind: 'NetworkSet',
    metadata: { name, namespace, ...(labels ? { labels } : {}) },
    spec: { nets: ['192.0.2.0/24'] },
  };
}

interface Counter extends StoredResource {
  readonly spec: { handleID: string; block: Record<string, number> };
}

function counter(name: string): Counter {
  return { apiVersion: 'projectcalico.org/v3', kind: 'IPAMHandle', metadata: { name }, spec: { handleID: name, block: { count: 0 } } };
}

/** Asserts that a promise rejects with a datastore error of this code, naming this kind and name. */
async function rejectsWith(p: Promise<unknown>, code: DatastoreErrorCode, kind?: string, name?: string): Promise<DatastoreError> {
  let caught: unknown;
  try {
    await p;
  } catch (err) {
    caught = err;
  }
  assert.ok(isDatastoreError(caught), `expected a ${code} error, got ${caught === undefined ? 'success' : String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (kind !== undefined) assert.equal(caught.kind, kind);
  if (name !== undefined) assert.equal(caught.resourceName, name);
  return caught;
}

/** Collects watch events; waitFor resolves once n have arrived and fails after a bounded wait. */
class Collector {
  readonly events: WatchEvent[] = [];
  private waiters: Array<{ n: number; resolve: () => void }> = [];
  inFlight = 0;
  overlapped = false;

  readonly handler = async (e: WatchEvent): Promise<void> => {
    this.inFlight++;
    if (this.inFlight > 1) this.overlapped = true;
    // A handler that yields: the next event must still wait for it.
    await new Promise((r) => setImmediate(r));
    this.events.push(e);
    this.inFlight--;
    this.waiters = this.waiters.filter((w) => (this.events.length >= w.n ? (w.resolve(), false) : true));
  };

  /** Waits until cond holds, re-checking after every event; each wait for one more event is bounded. */
  async waitUntil(what: string, cond: () => boolean, timeoutMs = 15_000): Promise<void> {
    while (!cond()) {
      await this.waitFor(this.events.length + 1, timeoutMs).catch((err: Error) => {
        throw new Error(`waiting for ${what}: ${err.message}`);
      });
    }
  }

  async waitFor(n: number, timeoutMs = 15_000): Promise<WatchEvent[]> {
    if (this.events.length < n) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.waiters.push({ n, resolve })),
        new Promise<void>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`waited ${timeoutMs} ms for ${n} watch events, got ${this.events.length}: ${this.summary().join(', ')}`)), timeoutMs);
        }),
      ]).finally(() => clearTimeout(timer));
    }
    return this.events.slice(0, n);
  }

  summary(): string[] {
    return this.events.map((e) => (e.type === 'resync' ? `resync[${e.items.map((i) => i.metadata.name).join(',')}]` : `${e.type}:${e.object.metadata.name}`));
  }
}

export function runConformance(name: string, makeStore: () => Promise<ConformanceStore>, opts: ConformanceOptions = {}): void {
  const { describe, it } = jestApi();
  const timeout = opts.timeoutMs ?? 30_000;

  /** Runs body against a fresh store and always cleans up (watches first, then the store). */
  function test(title: string, body: (s: ConformanceStore, watches: Watch[]) => Promise<void>): void {
    it(
      title,
      async () => {
        const s = await makeStore();
        const watches: Watch[] = [];
        try {
          await body(s, watches);
        } finally {
          await Promise.all(watches.map((w) => w.close()));
          await s.cleanup();
        }
      },
      timeout,
    );
  }

  describe(`datastore conformance: ${name}`, () => {
    test('create, get, update and delete round-trip a resource', async ({ store }) => {
      const created = await store.create(pool('p1', '10.1.0.0/16', { tier: 'gold' }));
      assert.ok(created.metadata.resourceVersion, 'create sets resourceVersion');
      assert.ok(created.metadata.uid, 'create sets uid');
      assert.match(created.metadata.creationTimestamp ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.deepEqual(created.spec, pool('p1', '10.1.0.0/16').spec);

      const got = await store.get('IPPool', 'p1');
      assert.deepEqual(got, created);

      const changed = { ...got, spec: { ...(got.spec as object), natOutgoing: false }, metadata: { ...got.metadata, uid: 'forged', labels: { tier: 'silver' } } };
      const updated = await store.update(changed);
      assert.notEqual(updated.metadata.resourceVersion, created.metadata.resourceVersion);
      assert.equal(updated.metadata.uid, created.metadata.uid, 'update keeps the stored uid');
      assert.equal(updated.metadata.creationTimestamp, created.metadata.creationTimestamp);
      assert.deepEqual(updated.metadata.labels, { tier: 'silver' });
      assert.deepEqual(await store.get('IPPool', 'p1'), updated);

      const deleted = await store.delete('IPPool', 'p1');
      assert.deepEqual(deleted, updated, 'delete returns the last state');
      await rejectsWith(store.get('IPPool', 'p1'), DatastoreErrorCode.NotFound, 'IPPool', 'p1');
      assert.deepEqual((await store.list('IPPool')).items, []);
    });

    test('returned resources are copies', async ({ store }) => {
      const created = await store.create(pool('p1', '10.1.0.0/16', { a: '1' }));
      (created.metadata.labels as Record<string, string>).a = 'mutated';
      const got = await store.get('IPPool', 'p1');
      assert.deepEqual(got.metadata.labels, { a: '1' });
    });

    test('create of an existing name fails with AlreadyExists', async ({ store }) => {
      await store.create(pool('p1', '10.1.0.0/16'));
      await rejectsWith(store.create(pool('p1', '10.2.0.0/16')), DatastoreErrorCode.AlreadyExists, 'IPPool', 'p1');
      assert.equal(((await store.get('IPPool', 'p1')).spec as { cidr: string }).cidr, '10.1.0.0/16');
      // The same name in two namespaces is two resources.
      await store.create(netset(NS_A, 'n1'));
      await store.create(netset(NS_B, 'n1'));
      await rejectsWith(store.create(netset(NS_A, 'n1')), DatastoreErrorCode.AlreadyExists, 'NetworkSet', 'n1');
    });

    test('get, update and delete of a missing resource fail with NotFound', async ({ store }) => {
      await rejectsWith(store.get('IPPool', 'nope'), DatastoreErrorCode.NotFound, 'IPPool', 'nope');
      await rejectsWith(store.update(pool('nope', '10.1.0.0/16')), DatastoreErrorCode.NotFound, 'IPPool', 'nope');
      await rejectsWith(store.delete('IPPool', 'nope'), DatastoreErrorCode.NotFound, 'IPPool', 'nope');
      await store.create(netset(NS_A, 'n1'));
      await rejectsWith(store.get('NetworkSet', 'n1', NS_B), DatastoreErrorCode.NotFound, 'NetworkSet', 'n1');
    });

    test('update with a stale resourceVersion fails with Conflict and changes nothing', async ({ store }) => {
      const v1 = await store.create(pool('p1', '10.1.0.0/16'));
      const v2 = await store.update({ ...v1, metadata: { ...v1.metadata, labels: { v: '2' } } });
      const err = await rejectsWith(store.update({ ...v1, metadata: { ...v1.metadata, labels: { v: 'stale' } } }), DatastoreErrorCode.Conflict, 'IPPool', 'p1');
      assert.match(err.message, /p1/);
      assert.deepEqual(await store.get('IPPool', 'p1'), v2);
      // Without a resourceVersion the update is unconditional.
      const { resourceVersion: _rv, ...meta } = v1.metadata;
      const v3 = await store.update({ ...v1, metadata: { ...meta, labels: { v: '3' } } });
      assert.deepEqual(v3.metadata.labels, { v: '3' });
    });

    test('delete guarded by resourceVersion', async ({ store }) => {
      const v1 = await store.create(pool('p1', '10.1.0.0/16'));
      const v2 = await store.update({ ...v1, metadata: { ...v1.metadata, labels: { v: '2' } } });
      await rejectsWith(store.delete('IPPool', 'p1', undefined, { resourceVersion: v1.metadata.resourceVersion }), DatastoreErrorCode.Conflict, 'IPPool', 'p1');
      assert.deepEqual(await store.get('IPPool', 'p1'), v2);
      await store.delete('IPPool', 'p1', undefined, { resourceVersion: v2.metadata.resourceVersion });
      await rejectsWith(store.get('IPPool', 'p1'), DatastoreErrorCode.NotFound);
    });

    test('malformed requests fail with Invalid', async ({ store }) => {
      const cases: Array<{ name: string; run: () => Promise<unknown> }> = [
        { name: 'unknown kind', run: () => store.get('NoSuchKind', 'x') },
        { name: 'namespaced kind without namespace', run: () => store.get('NetworkSet', 'x') },
        { name: 'cluster kind with namespace', run: () => store.get('IPPool', 'x', NS_A) },
        { name: 'name with a slash', run: () => store.create(pool('a/b', '10.1.0.0/16')) },
        { name: 'empty name', run: () => store.create(pool('', '10.1.0.0/16')) },
        { name: 'resourceVersion on create', run: () => store.create({ ...pool('p1', '10.1.0.0/16'), metadata: { name: 'p1', resourceVersion: '5' } }) },
        { name: 'wrong apiVersion', run: () => store.create({ ...pool('p1', '10.1.0.0/16'), apiVersion: 'v1' as 'projectcalico.org/v3' }) },
        { name: 'list a cluster kind by namespace', run: () => store.list('IPPool', { namespace: NS_A }) },
      ];
      for (const c of cases) {
        await assert.doesNotReject(rejectsWith(c.run(), DatastoreErrorCode.Invalid), c.name);
      }
      assert.deepEqual((await store.list('IPPool')).items, [], 'nothing was created');
    });

    test('list filters by label selector, namespace and name prefix, in namespace/name order', async ({ store }) => {
      await store.create(pool('pool-b', '10.2.0.0/16', { zone: 'east', tier: 'gold' }));
      await store.create(pool('pool-a', '10.1.0.0/16', { zone: 'west', tier: 'gold' }));
      await store.create(pool('other', '10.3.0.0/16'));
      await store.create(netset(NS_B, 'n2', { app: 'web' }));
      await store.create(netset(NS_A, 'n1', { app: 'web' }));
      await store.create(netset(NS_A, 'n3', { app: 'db' }));
      const names = (items: StoredResource[]): string[] => items.map((i) => (i.metadata.namespace ? `${i.metadata.namespace}/` : '') + i.metadata.name);

      const cases: Array<{ name: string; kind: string; opts: Parameters<Datastore['list']>[1]; want: string[] }> = [
        { name: 'all pools', kind: 'IPPool', opts: {}, want: ['other', 'pool-a', 'pool-b'] },
        { name: 'equality map', kind: 'IPPool', opts: { selector: { tier: 'gold' } }, want: ['pool-a', 'pool-b'] },
        { name: 'equality map, two labels', kind: 'IPPool', opts: { selector: { tier: 'gold', zone: 'east' } }, want: ['pool-b'] },
        { name: 'predicate', kind: 'IPPool', opts: { selector: (l) => l.zone !== 'east' }, want: ['other', 'pool-a'] },
        { name: 'name prefix', kind: 'IPPool', opts: { prefix: 'pool-' }, want: ['pool-a', 'pool-b'] },
        { name: 'all namespaces', kind: 'NetworkSet', opts: {}, want: [`${NS_A}/n1`, `${NS_A}/n3`, `${NS_B}/n2`] },
        { name: 'one namespace', kind: 'NetworkSet', opts: { namespace: NS_A }, want: [`${NS_A}/n1`, `${NS_A}/n3`] },
        { name: 'namespace and selector', kind: 'NetworkSet', opts: { namespace: NS_A, selector: { app: 'web' } }, want: [`${NS_A}/n1`] },
        { name: 'selector across namespaces', kind: 'NetworkSet', opts: { selector: { app: 'web' } }, want: [`${NS_A}/n1`, `${NS_B}/n2`] },
        { name: 'nothing matches', kind: 'NetworkSet', opts: { selector: { app: 'none' } }, want: [] },
      ];
      for (const c of cases) {
        const res = await store.list(c.kind, c.opts);
        assert.deepEqual(names(res.items), c.want, c.name);
        assert.ok(res.revision.length > 0, `${c.name}: revision`);
      }
    });

    test('watch delivers added, modified and deleted in store order, one handler call at a time', async ({ store }, watches) => {
      await store.create(pool('before', '10.9.0.0/16'));
      const { revision } = await store.list('IPPool');
      const c = new Collector();
      watches.push(await store.watch('IPPool', { fromRevision: revision }, c.handler));
      const a = await store.create(pool('a', '10.1.0.0/16'));
      const b = await store.create(pool('b', '10.2.0.0/16'));
      const a2 = await store.update({ ...a, metadata: { ...a.metadata, labels: { x: 'y' } } });
      await store.delete('IPPool', 'b');
      await store.delete('IPPool', 'before');
      const events = await c.waitFor(5);
      assert.deepEqual(c.summary(), ['added:a', 'added:b', 'modified:a', 'deleted:b', 'deleted:before']);
      assert.equal(c.overlapped, false, 'handler calls never overlap');
      const [e0, e1, e2, e3] = events;
      assert.ok(e0?.type === 'added' && e1?.type === 'added' && e2?.type === 'modified' && e3?.type === 'deleted');
      assert.deepEqual(e0.object, a);
      assert.equal(e0.revision, a.metadata.resourceVersion);
      assert.deepEqual(e2.object, a2);
      assert.deepEqual(e2.previous, a);
      assert.deepEqual(e3.object, b, 'deleted carries the last state');
      assert.equal(watches[0]?.revision, events[4]?.revision, 'watch.revision is the last delivered revision');
    });

    test('watch without fromRevision starts with a resync of the current list', async ({ store }, watches) => {
      await store.create(pool('p1', '10.1.0.0/16'));
      await store.create(pool('p2', '10.2.0.0/16'));
      const c = new Collector();
      watches.push(await store.watch('IPPool', {}, c.handler));
      await store.create(pool('p3', '10.3.0.0/16'));
      await c.waitFor(2);
      assert.deepEqual(c.summary(), ['resync[p1,p2]', 'added:p3']);
    });

    test('watch by namespace and selector: entering the selection is added, leaving it is deleted', async ({ store }, watches) => {
      const c = new Collector();
      const { revision } = await store.list('NetworkSet');
      watches.push(await store.watch('NetworkSet', { fromRevision: revision, namespace: NS_A, selector: { app: 'web' } }, c.handler));
      await store.create(netset(NS_B, 'other-ns', { app: 'web' }));
      const n1 = await store.create(netset(NS_A, 'n1', { app: 'db' }));
      const n1web = await store.update({ ...n1, metadata: { ...n1.metadata, labels: { app: 'web' } } });
      const n1web2 = await store.update({ ...n1web, metadata: { ...n1web.metadata, annotations: { note: 'x' } } });
      await store.update({ ...n1web2, metadata: { ...n1web2.metadata, labels: { app: 'db' } } });
      // n2 comes last in store order: once it arrived, anything that should not have arrived would be there already.
      await store.create(netset(NS_A, 'n2', { app: 'web' }));
      await c.waitFor(4);
      assert.deepEqual(c.summary(), ['added:n1', 'modified:n1', 'deleted:n1', 'added:n2']);
    });

    test('watch resumes from a revision without loss or repetition', async ({ store }, watches) => {
      const { revision: r0 } = await store.list('IPPool');
      const first = new Collector();
      const w1 = await store.watch('IPPool', { fromRevision: r0 }, first.handler);
      await store.create(pool('a', '10.1.0.0/16'));
      await store.create(pool('b', '10.2.0.0/16'));
      await first.waitFor(2);
      await w1.close();
      const resumeFrom = w1.revision;
      await store.create(pool('c', '10.3.0.0/16'));
      await store.delete('IPPool', 'a');

      const resumed = new Collector();
      watches.push(await store.watch('IPPool', { fromRevision: resumeFrom }, resumed.handler));
      const replay = new Collector();
      watches.push(await store.watch('IPPool', { fromRevision: r0 }, replay.handler));
      // The sentinel is the last write: once both watches delivered it, every earlier change was delivered too.
      await store.create(pool('sentinel', '10.4.0.0/16'));
      await resumed.waitFor(3);
      await replay.waitFor(5);
      assert.deepEqual(resumed.summary(), ['added:c', 'deleted:a', 'added:sentinel']);
      assert.deepEqual(replay.summary(), ['added:a', 'added:b', 'added:c', 'deleted:a', 'added:sentinel']);
      assert.deepEqual(first.summary(), ['added:a', 'added:b'], 'no delivery after close');
    });

    const compactTitle = 'watch from a compacted revision re-lists (resync), then continues';
    if (opts.canCompact === false) it.skip(compactTitle, async () => undefined);
    else test(compactTitle, async ({ store, compact }, watches) => {
      assert.ok(compact, 'makeStore must provide compact() unless runConformance is given { canCompact: false }');
      const { revision: r0 } = await store.list('IPPool');
      const a = await store.create(pool('a', '10.1.0.0/16'));
      await store.create(pool('b', '10.2.0.0/16'));
      await store.update({ ...a, metadata: { ...a.metadata, labels: { v: '2' } } });
      await store.delete('IPPool', 'b');
      await store.create(pool('c', '10.3.0.0/16'));
      await compact();
      const c = new Collector();
      watches.push(await store.watch('IPPool', { fromRevision: r0 }, c.handler));
      await store.create(pool('d', '10.4.0.0/16'));
      // The backend may notice the compaction before or after d was written, so the resync may or may not hold d
      // already; either way the consumer's cache must end equal to the store, and nothing may precede the resync.
      const cache = new Map<string, StoredResource>();
      await c.waitUntil('d in the cache', () => {
        cache.clear();
        for (const e of c.events) {
          if (e.type === 'resync') {
            cache.clear();
            for (const i of e.items) cache.set(i.metadata.name, i);
          } else if (e.type === 'deleted') cache.delete(e.object.metadata.name);
          else cache.set(e.object.metadata.name, e.object);
        }
        return cache.has('d');
      });
      assert.equal(c.events[0]?.type, 'resync', `first event is the resync: ${c.summary().join(', ')}`);
      assert.ok(['resync[a,c,d]', 'resync[a,c]|added:d'].includes(c.summary().join('|')), c.summary().join(', '));
      assert.deepEqual([...cache.values()].sort((x, y) => (x.metadata.name < y.metadata.name ? -1 : 1)), (await store.list('IPPool')).items);
    });

    test('concurrent writers with CAS retry loops lose no update', async ({ store }, watches) => {
      const writers = 6;
      const increments = 8;
      const { revision } = await store.list('IPAMHandle');
      const c = new Collector();
      watches.push(await store.watch('IPAMHandle', { fromRevision: revision }, c.handler));
      await store.create(counter('counter'));
      let attempts = 0;
      const one = async (): Promise<void> => {
        for (let i = 0; i < increments; i++) {
          await updateWithRetry<Counter>(
            store,
            'IPAMHandle',
            'counter',
            undefined,
            (cur) => {
              attempts++;
              return { ...cur, spec: { ...cur.spec, block: { count: (cur.spec.block.count ?? 0) + 1 } } };
            },
            { maxAttempts: 1000 },
          );
        }
      };
      await Promise.all(Array.from({ length: writers }, one));
      const total = writers * increments;
      const final = await store.get<Counter>('IPAMHandle', 'counter');
      assert.equal(final.spec.block.count, total);
      assert.ok(attempts >= total);
      // Every successful write is seen exactly once, in order: counts 1..total.
      await c.waitFor(total + 1);
      const counts = c.events.slice(1).map((e) => (e.type === 'modified' ? (e.object as Counter).spec.block.count : -1));
      assert.deepEqual(counts, Array.from({ length: total }, (_, i) => i + 1));
    });

    test('close() ends watches and makes later calls fail with Unavailable', async ({ store }) => {
      const c = new Collector();
      const { revision } = await store.list('IPPool');
      const w = await store.watch('IPPool', { fromRevision: revision }, c.handler);
      await store.create(pool('a', '10.1.0.0/16'));
      await c.waitFor(1);
      await store.close();
      await store.close();
      await rejectsWith(store.get('IPPool', 'a'), DatastoreErrorCode.Unavailable);
      await rejectsWith(store.create(pool('b', '10.2.0.0/16')), DatastoreErrorCode.Unavailable);
      await rejectsWith(store.watch('IPPool', {}, c.handler), DatastoreErrorCode.Unavailable);
      await w.close();
      assert.equal(c.events.length, 1);
    });
  });
}
