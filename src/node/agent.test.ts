// Three node agents wired together in memory: one MemoryDatastore, BGP over the in-memory network, each with its own
// FakeNetlink as its kernel, and a fake clock. The real kernel and real processes are in e2e/.
import { Speaker } from '../bgp/speaker';
import { MemoryNetwork } from '../bgp/session/testing/memory-network';
import { run } from '../bgp/testing/speaker';
import type { IPPool } from '../api/kind-ippool';
import { DatastoreCache, updateWithRetry, type StoredResource } from '../datastore';
import { MemoryDatastore } from '../datastore/memory/memory-datastore';
import { FakeClock } from '../lib/fake-clock';
import { nullLogger, type Logger } from '../lib/logger';
import { FakeNetlink } from '../netlink/fake';
import { GINGHAM_ROUTE_PROTOCOL, describeRoute } from '../netlink/netlink';
import { Dataplane } from '../felix/dataplane';
import { IpamAllocator } from '../ipam';
import { NodeAgent } from './agent';
import { NODE_CALC_KINDS } from './calc/kinds';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const mtuOf = (node: string): string => readFileSync(path.join(dirs[dirs.length - 1] as string, node, 'mtu'), 'utf8');

const NODES = [
  { name: 'master1', ip: '10.0.0.12', block: '10.244.0.0/24', pod: '10.244.0.2' },
  { name: 'node1', ip: '10.0.0.15', block: '10.244.1.0/24', pod: '10.244.1.2' },
  { name: 'node2', ip: '10.0.0.16', block: '10.244.2.0/24', pod: '10.244.2.2' },
];

const v3 = (kind: string, name: string, spec: unknown, extra: Partial<StoredResource['metadata']> = {}): StoredResource => ({
  apiVersion: 'projectcalico.org/v3',
  kind,
  metadata: { name, ...extra },
  spec,
});

interface World {
  store: MemoryDatastore;
  clock: FakeClock;
  agents: NodeAgent[];
  caches: DatastoreCache[];
  kernels: FakeNetlink[];
  /** A new agent for node i on its existing kernel (a restart). */
  restart(i: number): Promise<NodeAgent>;
  /** The last iptables-restore input of each node (NAT outgoing). */
  nat: string[];
}

async function world(ipipMode: 'Never' | 'CrossSubnet' | 'Always' = 'Never'): Promise<World> {
  const mtuDir = mkdtempSync(path.join(tmpdir(), 'gingham-agent-mtu-'));
  dirs.push(mtuDir);
  const store = new MemoryDatastore();
  const clock = new FakeClock(0);
  const net = new MemoryNetwork();
  await store.create(v3('IPPool', 'default-ipv4-ippool', { cidr: '10.244.0.0/16', blockSize: 24, ipipMode, vxlanMode: 'Never', natOutgoing: true, nodeSelector: 'all()' }));
  for (const n of NODES) {
    await store.create(v3('Node', n.name, { bgp: { ipv4Address: `${n.ip}/24` } }));
    await store.create(v3('IPAMBlock', n.block.replace(/[./]/g, '-'), { cidr: n.block, affinity: `host:${n.name}`, allocations: [], unallocated: [], attributes: [], strictAffinity: false }));
    await store.create(v3('WorkloadEndpoint', `${n.name}-k8s-pod-eth0`, { node: n.name, orchestrator: 'k8s', pod: `${n.name}-pod0`, endpoint: 'eth0', interfaceName: `cali${n.name.padEnd(11, '0')}`, ipNetworks: [`${n.pod}/32`] }, { namespace: 'default' }));
  }
  const agents: NodeAgent[] = [];
  const caches: DatastoreCache[] = [];
  const kernels: FakeNetlink[] = [];
  const nat: string[] = NODES.map(() => '');
  const newAgent = (n: (typeof NODES)[number], nl: FakeNetlink): NodeAgent => {
    // One cache per simulated process (each node's agent is its own process).
    const cache = new DatastoreCache(store, NODE_CALC_KINDS);
    caches.push(cache);
    return new NodeAgent(
      { nodeName: n.name, parentInterface: 'eth0', debounceMs: 50, hostMtu: 1500, mtuFile: path.join(mtuDir, n.name, 'mtu') },
      {
        store,
        cache,
        ipam: new IpamAllocator(store),
        dataplane: new Dataplane({
          netlink: nl,
          clock,
          logger: nullLogger,
          runCommand: async (argv, stdin) => {
            if (argv[0] === 'iptables-restore') nat[NODES.indexOf(n)] = stdin ?? '';
            return { code: 0, stdout: '', stderr: '' };
          },
        }),
        clock,
        logger: nullLogger,
        newSpeaker: (cfg) => new Speaker(cfg, { clock, transport: net.transport(n.ip), listener: net.listener(), logger: nullLogger }),
      },
    );
  };
  for (const n of NODES) {
    const nl = new FakeNetlink();
    nl.addExistingLink('eth0', { up: true });
    await nl.addAddress('eth0', `${n.ip}/24`);
    await nl.createVeth({ name: `cali${n.name.padEnd(11, '0')}`, peerName: `p${n.name}` });
    await nl.setLinkUp(`cali${n.name.padEnd(11, '0')}`, true);
    kernels.push(nl);
    const agent = newAgent(n, nl);
    agents.push(agent);
    await agent.start();
  }
  const restart = async (i: number): Promise<NodeAgent> => {
    await agents[i]!.close();
    const agent = newAgent(NODES[i]!, kernels[i]!);
    agents[i] = agent;
    await agent.start();
    return agent;
  };
  return { store, clock, agents, caches, kernels, restart, nat };
}

