// The kubernetes datastore against the stricter API-server TEST FIXTURE as a real install meets it (issue 14): the
// node agent and the CNI plugin under the project's least-privilege ClusterRoles (charts/gingham/rbac), Node as a
// view of the Kubernetes Node, IPAMBlock sequence numbers as the CRD's int64 integers, hand-set invalid annotations.
// Each test failed before its fix in src/datastore/kubernetes.
import { DatastoreErrorCode, ForbiddenError, isDatastoreError } from '../../src/datastore/errors';
import { createClientNodeApi, loadClientNode } from '../../src/datastore/kubernetes/client-node-api';
import { NODE_ANNOTATIONS } from '../../src/datastore/kubernetes/convert-node';
import { workloadEndpointName } from '../../src/datastore/kubernetes/convert-workload';
import { endpointFromKubeconfig, HttpKubeApi } from '../../src/datastore/kubernetes/http-api';
import { KubernetesDatastore } from '../../src/datastore/kubernetes/kubernetes-datastore';
import type { StoredResource } from '../../src/datastore/types';
import { startKubeFixture, type KubeFixture } from '../k8s-fixture/server';

const NODES = { group: '', version: 'v1', plural: 'nodes' };

beforeAll(() => {
  loadClientNode();
}, 180_000);

for (const client of ['client-node', 'http'] as const) {
  describe(`kubernetes datastore on a strict API server (${client} client)`, () => {
    let fx: KubeFixture;
    let admin: HttpKubeApi;
    const stores: KubernetesDatastore[] = [];
    const storeFor = (kubeconfig: string): KubernetesDatastore => {
      const api = client === 'client-node' ? createClientNodeApi(kubeconfig) : new HttpKubeApi(endpointFromKubeconfig(kubeconfig));
      const s = new KubernetesDatastore({ api, retryDelaysMs: [20, 50] });
      stores.push(s);
      return s;
    };
    const nodeAgent = (): KubernetesDatastore => storeFor(fx.kubeconfigFor('kube-system', 'gingham-node'));
    const cniPlugin = (): KubernetesDatastore => storeFor(fx.kubeconfigFor('kube-system', 'gingham-cni-plugin'));

    beforeEach(async () => {
      fx = await startKubeFixture();
      admin = new HttpKubeApi(endpointFromKubeconfig(fx.kubeconfig));
      await admin.create(NODES, { metadata: { name: 'node-1', labels: { 'kubernetes.io/hostname': 'node-1' } }, spec: { podCIDRs: ['10.244.0.0/24'] } });
    });
    afterEach(async () => {
      for (const s of stores.splice(0)) await s.close();
      admin.close();
      await fx.close();
    });

    it('the node agent updates its Node through nodes/status under the gingham-node ClusterRole (defect 1)', async () => {
      const store = nodeAgent();
      const node = await store.get('Node', 'node-1');
      const updated = await store.update({ ...node, spec: { ...(node.spec as object), bgp: { ipv4Address: '192.0.2.1/24', asNumber: 64512 } } });
      expect((updated.spec as { bgp?: unknown }).bgp).toEqual({ ipv4Address: '192.0.2.1/24', asNumber: 64512 });
      expect(fx.requests).toContain('PUT /api/v1/nodes/node-1/status');
      // The status strategy kept the Kubernetes Node's spec.
      expect((await admin.get(NODES, 'node-1')).spec).toEqual({ podCIDRs: ['10.244.0.0/24'] });
    });

    it('the CNI plugin writes a WorkloadEndpoint through pods/status under the gingham-cni-plugin ClusterRole (defect 1)', async () => {
      await admin.create({ group: '', version: 'v1', plural: 'namespaces' }, { metadata: { name: 'web' } });
      await admin.create({ group: '', version: 'v1', plural: 'pods', namespace: 'web' }, { metadata: { name: 'front-end' }, spec: { nodeName: 'node-1', containers: [{ name: 'c' }] } });
      const store = cniPlugin();
      const name = workloadEndpointName('node-1', 'front-end');
      const wep: StoredResource = {
        apiVersion: 'projectcalico.org/v3',
        kind: 'WorkloadEndpoint',
        metadata: { name, namespace: 'web' },
        spec: { orchestrator: 'k8s', node: 'node-1', pod: 'front-end', endpoint: 'eth0', interfaceName: 'cali0123456789a', ipNetworks: ['10.244.0.5/32'] },
      };
      const created = await store.create(wep);
      expect((created.spec as { ipNetworks?: string[] }).ipNetworks).toEqual(['10.244.0.5/32']);
      expect(fx.requests.some((r) => r.startsWith('PATCH /api/v1/namespaces/web/pods/front-end/status'))).toBe(true);
    });

    it('a 403 is a ForbiddenError naming the verb and the resource (defect 8)', async () => {
      const store = cniPlugin();
      const node = await store.get('Node', 'node-1');
      const err = await store.update({ ...node, spec: { bgp: { ipv4Address: '192.0.2.1/24' } } }).catch((e: unknown) => e);
      expect(isDatastoreError(err, DatastoreErrorCode.Forbidden)).toBe(true);
      expect(err).toBeInstanceOf(ForbiddenError);
      expect((err as ForbiddenError).verb).toBe('update');
      expect((err as ForbiddenError).resource).toBe('nodes/status');
      expect((err as Error).message).toMatch(/update nodes\/status/);
      const listErr = await store.list('GlobalNetworkPolicy').catch((e: unknown) => e);
      expect(listErr).toBeInstanceOf(ForbiddenError);
      expect((listErr as ForbiddenError).verb).toBe('list');
      expect((listErr as ForbiddenError).resource).toBe('globalnetworkpolicies.crd.projectcalico.org');
    });

    it('refuses to create or delete a Node in Kubernetes mode and leaves the Kubernetes Node alone (defect 3)', async () => {
      const store = storeFor(fx.kubeconfig);
      const typo: StoredResource = { apiVersion: 'projectcalico.org/v3', kind: 'Node', metadata: { name: 'node-l' }, spec: {} };
      const created = await store.create(typo).catch((e: unknown) => e);
      expect(isDatastoreError(created, DatastoreErrorCode.NotSupported)).toBe(true);
      expect((created as Error).message).toMatch(/Node node-l: create is not supported/);
      const deleted = await store.delete('Node', 'node-1').catch((e: unknown) => e);
      expect(isDatastoreError(deleted, DatastoreErrorCode.NotSupported)).toBe(true);
      expect((await admin.get(NODES, 'node-1')).metadata.name).toBe('node-1');
      expect(fx.requests.filter((r) => r.startsWith('POST /api/v1/nodes') || r.startsWith('DELETE /api/v1/nodes'))).toEqual(['POST /api/v1/nodes']);
    });

    it('ignores invalid hand-set projectcalico.org annotations on read, and they never block an edit (defect 7)', async () => {
      const k = await admin.get(NODES, 'node-1');
      k.metadata.annotations = {
        [NODE_ANNOTATIONS.ipv4Address]: 'not-an-address',
        [NODE_ANNOTATIONS.asNumber]: 'sixty-four',
        [NODE_ANNOTATIONS.vxlanTunnelMACAddr]: 'zz:zz',
        [NODE_ANNOTATIONS.ipv4IPIPTunnelAddr]: '10.244.0.1',
      };
      await admin.replace(NODES, 'node-1', k);
      const store = storeFor(fx.kubeconfig);
      const node = await store.get('Node', 'node-1');
      expect(node.spec).toMatchObject({ bgp: { ipv4IPIPTunnelAddr: '10.244.0.1' } });
      expect((node.spec as { bgp?: Record<string, unknown> }).bgp).not.toHaveProperty('ipv4Address');
      expect(node.spec).not.toHaveProperty('vxlanTunnelMACAddr');
      const edited = await store.update({ ...node, metadata: { ...node.metadata, labels: { ...node.metadata.labels, rack: 'r1' } } });
      expect(edited.metadata.labels).toMatchObject({ rack: 'r1' });
      // The write-back rewrote the Calico annotations from the valid view: the invalid values are gone.
      const after = (await admin.get(NODES, 'node-1')).metadata.annotations ?? {};
      expect(after[NODE_ANNOTATIONS.ipv4Address]).toBeUndefined();
      expect(after[NODE_ANNOTATIONS.asNumber]).toBeUndefined();
    });

    it('writes IPAMBlock sequence numbers as int64 integers, which the CRD schema requires (defect 2)', async () => {
      const store = storeFor(fx.kubeconfig);
      const block: StoredResource = {
        apiVersion: 'projectcalico.org/v3',
        kind: 'IPAMBlock',
        metadata: { name: '10-244-0-0-26' },
        spec: {
          cidr: '10.244.0.0/26',
          affinity: 'host:node-1',
          strictAffinity: false,
          allocations: [0, ...Array<null>(63).fill(null)],
          unallocated: Array.from({ length: 63 }, (_, i) => i + 1),
          attributes: [{ handle_id: 'h1', secondary: {} }],
          sequenceNumber: '1764990000000000',
          sequenceNumberForAllocation: { '0': '1764990000000000' },
          deleted: false,
        },
      };
      await store.create(block);
      const cr = await admin.get({ group: 'crd.projectcalico.org', version: 'v1', plural: 'ipamblocks' }, '10-244-0-0-26');
      expect((cr.spec as { sequenceNumber?: unknown }).sequenceNumber).toBe(1764990000000000);
      expect((cr.spec as { sequenceNumberForAllocation?: unknown }).sequenceNumberForAllocation).toEqual({ '0': 1764990000000000 });
      // What the server refuses: a string where the CRD says integer.
      const raw = await admin
        .create({ group: 'crd.projectcalico.org', version: 'v1', plural: 'ipamblocks' }, { metadata: { name: 'x' }, spec: { ...(cr.spec as object), sequenceNumber: '5' } })
        .catch((e: unknown) => e);
      expect((raw as Error).message).toMatch(/spec.sequenceNumber in body must be of type integer/);
    });
  });
}
