// Connection faults against the real `gingham bgp run` process on loopback addresses (issue 11, items 1-3): a raw
// TCP connection opened from the peer's address and held without ever sending an OPEN must not lock out the real peer
// (BIRD 2) across a restart; an inbound connection that closes before its OPEN must not use up the peer's second
// slot; and a peer that advertised graceful restart and comes back on a new connection while its old one vanished
// without FIN or RST (a socket that stops reading and is never closed) is taken as restarting: accepted at once, its
// routes kept stale until it sends them again (RFC 4724 §4.2; BIRD proto/bgp/bgp.c bgp_incoming_connection).
import { createConnection, type Socket } from 'node:net';
import { BirdDaemon } from '../lib/bird';
import { allocateLoopbacks, releaseLoopbacks } from '../lib/loopback';
import { cleanupAll, waitFor } from '../lib/process';
import { attr, buildUpdate, closeAllRawPeers, fromHex, ipv4Nlri, MSG, RawBgpPeer } from '../lib/raw-peer';
import { describeIf, requireTools } from '../lib/tools';
import { GinghamSpeaker } from './gingham';
import { birdName, DAEMON_COMMANDS } from './peer-daemons';

jest.setTimeout(120000);

const ok = requireTools('connection faults', DAEMON_COMMANDS.bird, { root: true });

/** Gingham's router ID is the higher one, so a collision against a half-open inbound connection "kept" the wrong one. */
const G_ID = '10.255.0.2';
const PEER_ID = '10.255.0.1';

/** A TCP connection from `from` to `to`:179 that sends nothing; what arrives is collected. Bounded by 5 s. */
function halfOpen(from: string, to: string, got: Buffer[] = []): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createConnection({ host: to, port: 179, localAddress: from });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`half-open connection to ${to} timed out`));
    }, 5000);
    s.on('data', (d: Buffer) => got.push(d));
    s.on('error', () => undefined);
    s.once('connect', () => {
      clearTimeout(timer);
      resolve(s);
    });
  });
}

const sockets: Socket[] = [];

/** The session with `address` is Established again, since a later time than `since`. */
function backSince(g: GinghamSpeaker, address: string, since: number): boolean {
  const p = g.peer(address);
  return p?.state === 'Established' && p.since > since;
}