async function settleAll(w: World, seconds = 3): Promise<void> {
  await run(w.clock, seconds);
  for (const a of w.agents) await a.recompute();
}

async function ourRoutes(nl: FakeNetlink): Promise<string[]> {
  return (await nl.listRoutes({ protocol: GINGHAM_ROUTE_PROTOCOL })).map(describeRoute).map((r) => r.replace(/ proto \d+/, '').replace(/ metric \d+/, '')).sort();
}

async function teardown(w: World): Promise<void> {
  for (const a of w.agents) await a.close();
  for (const c of w.caches) await c.close();
  await run(w.clock, 1);
  await w.store.close();
}

describe('NodeAgent (three nodes in memory)', () => {
  it('builds the full mesh and programs the tutorial route shapes on every node', async () => {
    const w = await world('Never');
    try {
      await settleAll(w);
      const status = w.agents[0]!.peerStatus().map((p) => `${p.peer.address} ${p.peer.type} ${p.state}`);
      expect(status).toEqual(['10.0.0.15 node-to-node mesh Established', '10.0.0.16 node-to-node mesh Established']);
      expect(await ourRoutes(w.kernels[0]!)).toEqual(['10.244.0.2/32 dev calimaster10000', '10.244.1.0/24 via 10.0.0.15 dev eth0', '10.244.2.0/24 via 10.0.0.16 dev eth0', 'blackhole 10.244.0.0/24']);
      expect(await ourRoutes(w.kernels[2]!)).toEqual(['10.244.0.0/24 via 10.0.0.12 dev eth0', '10.244.1.0/24 via 10.0.0.15 dev eth0', '10.244.2.2/32 dev calinode2000000', 'blackhole 10.244.2.0/24']);
    } finally {
      await teardown(w);
    }
  });

  it('switches remote routes to tunl0 when the pool becomes ipipMode Always, without touching the sessions', async () => {
    const w = await world('Never');
    try {
      await settleAll(w);
      const before = w.agents[1]!.speakerInstance()!.status().peers.map((p) => p.establishedTransitions);
      expect(mtuOf('node1')).toBe('1500\n');
      await updateWithRetry<IPPool>(w.store, 'IPPool', 'default-ipv4-ippool', undefined, (p) => ({ ...p, spec: { ...p.spec!, ipipMode: 'Always' } }));
      await settleAll(w, 1);
      const routes = await ourRoutes(w.kernels[1]!);
      expect(routes.filter((r) => r.startsWith('10.244.0.0/24') || r.startsWith('10.244.2.0/24'))).toEqual(['10.244.0.0/24 via 10.0.0.12 dev tunl0 onlink', '10.244.2.0/24 via 10.0.0.16 dev tunl0 onlink']);
      // The pod MTU follows the encapsulation: 1500 without, 1480 with IPIP.
      expect(mtuOf('node1')).toBe('1480\n');
      expect(w.agents[1]!.speakerInstance()!.status().peers.map((p) => p.establishedTransitions)).toEqual(before);
    } finally {
      await teardown(w);
    }
  });

  it('follows the tutorial to route reflection: mesh rows go, node specific sessions to the reflector come up, routes stay', async () => {
    const w = await world('Never');
    try {
      await settleAll(w);
      await updateWithRetry(w.store, 'Node', 'master1', undefined, (n) => ({ ...n, metadata: { ...n.metadata, labels: { 'route-reflector': 'true' } }, spec: { bgp: { ...(n.spec as { bgp: object }).bgp, routeReflectorClusterID: '1.1.1.1' } } }));
      await w.store.create(v3('BGPPeer', 'bgppeer-demo', { nodeSelector: 'all()', peerSelector: 'route-reflector=="true"' }));
      await w.store.create(v3('BGPConfiguration', 'default', { nodeToNodeMeshEnabled: false, asNumber: 63400 }));
      await settleAll(w, 6);
      expect(w.agents[1]!.peerStatus().map((p) => `${p.peer.address} ${p.peer.type} ${p.state}`)).toEqual(['10.0.0.12 node specific Established']);
      expect(w.agents[0]!.peerStatus().map((p) => `${p.peer.address} ${p.peer.type} ${p.state}`)).toEqual(['10.0.0.15 node specific Established', '10.0.0.16 node specific Established']);
      // node1 learns node2's block through the reflector, next hop unchanged.
      expect((await ourRoutes(w.kernels[1]!)).filter((r) => r.startsWith('10.244.2.0/24'))).toEqual(['10.244.2.0/24 via 10.0.0.16 dev eth0']);
    } finally {
      await teardown(w);
    }
  });

  it('withdraws a deleted node block from the other nodes, and never exports outside the pools', async () => {
    const w = await world('Never');
    try {
      await settleAll(w);
      await w.store.create(v3('WorkloadEndpoint', 'node2-k8s-stray-eth0', { node: 'node2', interfaceName: 'calinode2000000', ipNetworks: ['192.168.99.9/32'] }, { namespace: 'default' }));
      await w.store.delete('IPAMBlock', '10-244-2-0-24');
      await settleAll(w, 2);
      const routes = await ourRoutes(w.kernels[0]!);
      expect(routes.some((r) => r.startsWith('10.244.2.0/24'))).toBe(false);
      expect(routes.some((r) => r.startsWith('192.168.99.9'))).toBe(false);
      expect(w.agents[2]!.speakerInstance()!.localRoutes().map((r) => `${r.prefix.address}/${r.prefix.length}`)).toEqual(['10.244.2.2/32']);
      // The service ranges of BGPConfiguration are exported too (the one thing outside the pools).
      await w.store.create(v3('BGPConfiguration', 'default', { serviceClusterIPs: [{ cidr: '10.96.0.0/12' }] }));
      await settleAll(w, 1);
      expect(w.agents[2]!.speakerInstance()!.localRoutes().map((r) => `${r.prefix.address}/${r.prefix.length}`)).toEqual(['10.244.2.2/32', '10.96.0.0/12']);
      expect(w.agents[0]!.speakerInstance()!.bestRoutes().some((r) => r.prefix === '10.96.0.0/12')).toBe(true);
      expect((await ourRoutes(w.kernels[0]!)).some((r) => r.startsWith('10.96.0.0/12'))).toBe(false);
    } finally {
      await teardown(w);
    }
  });

  it('a restarted agent withdraws no kernel route while its sessions come back', async () => {
    const w = await world('Never');
    try {
      await settleAll(w);
      const before = await ourRoutes(w.kernels[1]!);
      expect(before).toHaveLength(4);
      const calls = w.kernels[1]!.calls.length;
      await w.restart(1);
      // Right after start no session is up yet: nothing computed from BGP, and still nothing deleted.
      expect(await ourRoutes(w.kernels[1]!)).toEqual(before);
      // The peers retry within their ConnectRetry time (5 s).
      await settleAll(w, 8);
      expect(await ourRoutes(w.kernels[1]!)).toEqual(before);
      expect(w.kernels[1]!.calls.slice(calls).filter((c) => c.startsWith('route del'))).toEqual([]);
      expect(w.agents[1]!.peerStatus().every((p) => p.state === 'Established')).toBe(true);
    } finally {
      await teardown(w);
    }
  });

  it("applies a BGPPeer's BGPFilters: an export rule keeps node2's block from its peers", async () => {
    const w = await world('Never');
    try {
      await w.store.create(v3('BGPConfiguration', 'default', { nodeToNodeMeshEnabled: false }));
      await w.store.create(v3('BGPFilter', 'hide-node2', { exportV4: [{ action: 'Reject', matchOperator: 'Equal', cidr: '10.244.2.0/24' }] }));
      await w.store.create(v3('BGPPeer', 'all', { nodeSelector: 'all()', peerSelector: 'all()', filters: ['hide-node2'] }));
      // Past the start-up hold (30 s), during which kernel routes computed before are kept.
      await settleAll(w, 35);
      expect(w.agents[0]!.peerStatus().map((p) => `${p.peer.address} ${p.peer.type} ${p.state}`)).toEqual(['10.0.0.15 node specific Established', '10.0.0.16 node specific Established']);
      const routes = await ourRoutes(w.kernels[0]!);
      expect(routes).toContain('10.244.1.0/24 via 10.0.0.15 dev eth0');
      expect(routes.some((r) => r.startsWith('10.244.2.0/24'))).toBe(false);
    } finally {
      await teardown(w);
    }
  });

  it('disabling the pool stops allocations only: existing pods keep their routes, exports and NAT outgoing', async () => {
    const w = await world('Never');
    try {
      await settleAll(w);
      const routes = await Promise.all(w.kernels.map((k) => ourRoutes(k)));
      const exports = w.agents.map((a) => a.speakerInstance()!.localRoutes().map((r) => `${r.prefix.address}/${r.prefix.length}`));
      expect(w.nat[0]).toContain('-A gingham-nat-outgoing -s 10.244.0.0/16 -m comment --comment "gingham: natOutgoing 10.244.0.0/16" -j MASQUERADE');
      const nat = [...w.nat];
      // Calico: "disabled: When set to true, Calico IPAM will not assign addresses from this pool" (and nothing else).
      await updateWithRetry<IPPool>(w.store, 'IPPool', 'default-ipv4-ippool', undefined, (p) => ({ ...p, spec: { ...p.spec!, disabled: true } }));
      await settleAll(w, 35);
      expect(await Promise.all(w.kernels.map((k) => ourRoutes(k)))).toEqual(routes);
      expect(w.agents.map((a) => a.speakerInstance()!.localRoutes().map((r) => `${r.prefix.address}/${r.prefix.length}`))).toEqual(exports);
      expect(w.nat).toEqual(nat);
    } finally {
      await teardown(w);
    }
  });

  it('an agent whose BGP port another process holds does not start, naming the port', async () => {
    const store = new MemoryDatastore();
    const clock = new FakeClock(0);
    await store.create(v3('Node', 'master1', { bgp: { ipv4Address: '10.0.0.12/24' } }));
    const nl = new FakeNetlink();
    nl.addExistingLink('eth0', { up: true });
    const cache = new DatastoreCache(store, NODE_CALC_KINDS);
    const busy = { listen: () => Promise.reject(Object.assign(new Error('listen EADDRINUSE: address already in use 10.0.0.12:179'), { code: 'EADDRINUSE' })) };
    const agent = new NodeAgent(
      { nodeName: 'master1', parentInterface: 'eth0' },
      { store, cache, ipam: new IpamAllocator(store), dataplane: new Dataplane({ netlink: nl, clock, logger: nullLogger }), clock, logger: nullLogger, newSpeaker: (cfg) => new Speaker(cfg, { clock, transport: new MemoryNetwork().transport('10.0.0.12'), listener: busy, logger: nullLogger }) },
    );
    try {
      await expect(agent.start()).rejects.toMatchObject({ code: 'IN_USE', message: 'BGP port 10.0.0.12:179 is in use by another process' });
      // Nothing was written to the kernel.
      expect(nl.calls.filter((c) => c.startsWith('route'))).toEqual([]);
    } finally {
      await agent.close();
      await cache.close();
      await store.close();
    }
  });

  it('a new AS number restarts every speaker without deleting a kernel route', async () => {
    const w = await world('Never');
    try {
      await settleAll(w);
      const before = await Promise.all(w.kernels.map((k) => ourRoutes(k)));
      const calls = w.kernels.map((k) => k.calls.length);
      await w.store.create(v3('BGPConfiguration', 'default', { asNumber: 64513 }));
      // Every speaker restarts at once; a refused first connection (the peer's listener not up yet) must not cost a
      // 5 s ConnectRetry: every session is back within 2 s.
      await settleAll(w, 2);
      expect(w.agents.map((a) => a.peerStatus().every((p) => p.state === 'Established'))).toEqual([true, true, true]);
      for (let i = 0; i < 20; i++) {
        await settleAll(w, 1);
        expect(await Promise.all(w.kernels.map((k) => ourRoutes(k)))).toEqual(before);
      }
      expect(w.kernels.map((k, i) => k.calls.slice(calls[i]).filter((c) => c.startsWith('route del')))).toEqual([[], [], []]);
      expect(w.agents.map((a) => a.peerStatus().every((p) => p.state === 'Established'))).toEqual([true, true, true]);
      expect(w.agents.map((a) => a.speakerInstance()!.status().asn)).toEqual([64513, 64513, 64513]);
    } finally {
      await teardown(w);
    }
  });

  it('a restarted agent keeps the routes of a peer that is not back for the graceful-restart time, then deletes them', async () => {
    const w = await world('Never');
    try {
      await settleAll(w);
      expect(await ourRoutes(w.kernels[1]!)).toContain('10.244.2.0/24 via 10.0.0.16 dev eth0');
      // node2's agent stops and stays down; node1's agent restarts.
      await w.agents[2]!.close();
      w.agents.splice(2, 1);
      await w.restart(1);
      await settleAll(w, 100);
      expect(await ourRoutes(w.kernels[1]!)).toContain('10.244.2.0/24 via 10.0.0.16 dev eth0');
      await settleAll(w, 30);
      expect(await ourRoutes(w.kernels[1]!)).not.toContain('10.244.2.0/24 via 10.0.0.16 dev eth0');
    } finally {
      await teardown(w);
    }
  });
});

