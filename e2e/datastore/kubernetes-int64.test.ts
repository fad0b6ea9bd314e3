// IPAMBlock sequence numbers as Calico writes them in Kubernetes mode: nanoseconds from the clock (libcalico-go
// ipam_block.go newBlock, UnixNano), integers beyond 2^53 that JSON.parse rounds. Against the strict API-server TEST
// FIXTURE (which keeps them exactly, as kube-apiserver does), both Kubernetes clients read them exactly, a release
// guarded by a Calico-written sequence number succeeds, and the bumped number is written back as an int64 integer.
import { int64Literal } from '../../src/datastore/kubernetes/int64-json';
import { createClientNodeApi, loadClientNode } from '../../src/datastore/kubernetes/client-node-api';
import { endpointFromKubeconfig, HttpKubeApi } from '../../src/datastore/kubernetes/http-api';
import { KubernetesDatastore } from '../../src/datastore/kubernetes/kubernetes-datastore';
import { IpamAllocator } from '../../src/ipam';
import { startKubeFixture, type KubeFixture } from '../k8s-fixture/server';

const BLOCKS = { group: 'crd.projectcalico.org', version: 'v1', plural: 'ipamblocks' };
const HANDLES = { group: 'crd.projectcalico.org', version: 'v1', plural: 'ipamhandles' };
const NODES = { group: '', version: 'v1', plural: 'nodes' };
const SEQ = 1733475600123456789n;

beforeAll(() => {
  loadClientNode();
}, 180_000);

for (const client of ['client-node', 'http'] as const) {
  describe(`Calico's nanosecond sequence numbers (${client} client)`, () => {
    let fx: KubeFixture;
    let admin: HttpKubeApi;
    let store: KubernetesDatastore;

    beforeEach(async () => {
      fx = await startKubeFixture();
      admin = new HttpKubeApi(endpointFromKubeconfig(fx.kubeconfig));
      await admin.create(NODES, { metadata: { name: 'node-1' } });
      // The block and handle exactly as Calico v3.30 stores them (bare int64 integers on the wire).
      await admin.create(BLOCKS, {
        apiVersion: 'crd.projectcalico.org/v1',
        kind: 'IPAMBlock',
        metadata: { name: '10-244-1-0-26' },
        spec: {
          cidr: '10.244.1.0/26',
          affinity: 'host:node-1',
          strictAffinity: false,
          allocations: [0, ...Array<null>(63).fill(null)],
          unallocated: Array.from({ length: 63 }, (_, i) => i + 1),
          attributes: [{ handle_id: 'ipip-tunnel-addr-node-1', secondary: { node: 'node-1', type: 'ipipTunnelAddress' } }],
          sequenceNumber: int64Literal(String(SEQ + 1n)),
          sequenceNumberForAllocation: { '0': int64Literal(String(SEQ)) },
          deleted: false,
        },
      });
      await admin.create(HANDLES, { apiVersion: 'crd.projectcalico.org/v1', kind: 'IPAMHandle', metadata: { name: 'ipip-tunnel-addr-node-1' }, spec: { handleID: 'ipip-tunnel-addr-node-1', block: { '10.244.1.0/26': 1 }, deleted: false } });
      const api = client === 'client-node' ? createClientNodeApi(fx.kubeconfig) : new HttpKubeApi(endpointFromKubeconfig(fx.kubeconfig));
      store = new KubernetesDatastore({ api, retryDelaysMs: [20, 50] });
    });
    afterEach(async () => {
      await store.close();
      admin.close();
      await fx.close();
    });

    it('reads them exactly and releases with the Calico-written sequence number as the guard', async () => {
      const block = await store.get('IPAMBlock', '10-244-1-0-26');
      expect((block.spec as { sequenceNumber: unknown }).sequenceNumber).toBe(String(SEQ + 1n));
      expect((block.spec as { sequenceNumberForAllocation: unknown }).sequenceNumberForAllocation).toEqual({ '0': String(SEQ) });

      const ipam = new IpamAllocator(store);
      const attrs = await ipam.getAssignmentAttributes('10.244.1.0');
      expect(attrs?.sequenceNumber).toBe(String(SEQ));
      const r = await ipam.releaseIps([{ ip: '10.244.1.0', handleId: 'ipip-tunnel-addr-node-1', sequenceNumber: attrs?.sequenceNumber ?? '' }]);
      expect(r.released).toEqual(['10.244.1.0']);
      expect(r.mismatched).toEqual([]);

      // Written back as the CRD's int64 integer, one more than before, not rounded.
      const cr = await admin.get(BLOCKS, '10-244-1-0-26');
      expect((cr.spec as { sequenceNumber: unknown }).sequenceNumber).toBe(String(SEQ + 2n));
      expect(fx.store.get(fx.store.findType('crd.projectcalico.org', 'v1', 'ipamblocks')!, undefined, '10-244-1-0-26').spec).toMatchObject({ sequenceNumber: int64Literal(String(SEQ + 2n)) });
    });

    it('a release with a different sequence number is refused (the guard still guards)', async () => {
      const ipam = new IpamAllocator(store);
      const r = await ipam.releaseIps([{ ip: '10.244.1.0', handleId: 'ipip-tunnel-addr-node-1', sequenceNumber: String(SEQ + 1n) }]);
      expect(r.released).toEqual([]);
      expect(r.mismatched).toEqual(['10.244.1.0']);
    });
  });
}
