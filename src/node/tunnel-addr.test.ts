import type { IPPool } from '../api/kind-ippool';
import type { CalicoNode } from '../api/kind-node';
import { MemoryDatastore } from '../datastore/memory/memory-datastore';
import { IpamAllocator } from '../ipam';
import { ensureTunnelAddress, tunnelPools } from './tunnel-addr';

const pool = (name: string, cidr: string, spec: Partial<NonNullable<IPPool['spec']>>): IPPool => ({
  apiVersion: 'projectcalico.org/v3',
  kind: 'IPPool',
  metadata: { name },
  spec: { cidr, blockSize: 26, nodeSelector: 'all()', ...spec },
});

async function setup(pools: IPPool[]): Promise<{ store: MemoryDatastore; ipam: IpamAllocator; node: () => Promise<CalicoNode> }> {
  const store = new MemoryDatastore();
  for (const p of pools) await store.create(p);
  await store.create({ apiVersion: 'projectcalico.org/v3', kind: 'Node', metadata: { name: 'node1', labels: { zone: 'a' } }, spec: { bgp: { ipv4Address: '10.0.0.15/24' } } });
  return { store, ipam: new IpamAllocator(store), node: () => store.get<CalicoNode>('Node', 'node1') };
}

describe('tunnel addresses', () => {
  it('gives a VXLAN node one address under vxlan-tunnel-addr-<node>, keeps it, and releases it when the pool stops needing it', async () => {
    const vx = pool('p', '10.244.0.0/16', { vxlanMode: 'Always' });
    const { store, ipam, node } = await setup([vx]);
    const addr = await ensureTunnelAddress(store, ipam, await node(), [vx], 'vxlan');
    expect(addr).toMatch(/^10\.244\./);
    expect((await node()).spec?.ipv4VXLANTunnelAddr).toBe(addr);
    expect(await ipam.ipsByHandle('vxlan-tunnel-addr-node1')).toEqual([addr]);
    // A stale copy of the Node (the watch has not caught up) must not take a second address.
    const stale: CalicoNode = { ...(await node()), spec: { bgp: { ipv4Address: '10.0.0.15/24' } } };
    expect(await ensureTunnelAddress(store, ipam, stale, [vx], 'vxlan')).toBe(addr);
    expect(await ipam.ipsByHandle('vxlan-tunnel-addr-node1')).toEqual([addr]);
    expect(await ensureTunnelAddress(store, ipam, await node(), [vx], 'ipip')).toBeUndefined();

    const off = { ...vx, spec: { ...vx.spec!, vxlanMode: 'Never' as const } };
    expect(await ensureTunnelAddress(store, ipam, await node(), [off], 'vxlan')).toBeUndefined();
    expect((await node()).spec?.ipv4VXLANTunnelAddr).toBeUndefined();
    expect(await ipam.ipsByHandle('vxlan-tunnel-addr-node1')).toEqual([]);
    await store.close();
  });

  it('writes the IPIP address to spec.bgp.ipv4IPIPTunnelAddr, keeping the rest of spec.bgp', async () => {
    const ip = pool('p', '10.244.0.0/16', { ipipMode: 'CrossSubnet' });
    const { store, ipam, node } = await setup([ip]);
    const addr = await ensureTunnelAddress(store, ipam, await node(), [ip], 'ipip');
    expect((await node()).spec?.bgp).toEqual({ ipv4Address: '10.0.0.15/24', ipv4IPIPTunnelAddr: addr });
    await store.close();
  });

  it('only pools that are enabled, allow tunnels and select the node count', () => {
    const n: CalicoNode = { apiVersion: 'projectcalico.org/v3', kind: 'Node', metadata: { name: 'node1', labels: { zone: 'a' } }, spec: {} };
    const pools = [
      pool('ok', '10.1.0.0/16', { vxlanMode: 'Always' }),
      pool('disabled', '10.2.0.0/16', { vxlanMode: 'Always', disabled: true }),
      pool('workload-only', '10.3.0.0/16', { vxlanMode: 'Always', allowedUses: ['Workload'] }),
      pool('other-zone', '10.4.0.0/16', { vxlanMode: 'Always', nodeSelector: 'zone == "b"' }),
      pool('no-vxlan', '10.5.0.0/16', { vxlanMode: 'Never' }),
      pool('v6', 'fd00::/48', { vxlanMode: 'Always', blockSize: 122 }),
    ];
    expect(tunnelPools(pools, n, 'vxlan').map((p) => p.metadata.name)).toEqual(['ok']);
  });
});
