// eBGP between the real `gingham bgp run` process and FRR bgpd, with a BIRD 2 iBGP neighbour behind Gingham, on
// loopback addresses: routes from iBGP go to FRR with our AS prepended, next hop self, communities kept and no
// LOCAL_PREF; FRR's routes go to BIRD with their eBGP next hop, AS_PATH, communities and LOCAL_PREF 100; what FRR
// echoes back to us is dropped by AS-path loop detection; a BGPFilter export rule keeps one prefix from FRR.
import { requireTools, describeIf } from '../lib/tools';
import { allocateLoopbacks, releaseLoopbacks } from '../lib/loopback';
import { cleanupAll, waitFor } from '../lib/process';
import type { RouteView } from '../lib/daemon-types';
import { GinghamSpeaker } from './gingham';
import { DAEMON_COMMANDS, startDaemon, type PeerDaemon } from './peer-daemons';

const ok = requireTools('eBGP interop', [...DAEMON_COMMANDS.bird, ...DAEMON_COMMANDS.frr], { root: true });

const B_NET = '10.211.2.0/24';
const F_NET = '10.211.5.0/24';
const G_NET = '10.211.9.0/24';
const DENY = '10.211.3.0/24';

const learned = (routes: RouteView[], prefix: string, from: string): RouteView | undefined => routes.find((r) => r.prefix === prefix && r.from === from);

describeIf(ok)('eBGP with FRR', () => {
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

  it('AS_PATH, next hop and communities across Gingham between FRR (eBGP) and BIRD (iBGP)', async () => {
    addrs = await allocateLoopbacks(3);
    const [gAddr, fAddr, bAddr] = addrs as [string, string, string];
    const frr = await startDaemon('frr', {
      routerId: fAddr,
      listenAddress: fAddr,
      asn: 65100,
      // Gingham's next hop self is its loopback address, which FRR would refuse as martian.
      allowMartianNextHop: true,
      neighbors: [{ name: 'gingham', address: gAddr, asn: 65000, families: ['ipv4'] }],
      originate: [{ prefix: F_NET, nextHop: '192.0.2.50', communities: ['65100:5'], med: 40 }],
    });
    daemons.push(frr);
    const bird = await startDaemon('bird', {
      routerId: bAddr,
      listenAddress: bAddr,
      asn: 65000,
      neighbors: [{ name: 'gingham', address: gAddr, asn: 65000, passive: true, families: ['ipv4'] }],
      originate: [
        { prefix: B_NET, nextHop: '192.0.2.12', communities: ['65000:7'], localPref: 150 },
        { prefix: DENY, nextHop: '192.0.2.12' },
      ],
    });
    daemons.push(bird);
    g = await GinghamSpeaker.start({
      asNumber: 65000,
      routerId: gAddr,
      listen: { address: gAddr },
      filters: { 'no-deny': { exportV4: [{ action: 'Reject', matchOperator: 'Equal', cidr: DENY }] } },
      peers: [
        { address: fAddr, asNumber: 65100, families: ['ipv4'], filters: ['no-deny'] },
        { address: bAddr, asNumber: 65000, families: ['ipv4'] },
      ],
      originate: [{ prefix: G_NET }],
    });
    await g.waitState(fAddr, 'Established', 45000);
    await g.waitState(bAddr, 'Established', 45000);

    // iBGP-learned and local routes at FRR: our AS prepended, next hop self, communities kept, no LOCAL_PREF sent.
    let atF: RouteView | undefined;
    await waitFor(async () => (atF = learned(await frr.routes('ipv4'), B_NET, gAddr)) !== undefined, 30000, `${B_NET} at FRR`);
    expect(atF).toMatchObject({ asPath: [65000], nextHop: gAddr, communities: ['65000:7'] });
    let gAtF: RouteView | undefined;
    await waitFor(async () => (gAtF = learned(await frr.routes('ipv4'), G_NET, gAddr)) !== undefined, 30000, `${G_NET} at FRR`);
    expect(gAtF).toMatchObject({ asPath: [65000], nextHop: gAddr, origin: 'igp' });
    // The export filter keeps DENY from FRR, though Gingham has it (from BIRD) as a best path.
    expect(g.routes(bAddr).some((r) => r.prefix === DENY && r.best === true)).toBe(true);
    expect((await frr.routes('ipv4')).some((r) => r.prefix === DENY)).toBe(false);

    // FRR's route at BIRD through Gingham: eBGP next hop and AS_PATH kept, LOCAL_PREF 100 added, MED kept inside the AS.
    let atB: RouteView | undefined;
    await waitFor(async () => (atB = learned(await bird.routes('ipv4'), F_NET, gAddr)) !== undefined, 30000, `${F_NET} at BIRD`);
    expect(atB).toMatchObject({ asPath: [65100], nextHop: '192.0.2.50', localPref: 100, med: 40, communities: ['65100:5'] });
    expect(atB?.originatorId).toBeUndefined();
    expect(atB?.clusterList).toBeUndefined();

    // Gingham's Adj-RIB-In from FRR holds FRR's route only: anything FRR echoed of ours carries AS 65000 (a loop).
    const speaker = g;
    await g.waitFor(() => speaker.routes(fAddr).length > 0, 20000, 'routes from FRR');
    expect(g.routes(fAddr).map((r) => [r.prefix, r.asPath, r.best, r.decidedBy])).toEqual([[F_NET, '65100', true, 'only path']]);
    // The BIRD route is not sent back to BIRD (it came from there), and BIRD got both others.
    expect(g.peer(bAddr)).toMatchObject({ prefixesReceived: 2, prefixesSent: 2 });
    expect(g.peer(fAddr)).toMatchObject({ prefixesSent: 2 });
  });
});
