// The controllers in Kubernetes mode against the strict API-server fixture, as the chart deploys them: each replica
// authenticates as the gingham-kube-controllers ServiceAccount (RBAC from the project's ClusterRoles), reads Nodes and
// Pods through @kubernetes/client-node (cmd/controllers-kube.ts, the port `controllers run` uses), stores IPAM in the
// CRDs and elects a leader through the coordination.k8s.io/v1 Lease kube-system/gingham-kube-controllers.
// GC safety cases (Calico's rules, ipam-gc.ts): a pod restarted on another node loses its old address after the grace
// period, while a pod whose stale node attribute differs but which reports the address keeps it (calico#12257); an
// allocation without pod attributes is never released; a node deleted with pods on it has its addresses and block
// released at once; two replicas, one leader, and the other takes over when it stops.
// Automatic route reflectors under the same RBAC: the reflector label and cluster ID written through nodes/status, the
// BGPPeer and the mesh setting; a reflector whose Kubernetes Node turns NotReady is replaced.
import type { BGPConfiguration } from '../../src/api/kind-bgp-configuration';
import type { CalicoNode } from '../../src/api/kind-node';
import { casElection, API_VERSION } from '../../src/datastore';
import { endpointFromKubeconfig, HttpKubeApi } from '../../src/datastore/kubernetes/http-api';
import { KubernetesDatastore } from '../../src/datastore/kubernetes/kubernetes-datastore';
import { clientNodeKubePort, clientNodeLeaseStore } from '../../src/cmd/controllers-kube';
import { runControllers, type RunningControllers } from '../../src/controllers/run';
import { IpamAllocator, listBlocks } from '../../src/ipam';
import { systemClock } from '../../src/lib/clock';
import { createLogger } from '../../src/lib/logger';
import { startKubeFixture, type KubeFixture } from '../k8s-fixture/server';
import { twoReplicas, waitFor } from './replicas';

const NODES = { group: '', version: 'v1', plural: 'nodes' };
const PODS = { group: '', version: 'v1', plural: 'pods', namespace: 'shop' };
const LEASE = 'gingham-kube-controllers';

let fx: KubeFixture | undefined;
let admin: HttpKubeApi | undefined;
const stores: KubernetesDatastore[] = [];
const replicas: RunningControllers[] = [];

function storeFor(kubeconfig: string): KubernetesDatastore {
  const s = new KubernetesDatastore({ api: new HttpKubeApi(endpointFromKubeconfig(kubeconfig)), retryDelaysMs: [20, 50, 100] });
  stores.push(s);
  return s;
}

afterAll(async () => {
  for (const r of replicas.splice(0)) await r.stop().catch(() => undefined);
  for (const s of stores.splice(0)) await s.close();
  admin?.close();
  await fx?.close();
});

test('GC safety on the API server: rescheduled pod, stale node attribute, missing attributes, deleted node; one leader by Lease', async () => {
  fx = await startKubeFixture();
  const f = fx;
  admin = new HttpKubeApi(endpointFromKubeconfig(f.kubeconfig));
  const api = admin;
  const adminStore = storeFor(f.kubeconfig);
  for (const n of ['n1', 'n2', 'n3']) {
    await api.create(NODES, { metadata: { name: n } });
    await api.mergePatch(NODES, n, { status: { conditions: [{ type: 'Ready', status: 'True' }] } }, 'status');
  }
  await api.create({ group: '', version: 'v1', plural: 'namespaces' }, { metadata: { name: 'shop' } });
  await adminStore.create({ apiVersion: API_VERSION, kind: 'IPPool', metadata: { name: 'pool-a' }, spec: { cidr: '10.67.0.0/16', blockSize: 26 } });
  await adminStore.create({ apiVersion: API_VERSION, kind: 'KubeControllersConfiguration', metadata: { name: 'default' }, spec: { controllers: { node: { leakGracePeriod: '3s' } } } });

  const ipam = new IpamAllocator(adminStore);
  const assign = async (handle: string, host: string, attrs: Record<string, string>): Promise<string> => (await ipam.autoAssign({ handleId: handle, hostname: host, num4: 1, attrs })).ipv4[0]!.split('/')[0]!;
  const pod = async (name: string, nodeName: string, ip: string): Promise<void> => {
    await api.create(PODS, { metadata: { name }, spec: { nodeName, containers: [{ name: 'c', image: 'x' }] } });
    await api.mergePatch(PODS, name, { status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] } }, 'status');
  };
  // web-1 had an address on n1 and now runs on n2 with another one: its n1 address leaks.
  const old = await assign('k8s-pod-network.web-1-old', 'n1', { namespace: 'shop', pod: 'web-1', node: 'n1' });
  await pod('web-1', 'n2', '10.67.200.1');
  // web-2's allocation names n1 but the pod (on n2) reports exactly this address: kept whatever the node says.
  const stale = await assign('k8s-pod-network.web-2', 'n1', { namespace: 'shop', pod: 'web-2', node: 'n1' });
  await pod('web-2', 'n2', stale);
  // No pod attributes: cannot be confirmed or denied, never collected.
  const bare = await assign('no-pod-attributes', 'n1', { node: 'n1' });
  // A live pod on n1.
  const live = await assign('k8s-pod-network.live', 'n1', { namespace: 'shop', pod: 'live', node: 'n1' });
  await pod('live', 'n1', live);
  // n3 is deleted with its pod still on it.
  await assign('k8s-pod-network.db-0', 'n3', { namespace: 'shop', pod: 'db-0', node: 'n3' });
  await pod('db-0', 'n3', '10.67.0.0');
  await api.delete(NODES, 'n3');

  const kubeconfig = f.kubeconfigFor('kube-system', 'gingham-kube-controllers');
  const start = async (id: string): Promise<RunningControllers> => {
    const r = await runControllers(
      { datastoreType: 'kubernetes', identity: id, metricsHost: '127.0.0.1', metricsPort: 0, batchMs: 200 },
      {
        clock: systemClock,
        logger: createLogger({ levels: 'warn' }),
        store: storeFor(kubeconfig),
        kube: clientNodeKubePort(kubeconfig),
        election: casElection(clientNodeLeaseStore(kubeconfig, 'kube-system', LEASE), systemClock, { leaseDurationMs: 2000, renewDeadlineMs: 1300, retryPeriodMs: 250 }),
      },
    );
    replicas.push(r);
    return r;
  };
  const { leader, identity, bothLed, stopSampling, failOver } = await twoReplicas(start);
  try {
    const tLead = Date.now();
    const lease = (await api.get({ group: 'coordination.k8s.io', version: 'v1', plural: 'leases', namespace: 'kube-system' }, LEASE)) as { spec?: { holderIdentity?: string } };
    expect(lease.spec?.holderIdentity).toBe(identity);

    // The deleted node: its address and its block go at once.
    await waitFor("the deleted node's address released", async () => (await ipam.ipsByHandle('k8s-pod-network.db-0')).length === 0);
    await waitFor("the deleted node's block released", async () => !(await listBlocks(adminStore)).some((blk) => blk.spec.affinity === 'host:n3'));
    // The rescheduled pod's old address: a candidate first, released after the grace period (3 s).
    await waitFor("web-1's old address released", async () => (await ipam.ipsByHandle('k8s-pod-network.web-1-old')).length === 0);
    expect(Date.now() - tLead).toBeGreaterThanOrEqual(3_000);
    await leader.runPass();
    expect(await ipam.ipsByHandle('k8s-pod-network.web-2')).toEqual([stale]);
    expect(await ipam.ipsByHandle('no-pod-attributes')).toEqual([bare]);
    expect(await ipam.ipsByHandle('k8s-pod-network.live')).toEqual([live]);
    expect(old).not.toBe(stale);

    // Fail-over through the Lease.
    await failOver();
    expect(bothLed()).toBe(0);
  } finally {
    stopSampling();
  }
}, 90_000);

