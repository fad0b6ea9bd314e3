// Gingham's speaker (the real `gingham bgp run` process) against real BIRD 2, FRR bgpd and GoBGP daemons on
// loopback addresses: sessions both ways, 4-octet AS, IPv4 + IPv6 in one session, routes and withdrawals both ways,
// hold timer expiry on a frozen peer and recovery, and Bad Peer AS on both sides.
import { requireTools, describeIf } from '../lib/tools';
import { allocateLoopbacks, releaseLoopbacks } from '../lib/loopback';
import { cleanupAll, pauseProcess, resumeProcess, waitFor } from '../lib/process';
import type { RouteView } from '../lib/daemon-types';
import { GinghamSpeaker, type GinghamOptions } from './gingham';
import { DAEMON_COMMANDS, startDaemon, type DaemonKind, type PeerDaemon } from './peer-daemons';

const KINDS: DaemonKind[] = ['bird', 'frr', 'gobgp'];

const ok = requireTools('gingham interop', [...new Set(KINDS.flatMap((k) => DAEMON_COMMANDS[k]))], { root: true });

const G_V4 = '10.200.0.0/24';
const G_V6 = '2001:db8:a::/48';
const D_V4 = '10.201.0.0/24';
const D_V6 = '2001:db8:d::/48';

function find(routes: RouteView[], prefix: string): RouteView | undefined {
  return routes.find((r) => r.prefix === prefix);
}

