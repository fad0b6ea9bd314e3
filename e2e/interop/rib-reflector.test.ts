// Route reflection with real daemons on loopback addresses, Gingham being the real `gingham bgp run` process:
// Gingham as the reflector of two BIRD 2 clients (a route from one reaches the other with ORIGINATOR_ID and
// CLUSTER_LIST as `birdc show route all` prints them, and never comes back to its originator), and Gingham as a
// client of a BIRD reflector and of an FRR reflector (its route reaches the other client, the other client's
// route reaches it, both with the reflector's attributes).
import { requireTools, describeIf } from '../lib/tools';
import { allocateLoopbacks, releaseLoopbacks } from '../lib/loopback';
import { cleanupAll, waitFor } from '../lib/process';
import type { RouteView } from '../lib/daemon-types';
import { GinghamSpeaker } from './gingham';
import { DAEMON_COMMANDS, startDaemon, type PeerDaemon } from './peer-daemons';

const ok = requireTools('route reflection interop', [...DAEMON_COMMANDS.bird, ...DAEMON_COMMANDS.frr], { root: true });

const A_NET = '10.210.1.0/24';
const B_NET = '10.210.2.0/24';
const G_NET = '10.210.9.0/24';

function learned(routes: RouteView[], prefix: string, from: string): RouteView | undefined {
  return routes.find((r) => r.prefix === prefix && r.from === from);
}

describeIf(ok)('route reflection with real daemons', () => {
  let g: GinghamSpeaker | undefined;
  let daemons: PeerDaemon[] = [];
  let addrs: string[] = [];

  afterEach(async () => {
    await g?.stop();
    g = undefined;
    for (const d of daemons) await d.stop();
    daemons = [];
    await cleanupAll();
    releaseLoopbacks(addrs);
    addrs = [];
  });

  it('Gingham reflects between two BIRD 2 clients: ORIGINATOR_ID and CLUSTER_LIST at the other client, nothing back to the originator', async () => {
    addrs = await allocateLoopbacks(3);
    const [gAddr, aAddr, bAddr] = addrs as [string, string, string];
    const client = (addr: string, prefix: string): Promise<PeerDaemon> =>
      startDaemon('bird', {
        routerId: addr,
        listenAddress: addr,
        asn: 65000,
        neighbors: [{ name: 'gingham', address: gAddr, asn: 65000, passive: true, families: ['ipv4'] }],
        originate: [{ prefix, nextHop: addr === aAddr ? '192.0.2.11' : '192.0.2.12', communities: ['65000:7'], localPref: 150, med: 30 }],
      });
    const a = await client(aAddr, A_NET);
    const b = await client(bAddr, B_NET);
    daemons.push(a, b);
    g = await GinghamSpeaker.start({
      asNumber: 65000,
      routerId: gAddr,
      listen: { address: gAddr },
      peers: [
        { address: aAddr, asNumber: 65000, routeReflectorClient: true, families: ['ipv4'] },
        { address: bAddr, asNumber: 65000, routeReflectorClient: true, families: ['ipv4'] },
      ],
    });
    await g.waitState(aAddr, 'Established');
    await g.waitState(bAddr, 'Established');

    let atB: RouteView | undefined;
    await waitFor(async () => (atB = learned(await b.routes('ipv4'), A_NET, gAddr)) !== undefined, 30000, `${A_NET} at client B`);
    // RFC 4456 §8 as BIRD prints it; §10: NEXT_HOP, AS_PATH, LOCAL_PREF and MED unchanged.
    expect(atB).toMatchObject({ originatorId: aAddr, clusterList: [gAddr], nextHop: '192.0.2.11', asPath: [], localPref: 150, med: 30, communities: ['65000:7'] });
    let atA: RouteView | undefined;
    await waitFor(async () => (atA = learned(await a.routes('ipv4'), B_NET, gAddr)) !== undefined, 30000, `${B_NET} at client A`);
    expect(atA).toMatchObject({ originatorId: bAddr, clusterList: [gAddr], nextHop: '192.0.2.12' });

    // Gingham's own view: one path per prefix, the best, chosen as the only path.
    const best = g.routes(undefined, 'ipv4', true);
    expect(best.find((r) => r.prefix === A_NET)).toMatchObject({ peer: aAddr, best: true, decidedBy: 'only path' });
    // A's own route never came back to A: only B's route was sent to it.
    expect(learned(await a.routes('ipv4'), A_NET, gAddr)).toBeUndefined();
    expect(g.peer(aAddr)).toMatchObject({ prefixesReceived: 1, prefixesSent: 1 });

    // Withdrawal at the originator reaches the other client.
    await a.removeRoute(A_NET);
    await waitFor(async () => learned(await b.routes('ipv4'), A_NET, gAddr) === undefined, 30000, `${A_NET} withdrawn at client B`);
  });

  for (const kind of ['bird', 'frr'] as const) {
    it(`Gingham as a client of a ${kind === 'bird' ? 'BIRD' : 'FRR'} reflector: routes both ways through it with the reflector's attributes`, async () => {
      addrs = await allocateLoopbacks(3);
      const [gAddr, rrAddr, cAddr] = addrs as [string, string, string];
      const rr = await startDaemon(kind, {
        routerId: rrAddr,
        listenAddress: rrAddr,
        asn: 65000,
        neighbors: [
          { name: 'gingham', address: gAddr, asn: 65000, rrClient: true, families: ['ipv4'] },
          { name: 'other', address: cAddr, asn: 65000, rrClient: true, families: ['ipv4'] },
        ],
      });
      daemons.push(rr);
      const other = await startDaemon('bird', {
        routerId: cAddr,
        listenAddress: cAddr,
        asn: 65000,
        neighbors: [{ name: 'rr', address: rrAddr, asn: 65000, families: ['ipv4'] }],
        originate: [{ prefix: B_NET, nextHop: '192.0.2.12' }],
      });
      daemons.push(other);
      g = await GinghamSpeaker.start({
        asNumber: 65000,
        routerId: gAddr,
        listen: { address: gAddr },
        peers: [{ address: rrAddr, asNumber: 65000, families: ['ipv4'] }],
        originate: [{ prefix: G_NET, nextHop: '192.0.2.9', communities: ['65000:9'] }],
      });
      await g.waitState(rrAddr, 'Established', 45000);

      let atOther: RouteView | undefined;
      await waitFor(async () => (atOther = learned(await other.routes('ipv4'), G_NET, rrAddr)) !== undefined, 30000, `${G_NET} at the other client`);
      expect(atOther).toMatchObject({ originatorId: gAddr, clusterList: [rrAddr], nextHop: '192.0.2.9', communities: ['65000:9'] });

      const speaker = g;
      await g.waitFor(() => speaker.routes(rrAddr).some((r) => r.prefix === B_NET), 30000, `${B_NET} at gingham`);
      expect(g.routes(rrAddr).find((r) => r.prefix === B_NET)).toMatchObject({ originatorId: cAddr, clusterList: [rrAddr], nextHop: '192.0.2.12', best: true });
      // Our own route is not reflected back to us (or, if it were, dropped by ORIGINATOR_ID): we hold only B_NET.
      expect(g.routes(rrAddr).map((r) => r.prefix)).toEqual([B_NET]);
    });
  }
});
