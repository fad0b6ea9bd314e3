// Table-driven tests of the node agent's pure calculation: resources and best paths in; peers, exports and the
// dataplane's desired state out (the routes of the best paths from BgpRoutes, as the agent keeps them).
import type { StoredResource } from '../../datastore';
import { computeNode, type NodeCalcInput, type NodeCalcOutput, type NodeResources } from './node-calc';
import { BgpRoutes, type BestPathHops } from './bgp-routes';
import type { Route } from '../../netlink/netlink';

const v3 = <T extends StoredResource>(kind: string, name: string, spec: unknown, extra: Partial<StoredResource['metadata']> = {}): T =>
  ({ apiVersion: 'projectcalico.org/v3', kind, metadata: { name, ...extra }, spec }) as unknown as T;

const NODES = [
  v3('Node', 'n1', { bgp: { ipv4Address: '10.0.0.1/24', ipv4IPIPTunnelAddr: '10.244.0.1' } }),
  v3('Node', 'n2', { bgp: { ipv4Address: '10.0.0.2/24' }, ipv4VXLANTunnelAddr: '10.244.1.0', vxlanTunnelMACAddr: '66:00:00:00:00:02' }),
];
const pool = (spec: Record<string, unknown>): StoredResource => v3('IPPool', 'p', { cidr: '10.244.0.0/16', blockSize: 24, ipipMode: 'Never', vxlanMode: 'Never', ...spec });
const BLOCKS = [
  v3('IPAMBlock', 'b1', { cidr: '10.244.0.0/24', affinity: 'host:n1' }),
  v3('IPAMBlock', 'b2', { cidr: '10.244.1.0/24', affinity: 'host:n2' }),
];
const WEPS = [
  v3('WorkloadEndpoint', 'w1', { node: 'n1', interfaceName: 'cali1', ipNetworks: ['10.244.0.5/32'] }, { namespace: 'default' }),
  v3('WorkloadEndpoint', 'w-borrowed', { node: 'n1', interfaceName: 'cali2', ipNetworks: ['10.244.1.9/32'] }, { namespace: 'default' }),
  v3('WorkloadEndpoint', 'w2', { node: 'n2', interfaceName: 'cali3', ipNetworks: ['10.244.1.5/32'] }, { namespace: 'default' }),
];

type Input = NodeCalcInput & { readonly bestPaths: ReadonlyMap<string, BestPathHops> };
type Output = NodeCalcOutput & { readonly allRoutes: readonly Route[] };

function input(over: Partial<NodeResources> = {}, bestPaths: Record<string, BestPathHops> = {}): Input {
  return {
    nodeName: 'n1',
    parentInterface: 'eth0',
    hostMtu: 1500,
    resources: { nodes: NODES, bgpPeers: [], bgpConfigs: [], bgpFilters: [], pools: [pool({})], blocks: BLOCKS, workloads: WEPS, ...over } as NodeResources,
    bestPaths: new Map(Object.entries(bestPaths)),
  };
}

/** computeNode, plus the routes of the best paths as the agent merges them (the resources' routes win per key). */
function calc(i: Input): Output {
  const o = computeNode(i);
  const bgp = new BgpRoutes();
  bgp.update(o.bgpRoutes, i.bestPaths, 'all');
  const byDst = new Map<string, Route>();
  for (const k of bgp.routes.keys()) {
    const r = bgp.routes.get(k) as Route;
    byDst.set(r.dst, r);
  }
  for (const r of o.dataplane.routes) byDst.set(r.dst, r);
  return { ...o, problems: [...o.problems, ...bgp.problems()], allRoutes: [...byDst.values()].sort((a, b) => (a.dst < b.dst ? -1 : a.dst > b.dst ? 1 : 0)) };
}

const exportsOf = (o: NodeCalcOutput): string[] => o.exports.map((r) => `${r.prefix.address}/${r.prefix.length}`);
const routesOf = (o: Output): string[] =>
  o.allRoutes.map((r) => `${r.type === 'blackhole' ? 'blackhole ' : ''}${r.dst}${r.gateway ? ` via ${r.gateway}` : ''}${r.linkName ? ` dev ${r.linkName}` : ''}`);

