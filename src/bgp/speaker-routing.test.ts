// Propagation between speakers over an in-memory network with a fake clock: route reflection (flat: clients and a
// non-client; hierarchical: two reflectors as non-clients of each other), iBGP split horizon, eBGP rewriting, loop
// drops, withdrawals on session loss, best-path subscriptions, and one UPDATE for many prefixes sharing attributes.
import { FakeClock } from '../lib/fake-clock';
import type { BestPathChange, LocalRoute, RouteView, Speaker } from './speaker';
import type { PeerConfig } from './speaker';
import { MemoryNetwork } from './session/testing/memory-network';
import { memorySpeaker, peerConfig, route, run } from './testing/speaker';
import { translateFilterSpec, type BgpFilterSpec } from './config/bgp-filter';
import type { PeerFilters } from './rib/filter-rule';

interface Node {
  speaker: Speaker;
  address: string;
  asn: number;
}

async function node(net: MemoryNetwork, clock: FakeClock, address: string, asn: number, extra: { clusterId?: string } = {}): Promise<Node> {
  return { speaker: await memorySpeaker(net, clock, address, asn, extra), address, asn };
}

function peerCfg(local: Node, remote: Node, extra: Partial<PeerConfig> = {}): PeerConfig {
  return peerConfig(local, remote, { holdTime: 30, families: ['ipv4'], ...extra });
}

/** A session between a and b; a connects, b is passive. `aSide`/`bSide` are each end's settings for the other. */
function link(a: Node, b: Node, aSide: Partial<PeerConfig> = {}, bSide: Partial<PeerConfig> = {}): void {
  a.speaker.setPeer(peerCfg(a, b, aSide));
  b.speaker.setPeer(peerCfg(b, a, { passive: true, ...bSide }));
}

/** Calico BGPFilter rule text as the RIB's rules (the translation must find no problem). */
function filters(spec: BgpFilterSpec): PeerFilters {
  const problems: string[] = [];
  const out = translateFilterSpec(spec, problems);
  expect(problems).toEqual([]);
  return out;
}

const find = (routes: RouteView[], prefix: string): RouteView | undefined => routes.find((r) => r.prefix === prefix);

