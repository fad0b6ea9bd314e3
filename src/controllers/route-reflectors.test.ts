import type { BGPConfiguration } from '../api/kind-bgp-configuration';
import type { BGPPeer } from '../api/kind-bgp-peer';
import type { CalicoNode } from '../api/kind-node';
import { MemoryDatastore } from '../datastore/memory/memory-datastore';
import { nullLogger } from '../lib/logger';
import { DEFAULT_ROUTE_REFLECTOR_CONFIG, planRouteReflectors, RR_LABEL, RR_PEER_NAME, withReflectorRole, type RouteReflectorConfig, type RrNode } from './route-reflectors';
import { applyRouteReflectorPlan } from './route-reflectors-apply';
import { routeReflectorConfig } from './route-reflectors-config';

const CID = '244.0.0.1';
const cfg = (o: Partial<RouteReflectorConfig> = {}): RouteReflectorConfig => ({ ...DEFAULT_ROUTE_REFLECTOR_CONFIG, enabled: true, ...o });

interface N {
  zone?: string;
  rr?: boolean;
  ready?: boolean;
  labels?: Record<string, string>;
  noAddress?: boolean;
}

function node(name: string, o: N = {}): RrNode {
  const labels = { ...(o.labels ?? {}), ...(o.zone !== undefined ? { 'topology.kubernetes.io/zone': o.zone } : {}), ...(o.rr ? { [RR_LABEL]: 'true' } : {}) };
  const n: CalicoNode = {
    apiVersion: 'projectcalico.org/v3',
    kind: 'Node',
    metadata: { name, labels },
    spec: o.noAddress ? {} : { bgp: { ipv4Address: `10.0.0.${name.length + name.charCodeAt(name.length - 1) % 200}/24`, ...(o.rr ? { routeReflectorClusterID: CID } : {}) } },
  };
  return { node: n, ...(o.ready !== undefined ? { ready: o.ready } : {}) };
}

