// The controllers against a real etcd: two replicas of runControllers (each with its own etcd client, as two pods
// would have) elect one leader through an etcd lease; the leader releases a leaked address once the (short) grace
// period has passed, keeps a valid one, deletes the Calico Node whose Kubernetes Node is gone and releases that node's
// addresses and block, copies Node labels and writes the Namespace's profile; when the leader stops, the other replica takes over. At no sampled moment do both lead.
// The Kubernetes API is the controllers' port with a fake behind it (the API server is not what is tested here).
import { decodeNamespace } from '../../src/api/k8s';
import { API_VERSION, CALICO_V3_ROOT, type Datastore } from '../../src/datastore';
import { EtcdDatastore } from '../../src/datastore/etcd/etcd-datastore';
import { runControllers, type RunningControllers } from '../../src/controllers/run';
import { FakeKube } from '../../src/controllers/testing/fake-kube';
import { IpamAllocator, listBlocks } from '../../src/ipam';
import { systemClock } from '../../src/lib/clock';
import { createLogger } from '../../src/lib/logger';
import { startEtcd, type EtcdServer } from '../lib/etcd';
import { describeIf, requireTools } from '../lib/tools';
import { twoReplicas, waitFor } from './replicas';

const ok = requireTools('controllers on etcd', ['etcd', 'etcdctl']);
const root = `/gingham-e2e-controllers/${process.pid}${CALICO_V3_ROOT}`;

let etcd: EtcdServer | undefined;
const stores: EtcdDatastore[] = [];
const replicas: RunningControllers[] = [];

const node = (name: string): Parameters<Datastore['create']>[0] => ({ apiVersion: API_VERSION, kind: 'Node', metadata: { name }, spec: { orchRefs: [{ orchestrator: 'k8s', nodeName: name }] } });

describeIf(ok)('gingham controllers on a real etcd', () => {
  beforeAll(async () => {
    etcd = await startEtcd();
  }, 60_000);

  afterAll(async () => {
    for (const r of replicas.splice(0)) await r.stop().catch(() => undefined);
    for (const s of stores.splice(0)) await s.close();
    await etcd?.stop();
  });

  test('one leader of two; leak released after the grace period, valid kept, deleted node cleaned up; fail-over', async () => {
    const open = (): EtcdDatastore => {
      const s = new EtcdDatastore({ endpoints: [etcd?.endpoint ?? ''], root });
      stores.push(s);
      return s;
    };
    const admin = open();
    await admin.create({ apiVersion: API_VERSION, kind: 'IPPool', metadata: { name: 'pool-a' }, spec: { cidr: '10.66.0.0/16', blockSize: 26, nodeSelector: 'all()' } });
    await admin.create({ apiVersion: API_VERSION, kind: 'KubeControllersConfiguration', metadata: { name: 'default' }, spec: { controllers: { node: { leakGracePeriod: '3s' }, namespace: { reconcilerPeriod: '5m' } } } });
    await admin.create(node('n1'));
    await admin.create(node('gone'));
    const ipam = new IpamAllocator(admin);
    const live = await ipam.autoAssign({ handleId: 'k8s-pod-network.live', hostname: 'n1', num4: 1, attrs: { namespace: 'default', pod: 'live', node: 'n1' } });
    await ipam.autoAssign({ handleId: 'k8s-pod-network.dead', hostname: 'n1', num4: 1, attrs: { namespace: 'default', pod: 'dead', node: 'n1' } });
    await ipam.autoAssign({ handleId: 'k8s-pod-network.orphan', hostname: 'gone', num4: 1, attrs: { namespace: 'default', pod: 'orphan', node: 'gone' } });
    const liveIp = live.ipv4[0]?.split('/')[0] ?? '';

    const kube = new FakeKube();
    kube.addNode('n1', { zone: 'a' });
    kube.addPod('default', 'live', { nodeName: 'n1', podIPs: [liveIp] });
    kube.policyObjects = { networkPolicies: [], namespaces: [decodeNamespace({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } })], serviceAccounts: [] };

    const start = async (id: string): Promise<RunningControllers> => {
      const store = open();
      const r = await runControllers(
        { datastoreType: 'etcdv3', identity: id, metricsHost: '127.0.0.1', metricsPort: 0, batchMs: 200 },
        { clock: systemClock, logger: createLogger({ levels: 'warn' }), store, kube, election: store.leaseElection('gingham-kube-controllers', 2) },
      );
      replicas.push(r);
      return r;
    };
    const { follower, bothLed, stopSampling, failOver } = await twoReplicas(start);
    try {
      const tLead = Date.now();
      expect(follower.isLeader()).toBe(false);

      // The deleted node goes at once: its Calico Node, its address, its block.
      await waitFor('the Calico Node of the deleted Kubernetes Node deleted', async () => !(await admin.list('Node')).items.some((n) => n.metadata.name === 'gone'));
      await waitFor("the deleted node's address released", async () => (await ipam.ipsByHandle('k8s-pod-network.orphan')).length === 0);
      await waitFor("the deleted node's block released", async () => !(await listBlocks(admin)).some((b) => b.spec.affinity === 'host:gone'));
      // Namespace sync wrote the profile.
      await waitFor('Profile kns.shop', async () => (await admin.list('Profile')).items.some((p) => p.metadata.name === 'kns.shop'));
      // Label sync copied the Kubernetes labels.
      expect((await admin.get('Node', 'n1')).metadata.labels).toEqual({ zone: 'a' });

      // The leak on the live node waits for the grace period (3 s), then goes; the valid one stays.
      await waitFor('the leaked address released', async () => (await ipam.ipsByHandle('k8s-pod-network.dead')).length === 0);
      expect(Date.now() - tLead).toBeGreaterThanOrEqual(3_000);
      expect(await ipam.ipsByHandle('k8s-pod-network.live')).toEqual([liveIp]);

      // Fail-over: the leader stops; the other replica leads.
      await failOver();
      expect(bothLed()).toBe(0);
    } finally {
      stopSampling();
    }
  }, 90_000);
});