describeIf(ok)('connection faults: half-open connections and restarts against gingham bgp run', () => {
  let g: GinghamSpeaker | undefined;
  let birds: BirdDaemon[] = [];
  let addrs: string[] = [];

  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    closeAllRawPeers();
    await g?.stop();
    g = undefined;
    for (const b of birds) await b.stop().catch(() => undefined);
    birds = [];
    await cleanupAll();
    releaseLoopbacks(addrs);
    addrs = [];
  });

  async function withBird(gAddr: string, bAddr: string): Promise<{ bird: BirdDaemon; restart: () => Promise<BirdDaemon> }> {
    const opts = {
      routerId: PEER_ID,
      listenAddress: bAddr,
      asn: 65001,
      neighbors: [{ name: birdName(gAddr), address: gAddr, asn: 65000, families: ['ipv4' as const] }],
      originate: [{ prefix: '10.213.1.0/24', nextHop: '192.0.2.13' }],
    };
    const bird = await BirdDaemon.start(opts);
    birds.push(bird);
    return {
      bird,
      restart: async () => {
        await bird.stop();
        const again = await BirdDaemon.start(opts);
        birds.push(again);
        return again;
      },
    };
  }

  /** Gingham (connecting too) Established with BIRD on two fresh loopback addresses. */
  async function establishedWithBird(): Promise<{ gAddr: string; bAddr: string; speaker: GinghamSpeaker; restart: () => Promise<BirdDaemon> }> {
    addrs = await allocateLoopbacks(2);
    const [gAddr, bAddr] = addrs as [string, string];
    const speaker = await GinghamSpeaker.start({ asNumber: 65000, routerId: G_ID, listen: { address: gAddr }, peers: [{ address: bAddr, asNumber: 65001, families: ['ipv4'] }] });
    g = speaker;
    const { restart } = await withBird(gAddr, bAddr);
    await speaker.waitState(bAddr, 'Established', 30000);
    return { gAddr, bAddr, speaker, restart };
  }

  it('item 1: a half-open connection from the peer held across its restart does not keep the session down', async () => {
    const { gAddr, bAddr, speaker, restart } = await establishedWithBird();

    sockets.push(await halfOpen(bAddr, gAddr));
    await new Promise((r) => setTimeout(r, 500));
    const since = speaker.peer(bAddr)?.since ?? 0;
    const restarted = Date.now();
    await restart();
    await speaker.waitFor(() => backSince(speaker, bAddr, since), 15000, 'the session back after the restart');
    const took = Date.now() - restarted;
    expect(took).toBeLessThan(10000);
    await speaker.waitFor(() => speaker.routes(bAddr).length === 1, 10000, 'the route from BIRD again');
    // The half-open connection was closed with the session or after its open-wait; the log says so under its own name.
    await waitFor(() => sockets[0]?.destroyed === true || sockets[0]?.readableEnded === true, 10000, 'the half-open connection closed');
    expect(speaker.output).toMatch(/closing the connection from .*the session went down|no OPEN/);
  });

  it('item 1: with a half-open connection already held, BIRD establishes within seconds', async () => {
    addrs = await allocateLoopbacks(2);
    const [gAddr, bAddr] = addrs as [string, string];
    g = await GinghamSpeaker.start({
      asNumber: 65000,
      routerId: G_ID,
      listen: { address: gAddr },
      peers: [{ address: bAddr, asNumber: 65001, families: ['ipv4'], passive: true }],
    });
    const speaker = g;
    sockets.push(await halfOpen(bAddr, gAddr));
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    await withBird(gAddr, bAddr);
    await speaker.waitState(bAddr, 'Established', 15000);
    expect(Date.now() - started).toBeLessThan(10000);
  });

  it('item 2: an inbound connection that closes before its OPEN releases its slot; the next one is answered', async () => {
    const { gAddr, bAddr, speaker, restart } = await establishedWithBird();

    const first: Buffer[] = [];
    const j1 = await halfOpen(bAddr, gAddr, first);
    await waitFor(() => first.length > 0, 5000, 'the OPEN on the first extra connection');
    j1.end();
    await waitFor(() => /closed before its OPEN/.test(speaker.output), 5000, 'the slot released');
    const second: Buffer[] = [];
    const j2 = await halfOpen(bAddr, gAddr, second);
    sockets.push(j2);
    await waitFor(() => second.length > 0 || j2.destroyed || j2.readableEnded, 5000, 'an answer on the second extra connection');
    expect(second[0]?.[18]).toBe(MSG.OPEN);
    j2.destroy();
    // And the peer restarting is back at once.
    const since = speaker.peer(bAddr)?.since ?? 0;
    const restarted = Date.now();
    await restart();
    await speaker.waitFor(() => backSince(speaker, bAddr, since), 15000, 'the session back');
    expect(Date.now() - restarted).toBeLessThan(10000);
  });

  it('item 3: a graceful-restart peer whose old connection vanished silently is accepted at once; its routes stay stale, then refresh', async () => {
    addrs = await allocateLoopbacks(2);
    const [gAddr, pAddr] = addrs as [string, string];
    g = await GinghamSpeaker.start({
      asNumber: 65000,
      routerId: G_ID,
      listen: { address: gAddr },
      gracefulRestart: { restartTime: 120, staleTime: 120 },
      peers: [{ address: pAddr, asNumber: 65001, families: ['ipv4'], passive: true, gracefulRestart: true }],
    });
    const speaker = g;
    // RFC 4724 §3: Restart Flags + Time (120 s), IPv4 unicast with forwarding preserved.
    const grCap = (restarting: boolean): Buffer => fromHex(`40 06 ${restarting ? '80' : '00'}78 0001 01 80`);
    const routeUpdate = (prefixes: string[]): Buffer =>
      buildUpdate(
        Buffer.alloc(0),
        Buffer.concat([attr(0x40, 1, Buffer.from([0])), attr(0x40, 2, fromHex('0201 0000fde9')), attr(0x40, 3, fromHex('c000020d'))]),
        Buffer.concat(prefixes.map(ipv4Nlri)),
      );
    const endOfRib = buildUpdate(Buffer.alloc(0), Buffer.alloc(0), Buffer.alloc(0));

    const old = await RawBgpPeer.connect({ localAddress: pAddr, remoteAddress: gAddr });
    await old.establish({ asn: 65001, routerId: PEER_ID, extraCapabilities: [grCap(false)] });
    old.send(routeUpdate(['10.213.1.0/24', '10.213.2.0/24']));
    old.send(endOfRib);
    await speaker.waitFor(() => speaker.routes(pAddr).length === 2, 10000, 'two routes from the peer');

    // The peer vanishes: its socket is never read from or closed again (no FIN, no RST reaches Gingham).
    old.stopReading();
    const since = speaker.peer(pAddr)?.since ?? 0;
    const restarted = Date.now();
    const fresh = await RawBgpPeer.connect({ localAddress: pAddr, remoteAddress: gAddr });
    await fresh.establish({ asn: 65001, routerId: PEER_ID, extraCapabilities: [grCap(true)] }, 5000);
    await speaker.waitFor(() => backSince(speaker, pAddr, since), 5000, 'the restarted peer Established');
    expect(Date.now() - restarted).toBeLessThan(5000);
    // Helper: the old routes are kept, stale, until the peer sends them again.
    expect(speaker.routes(pAddr).map((r) => [r.prefix, r.stale])).toEqual([
      ['10.213.1.0/24', true],
      ['10.213.2.0/24', true],
    ]);
    fresh.send(routeUpdate(['10.213.1.0/24']));
    fresh.send(endOfRib);
    await speaker.waitFor(() => speaker.routes(pAddr).length === 1, 10000, 'the route the peer did not re-send flushed');
    expect(speaker.routes(pAddr).map((r) => [r.prefix, r.stale])).toEqual([['10.213.1.0/24', false]]);
    expect(speaker.output).toMatch(/restarted \(graceful restart, RFC 4724 §4\.2\)/);
    // The old connection was closed by Gingham (its end sees the close once it reads again).
    old.resumeReading();
    await old.waitClosed(5000);
  });
});
