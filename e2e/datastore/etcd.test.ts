// The etcd v3 datastore on a real etcd (Debian etcd-server): the conformance suite, Calico's key layout and value
// format as etcd itself holds them, resuming a watch across an etcd restart, and Unavailable when etcd is gone.
import { Etcd3 } from 'etcd3';
import { runConformance } from '../../src/datastore/testing/conformance';
import { DatastoreErrorCode, isDatastoreError } from '../../src/datastore/errors';
import { EtcdDatastore } from '../../src/datastore/etcd/etcd-datastore';
import { CALICO_V3_ROOT } from '../../src/datastore/etcd/etcd-keys';
import type { StoredResource, WatchEvent } from '../../src/datastore/types';
import { freePort, startEtcd, type EtcdServer } from '../lib/etcd';
import { describeIf, requireTools } from '../lib/tools';

const ok = requireTools('etcd datastore', ['etcd', 'etcdctl']);

let etcd: EtcdServer | undefined;
let stores = 0;

function server(): EtcdServer {
  if (etcd === undefined) throw new Error('etcd not started');
  return etcd;
}

/** A root of its own for each store, so tests sharing one etcd never see each other's keys. */
function isolatedRoot(): string {
  return `/gingham-e2e/${process.pid}-${++stores}${CALICO_V3_ROOT}`;
}

function pool(name: string, labels?: Record<string, string>): StoredResource {
  return {
    apiVersion: 'projectcalico.org/v3',
    kind: 'IPPool',
    metadata: { name, ...(labels ? { labels } : {}) },
    spec: { cidr: '10.20.0.0/16', blockSize: 26, ipipMode: 'Always', natOutgoing: true },
  };
}

async function until(what: string, cond: () => boolean, timeoutMs = 40_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function errorCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (err) {
    return isDatastoreError(err) ? err.code : `non-datastore error: ${String(err)}`;
  }
}

