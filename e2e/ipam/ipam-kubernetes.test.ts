// IPAM on the kubernetes datastore (crd.projectcalico.org/v1 IPAMBlock, BlockAffinity, IPAMHandle, IPAMConfig on the
// Kubernetes API server test fixture, nodes as core Nodes): the names IPAM gives its objects are valid Kubernetes
// names, its compare-and-swap writes work on resourceVersion, and a concurrent run leaves a consistent state that
// the `ipam check` logic accepts and that releases back to an empty pool.
import { API_VERSION } from '../../src/datastore';
import { endpointFromKubeconfig, HttpKubeApi } from '../../src/datastore/kubernetes/http-api';
import { KubernetesDatastore } from '../../src/datastore/kubernetes/kubernetes-datastore';
import { IpamAllocator, checkIpam, listBlocks, listPools, loadIpamSnapshot, poolUsage } from '../../src/ipam';
import { startKubeFixture, type KubeFixture } from '../k8s-fixture/server';

const HOSTS = 5;
const PER_HOST = 40;

let fx: KubeFixture | undefined;
let store: KubernetesDatastore | undefined;

beforeAll(async () => {
  fx = await startKubeFixture();
  const api = new HttpKubeApi(endpointFromKubeconfig(fx.kubeconfig));
  for (let i = 0; i < HOSTS; i++) await api.create({ group: '', version: 'v1', plural: 'nodes' }, { metadata: { name: `kdd-node-${i}` } });
  api.close();
  store = new KubernetesDatastore({ api: new HttpKubeApi(endpointFromKubeconfig(fx.kubeconfig)), retryDelaysMs: [20, 50, 100] });
  await store.create({ apiVersion: API_VERSION, kind: 'IPPool', metadata: { name: 'default-ipv4-ippool' }, spec: { cidr: '10.244.0.0/16', blockSize: 26 } });
  await store.create({ apiVersion: API_VERSION, kind: 'IPPool', metadata: { name: 'default-ipv6-ippool' }, spec: { cidr: 'fd00:10:244::/64', blockSize: 122 } });
}, 60_000);

afterAll(async () => {
  await store?.close();
  await fx?.close();
});

test('dual-stack allocation from concurrent hosts, guarded release, host affinity release', async () => {
  const ds = store;
  if (ds === undefined) throw new Error('no store');
  const ipam = new IpamAllocator(ds);
  await ipam.setConfig({ strictAffinity: true, maxBlocksPerHost: 4 });
  const held = new Map<string, string[]>();
  await Promise.all(
    Array.from({ length: HOSTS }, async (_, h) => {
      const host = `kdd-node-${h}`;
      const worker = async (w: number): Promise<void> => {
        for (let k = 0; k < PER_HOST / 2; k++) {
          const handleId = `k8s-pod-network.${host}-${w}-${k}`;
          const r = await ipam.autoAssign({ handleId, hostname: host, num4: 1, num6: 1, attrs: { node: host } });
          held.set(handleId, [...r.ipv4, ...r.ipv6]);
        }
      };
      await Promise.all([worker(0), worker(1)]);
    }),
  );
  const all = [...held.values()].flat();
  expect(all).toHaveLength(HOSTS * PER_HOST * 2);
  expect(new Set(all).size).toBe(all.length);
  expect(checkIpam(await loadIpamSnapshot(ds)).problems).toEqual([]);
  for (const b of await listBlocks(ds)) expect(b.spec.affinity).toMatch(/^host:kdd-node-\d$/);
  expect((await ds.list('BlockAffinity')).items.every((a) => (a.spec as { state: string }).state === 'confirmed')).toBe(true);

  // A release guarded by a stale sequence number keeps the address; the right one frees it.
  const [id] = held.keys();
  const info = await ipam.getAssignmentAttributes(held.get(id ?? '')?.[0] ?? '');
  expect(info?.handleId).toBe(id);
  expect((await ipam.releaseIps([{ ip: info?.address ?? '', sequenceNumber: '1' }])).mismatched).toEqual([info?.address]);

  await Promise.all([...held.keys()].map((h) => ipam.releaseByHandle(h)));
  const usage = poolUsage(await listPools(ds), await listBlocks(ds));
  expect(usage.map((u) => u.inUse)).toEqual([0n, 0n]);
  expect(checkIpam(await loadIpamSnapshot(ds)).problems).toEqual([]);
  for (let h = 0; h < HOSTS; h++) await ipam.releaseHostAffinities(`kdd-node-${h}`);
  expect(await listBlocks(ds)).toEqual([]);
  expect((await ds.list('BlockAffinity')).items).toEqual([]);
  expect((await ds.list('IPAMHandle')).items).toEqual([]);
}, 120_000);