describe('planRouteReflectors: which nodes reflect', () => {
  const cases: Array<{ name: string; nodes: RrNode[]; cfg?: Partial<RouteReflectorConfig>; reflectors: string[]; changes: string[]; mesh: boolean }> = [
    { name: 'five nodes, no zones, two per zone: the first two by name', nodes: ['n5', 'n3', 'n1', 'n4', 'n2'].map((x) => node(x)), reflectors: ['n1', 'n2'], changes: ['+n1', '+n2'], mesh: false },
    { name: 'existing eligible reflectors are kept even when others sort first', nodes: [node('a'), node('b'), node('x', { rr: true }), node('y', { rr: true })], reflectors: ['x', 'y'], changes: [], mesh: false },
    { name: 'a reflector whose node is unready is replaced and demoted', nodes: [node('a', { rr: true, ready: false }), node('b', { rr: true }), node('c'), node('d')], reflectors: ['b', 'c'], changes: ['-a', '+c'], mesh: false },
    { name: 'a removed reflector (not listed) is replaced by the next eligible node', nodes: [node('a', { rr: true }), node('c'), node('d')], reflectors: ['a', 'c'], changes: ['+c'], mesh: false },
    { name: 'too many labelled reflectors: the extra ones (by name) are demoted', nodes: [node('a', { rr: true }), node('b', { rr: true }), node('c', { rr: true })], reflectors: ['a', 'b'], changes: ['-c'], mesh: false },
    {
      name: 'spread over zones: perZone in each zone',
      nodes: [node('a1', { zone: 'a' }), node('a2', { zone: 'a' }), node('a3', { zone: 'a' }), node('b1', { zone: 'b' }), node('b2', { zone: 'b' })],
      cfg: { perZone: 1 },
      reflectors: ['a1', 'b1'],
      changes: ['+a1', '+b1'],
      mesh: false,
    },
    { name: 'a zone with fewer eligible nodes than perZone gets what it has', nodes: [node('a1', { zone: 'a' }), node('b1', { zone: 'b' }), node('b2', { zone: 'b' }), node('b3', { zone: 'b' })], reflectors: ['a1', 'b1', 'b2'], changes: ['+a1', '+b1', '+b2'], mesh: false },
    {
      name: 'only nodes the selector picks serve',
      nodes: [node('a'), node('b', { labels: { rr: 'ok' } }), node('c'), node('d', { labels: { rr: 'ok' } })],
      cfg: { nodeSelector: "rr == 'ok'" },
      reflectors: ['b', 'd'],
      changes: ['+b', '+d'],
      mesh: false,
    },
    { name: 'a node without a BGP address never serves', nodes: [node('a', { noAddress: true }), node('b'), node('c')], reflectors: ['b', 'c'], changes: ['+b', '+c'], mesh: false },
    { name: 'no eligible node: the mesh stays on and labelled nodes are demoted', nodes: [node('a', { rr: true, ready: false }), node('b', { ready: false })], reflectors: [], changes: ['-a'], mesh: true },
    { name: 'readiness unknown counts as ready (a node without a Kubernetes Node)', nodes: [node('a'), node('b', { ready: true })], reflectors: ['a', 'b'], changes: ['+a', '+b'], mesh: false },
  ];
  it.each(cases)('$name', (c) => {
    const plan = planRouteReflectors(c.nodes, cfg(c.cfg));
    expect(plan.reflectors).toEqual(c.reflectors);
    expect(plan.changes.map((x) => `${x.reflector ? '+' : '-'}${x.name}`)).toEqual(c.changes);
    expect(plan.meshEnabled).toBe(c.mesh);
  });

  it('a labelled node with another cluster ID is rewritten with the configured one', () => {
    const n = node('a', { rr: true });
    n.node.spec!.bgp!.routeReflectorClusterID = '1.1.1.1';
    expect(planRouteReflectors([n, node('b')], cfg()).changes).toEqual([
      { name: 'a', reflector: true },
      { name: 'b', reflector: true },
    ]);
  });

  it('withReflectorRole sets and removes the label and the cluster ID, keeping the rest', () => {
    const n = node('a', { labels: { keep: 'me' } }).node;
    const on = withReflectorRole(n, true, CID);
    expect(on.metadata.labels).toEqual({ keep: 'me', [RR_LABEL]: 'true' });
    expect(on.spec?.bgp?.routeReflectorClusterID).toBe(CID);
    const off = withReflectorRole(on, false, CID);
    expect(off.metadata.labels).toEqual({ keep: 'me' });
    expect(off.spec?.bgp).toEqual({ ipv4Address: n.spec?.bgp?.ipv4Address });
  });
});

describe('routeReflectorConfig', () => {
  it('defaults, the resource section, and the environment over it', () => {
    expect(routeReflectorConfig(undefined, {})).toEqual(DEFAULT_ROUTE_REFLECTOR_CONFIG);
    expect(routeReflectorConfig({ enabled: true, perZone: 3, zoneLabel: 'zone' }, {})).toMatchObject({ enabled: true, perZone: 3, zoneLabel: 'zone' });
    expect(routeReflectorConfig({ enabled: false, perZone: 3 }, { ROUTE_REFLECTORS_ENABLED: 'true', ROUTE_REFLECTORS_PER_ZONE: '1', ROUTE_REFLECTORS_CLUSTER_ID: '1.2.3.4' })).toMatchObject({ enabled: true, perZone: 1, clusterID: '1.2.3.4' });
  });

  it('names the field or variable of a bad value', () => {
    expect(() => routeReflectorConfig({ perZone: 0 }, {})).toThrow('spec.routeReflector.perZone');
    expect(() => routeReflectorConfig({}, { ROUTE_REFLECTORS_PER_ZONE: 'two' })).toThrow('ROUTE_REFLECTORS_PER_ZONE');
    expect(() => routeReflectorConfig({}, { ROUTE_REFLECTORS_NODE_SELECTOR: 'a ==' })).toThrow('ROUTE_REFLECTORS_NODE_SELECTOR: "a ==" is not a selector');
    expect(() => routeReflectorConfig({ clusterID: '300.0.0.1' }, {})).toThrow('spec.routeReflector.clusterID');
    expect(() => routeReflectorConfig({}, { ROUTE_REFLECTORS_ENABLED: 'yes' })).toThrow('ROUTE_REFLECTORS_ENABLED');
  });
});