describeIf(ok)('etcd v3 datastore on a real etcd', () => {
  beforeAll(async () => {
    etcd = await startEtcd();
  }, 60_000);

  afterAll(async () => {
    await etcd?.stop();
    etcd = undefined;
  });

  runConformance('etcdv3', async () => {
    const store = new EtcdDatastore({ endpoints: [server().endpoint], root: isolatedRoot() });
    return { store, compact: () => server().compact(), cleanup: () => store.close() };
  });

  describe('storage format', () => {
    let raw: Etcd3;
    let store: EtcdDatastore;
    beforeEach(() => {
      raw = new Etcd3({ hosts: server().endpoint });
      store = new EtcdDatastore({ endpoints: [server().endpoint] });
    });
    afterEach(async () => {
      await store.close();
      await raw.delete().prefix('/calico/');
      raw.close();
    });

    it("keeps resources where Calico's etcd mode does, as v3 JSON without resourceVersion", async () => {
      const created = await store.create(pool('layout-pool', { a: 'b' }));
      await store.create({ apiVersion: 'projectcalico.org/v3', kind: 'NetworkSet', metadata: { name: 'ns-set', namespace: 'team-a' }, spec: { nets: ['192.0.2.0/24'] } });

      const key = '/calico/resources/v3/projectcalico.org/ippools/layout-pool';
      const res = await raw.get(key).exec();
      expect(res.kvs).toHaveLength(1);
      expect(res.kvs[0]?.mod_revision).toBe(created.metadata.resourceVersion);
      const value = JSON.parse(res.kvs[0]?.value.toString('utf8') ?? 'null') as StoredResource;
      expect(value.metadata.resourceVersion).toBeUndefined();
      expect(value).toEqual({ ...created, metadata: { name: 'layout-pool', labels: { a: 'b' }, uid: created.metadata.uid, creationTimestamp: created.metadata.creationTimestamp } });
      expect(await raw.get('/calico/resources/v3/projectcalico.org/networksets/team-a/ns-set').exists()).toBe(true);
    });

    it('reads a value written by another client, with resourceVersion = mod_revision', async () => {
      const put = await raw
        .put('/calico/resources/v3/projectcalico.org/bgppeers/rr1')
        .value(JSON.stringify({ apiVersion: 'projectcalico.org/v3', kind: 'BGPPeer', metadata: { name: 'rr1' }, spec: { peerIP: '192.0.2.1', asNumber: 64512 } }));
      const got = await store.get('BGPPeer', 'rr1');
      expect(got.metadata.resourceVersion).toBe(put.header.revision);
      expect(got.spec).toEqual({ peerIP: '192.0.2.1', asNumber: 64512 });
    });

    it('skips an unreadable value in list and reports it as Invalid on get', async () => {
      await store.create(pool('good'));
      await raw.put('/calico/resources/v3/projectcalico.org/ippools/broken').value('{not json');
      await raw.put('/calico/resources/v3/projectcalico.org/ippools/wrong-kind').value(JSON.stringify({ kind: 'Tier', metadata: { name: 'wrong-kind' } }));
      expect((await store.list('IPPool')).items.map((i) => i.metadata.name)).toEqual(['good']);
      expect(await errorCode(store.get('IPPool', 'broken'))).toBe(DatastoreErrorCode.Invalid);
    });
  });

  describe('failures', () => {
    it('resumes a watch across an etcd restart without losing or repeating events, and is Unavailable while etcd is down', async () => {
      const root = isolatedRoot();
      const store = new EtcdDatastore({ endpoints: [server().endpoint], root, retry: { attempts: 12, initialDelayMs: 200, maxDelayMs: 1000 } });
      const impatient = new EtcdDatastore({ endpoints: [server().endpoint], root, retry: { attempts: 2, initialDelayMs: 50, maxDelayMs: 50 }, callTimeoutMs: 1000 });
      const events: WatchEvent[] = [];
      try {
        const { revision } = await store.list('IPPool');
        const w = await store.watch('IPPool', { fromRevision: revision }, (e) => void events.push(e));
        await store.create(pool('before-restart'));
        await until('the first event', () => events.length === 1);

        await server().stopProcess();
        const started = Date.now();
        expect(await errorCode(impatient.get('IPPool', 'before-restart'))).toBe(DatastoreErrorCode.Unavailable);
        expect(Date.now() - started).toBeLessThan(15_000);

        await server().startProcess();
        await store.create(pool('after-restart-1'));
        await store.create(pool('after-restart-2'));
        await until('the events after the restart', () => events.length >= 3);
        await store.create(pool('last'));
        await until('the last event', () => events.length >= 4);
        expect(events.map((e) => (e.type === 'resync' ? 'resync' : `${e.type}:${e.object.metadata.name}`))).toEqual([
          'added:before-restart',
          'added:after-restart-1',
          'added:after-restart-2',
          'added:last',
        ]);
        await w.close();
      } finally {
        await store.close();
        await impatient.close();
      }
    }, 120_000);

    it('fails with Unavailable, within its retry bound, when nothing listens', async () => {
      const store = new EtcdDatastore({
        endpoints: [`http://127.0.0.1:${await freePort()}`],
        retry: { attempts: 3, initialDelayMs: 20, maxDelayMs: 40 },
        callTimeoutMs: 1000,
        watchConnectTimeoutMs: 1000,
      });
      try {
        const started = Date.now();
        expect(await errorCode(store.get('IPPool', 'x'))).toBe(DatastoreErrorCode.Unavailable);
        expect(await errorCode(store.create(pool('x')))).toBe(DatastoreErrorCode.Unavailable);
        expect(await errorCode(store.watch('IPPool', { fromRevision: '1' }, () => undefined))).toBe(DatastoreErrorCode.Unavailable);
        expect(Date.now() - started).toBeLessThan(20_000);
      } finally {
        await store.close();
      }
    }, 60_000);
  });
});
