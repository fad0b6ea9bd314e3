import { describeRoute } from '../netlink/netlink';
import { calculateDataplane, type CalcPool, type DataplaneInput } from './calc-routes';
import { vxlanMacForNode } from './vxlan-mac';

// The tutorial's cluster: master1, node1, node2 on 10.0.0.0/24, pod pool 10.244.0.0/16 in /24 blocks; node3 sits on
// another subnet (10.0.1.0/24) for the CrossSubnet cases.
const NODES = [
  { name: 'master1', ipv4Address: '10.0.0.12/24', ipv4VXLANTunnelAddr: '10.244.0.0' },
  { name: 'node1', ipv4Address: '10.0.0.15/24', ipv4VXLANTunnelAddr: '10.244.1.0' },
  { name: 'node2', ipv4Address: '10.0.0.16/24', ipv4VXLANTunnelAddr: '10.244.2.0', vxlanTunnelMACAddr: '66:00:00:00:00:02' },
  { name: 'node3', ipv4Address: '10.0.1.20/24', ipv4VXLANTunnelAddr: '10.244.3.0' },
];
const BLOCKS = [
  { cidr: '10.244.0.0/24', node: 'master1' },
  { cidr: '10.244.1.0/24', node: 'node1' },
  { cidr: '10.244.2.0/24', node: 'node2' },
  { cidr: '10.244.3.0/24', node: 'node3' },
];
const BGP = [
  { prefix: '10.244.1.0/24', nextHops: ['10.0.0.15'] },
  { prefix: '10.244.2.0/24', nextHops: ['10.0.0.16'] },
  { prefix: '10.244.3.0/24', nextHops: ['10.0.1.20'] },
];

function input(pool: Partial<CalcPool>, extra: Partial<DataplaneInput> = {}): DataplaneInput {
  return {
    nodeName: 'master1',
    nodes: NODES,
    pools: [{ cidr: '10.244.0.0/16', ...pool }],
    blocks: BLOCKS,
    workloads: [{ interfaceName: 'cali1a2b3c4d5e6', ipNetworks: ['10.244.0.2/32'] }],
    bgpRoutes: BGP,
    parentInterface: 'eth0',
    ...extra,
  };
}

function shapes(i: DataplaneInput): string[] {
  return calculateDataplane(i).routes.map(describeRoute);
}

