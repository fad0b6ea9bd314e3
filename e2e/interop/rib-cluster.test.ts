// Two real `gingham bgp run` reflectors sharing one CLUSTER_ID, with the same two BIRD 2 clients, on loopback
// addresses: each client's route reaches the other through both reflectors, each reflector drops the other's
// reflection of it (its own CLUSTER_ID in the CLUSTER_LIST, RFC 4456 §8), and when one reflector stops the other
// client never loses the route.
import { requireTools, describeIf } from '../lib/tools';
import { allocateLoopbacks, releaseLoopbacks } from '../lib/loopback';
import { cleanupAll, waitFor } from '../lib/process';
import type { RouteView } from '../lib/daemon-types';
import { GinghamSpeaker, type GinghamOptions } from './gingham';
import { DAEMON_COMMANDS, startDaemon, type PeerDaemon } from './peer-daemons';

const ok = requireTools('shared cluster interop', DAEMON_COMMANDS.bird, { root: true });

const A_NET = '10.213.1.0/24';
const CLUSTER = '10.213.0.1';

const via = (routes: RouteView[], prefix: string): string[] => routes.filter((r) => r.prefix === prefix).map((r) => r.from ?? 'local').sort();

describeIf(ok)('two Gingham reflectors sharing a cluster ID', () => {
  const gs: GinghamSpeaker[] = [];
  let daemons: PeerDaemon[] = [];
  let addrs: string[] = [];

  afterEach(async () => {
    for (const g of gs) await g.stop();
    gs.length = 0;
    for (const d of daemons) await d.stop();
    daemons = [];
    await cleanupAll();
    releaseLoopbacks(addrs);
    addrs = [];
  });

  it('no route is lost when one of them stops', async () => {
    addrs = await allocateLoopbacks(4);
    const [r1, r2, aAddr, bAddr] = addrs as [string, string, string, string];
    const client = (addr: string, originate: boolean): Promise<PeerDaemon> =>
      startDaemon('bird', {
        routerId: addr,
        listenAddress: addr,
        asn: 65000,
        neighbors: [
          { name: 'rr1', address: r1, asn: 65000, passive: true, families: ['ipv4'] },
          { name: 'rr2', address: r2, asn: 65000, passive: true, families: ['ipv4'] },
        ],
        originate: originate ? [{ prefix: A_NET, nextHop: '192.0.2.11' }] : [],
      });
    daemons.push(await client(aAddr, true), await client(bAddr, false));
    const b = daemons[1] as PeerDaemon;
    const reflector = (self: string, other: string): GinghamOptions => ({
      asNumber: 65000,
      routerId: self,
      clusterId: CLUSTER,
      listen: { address: self },
      peers: [
        { address: aAddr, asNumber: 65000, routeReflectorClient: true, families: ['ipv4'] },
        { address: bAddr, asNumber: 65000, routeReflectorClient: true, families: ['ipv4'] },
        // Reflector to reflector as non-clients; the lower address connects.
        { address: other, asNumber: 65000, families: ['ipv4'], passive: self > other },
      ],
    });
    const g1 = await GinghamSpeaker.start(reflector(r1, r2));
    gs.push(g1);
    const g2 = await GinghamSpeaker.start(reflector(r2, r1));
    gs.push(g2);
    await g1.waitState(r2, 'Established', 45000);

    await waitFor(async () => via(await b.routes('ipv4'), A_NET).length === 2, 30000, `${A_NET} at B through both reflectors`);
    expect(via(await b.routes('ipv4'), A_NET)).toEqual([r1, r2].sort());
    const atB = (await b.routes('ipv4')).filter((r) => r.prefix === A_NET);
    for (const r of atB) expect(r).toMatchObject({ originatorId: aAddr, clusterList: [CLUSTER] });
    // Each reflector holds the route from the client only: the other's reflection carries CLUSTER and is dropped.
    expect(g2.routes(undefined, 'ipv4').filter((r) => r.prefix === A_NET).map((r) => r.peer)).toEqual([aAddr]);
    expect(g1.routes(undefined, 'ipv4').filter((r) => r.prefix === A_NET).map((r) => r.peer)).toEqual([aAddr]);

    let watching = true;
    const missing: number[] = [];
    let looks = 0;
    const watcher = (async () => {
      while (watching) {
        if (via(await b.routes('ipv4'), A_NET).length === 0) missing.push(Date.now());
        looks++;
        await new Promise((res) => setTimeout(res, 150));
      }
    })();
    try {
      await g1.stop();
      gs.shift();
      await waitFor(async () => via(await b.routes('ipv4'), A_NET).length === 1, 30000, `${A_NET} at B through one reflector`);
      expect(via(await b.routes('ipv4'), A_NET)).toEqual([r2]);
      await new Promise((res) => setTimeout(res, 1500));
    } finally {
      watching = false;
      await watcher;
    }
    expect(looks).toBeGreaterThan(3);
    expect(missing).toEqual([]);
  });
});
