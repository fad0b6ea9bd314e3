import http from 'node:http';
import { type StoredResource } from '../datastore';
import { MemoryDatastore } from '../datastore/memory/memory-datastore';
import { IpamAllocator } from '../ipam';
import { FakeClock } from '../lib/fake-clock';
import { nullLogger } from '../lib/logger';
import { runControllers, type RunningControllers } from './run';
import { FakeKube } from './testing/fake-kube';

const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

function get(port: number, path: string): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

async function pool(store: MemoryDatastore): Promise<void> {
  const p: StoredResource = { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'pool-a' }, spec: { cidr: '10.65.0.0/16', blockSize: 26, ipipMode: 'Never', vxlanMode: 'Never', natOutgoing: false } };
  await store.create(p);
}

/** A pool, a 1 min leak grace period, Kubernetes node n1 and an allocator on the store: the GC tests' cluster. */
async function gcCluster(): Promise<{ store: MemoryDatastore; kube: FakeKube; ipam: IpamAllocator }> {
  const store = new MemoryDatastore();
  await pool(store);
  await store.create({ apiVersion: 'projectcalico.org/v3', kind: 'KubeControllersConfiguration', metadata: { name: 'default' }, spec: { controllers: { node: { leakGracePeriod: '1m' } } } });
  const kube = new FakeKube();
  kube.addNode('n1');
  return { store, kube, ipam: new IpamAllocator(store) };
}

describe('runControllers (KDD mode, one replica) on a memory datastore and a fake API server', () => {
  let running: RunningControllers | undefined;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });

  it('creates the default configuration, releases a leaked address after the grace period, keeps a valid one, serves health and metrics', async () => {
    const { store, kube, ipam } = await gcCluster();
    const live = await ipam.autoAssign({ handleId: 'k8s-pod-network.live', hostname: 'n1', num4: 1, attrs: { namespace: 'default', pod: 'live', node: 'n1' } });
    const dead = await ipam.autoAssign({ handleId: 'k8s-pod-network.dead', hostname: 'n1', num4: 1, attrs: { namespace: 'default', pod: 'dead', node: 'n1' } });
    kube.addPod('default', 'live', { nodeName: 'n1', podIPs: [live.ipv4[0]?.split('/')[0] ?? ''] });
    const clock = new FakeClock();
    running = await runControllers({ datastoreType: 'kubernetes', identity: 'r1', metricsHost: '127.0.0.1', metricsPort: 0, health: { host: '127.0.0.1', port: 0 } }, { clock, logger: nullLogger, store, kube });
    await settle();
    await running.runPass();
    expect(running.candidates().map((c) => c.allocation.handleId)).toEqual(['k8s-pod-network.dead']);
    clock.advance(61_000);
    await running.runPass();
    expect(await ipam.ipsByHandle('k8s-pod-network.dead')).toEqual([]);
    expect(await ipam.ipsByHandle('k8s-pod-network.live')).toEqual([live.ipv4[0]?.split('/')[0]]);
    expect(dead.ipv4).toHaveLength(1);
    await settle(); // the gauges follow the next pass's snapshot
    await running.runPass();

    const metrics = await get(running.metricsPort ?? 0, '/metrics');
    expect(metrics.body).toMatch(/ipam_allocations_in_use\{ippool="pool-a",node="n1"\} 1/);
    expect(metrics.body).toMatch(/ipam_allocations_gc_reclamations\{ippool="pool-a",node="n1"\} 1/);
    expect(metrics.body).toMatch(/ipam_blocks\{ippool="pool-a",node="n1"\} 1/);
    expect((await get(running.healthPort ?? 0, '/liveness')).code).toBe(200);
    expect((await get(running.healthPort ?? 0, '/readiness')).code).toBe(200);
  });

  it('a failed pod lookup right before release keeps the address (re-validation)', async () => {
    const { store, kube, ipam } = await gcCluster();
    await ipam.autoAssign({ handleId: 'h-x', hostname: 'n1', num4: 1, attrs: { namespace: 'default', pod: 'x', node: 'n1' } });
    const clock = new FakeClock();
    running = await runControllers({ datastoreType: 'kubernetes', identity: 'r1', metricsHost: '127.0.0.1', metricsPort: 0 }, { clock, logger: nullLogger, store, kube });
    await settle();
    await running.runPass();
    clock.advance(61_000);
    kube.podApiDown = true;
    await running.runPass();
    expect(await ipam.ipsByHandle('h-x')).toHaveLength(1);
    kube.podApiDown = false;
    // Resurrected: the timer was cleared, so the candidacy starts again and lasts a full grace period.
    clock.advance(61_000);
    await running.runPass();
    expect(await ipam.ipsByHandle('h-x')).toHaveLength(1);
    clock.advance(61_000);
    await running.runPass();
    expect(await ipam.ipsByHandle('h-x')).toEqual([]);
  });

  it('route reflectors alone (ENABLED_CONTROLLERS=routereflector, no Kubernetes API): two chosen, one replaced when its node goes', async () => {
    const store = new MemoryDatastore();
    for (const [i, name] of ['n1', 'n2', 'n3'].entries()) {
      await store.create({ apiVersion: 'projectcalico.org/v3', kind: 'Node', metadata: { name }, spec: { bgp: { ipv4Address: `10.0.0.${i + 10}/24` } } });
    }
    const env = { ENABLED_CONTROLLERS: 'routereflector', ROUTE_REFLECTORS_PER_ZONE: '2' };
    const clock = new FakeClock();
    running = await runControllers({ datastoreType: 'etcdv3', identity: 'r1', metricsHost: '127.0.0.1', metricsPort: 0, env }, { clock, logger: nullLogger, store });
    await settle();
    await running.runPass();
    expect(running.reflectors()).toEqual(['n1', 'n2']);
    clock.advance(1000); // the first batched pass runs; the next periodic pass is minutes away
    await settle();
    // A change is acted on after the batching delay (1 s), not at the next periodic pass (minutes away).
    await store.delete('Node', 'n1');
    await settle();
    clock.advance(1000);
    await settle();
    expect(running.reflectors()).toEqual(['n2', 'n3']);
    expect((await store.get('BGPConfiguration', 'default')).spec).toEqual({ nodeToNodeMeshEnabled: false });
  });
});