describe('calculateDataplane: routes per pool mode', () => {
  const cases: Array<{ name: string; pool: Partial<CalcPool>; want: string[] }> = [
    {
      name: 'ipipMode Always: every remote block through tunl0 onlink',
      pool: { ipipMode: 'Always' },
      want: [
        '10.244.0.2/32 dev cali1a2b3c4d5e6',
        'blackhole 10.244.0.0/24',
        '10.244.1.0/24 via 10.0.0.15 dev tunl0 onlink',
        '10.244.2.0/24 via 10.0.0.16 dev tunl0 onlink',
        '10.244.3.0/24 via 10.0.1.20 dev tunl0 onlink',
      ],
    },
    {
      name: 'ipipMode CrossSubnet: same subnet direct, the other subnet through the tunnel',
      pool: { ipipMode: 'CrossSubnet' },
      want: [
        '10.244.0.2/32 dev cali1a2b3c4d5e6',
        'blackhole 10.244.0.0/24',
        '10.244.1.0/24 via 10.0.0.15 dev eth0',
        '10.244.2.0/24 via 10.0.0.16 dev eth0',
        '10.244.3.0/24 via 10.0.1.20 dev tunl0 onlink',
      ],
    },
    {
      name: 'vxlanMode Always: BGP ignored, blocks through vxlan.calico via the VTEP addresses',
      pool: { vxlanMode: 'Always' },
      want: [
        '10.244.0.2/32 dev cali1a2b3c4d5e6',
        'blackhole 10.244.0.0/24',
        '10.244.1.0/24 via 10.244.1.0 dev vxlan.calico onlink',
        '10.244.2.0/24 via 10.244.2.0 dev vxlan.calico onlink',
        '10.244.3.0/24 via 10.244.3.0 dev vxlan.calico onlink',
      ],
    },
    {
      name: 'vxlanMode CrossSubnet: same subnet direct, the other through vxlan.calico',
      pool: { vxlanMode: 'CrossSubnet' },
      want: [
        '10.244.0.2/32 dev cali1a2b3c4d5e6',
        'blackhole 10.244.0.0/24',
        '10.244.1.0/24 via 10.0.0.15 dev eth0',
        '10.244.2.0/24 via 10.0.0.16 dev eth0',
        '10.244.3.0/24 via 10.244.3.0 dev vxlan.calico onlink',
      ],
    },
  ];
  it.each(cases)('$name', ({ pool, want }) => {
    expect(shapes(input(pool)).sort()).toEqual([...want].sort());
  });

  it('no encapsulation: same-subnet blocks direct; an unreachable next hop is a reported problem, not a route', () => {
    const out = calculateDataplane(input({}));
    expect(out.routes.map(describeRoute).sort()).toEqual(
      ['10.244.0.2/32 dev cali1a2b3c4d5e6', 'blackhole 10.244.0.0/24', '10.244.1.0/24 via 10.0.0.15 dev eth0', '10.244.2.0/24 via 10.0.0.16 dev eth0'].sort(),
    );
    expect(out.problems).toEqual([{ prefix: '10.244.3.0/24', reason: "next hop 10.0.1.20 is not on this node's subnet 10.0.0.0/24 and pool mode is Never" }]);
    expect(out).toMatchObject({ needsIpip: false, needsVxlan: false });
  });

  it('equal-cost paths become one multipath route; a /32 borrowed from our block by another node is routed to it', () => {
    const out = calculateDataplane(
      input(
        { ipipMode: 'Always' },
        {
          bgpRoutes: [
            { prefix: '10.244.1.0/24', nextHops: ['10.0.0.16', '10.0.0.15'] },
            { prefix: '10.244.0.77/32', nextHops: ['10.0.0.16'] },
            { prefix: '10.244.0.0/24', nextHops: ['10.0.0.15'] },
          ],
        },
      ),
    );
    expect(out.routes.map(describeRoute)).toEqual([
      'blackhole 10.244.0.0/24',
      '10.244.0.2/32 dev cali1a2b3c4d5e6',
      '10.244.0.77/32 via 10.0.0.16 dev tunl0 onlink',
      '10.244.1.0/24 nexthop via 10.0.0.15 dev tunl0 onlink nexthop via 10.0.0.16 dev tunl0 onlink',
    ]);
  });

  it('VXLAN neighbours and FDB entries per remote VTEP, with the derived MAC unless the Node sets one', () => {
    const out = calculateDataplane(input({ vxlanMode: 'Always' }));
    expect(out.needsVxlan).toBe(true);
    expect(out.vxlanNeighbours).toEqual([
      { ip: '10.244.1.0', mac: vxlanMacForNode('node1'), linkName: 'vxlan.calico' },
      { ip: '10.244.2.0', mac: '66:00:00:00:00:02', linkName: 'vxlan.calico' },
      { ip: '10.244.3.0', mac: vxlanMacForNode('node3'), linkName: 'vxlan.calico' },
    ]);
    expect(out.vxlanFdb.map((f) => `${f.mac} -> ${f.dst}`)).toEqual([`${vxlanMacForNode('node1')} -> 10.0.0.15`, '66:00:00:00:00:02 -> 10.0.0.16', `${vxlanMacForNode('node3')} -> 10.0.1.20`]);
  });

  it('a route outside every pool goes direct, not through the pool\'s tunnel', () => {
    const out = calculateDataplane(input({ ipipMode: 'Always' }, { bgpRoutes: [{ prefix: '10.96.0.0/12', nextHops: ['10.0.0.15'] }] }));
    expect(out.routes.map(describeRoute)).toContain('10.96.0.0/12 via 10.0.0.15 dev eth0');
  });
});

describe('vxlanMacForNode', () => {
  it('is deterministic, locally administered and unicast, and differs per name and family', () => {
    const mac = vxlanMacForNode('node1');
    expect(mac).toMatch(/^66(:[0-9a-f]{2}){5}$/);
    expect(vxlanMacForNode('node1')).toBe(mac);
    expect(vxlanMacForNode('node2')).not.toBe(mac);
    expect(vxlanMacForNode('node1', 6)).not.toBe(mac);
  });
});