describe('route propagation (in-memory network, fake clock)', () => {
  let net: MemoryNetwork;
  let clock: FakeClock;
  let nodes: Node[];

  beforeEach(() => {
    net = new MemoryNetwork();
    clock = new FakeClock(0);
    nodes = [];
  });

  afterEach(async () => {
    for (const n of nodes) await n.speaker.close();
    await run(clock, 3);
  });

  async function make(address: string, asn: number, extra: { clusterId?: string } = {}): Promise<Node> {
    const n = await node(net, clock, address, asn, extra);
    nodes.push(n);
    return n;
  }

  it('a reflector passes a client route to the other client and to a non-client, with ORIGINATOR_ID and CLUSTER_LIST, never back', async () => {
    const rr = await make('10.0.0.1', 65000);
    const c1 = await make('10.0.0.11', 65000);
    const c2 = await make('10.0.0.12', 65000);
    const nc = await make('10.0.0.21', 65000);
    link(rr, c1, { routeReflectorClient: true });
    link(rr, c2, { routeReflectorClient: true });
    link(rr, nc);
    c1.speaker.setLocalRoutes([route('10.244.1.0/24', { nextHop: '192.0.2.11', med: 5, localPref: 150 })]);
    nc.speaker.setLocalRoutes([route('10.244.9.0/24', { nextHop: '192.0.2.21' })]);
    await run(clock, 3);

    const atC2 = find(c2.speaker.receivedRoutes(), '10.244.1.0/24');
    expect(atC2?.attributes).toMatchObject({ originatorId: '10.0.0.11', clusterList: ['10.0.0.1'], nextHop: '192.0.2.11', med: 5, localPref: 150, asPath: [] });
    expect(find(nc.speaker.receivedRoutes(), '10.244.1.0/24')?.attributes).toMatchObject({ originatorId: '10.0.0.11', clusterList: ['10.0.0.1'] });
    // Non-client route: to the clients only.
    expect(find(c1.speaker.receivedRoutes(), '10.244.9.0/24')?.attributes).toMatchObject({ originatorId: '10.0.0.21', clusterList: ['10.0.0.1'], nextHop: '192.0.2.21' });
    // Never back to the originator.
    expect(find(c1.speaker.receivedRoutes(), '10.244.1.0/24')).toBeUndefined();
    expect(rr.speaker.advertisedRoutes(c1.address).map((r) => r.prefix)).toEqual(['10.244.9.0/24']);
    // c1 and c2 have the same outbound policy (an update group): the route of the non-client goes to both as one
    // attribute object, rewritten once; c1's own route still never goes back to c1.
    const toC1 = rr.speaker.advertisedRoutes(c1.address).find((r) => r.prefix === '10.244.9.0/24');
    const toC2 = rr.speaker.advertisedRoutes(c2.address).find((r) => r.prefix === '10.244.9.0/24');
    expect(toC1?.attributes).toBeDefined();
    expect(toC1?.attributes).toBe(toC2?.attributes);
    expect(rr.speaker.advertisedRoutes(nc.address).find((r) => r.prefix === '10.244.9.0/24')).toBeUndefined();
    // The reflector's view: best path and why.
    const best = find(rr.speaker.bestRoutes(), '10.244.1.0/24');
    expect(best).toMatchObject({ peer: '10.0.0.11', best: true, step: 'only-path' });

    // Withdrawal at the source reaches everyone.
    c1.speaker.setLocalRoutes([]);
    await run(clock, 1);
    expect(find(c2.speaker.receivedRoutes(), '10.244.1.0/24')).toBeUndefined();
    expect(find(nc.speaker.receivedRoutes(), '10.244.1.0/24')).toBeUndefined();
  });

  it('without reflection, iBGP split horizon: an iBGP route is not passed to another iBGP peer', async () => {
    const a = await make('10.0.0.1', 65000);
    const b = await make('10.0.0.2', 65000);
    const c = await make('10.0.0.3', 65000);
    link(a, b);
    link(a, c);
    b.speaker.setLocalRoutes([route('10.244.2.0/24')]);
    await run(clock, 3);
    expect(find(a.speaker.receivedRoutes(), '10.244.2.0/24')).toBeDefined();
    expect(c.speaker.receivedRoutes()).toEqual([]);
  });

  it('hierarchical: two reflectors peer as non-clients; a client route crosses both with two cluster IDs', async () => {
    const rr1 = await make('10.0.0.1', 65000);
    const rr2 = await make('10.0.0.2', 65000);
    const c1 = await make('10.0.0.11', 65000);
    const c2 = await make('10.0.0.12', 65000);
    link(rr1, c1, { routeReflectorClient: true });
    link(rr2, c2, { routeReflectorClient: true });
    link(rr1, rr2);
    c1.speaker.setLocalRoutes([route('10.244.1.0/24', { nextHop: '192.0.2.11' })]);
    await run(clock, 3);
    expect(find(rr2.speaker.receivedRoutes(), '10.244.1.0/24')?.attributes).toMatchObject({ originatorId: '10.0.0.11', clusterList: ['10.0.0.1'] });
    expect(find(c2.speaker.receivedRoutes(), '10.244.1.0/24')?.attributes).toMatchObject({
      originatorId: '10.0.0.11',
      clusterList: ['10.0.0.2', '10.0.0.1'],
      nextHop: '192.0.2.11',
    });
  });

  it('two reflectors sharing a cluster ID drop each other\'s reflections of their common client\'s routes', async () => {
    const rr1 = await make('10.0.0.1', 65000, { clusterId: '1.1.1.1' });
    const rr2 = await make('10.0.0.2', 65000, { clusterId: '1.1.1.1' });
    const c1 = await make('10.0.0.11', 65000);
    link(rr1, c1, { routeReflectorClient: true });
    link(rr2, c1, { routeReflectorClient: true });
    link(rr1, rr2);
    c1.speaker.setLocalRoutes([route('10.244.1.0/24', { nextHop: '192.0.2.11' })]);
    await run(clock, 3);
    // rr2 has the route from the client directly only; the copy reflected by rr1 carries cluster 1.1.1.1 and is dropped.
    const at2 = rr2.speaker.receivedRoutes().filter((r) => r.prefix === '10.244.1.0/24');
    expect(at2.map((r) => r.peer)).toEqual(['10.0.0.11']);
    // The client keeps no reflection of its own route (ORIGINATOR_ID), and stays with one path.
    expect(c1.speaker.receivedRoutes()).toEqual([]);
    // One reflector stops: the route is still at the other.
    await rr1.speaker.close();
    await run(clock, 2);
    expect(find(rr2.speaker.bestRoutes(), '10.244.1.0/24')?.peer).toBe('10.0.0.11');
  });

  it('eBGP: our AS prepended (or the per-peer local AS), next hop self, no LOCAL_PREF; iBGP gets the eBGP next hop and LOCAL_PREF 100', async () => {
    const a = await make('10.0.0.1', 65000);
    const ext = await make('10.1.0.1', 65100);
    const ext2 = await make('10.2.0.1', 65200);
    const ibgp = await make('10.0.0.2', 65000);
    link(a, ext);
    link(a, ext2, { localAsn: 64999 }, { asn: 64999 });
    link(a, ibgp);
    ext.speaker.setLocalRoutes([route('10.50.0.0/16', { nextHop: '10.1.0.1', med: 9, communities: [65100 * 65536 + 7] })]);
    await run(clock, 3);
    const atA = find(a.speaker.receivedRoutes(), '10.50.0.0/16');
    expect(atA?.attributes).toMatchObject({ asPath: [{ type: 'sequence', asns: [65100] }], med: 9 });
    expect(find(ibgp.speaker.receivedRoutes(), '10.50.0.0/16')?.attributes).toMatchObject({
      asPath: [{ type: 'sequence', asns: [65100] }],
      nextHop: '10.1.0.1',
      localPref: 100,
      med: 9,
      communities: [65100 * 65536 + 7],
    });
    const at2 = find(ext2.speaker.receivedRoutes(), '10.50.0.0/16');
    expect(at2?.attributes).toMatchObject({ asPath: [{ type: 'sequence', asns: [64999, 65100] }], nextHop: '10.0.0.1', communities: [65100 * 65536 + 7] });
    expect(at2?.attributes.localPref).toBeUndefined();
    expect(at2?.attributes.med).toBeUndefined();
    // Nothing goes back to the eBGP peer it came from.
    expect(ext.speaker.receivedRoutes()).toEqual([]);
  });

  it('prefers the eBGP path over the iBGP one and reports the step; falls back when the session drops', async () => {
    const a = await make('10.0.0.1', 65000);
    const ext = await make('10.1.0.1', 65100);
    const ibgp = await make('10.0.0.2', 65000);
    link(a, ext);
    link(a, ibgp);
    ext.speaker.setLocalRoutes([route('10.60.0.0/16', { nextHop: '10.1.0.1' })]);
    ibgp.speaker.setLocalRoutes([route('10.60.0.0/16', { nextHop: '192.0.2.2', communities: [] })]);
    await run(clock, 3);
    // Path lengths differ (1 vs 0): the iBGP path with the empty AS_PATH wins on AS_PATH length.
    const best = find(a.speaker.bestRoutes(), '10.60.0.0/16');
    expect(best).toMatchObject({ peer: '10.0.0.2', step: 'as-path', decidedBy: 'AS_PATH length' });
    const changes: BestPathChange[] = [];
    const unsubscribe = a.speaker.subscribe((c) => changes.push(...c));
    a.speaker.removePeer(ibgp.address);
    await run(clock, 1);
    expect(find(a.speaker.bestRoutes(), '10.60.0.0/16')?.peer).toBe('10.1.0.1');
    expect(changes.map((c) => [c.prefix.address, c.best?.source.address])).toEqual([['10.60.0.0', '10.1.0.1']]);
    unsubscribe();
  });

  it('closes a session over its maximum prefix count with Cease / Maximum Number of Prefixes Reached, and restarts it after the delay', async () => {
    const a = await make('10.0.0.1', 65000);
    const b = await make('10.0.0.2', 65000);
    link(a, b, { maxPrefixes: { limit: 2, restartDelay: 20 } });
    b.speaker.setLocalRoutes([route('10.244.1.0/24'), route('10.244.2.0/24')]);
    await run(clock, 2);
    expect(a.speaker.receivedRoutes()).toHaveLength(2);
    b.speaker.setLocalRoutes([route('10.244.1.0/24'), route('10.244.2.0/24'), route('10.244.3.0/24')]);
    await run(clock, 2);
    expect(b.speaker.status().peers[0]?.lastError).toBe('Received: Cease / Maximum Number of Prefixes Reached');
    expect(a.speaker.status().peers[0]?.state).not.toBe('Established');
    expect(a.speaker.receivedRoutes()).toEqual([]);
    await run(clock, 10);
    expect(a.speaker.status().peers[0]?.establishedTransitions).toBe(1);
    await run(clock, 12);
    // Restarted after the delay, and closed again: the peer still sends too many.
    expect(a.speaker.status().peers[0]?.establishedTransitions).toBe(2);
  });

  it('applies BGPFilter import and export rules, and re-requests routes (ROUTE-REFRESH) when import rules change', async () => {
    const a = await make('10.0.0.1', 65000);
    const b = await make('10.0.0.2', 65000);
    const ext = await make('10.1.0.1', 65100);
    const importRules = filters({ importV4: [{ action: 'Reject', cidr: '10.244.2.0/24', matchOperator: 'Equal' }] });
    link(a, b, { filters: importRules });
    link(a, ext, {
      filters: filters({
        exportV4: [
          { action: 'Reject', cidr: '10.244.3.0/24', matchOperator: 'Equal' },
          { action: 'Accept', operations: [{ addCommunity: { value: '65000:99' } }, { prependASPath: { prefix: [65000] } }] },
        ],
      }),
    });
    b.speaker.setLocalRoutes([route('10.244.1.0/24'), route('10.244.2.0/24'), route('10.244.3.0/24')]);
    await run(clock, 3);
    expect(a.speaker.receivedRoutes().map((r) => r.prefix).sort()).toEqual(['10.244.1.0/24', '10.244.3.0/24']);
    const atExt = ext.speaker.receivedRoutes();
    expect(atExt.map((r) => r.prefix)).toEqual(['10.244.1.0/24']);
    expect(atExt[0]?.attributes).toMatchObject({ communities: [65000 * 65536 + 99], asPath: [{ type: 'sequence', asns: [65000, 65000] }] });

    // New import rules: the session stays up (no NOTIFICATION either way) and the peer re-sends its routes.
    const before = a.speaker.status().peers.find((p) => p.address === b.address)?.establishedTransitions;
    a.speaker.setPeer(peerCfg(a, b, { filters: filters({ importV4: [{ action: 'Reject', cidr: '10.244.1.0/24', matchOperator: 'Equal' }] }) }));
    await run(clock, 2);
    expect(a.speaker.receivedRoutes().map((r) => r.prefix).sort()).toEqual(['10.244.2.0/24', '10.244.3.0/24']);
    expect(a.speaker.status().peers.find((p) => p.address === b.address)?.establishedTransitions).toBe(before);
    expect(a.speaker.status().peers.find((p) => p.address === b.address)?.lastError).toBeUndefined();
    expect(b.speaker.status().peers[0]?.lastError).toBeUndefined();
  });

  it('keeps the session when only routing policy changes (filters, next hop), and resets it when the hold time changes', async () => {
    const a = await make('10.0.0.1', 65000);
    const ext = await make('10.1.0.1', 65100);
    link(a, ext);
    a.speaker.setLocalRoutes([route('10.244.1.0/24'), route('10.244.2.0/24')]);
    await run(clock, 3);
    expect(ext.speaker.receivedRoutes().map((r) => r.prefix).sort()).toEqual(['10.244.1.0/24', '10.244.2.0/24']);
    const transitions = (): number | undefined => a.speaker.status().peers[0]?.establishedTransitions;
    expect(transitions()).toBe(1);

    // Export filter and next-hop mode change: the difference is sent on the same session, no NOTIFICATION.
    a.speaker.setPeer(peerCfg(a, ext, { nextHopMode: 'self', filters: filters({ exportV4: [{ action: 'Reject', cidr: '10.244.2.0/24', matchOperator: 'Equal' }] }) }));
    await run(clock, 2);
    expect(ext.speaker.receivedRoutes().map((r) => r.prefix)).toEqual(['10.244.1.0/24']);
    expect(transitions()).toBe(1);
    expect(a.speaker.status().peers[0]?.state).toBe('Established');
    expect(ext.speaker.status().peers[0]?.lastError).toBeUndefined();
    expect(a.speaker.status().peers[0]?.lastError).toBeUndefined();

    // A session setting (the hold time in our OPEN): the session starts over.
    a.speaker.setPeer(peerCfg(a, ext, { holdTime: 15, nextHopMode: 'self', filters: filters({ exportV4: [{ action: 'Reject', cidr: '10.244.2.0/24', matchOperator: 'Equal' }] }) }));
    await run(clock, 1);
    // ext (passive) takes a's new connection at once, even within its restart delay: a second session, not the first.
    expect(ext.speaker.status().peers[0]?.establishedTransitions).toBe(2);
    await run(clock, 10);
    expect(a.speaker.status().peers[0]?.state).toBe('Established');
    expect(a.speaker.status().peers[0]?.negotiatedHoldTime).toBe(15);
    expect(ext.speaker.receivedRoutes().map((r) => r.prefix)).toEqual(['10.244.1.0/24']);
  });

  it('export rules on interface and priority see the kernel route behind a local route, and follow its changes', async () => {
    const a = await make('10.0.0.1', 65000);
    const ext = await make('10.1.0.1', 65100);
    link(a, ext, { filters: filters({ exportV4: [{ action: 'Accept', interface: 'cali*', priority: 1024 }, { action: 'Reject', cidr: '10.244.0.0/16', prefixLength: { min: 32 }, matchOperator: 'In' }] }) });
    const borrowed = (ifname: string): LocalRoute => ({ ...route('10.244.7.9/32'), interface: ifname, priority: 1024 });
    a.speaker.setLocalRoutes([route('10.244.1.0/26'), borrowed('cali0123456789a'), { ...route('10.244.7.10/32'), interface: 'cali99', priority: 512 }]);
    await run(clock, 3);
    expect(ext.speaker.receivedRoutes().map((r) => r.prefix).sort()).toEqual(['10.244.1.0/26', '10.244.7.9/32']);
    // Same route, another device: the export is decided again.
    a.speaker.setLocalRoutes([route('10.244.1.0/26'), borrowed('tunl0'), { ...route('10.244.7.10/32'), interface: 'cali99', priority: 512 }]);
    await run(clock, 2);
    expect(ext.speaker.receivedRoutes().map((r) => r.prefix)).toEqual(['10.244.1.0/26']);
  });

  it('packs many prefixes sharing one attribute set into few UPDATEs, at every hop', async () => {
    const a = await make('10.0.0.1', 65000);
    const rr = await make('10.0.0.2', 65000);
    const c = await make('10.0.0.3', 65000);
    link(a, rr, {}, { routeReflectorClient: true });
    link(rr, c, { routeReflectorClient: true });
    const routes: LocalRoute[] = [];
    for (let i = 0; i < 2000; i++) routes.push(route(`10.${100 + (i >> 8)}.${i & 255}.0/24`, { nextHop: '192.0.2.1' }));
    await run(clock, 2);
    a.speaker.setLocalRoutes(routes);
    await run(clock, 2);
    expect(c.speaker.receivedRoutes()).toHaveLength(2000);
    const st = rr.speaker.status().peers.find((p) => p.address === c.address);
    // 2000 /24s at 4 octets each fit in one extended (65535-octet) message; the initial End-of-RIB is one more.
    expect(st?.prefixesSent.ipv4).toBe(2000);
    expect(st?.updatesOut).toBeLessThanOrEqual(3);
  });
});