describe('computeNode', () => {
  const cases: Array<{ name: string; in: Input; check: (o: Output) => void }> = [
    {
      name: 'full mesh: one IPv4 session to the other node, with the defaults',
      in: input(),
      check: (o) => {
        expect([...o.speakerPeers.keys()]).toEqual(['10.0.0.2']);
        const pc = o.speakerPeers.get('10.0.0.2')!;
        expect(pc).toMatchObject({ families: ['ipv4'], holdTime: 90, connectRetryTime: 5, asn: 64512, localAsn: 64512, routerId: '10.0.0.1', passive: false });
        expect(pc.gracefulRestart?.restartTime).toBe(120);
        expect(o.problems).toEqual([]);
      },
    },
    {
      name: 'exports: own block and a borrowed workload /32, not another node\'s workload, nothing from a pool without BGP export',
      in: input(),
      check: (o) => expect(exportsOf(o)).toEqual(['10.244.0.0/24', '10.244.1.9/32']),
    },
    {
      name: 'a disabled pool (no new allocations) keeps its exports, routes and NAT outgoing',
      in: input({ pools: [pool({ disabled: true, natOutgoing: true })] as NodeResources['pools'] }),
      check: (o) => {
        const enabled = calc(input({ pools: [pool({ natOutgoing: true })] as NodeResources['pools'] }));
        expect(exportsOf(o)).toEqual(['10.244.0.0/24', '10.244.1.9/32']);
        expect(routesOf(o)).toEqual(routesOf(enabled));
        expect(o.dataplane).toEqual(enabled.dataplane);
      },
    },
    {
      name: 'exports: a pool with disableBGPExport exports nothing',
      in: input({ pools: [pool({ disableBGPExport: true })] as NodeResources['pools'] }),
      check: (o) => expect(exportsOf(o)).toEqual([]),
    },
    {
      name: 'service ranges are exported (IPv4 only) and best paths inside them are not routed',
      in: input({ bgpConfigs: [v3('BGPConfiguration', 'default', { serviceClusterIPs: [{ cidr: '10.96.0.0/12' }, { cidr: 'fd00::/108' }] })] }, { '10.96.0.0/12': { family: 'ipv4', nextHops: ['10.0.0.2'] } }),
      check: (o) => {
        expect(exportsOf(o)).toEqual(['10.244.0.0/24', '10.244.1.9/32', '10.96.0.0/12']);
        expect(routesOf(o).some((r) => r.startsWith('10.96.'))).toBe(false);
      },
    },
    {
      name: 'best paths: IPv4 routed through the parent interface, IPv6 ignored',
      in: input({}, { '10.244.1.0/24': { family: 'ipv4', nextHops: ['10.0.0.2'] }, 'fd00:1::/64': { family: 'ipv6', nextHops: ['fd00::2'] } }),
      check: (o) => expect(routesOf(o)).toEqual(['blackhole 10.244.0.0/24', '10.244.0.5/32 dev cali1', '10.244.1.0/24 via 10.0.0.2 dev eth0', '10.244.1.9/32 dev cali2']),
    },
    {
      name: 'IPIP Always: tunl0 with the node\'s tunnel address and MTU 1480, pod MTU 1480',
      in: input({ pools: [pool({ ipipMode: 'Always' })] as NodeResources['pools'] }, { '10.244.1.0/24': { family: 'ipv4', nextHops: ['10.0.0.2'] } }),
      check: (o) => {
        expect(o.dataplane.ipip).toEqual({ tunnelAddress: '10.244.0.1', mtu: 1480 });
        expect(o.dataplane.vxlan).toBeUndefined();
        expect(o.podMtu).toBe(1480);
        expect(routesOf(o)).toContain('10.244.1.0/24 via 10.0.0.2 dev tunl0');
      },
    },
    {
      name: 'VXLAN: vxlan.calico on the parent with MTU 1450, the remote VTEP\'s ARP and FDB entries, pod MTU 1450',
      in: input({ pools: [pool({ vxlanMode: 'Always' })] as NodeResources['pools'] }),
      check: (o) => {
        expect(o.dataplane.ipip).toBeUndefined();
        expect(o.dataplane.vxlan?.device).toMatchObject({ parent: 'eth0', localAddress: '10.0.0.1', mtu: 1450 });
        expect(o.dataplane.vxlan?.neighbours).toEqual([{ ip: '10.244.1.0', mac: '66:00:00:00:00:02', linkName: 'vxlan.calico' }]);
        expect(o.dataplane.vxlan?.fdb).toEqual([{ mac: '66:00:00:00:00:02', dst: '10.0.0.2', linkName: 'vxlan.calico' }]);
        expect(o.podMtu).toBe(1450);
        expect(routesOf(o)).toContain('10.244.1.0/24 via 10.244.1.0 dev vxlan.calico');
      },
    },
    {
      name: 'NAT outgoing reads every pool',
      in: input({ pools: [pool({ natOutgoing: true })] as NodeResources['pools'] }),
      check: (o) => expect(o.dataplane.natPools).toEqual([{ cidr: '10.244.0.0/16', natOutgoing: true }]),
    },
    {
      name: 'a BGPPeer naming a missing BGPFilter: the session starts without it, and the problem is keyed by peer and filter',
      in: input({
        bgpConfigs: [v3('BGPConfiguration', 'default', { nodeToNodeMeshEnabled: false })],
        bgpPeers: [v3('BGPPeer', 'all', { nodeSelector: 'all()', peerSelector: 'all()', filters: ['f1', 'missing'] })],
        bgpFilters: [v3('BGPFilter', 'f1', { exportV4: [{ action: 'Reject', matchOperator: 'Equal', cidr: '10.244.0.0/24' }] })],
      }),
      check: (o) => {
        expect(o.speakerPeers.get('10.0.0.2')?.filters?.exportV4).toEqual([
          { action: 'reject', match: { prefix: { prefix: { family: 'ipv4', address: '10.244.0.0', length: 24 }, operator: 'equal' } } },
        ]);
        expect(o.problems.map((p) => p.key)).toEqual(['no-filter 10.0.0.2 missing']);
      },
    },
    {
      name: 'a node without an address has no BGP: no peers, no exports, one problem',
      in: { ...input(), nodeName: 'n3', resources: { ...input().resources, nodes: [...NODES, v3('Node', 'n3', {})] } as NodeResources },
      check: (o) => {
        expect(o.peering.local).toBeUndefined();
        expect(o.speakerPeers.size).toBe(0);
        expect(o.exports).toEqual([]);
        expect(o.problems.map((p) => p.key)).toEqual(['no-bgp']);
      },
    },
  ];
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => c.check(calc(c.in)));

  it('is deterministic: the same input gives the same output', () => {
    const i = input({}, { '10.244.1.0/24': { family: 'ipv4', nextHops: ['10.0.0.2'] } });
    // The BGP routes' input holds parsed CIDRs (bigints): compared by its key.
    const text = (o: Output): string => JSON.stringify({ ...o, bgpRoutes: o.bgpRoutes.key });
    expect(text(calc(i))).toEqual(text(calc(i)));
  });
});