describe('NodeAgent warnings', () => {
  it('reports a lasting problem once, forgets it when it goes away, and reports it again when it comes back', async () => {
    const warnings: string[] = [];
    const recording: Logger = { ...nullLogger, warn: (m) => void warnings.push(m), child: () => recording };
    const store = new MemoryDatastore();
    const clock = new FakeClock(0);
    const net = new MemoryNetwork();
    await store.create(v3('Node', 'n1', { bgp: { ipv4Address: '10.0.0.1/24' } }));
    await store.create(v3('BGPConfiguration', 'default', { nodeToNodeMeshEnabled: false }));
    await store.create(v3('BGPPeer', 'ext', { peerIP: '10.0.0.99', asNumber: 65000, filters: ['f'] }));
    const nl = new FakeNetlink();
    nl.addExistingLink('eth0', { up: true });
    const cache = new DatastoreCache(store, NODE_CALC_KINDS);
    const agent = new NodeAgent(
      { nodeName: 'n1', parentInterface: 'eth0', debounceMs: 10 },
      {
        store,
        cache,
        ipam: new IpamAllocator(store),
        dataplane: new Dataplane({ netlink: nl, clock, logger: nullLogger }),
        clock,
        logger: recording,
        newSpeaker: (cfg) => new Speaker(cfg, { clock, transport: net.transport('10.0.0.1'), listener: net.listener(), logger: nullLogger }),
      },
    );
    const missing = (): number => warnings.filter((w) => w.includes('BGPFilter f does not exist')).length;
    try {
      await agent.start();
      await run(clock, 1);
      await agent.recompute();
      expect(missing()).toBe(1);
      await store.create(v3('BGPFilter', 'f', { exportV4: [] }));
      await run(clock, 1);
      await agent.recompute();
      expect(missing()).toBe(1);
      await store.delete('BGPFilter', 'f');
      await run(clock, 1);
      await agent.recompute();
      expect(missing()).toBe(2);
    } finally {
      await agent.close();
      await cache.close();
      await run(clock, 1);
      await store.close();
    }
  });
});
