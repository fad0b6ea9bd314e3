import { MemoryDatastore } from '../datastore/memory/memory-datastore';
import type { CalicoNode } from '../api/kind-node';
import type { IPPool } from '../api/kind-ippool';
import { ensureDefaultConfig, ensureDefaultPool, ensureNode, parseStartupEnv } from './startup';

describe('parseStartupEnv', () => {
  it("reads the tutorial's DaemonSet environment", () => {
    const cfg = parseStartupEnv({ NODENAME: 'node1', CALICO_IPV4POOL_CIDR: '10.244.0.0/16', CALICO_IPV4POOL_BLOCK_SIZE: '24', CALICO_IPV4POOL_IPIP: 'Always' }, 'host');
    expect(cfg).toEqual({
      nodeName: 'node1',
      ip: { kind: 'autodetect', method: { kind: 'first-found' } },
      defaultPool: { cidr: '10.244.0.0/16', blockSize: 24, ipipMode: 'Always', vxlanMode: 'Never', natOutgoing: true, nodeSelector: 'all()', disableBGPExport: false },
    });
  });

  it('defaults as calico-node: hostname, 192.168.0.0/16 in /26 blocks with IPIP Always; VXLAN turns IPIP off', () => {
    expect(parseStartupEnv({}, 'worker-7')).toMatchObject({ nodeName: 'worker-7', defaultPool: { cidr: '192.168.0.0/16', blockSize: 26, ipipMode: 'Always', vxlanMode: 'Never' } });
    expect(parseStartupEnv({ CALICO_IPV4POOL_VXLAN: 'CrossSubnet' }, 'h').defaultPool).toMatchObject({ ipipMode: 'Never', vxlanMode: 'CrossSubnet' });
    expect(parseStartupEnv({ NO_DEFAULT_POOLS: 'true' }, 'h').defaultPool).toBeUndefined();
    expect(parseStartupEnv({ IP: '10.0.0.12/24', AS: '1.10' }, 'h')).toMatchObject({ ip: { kind: 'explicit', cidr: '10.0.0.12/24' }, asn: 65546 });
    expect(parseStartupEnv({ IP: 'none' }, 'h').ip).toEqual({ kind: 'none' });
  });

  it.each([
    [{ CALICO_IPV4POOL_BLOCK_SIZE: '33' }, 'CALICO_IPV4POOL_BLOCK_SIZE: "33" must be a whole number between 20 and 32'],
    [{ CALICO_IPV4POOL_CIDR: '10.0.0.0/33' }, 'CALICO_IPV4POOL_CIDR: "10.0.0.0/33" is not an IPv4 CIDR'],
    [{ CALICO_IPV4POOL_IPIP: 'sometimes' }, 'CALICO_IPV4POOL_IPIP: "sometimes" is not one of Always, CrossSubnet, Never'],
    [{ CALICO_IPV4POOL_IPIP: 'Always', CALICO_IPV4POOL_VXLAN: 'Always' }, 'a pool uses one encapsulation, not both'],
    [{ CALICO_IPV4POOL_NAT_OUTGOING: 'yes' }, 'CALICO_IPV4POOL_NAT_OUTGOING: "yes" is not true or false'],
    [{ AS: 'x' }, 'AS: "x" is not an AS number'],
    [{ IP: 'fe80::1' }, 'IP: "fe80::1" is not autodetect, none, or an IPv4 address or CIDR'],
    [{ IP_AUTODETECTION_METHOD: 'nope=1' }, 'IP_AUTODETECTION_METHOD: unknown method "nope"'],
    [{ CALICO_IPV4POOL_NODE_SELECTOR: 'a ==' }, 'CALICO_IPV4POOL_NODE_SELECTOR:'],
  ])('%j is rejected naming the variable', (env, msg) => {
    expect(() => parseStartupEnv(env, 'h')).toThrow(msg);
  });
});

describe('start-up writes', () => {
  it('creates the default pool once, and never when an IPv4 pool exists', async () => {
    const store = new MemoryDatastore();
    const cfg = parseStartupEnv({ CALICO_IPV4POOL_CIDR: '10.244.0.0/16', CALICO_IPV4POOL_BLOCK_SIZE: '24' }, 'h').defaultPool!;
    expect(await ensureDefaultPool(store, cfg)).toBe(true);
    expect(await ensureDefaultPool(store, cfg)).toBe(false);
    const pool = await store.get<IPPool>('IPPool', 'default-ipv4-ippool');
    expect(pool.spec).toMatchObject({ cidr: '10.244.0.0/16', blockSize: 24, ipipMode: 'Always', vxlanMode: 'Never', natOutgoing: true, nodeSelector: 'all()' });
    const other = new MemoryDatastore();
    await other.create({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'mine' }, spec: { cidr: '172.20.0.0/16' } });
    expect(await ensureDefaultPool(other, cfg)).toBe(false);
    await store.close();
    await other.close();
  });

  it('creates or updates the Node with its address and AS, keeping what else it has', async () => {
    const store = new MemoryDatastore();
    const created = await ensureNode(store, 'node1', '10.0.0.15/24', undefined);
    expect(created.spec?.bgp).toEqual({ ipv4Address: '10.0.0.15/24' });
    await store.update<CalicoNode>({ ...created, metadata: { ...created.metadata, labels: { rack: 'r1' } }, spec: { ...created.spec, bgp: { ...created.spec?.bgp, routeReflectorClusterID: '1.1.1.1' } } });
    const updated = await ensureNode(store, 'node1', '10.0.0.15/24', 65001);
    expect(updated.spec?.bgp).toEqual({ ipv4Address: '10.0.0.15/24', routeReflectorClusterID: '1.1.1.1', asNumber: 65001 });
    expect(updated.metadata.labels).toEqual({ rack: 'r1' });
    const rv = updated.metadata.resourceVersion;
    expect((await ensureNode(store, 'node1', '10.0.0.15/24', 65001)).metadata.resourceVersion).toBe(rv);
    await store.close();
  });

  it('creates the default configuration resources when absent and leaves existing ones alone', async () => {
    const store = new MemoryDatastore();
    await store.create({ apiVersion: 'projectcalico.org/v3', kind: 'BGPConfiguration', metadata: { name: 'default' }, spec: { asNumber: 63400, nodeToNodeMeshEnabled: false } });
    await ensureDefaultConfig(store);
    await ensureDefaultConfig(store);
    expect((await store.get('BGPConfiguration', 'default')).spec).toMatchObject({ asNumber: 63400, nodeToNodeMeshEnabled: false });
    expect((await store.get('IPAMConfiguration', 'default')).spec).toMatchObject({ strictAffinity: false, autoAllocateBlocks: true });
    expect((await store.get('ClusterInformation', 'default')).spec).toMatchObject({ clusterType: 'k8s,bgp', datastoreReady: true });
    await store.get('FelixConfiguration', 'default');
    await store.close();
  });
});