describeIf(ok).each(KINDS)('Gingham <-> %s', (kind) => {
  let g: GinghamSpeaker | undefined;
  let d: PeerDaemon | undefined;
  let addrs: string[] = [];

  beforeEach(async () => {
    addrs = await allocateLoopbacks(2);
  });

  afterEach(async () => {
    await g?.stop();
    await d?.stop();
    g = undefined;
    d = undefined;
    await cleanupAll();
    releaseLoopbacks(addrs);
  });

  function gOptions(gAddr: string, peer: { address: string; asNumber: number }, extra: Partial<GinghamOptions> = {}, holdTime?: number): GinghamOptions {
    return {
      asNumber: 65000,
      routerId: gAddr,
      listen: { address: gAddr },
      peers: [{ ...peer, families: ['ipv4', 'ipv6'], ...(holdTime !== undefined ? { holdTime } : {}) }],
      originate: [
        { prefix: G_V4, nextHop: '192.0.2.10', communities: ['65000:100'], largeCommunities: ['65000:1:2'], med: 20 },
        { prefix: G_V6, nextHop: '2001:db8::10' },
      ],
      ...extra,
    };
  }

  it('iBGP with Gingham active: IPv4 and IPv6 routes both ways with their attributes, then withdrawals both ways', async () => {
    const [gAddr, dAddr] = addrs as [string, string];
    d = await startDaemon(kind, {
      routerId: dAddr,
      listenAddress: dAddr,
      asn: 65000,
      neighbors: [{ name: 'gingham', address: gAddr, asn: 65000, passive: true, families: ['ipv4', 'ipv6'] }],
      originate: [
        { prefix: D_V4, nextHop: '192.0.2.20', communities: ['65000:200'] },
        { prefix: D_V6, nextHop: '2001:db8::20' },
      ],
    });
    const opts = gOptions(gAddr, { address: dAddr, asNumber: 65000 });
    g = await GinghamSpeaker.start(opts);
    await g.waitState(dAddr, 'Established');
    const peer = d;
    await waitFor(async () => (await peer.state(gAddr)) === 'Established', 30000, `${kind} Established`);

    // Our routes in the peer's RIB, with the attributes we set.
    let v4: RouteView | undefined;
    await waitFor(async () => (v4 = find(await peer.routes('ipv4'), G_V4)) !== undefined, 20000, `${G_V4} at ${kind}`);
    expect(v4).toMatchObject({ nextHop: '192.0.2.10', asPath: [], origin: 'igp', localPref: 100, med: 20, communities: ['65000:100'], largeCommunities: ['65000:1:2'] });
    let v6: RouteView | undefined;
    await waitFor(async () => (v6 = find(await peer.routes('ipv6'), G_V6)) !== undefined, 20000, `${G_V6} at ${kind}`);
    expect(v6?.nextHop).toBe('2001:db8::10');

    // The peer's routes in our Adj-RIB-In.
    const speaker = g;
    await g.waitFor(() => speaker.routes(dAddr).length === 2, 20000, `routes from ${kind}`);
    const fromD = g.routes(dAddr);
    expect(fromD.find((r) => r.prefix === D_V4)).toMatchObject({ nextHop: '192.0.2.20', asPath: '', localPref: 100, communities: ['65000:200'] });
    expect(fromD.find((r) => r.prefix === D_V6)?.nextHop).toBe('2001:db8::20');
    expect(g.peer(dAddr)).toMatchObject({ prefixesReceived: 2, prefixesSent: 2 });

    // Withdrawal from the peer.
    await d.removeRoute(D_V4);
    await g.waitFor(() => speaker.routes(dAddr).every((r) => r.prefix !== D_V4), 20000, `${D_V4} withdrawn at gingham`);
    expect(g.routes(dAddr).map((r) => r.prefix)).toEqual([D_V6]);

    // Withdrawal from us: drop the IPv4 route from the configuration and reload; the session stays up.
    g.reconfigure({ ...opts, originate: opts.originate?.filter((r) => r.prefix !== G_V4) });
    await waitFor(async () => find(await peer.routes('ipv4'), G_V4) === undefined, 20000, `${G_V4} withdrawn at ${kind}`);
    expect(find(await peer.routes('ipv6'), G_V6)).toBeDefined();
    expect(await peer.state(gAddr)).toBe('Established');
  });

  it('eBGP with a 4-octet AS and Gingham passive: AS_PATH carries both ASes correctly', async () => {
    const [gAddr, dAddr] = addrs as [string, string];
    const bigAs = 4200000001;
    d = await startDaemon(kind, {
      routerId: dAddr,
      listenAddress: dAddr,
      asn: bigAs,
      neighbors: [{ name: 'gingham', address: gAddr, asn: 65000, families: ['ipv4'] }],
      originate: [{ prefix: D_V4, nextHop: '192.0.2.20' }],
    });
    g = await GinghamSpeaker.start({
      asNumber: 65000,
      routerId: gAddr,
      listen: { address: gAddr },
      peers: [{ address: dAddr, asNumber: bigAs, passive: true }],
      originate: [{ prefix: G_V4, nextHop: '192.0.2.10' }],
    });
    await g.waitState(dAddr, 'Established', 45000);
    const speaker = g;
    await g.waitFor(() => speaker.routes(dAddr).length > 0, 20000, `route from ${kind}`);
    // FRR reflects our own route back to us (no sender-side loop check); it must not enter our Adj-RIB-In (AS loop).
    expect(g.routes(dAddr)).toEqual([expect.objectContaining({ prefix: D_V4, asPath: String(bigAs) })]);
    const peer = d;
    let v4: RouteView | undefined;
    await waitFor(async () => (v4 = find(await peer.routes('ipv4'), G_V4)) !== undefined, 20000, `${G_V4} at ${kind}`);
    expect(v4?.asPath).toEqual([65000]);
    expect(v4?.localPref === undefined || v4.localPref === 100).toBe(true);
  });

  it('expires the hold timer of a peer frozen with SIGSTOP and recovers after SIGCONT', async () => {
    const [gAddr, dAddr] = addrs as [string, string];
    d = await startDaemon(kind, {
      routerId: dAddr,
      listenAddress: dAddr,
      asn: 65000,
      neighbors: [{ name: 'gingham', address: gAddr, asn: 65000, passive: true, families: ['ipv4'], holdTime: 6 }],
    });
    g = await GinghamSpeaker.start({
      asNumber: 65000,
      routerId: gAddr,
      listen: { address: gAddr },
      peers: [{ address: dAddr, asNumber: 65000, holdTime: 6 }],
    });
    await g.waitState(dAddr, 'Established');
    const speaker = g;
    pauseProcess(d.pid);
    try {
      await g.waitFor(() => /Hold Timer Expired/.test(speaker.peer(dAddr)?.info ?? ''), 20000, 'hold timer expiry');
      expect(g.peer(dAddr)?.state).not.toBe('Established');
    } finally {
      resumeProcess(d.pid);
    }
    await g.waitState(dAddr, 'Established', 60000);
  });

  it('answers a wrong peer AS with OPEN Message Error / Bad Peer AS, whichever side is misconfigured', async () => {
    const [gAddr, dAddr] = addrs as [string, string];
    // Gingham expects AS 65099; the daemon is AS 65000.
    d = await startDaemon(kind, {
      routerId: dAddr,
      listenAddress: dAddr,
      asn: 65000,
      neighbors: [{ name: 'gingham', address: gAddr, asn: 65000, families: ['ipv4'] }],
    });
    g = await GinghamSpeaker.start({ asNumber: 65000, routerId: gAddr, listen: { address: gAddr }, peers: [{ address: dAddr, asNumber: 65099 }] });
    const speaker = g;
    await g.waitFor(() => (speaker.peer(dAddr)?.info ?? '').includes('BGP Error: OPEN Message Error / Bad Peer AS'), 30000, 'Bad Peer AS sent by gingham');
    if (kind === 'bird') {
      // BIRD shows the NOTIFICATION it received; FRR 8.4's neighbour JSON keeps its first reset reason and GoBGP keeps
      // no error text, so for them the wire-level check is Gingham's own (and the reverse case below).
      const peer = d;
      await waitFor(async () => /bad peer as|2\/2/i.test(await peer.lastError(gAddr)), 20000, `${kind} to report Bad Peer AS`);
    }
    await g.stop();
    await d.stop();

    // The daemon expects AS 65098 for Gingham, which is AS 65000.
    d = await startDaemon(kind, {
      routerId: dAddr,
      listenAddress: dAddr,
      asn: 65000,
      neighbors: [{ name: 'gingham', address: gAddr, asn: 65098, families: ['ipv4'] }],
    });
    g = await GinghamSpeaker.start({ asNumber: 65000, routerId: gAddr, listen: { address: gAddr }, peers: [{ address: dAddr, asNumber: 65000 }] });
    const speaker2 = g;
    await g.waitFor(() => (speaker2.peer(dAddr)?.info ?? '').includes('Received: OPEN Message Error / Bad Peer AS'), 30000, 'Bad Peer AS received by gingham');
  });
});
