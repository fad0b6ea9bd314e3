// Proves the daemon launchers against each other with real daemons, before any Gingham code is involved: if these
// fail, an interop failure with Gingham says nothing about Gingham. BIRD 2 sits in the middle with eBGP sessions to
// FRR, GoBGP (a 4-octet ASN) and the raw crafted-message peer; every session carries IPv4 and IPv6 unicast over IPv4.
import { BirdDaemon } from '../lib/bird';
import { ExabgpDaemon } from '../lib/exabgp';
import type { RouteView } from '../lib/daemon-types';
import { FrrDaemon } from '../lib/frr';
import { GobgpDaemon } from '../lib/gobgp';
import { allocateLoopbacks, releaseLoopbacks } from '../lib/loopback';
import { cleanupAll, runningPids, waitFor } from '../lib/process';
import { attr, buildUpdate, frame, closeAllRawPeers, ipv4Nlri, MSG, RawBgpPeer } from '../lib/raw-peer';
import { describeIf, requireTools } from '../lib/tools';

jest.setTimeout(120000);

const ok = requireTools('interop harness', ['bird', 'birdc', '/usr/lib/frr/bgpd', 'vtysh', 'gobgpd', 'gobgp', 'exabgp', 'mkfifo'], { root: true });

const BIRD_AS = 65001;
const FRR_AS = 65002;
const GOBGP_AS = 4200000003;
const RAW_AS = 65099;
const EXA_AS = 65005;
const ROUTE_WAIT_MS = 30000;

function find(routes: readonly RouteView[], prefix: string): RouteView | undefined {
  return routes.find((r) => r.prefix === prefix);
}

