import { LabOptionError, labTopology, nodeEnvironment, validateLabOptions, type LabOptions } from './lab-topology';

const base: LabOptions = { nodes: 3, podsPerNode: 2, encap: 'none', subnets: 1, prefix: 'glab-' };

describe('labTopology', () => {
  it("is the tutorial's by default: master1 .12, node1 .15, node2 .16 on 10.0.0.0/24, pods <node>-pod<i>", () => {
    const t = labTopology(base);
    expect(t.nodes.map((n) => [n.name, n.cidr, n.namespace, n.lanLink])).toEqual([
      ['master1', '10.0.0.12/24', 'glab-master1', 'n0'],
      ['node1', '10.0.0.15/24', 'glab-node1', 'n1'],
      ['node2', '10.0.0.16/24', 'glab-node2', 'n2'],
    ]);
    expect(t.pods.map((p) => p.namespace)).toEqual(['glab-master1-pod0', 'glab-master1-pod1', 'glab-node1-pod0', 'glab-node1-pod1', 'glab-node2-pod0', 'glab-node2-pod1']);
    expect(t.subnets).toEqual([{ bridge: 'br0', gateway: '10.0.0.1', cidr: '10.0.0.0/24' }]);
    expect(t.lanNamespace).toBe('glab-lan');
    expect(t.etcdEndpoint).toBe('http://10.0.0.1:2379');
    expect(t.pool).toEqual({ cidr: '10.244.0.0/16', blockSize: 24 });
  });

  it('adds nodes at .17, .18, ... and puts every second node on 10.0.1.0/24 with two subnets', () => {
    const t = labTopology({ ...base, nodes: 5, subnets: 2 });
    expect(t.nodes.map((n) => [n.name, n.cidr, n.subnet])).toEqual([
      ['master1', '10.0.0.12/24', 0],
      ['node1', '10.0.1.15/24', 1],
      ['node2', '10.0.0.16/24', 0],
      ['node3', '10.0.1.17/24', 1],
      ['node4', '10.0.0.18/24', 0],
    ]);
    expect(t.subnets.map((s) => s.gateway)).toEqual(['10.0.0.1', '10.0.1.1']);
  });

  it('gives calico-node the pool mode of --encap and the lab datastore, but no AS (the default configuration has 64512)', () => {
    const t = labTopology({ ...base, encap: 'vxlan' });
    const env = nodeEnvironment(t, t.nodes[1]!, 'vxlan');
    expect(env).toMatchObject({ NODENAME: 'node1', IP: '10.0.0.15/24', DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: 'http://10.0.0.1:2379', CALICO_IPV4POOL_VXLAN: 'Always', CALICO_IPV4POOL_IPIP: 'Never', CALICO_IPV4POOL_BLOCK_SIZE: '24' });
    expect(env.AS).toBeUndefined();
    expect(nodeEnvironment(t, t.nodes[0]!, 'ipip')).toMatchObject({ CALICO_IPV4POOL_IPIP: 'Always', CALICO_IPV4POOL_VXLAN: 'Never' });
  });

  it.each([
    [{ nodes: 0 }, '--nodes'],
    [{ nodes: 2.5 }, '--nodes'],
    [{ podsPerNode: -1 }, '--pods-per-node'],
    [{ encap: 'gre' }, '--encap'],
    [{ subnets: 3 }, '--subnets'],
    [{ subnets: 2, nodes: 1 }, '--subnets'],
    [{ prefix: 'Bad/Prefix' }, '--prefix'],
    [{ routeReflector: 'node7' }, '--route-reflector'],
    [{ autoRouteReflectors: 4 }, '--auto-route-reflectors'],
    [{ autoRouteReflectors: 0 }, '--auto-route-reflectors'],
    [{ autoRouteReflectors: 1, routeReflector: 'node1' }, '--auto-route-reflectors'],
  ])('rejects %j naming %s', (patch, field) => {
    const o = { ...base, ...patch } as LabOptions;
    expect(() => validateLabOptions(o)).toThrow(LabOptionError);
    try {
      validateLabOptions(o);
    } catch (err) {
      expect((err as LabOptionError).field).toBe(field);
      expect((err as Error).message.startsWith(`${field}: `)).toBe(true);
    }
  });
});