describe('applyRouteReflectorPlan on a datastore', () => {
  async function storeWith(nodes: RrNode[]): Promise<MemoryDatastore> {
    const store = new MemoryDatastore();
    for (const n of nodes) await store.create(n.node);
    return store;
  }
  const stored = async (store: MemoryDatastore): Promise<RrNode[]> => (await store.list<CalicoNode>('Node')).items.map((node) => ({ node }));

  it('configures the reflectors, writes the BGPPeer, turns the mesh off; a second pass writes nothing', async () => {
    const store = await storeWith(['a', 'b', 'c'].map((x) => node(x)));
    const r = await applyRouteReflectorPlan(planRouteReflectors(await stored(store), cfg()), cfg(), { store, logger: nullLogger });
    expect(r).toEqual({ changed: ['a', 'b'], peerWritten: true, meshWritten: true, failed: [] });
    const a = await store.get<CalicoNode>('Node', 'a');
    expect([a.metadata.labels?.[RR_LABEL], a.spec?.bgp?.routeReflectorClusterID]).toEqual(['true', CID]);
    expect((await store.get<CalicoNode>('Node', 'c')).metadata.labels?.[RR_LABEL]).toBeUndefined();
    expect((await store.get<BGPPeer>('BGPPeer', RR_PEER_NAME)).spec).toEqual({ nodeSelector: 'all()', peerSelector: "route-reflector == 'true'" });
    expect((await store.get<BGPConfiguration>('BGPConfiguration', 'default')).spec?.nodeToNodeMeshEnabled).toBe(false);
    const again = await applyRouteReflectorPlan(planRouteReflectors(await stored(store), cfg()), cfg(), { store, logger: nullLogger });
    expect(again).toEqual({ changed: [], peerWritten: false, meshWritten: false, failed: [] });
  });

  it('a deleted reflector is replaced; with no node left to serve the mesh comes back first', async () => {
    const store = await storeWith(['a', 'b', 'c'].map((x) => node(x)));
    await applyRouteReflectorPlan(planRouteReflectors(await stored(store), cfg()), cfg(), { store, logger: nullLogger });
    await store.delete('Node', 'a');
    const r = await applyRouteReflectorPlan(planRouteReflectors(await stored(store), cfg()), cfg(), { store, logger: nullLogger });
    expect(r.changed).toEqual(['c']);
    const unready = (await stored(store)).map((n) => ({ ...n, ready: false }));
    const back = await applyRouteReflectorPlan(planRouteReflectors(unready, cfg()), cfg(), { store, logger: nullLogger });
    expect(back).toMatchObject({ changed: ['b', 'c'], meshWritten: true, failed: [] });
    expect((await store.get<BGPConfiguration>('BGPConfiguration', 'default')).spec?.nodeToNodeMeshEnabled).toBe(true);
  });

  it('a node changed meanwhile is updated on its fresh copy (compare-and-swap), keeping the other change', async () => {
    const store = await storeWith([node('a')]);
    const plan = planRouteReflectors(await stored(store), cfg());
    const cur = await store.get<CalicoNode>('Node', 'a');
    await store.update({ ...cur, metadata: { ...cur.metadata, labels: { ...cur.metadata.labels, hand: 'set' } } });
    await applyRouteReflectorPlan(plan, cfg(), { store, logger: nullLogger });
    expect((await store.get<CalicoNode>('Node', 'a')).metadata.labels).toEqual({ hand: 'set', [RR_LABEL]: 'true' });
  });
});