test('automatic route reflectors in Kubernetes mode under RBAC: two chosen among Ready nodes, a NotReady one replaced', async () => {
  const f = fx;
  const api = admin;
  if (f === undefined || api === undefined) throw new Error('the GC test above starts the fixture');
  const adminStore = storeFor(f.kubeconfig);
  await api.create(NODES, { metadata: { name: 'n4' } });
  await api.mergePatch(NODES, 'n4', { status: { conditions: [{ type: 'Ready', status: 'True' }] } }, 'status');
  for (const [i, n] of ['n1', 'n2', 'n4'].entries()) {
    const cur = await adminStore.get<CalicoNode>('Node', n);
    await adminStore.update({ ...cur, spec: { ...cur.spec, bgp: { ipv4Address: `192.0.2.${i + 1}/24` } } });
  }
  const kubeconfig = f.kubeconfigFor('kube-system', 'gingham-kube-controllers');
  const r = await runControllers(
    { datastoreType: 'kubernetes', identity: 'rr', metricsHost: '127.0.0.1', metricsPort: 0, batchMs: 200, env: { ENABLED_CONTROLLERS: 'routereflector', ROUTE_REFLECTORS_ENABLED: 'true', ROUTE_REFLECTORS_PER_ZONE: '2' } },
    { clock: systemClock, logger: createLogger({ levels: 'warn' }), store: storeFor(kubeconfig), kube: clientNodeKubePort(kubeconfig) },
  );
  replicas.push(r);
  const reflectors = async (): Promise<string[]> =>
    (await adminStore.list<CalicoNode>('Node')).items.filter((n) => n.metadata.labels?.['route-reflector'] === 'true' && n.spec?.bgp?.routeReflectorClusterID === '244.0.0.1').map((n) => n.metadata.name).sort();
  await waitFor('two reflectors', async () => (await reflectors()).join(',') === 'n1,n2');
  expect((await adminStore.get<BGPConfiguration>('BGPConfiguration', 'default')).spec?.nodeToNodeMeshEnabled).toBe(false);
  expect((await adminStore.get('BGPPeer', 'gingham-route-reflectors')).spec).toEqual({ nodeSelector: 'all()', peerSelector: "route-reflector == 'true'" });
  // The Kubernetes label set is untouched: the reflector label is a Calico label (projectcalico.org/labels).
  expect((await api.get(NODES, 'n1')).metadata?.labels?.['route-reflector']).toBeUndefined();

  await api.mergePatch(NODES, 'n2', { status: { conditions: [{ type: 'Ready', status: 'False' }] } }, 'status');
  await r.runPass(); // Node status changes reach the controllers at their next pass (they watch Calico objects, list Nodes)
  await waitFor('n2 replaced by n4', async () => (await reflectors()).join(',') === 'n1,n4');
  expect((await adminStore.get<CalicoNode>('Node', 'n2')).spec?.bgp?.routeReflectorClusterID).toBeUndefined();
}, 60_000);