describeIf(ok)('daemon launchers against each other (BIRD, FRR, GoBGP, raw peer)', () => {
  let bird: BirdDaemon;
  let frr: FrrDaemon;
  let gobgp: GobgpDaemon;
  let exa: ExabgpDaemon;
  let a: { bird: string; frr: string; gobgp: string; raw: string; exa: string };

  beforeAll(async () => {
    const [b, f, g, r, e] = await allocateLoopbacks(5);
    if (b === undefined || f === undefined || g === undefined || r === undefined || e === undefined) throw new Error('no loopbacks');
    a = { bird: b, frr: f, gobgp: g, raw: r, exa: e };
    bird = await BirdDaemon.start({
      routerId: a.bird,
      listenAddress: a.bird,
      asn: BIRD_AS,
      neighbors: [
        { name: 'frr', address: a.frr, asn: FRR_AS, families: ['ipv4', 'ipv6'] },
        { name: 'gobgp', address: a.gobgp, asn: GOBGP_AS, families: ['ipv4', 'ipv6'] },
        { name: 'raw', address: a.raw, asn: RAW_AS, families: ['ipv4'], passive: true },
        { name: 'exa', address: a.exa, asn: EXA_AS, families: ['ipv4'] },
      ],
      originate: [
        { prefix: '10.1.0.0/24', nextHop: '192.0.2.11', communities: ['65001:10', '65001:11'], largeCommunities: ['65001:1:2'], med: 5 },
        { prefix: '10.1.1.0/24' },
        { prefix: '2001:db8:1::/48', nextHop: '2001:db8::11', communities: ['65001:16'] },
      ],
    });
    frr = await FrrDaemon.start({
      routerId: a.frr,
      listenAddress: a.frr,
      asn: FRR_AS,
      neighbors: [{ name: 'bird', address: a.bird, asn: BIRD_AS, families: ['ipv4', 'ipv6'] }],
      originate: [
        { prefix: '10.2.0.0/24', nextHop: '192.0.2.22', communities: ['65002:20'], largeCommunities: ['65002:3:4'], med: 7 },
        { prefix: '2001:db8:2::/48', largeCommunities: ['65002:6:6'] },
      ],
    });
    gobgp = await GobgpDaemon.start({
      routerId: a.gobgp,
      listenAddress: a.gobgp,
      asn: GOBGP_AS,
      neighbors: [{ name: 'bird', address: a.bird, asn: BIRD_AS, families: ['ipv4', 'ipv6'] }],
      originate: [
        { prefix: '10.3.0.0/24', nextHop: '192.0.2.33', communities: ['65003:30'], largeCommunities: ['4200000003:5:6'], med: 9 },
        { prefix: '2001:db8:3::/48', nextHop: '2001:db8::33' },
      ],
    });
    exa = await ExabgpDaemon.start({
      routerId: a.exa,
      listenAddress: a.exa,
      asn: EXA_AS,
      neighbors: [{ name: 'bird', address: a.bird, asn: BIRD_AS, families: ['ipv4'] }],
      originate: [{ prefix: '10.5.0.0/24', nextHop: '192.0.2.55', communities: ['65005:50'] }],
    });
  });

  afterAll(async () => {
    closeAllRawPeers();
    await cleanupAll();
    releaseLoopbacks();
    expect(runningPids()).toEqual([]);
  });

  it('BIRD <-> FRR reaches Established on both sides', async () => {
    await bird.waitEstablished('frr');
    await frr.waitEstablished(a.bird);
    expect((await bird.protocolState('frr')).state).toBe('up');
  });

  it('a route originated by FRR reaches BIRD with its attributes, and the reverse', async () => {
    const atBird = await waitFor(async () => find(await bird.routes({ protocol: 'frr', table: 'ipv4' }), '10.2.0.0/24'), ROUTE_WAIT_MS, '10.2.0.0/24 at BIRD');
    expect(atBird).toMatchObject({ nextHop: '192.0.2.22', asPath: [FRR_AS], origin: 'igp', med: 7, communities: ['65002:20'], largeCommunities: ['65002:3:4'], from: a.frr });
    const atFrr = await waitFor(async () => find(await frr.routes('ipv4'), '10.1.0.0/24'), ROUTE_WAIT_MS, '10.1.0.0/24 at FRR');
    expect(atFrr).toMatchObject({ nextHop: '192.0.2.11', asPath: [BIRD_AS], med: 5, largeCommunities: ['65001:1:2'], from: a.bird });
    expect([...atFrr.communities].sort()).toEqual(['65001:10', '65001:11']);
  });

  it('IPv6 routes cross the IPv4 BIRD <-> FRR session (MP-BGP) both ways', async () => {
    const atBird = await waitFor(async () => find(await bird.routes({ protocol: 'frr', table: 'ipv6' }), '2001:db8:2::/48'), ROUTE_WAIT_MS, 'v6 at BIRD');
    expect(atBird).toMatchObject({ asPath: [FRR_AS], largeCommunities: ['65002:6:6'] });
    expect(atBird.nextHop).toMatch(/^2001:db8::/);
    const atFrr = await waitFor(async () => find(await frr.routes('ipv6'), '2001:db8:1::/48'), ROUTE_WAIT_MS, 'v6 at FRR');
    expect(atFrr).toMatchObject({ nextHop: '2001:db8::11', asPath: [BIRD_AS], communities: ['65001:16'] });
  });

  it('BIRD <-> GoBGP (4-octet ASN) reaches Established and exchanges IPv4 and IPv6 routes with attributes', async () => {
    await bird.waitEstablished('gobgp');
    await gobgp.waitEstablished(a.bird);
    const atBird = await waitFor(async () => find(await bird.routes({ protocol: 'gobgp', table: 'ipv4' }), '10.3.0.0/24'), ROUTE_WAIT_MS, '10.3.0.0/24 at BIRD');
    expect(atBird).toMatchObject({ nextHop: '192.0.2.33', asPath: [GOBGP_AS], med: 9, communities: ['65003:30'], largeCommunities: ['4200000003:5:6'] });
    const v6AtBird = await waitFor(async () => find(await bird.routes({ protocol: 'gobgp', table: 'ipv6' }), '2001:db8:3::/48'), ROUTE_WAIT_MS, 'v6 at BIRD');
    expect(v6AtBird).toMatchObject({ nextHop: '2001:db8::33', asPath: [GOBGP_AS] });
    const atGobgp = await waitFor(async () => find(await gobgp.routes('ipv4'), '10.1.0.0/24'), ROUTE_WAIT_MS, '10.1.0.0/24 at GoBGP');
    expect(atGobgp).toMatchObject({ nextHop: '192.0.2.11', asPath: [BIRD_AS], med: 5, largeCommunities: ['65001:1:2'], best: true, from: a.bird });
    // BIRD passes FRR's route on to GoBGP: the AS path grows by BIRD's AS (RFC 4271 §5.1.2).
    const transit = await waitFor(async () => find(await gobgp.routes('ipv4'), '10.2.0.0/24'), ROUTE_WAIT_MS, '10.2.0.0/24 at GoBGP');
    expect(transit.asPath).toEqual([BIRD_AS, FRR_AS]);
    const v6AtGobgp = await waitFor(async () => find(await gobgp.routes('ipv6'), '2001:db8:1::/48'), ROUTE_WAIT_MS, 'v6 at GoBGP');
    expect(v6AtGobgp).toMatchObject({ nextHop: '2001:db8::11', communities: ['65001:16'] });
  });

  it('withdrawals propagate: BIRD removes a route, GoBGP and FRR remove theirs', async () => {
    await bird.removeRoute('10.1.1.0/24');
    await waitFor(async () => find(await frr.routes('ipv4'), '10.1.1.0/24') === undefined, ROUTE_WAIT_MS, '10.1.1.0/24 gone at FRR');
    await waitFor(async () => find(await gobgp.routes('ipv4'), '10.1.1.0/24') === undefined, ROUTE_WAIT_MS, '10.1.1.0/24 gone at GoBGP');
    await gobgp.removeRoute('2001:db8:3::/48');
    await waitFor(async () => find(await bird.routes({ table: 'ipv6' }), '2001:db8:3::/48') === undefined, ROUTE_WAIT_MS, 'v6 gone at BIRD');
    await frr.removeRoute('10.2.0.0/24');
    await waitFor(async () => find(await bird.routes({ table: 'ipv4' }), '10.2.0.0/24') === undefined, ROUTE_WAIT_MS, '10.2.0.0/24 gone at BIRD');
    await waitFor(async () => find(await gobgp.routes('ipv4'), '10.2.0.0/24') === undefined, ROUTE_WAIT_MS, '10.2.0.0/24 gone at GoBGP');
    // A route added back at run time comes back everywhere.
    await bird.addRoute({ prefix: '10.1.1.0/24', communities: ['65001:99'] });
    const back = await waitFor(async () => find(await frr.routes('ipv4'), '10.1.1.0/24'), ROUTE_WAIT_MS, '10.1.1.0/24 back at FRR');
    expect(back.communities).toEqual(['65001:99']);
  });

  it('disabling the BIRD protocol takes the session down and withdraws, enabling brings it back', async () => {
    await bird.disableProtocol('gobgp');
    await waitFor(async () => (await gobgp.neighborState(a.bird)).state !== 'Established', ROUTE_WAIT_MS, 'GoBGP session down');
    expect((await bird.protocolState('gobgp')).state).toBe('down');
    await waitFor(async () => find(await gobgp.routes('ipv4'), '10.1.0.0/24') === undefined, ROUTE_WAIT_MS, 'routes flushed at GoBGP');
    await bird.enableProtocol('gobgp');
    await bird.waitEstablished('gobgp');
    await waitFor(async () => find(await gobgp.routes('ipv4'), '10.1.0.0/24'), ROUTE_WAIT_MS, 'routes back at GoBGP');
  });

  it('ExaBGP: static and API routes (with a raw attribute) reach BIRD, and BIRD\'s routes come back as JSON events', async () => {
    await bird.waitEstablished('exa');
    await exa.waitUp(a.bird);
    const st = await waitFor(async () => find(await bird.routes({ protocol: 'exa', table: 'ipv4' }), '10.5.0.0/24'), ROUTE_WAIT_MS, '10.5.0.0/24 at BIRD');
    expect(st).toMatchObject({ nextHop: '192.0.2.55', asPath: [EXA_AS], communities: ['65005:50'] });
    // LARGE_COMMUNITY (type 32, optional transitive) given as raw bytes: 65005:1:2.
    exa.announce({ prefix: '10.5.1.0/24', nextHop: '192.0.2.55' }, { rawAttributes: ['[ 0x20 0xc0 0x0000fded0000000100000002 ]'] });
    const raw = await waitFor(async () => find(await bird.routes({ protocol: 'exa', table: 'ipv4' }), '10.5.1.0/24'), ROUTE_WAIT_MS, '10.5.1.0/24 at BIRD');
    expect(raw.largeCommunities).toEqual(['65005:1:2']);
    const seen = await waitFor(
      () => exa.events().find((e) => e.type === 'update' && JSON.stringify(e).includes('10.1.0.0/24')),
      ROUTE_WAIT_MS,
      'ExaBGP to report 10.1.0.0/24 from BIRD',
    );
    expect(JSON.stringify(seen)).toContain('192.0.2.11');
    exa.withdraw('10.5.1.0/24', { nextHop: '192.0.2.55' });
    await waitFor(async () => find(await bird.routes({ protocol: 'exa', table: 'ipv4' }), '10.5.1.0/24') === undefined, ROUTE_WAIT_MS, '10.5.1.0/24 withdrawn');
  });

  describe('raw crafted-message peer against BIRD', () => {
    let peer: RawBgpPeer;
    const origin = (v: number): Buffer => attr(0x40, 1, Buffer.from([v]));
    const asPath = attr(0x40, 2, Buffer.from([2, 1, 0, 0, RAW_AS >> 8, RAW_AS & 0xff])); // AS_SEQUENCE [65099], 4-octet
    const nextHop = attr(0x40, 3, Buffer.from([192, 0, 2, 99]));

    beforeAll(async () => {
      peer = await waitFor(
        () => RawBgpPeer.connect({ localAddress: a.raw, remoteAddress: a.bird }).catch(() => undefined),
        15000,
        'TCP connection to BIRD',
        500,
      );
    });

    it('completes OPEN/KEEPALIVE and its valid UPDATE lands in BIRD', async () => {
      const theirOpen = await peer.establish({ asn: RAW_AS, routerId: a.raw, holdTime: 90 });
      expect(theirOpen.bytes.readUInt16BE(19 + 1)).toBe(BIRD_AS);
      await bird.waitEstablished('raw');
      peer.send(buildUpdate(Buffer.alloc(0), Buffer.concat([origin(0), asPath, nextHop]), ipv4Nlri('10.99.0.0/24')));
      const r = await waitFor(async () => find(await bird.routes({ protocol: 'raw', table: 'ipv4' }), '10.99.0.0/24'), ROUTE_WAIT_MS, '10.99.0.0/24 at BIRD');
      expect(r).toMatchObject({ nextHop: '192.0.2.99', asPath: [RAW_AS], origin: 'igp' });
    });

    it('an invalid ORIGIN value is treat-as-withdraw (RFC 7606 §7.1): no NOTIFICATION, session stays up', async () => {
      peer.send(buildUpdate(Buffer.alloc(0), Buffer.concat([origin(7), asPath, nextHop]), ipv4Nlri('10.99.0.0/24')));
      await waitFor(async () => find(await bird.routes({ protocol: 'raw', table: 'ipv4' }), '10.99.0.0/24') === undefined, ROUTE_WAIT_MS, '10.99.0.0/24 withdrawn at BIRD');
      expect((await bird.protocolState('raw')).bgpState).toBe('Established');
      expect(peer.received.filter((f) => f.type === MSG.NOTIFICATION)).toEqual([]);
    });

    it('a Total Path Attribute Length beyond the message gets NOTIFICATION UPDATE Message Error / Malformed Attribute List', async () => {
      // Says 100 octets of attributes, carries 4: the NLRI cannot be located, so RFC 7606 §4 leaves session reset.
      peer.send(frame(MSG.UPDATE, Buffer.from([0, 0, 0, 100, 0x40, 1, 1, 0])));
      const n = await peer.nextMessage(15000, MSG.NOTIFICATION);
      expect(n.notification).toMatchObject({ code: 3, subcode: 1 });
      await peer.waitClosed(15000);
      await waitFor(async () => (await bird.protocolState('raw')).bgpState !== 'Established', 15000, 'BIRD raw session down');
      expect((await bird.protocolState('raw')).lastError).toMatch(/Malformed attribute list/i);
    });
  });
});
