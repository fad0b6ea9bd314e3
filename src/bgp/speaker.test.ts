// Speaker and session behaviour over an in-memory network with a fake clock: establishment, route exchange,
// withdrawals, hold timer expiry, collisions, OPEN errors, shutdown. Real daemons are in e2e/interop.
import { FakeClock } from '../lib/fake-clock';
import type { Speaker } from './speaker';
import type { PeerConfig } from './speaker';
import { MemoryNetwork } from './session/testing/memory-network';
import { memorySpeaker, peerConfig, route, run } from './testing/speaker';

interface Node {
  speaker: Speaker;
  address: string;
}

function peerCfg(local: { address: string; asn: number; routerId: string }, remote: { address: string; asn: number }, extra: Partial<PeerConfig> = {}): PeerConfig {
  return peerConfig(local, remote, extra);
}

async function node(net: MemoryNetwork, clock: FakeClock, address: string, asn: number): Promise<Node> {
  return { speaker: await memorySpeaker(net, clock, address, asn), address };
}

describe('Speaker sessions (in-memory network, fake clock)', () => {
  let net: MemoryNetwork;
  let clock: FakeClock;
  let a: Node;
  let b: Node;

  beforeEach(async () => {
    net = new MemoryNetwork();
    clock = new FakeClock(0);
    a = await node(net, clock, '10.0.0.1', 65000);
    b = await node(net, clock, '10.0.0.2', 65000);
  });

  afterEach(async () => {
    await a.speaker.close();
    await b.speaker.close();
    await run(clock, 3);
  });

  it('establishes iBGP with one side passive and exchanges routes both ways, IPv4 and IPv6', async () => {
    a.speaker.setLocalRoutes([route('10.244.1.0/24', { communities: [65000 * 65536 + 100] }), route('2001:db8:1::/48', { nextHop: '2001:db8::1' })]);
    b.speaker.setLocalRoutes([route('10.244.2.0/24')]);
    a.speaker.setPeer(peerCfg({ address: a.address, asn: 65000, routerId: a.address }, { address: b.address, asn: 65000 }));
    b.speaker.setPeer(peerCfg({ address: b.address, asn: 65000, routerId: b.address }, { address: a.address, asn: 65000 }, { passive: true }));
    await run(clock, 2);
    expect(a.speaker.status().peers[0]?.state).toBe('Established');
    expect(b.speaker.status().peers[0]?.state).toBe('Established');

    const atB = b.speaker.receivedRoutes();
    expect(atB.map((r) => r.prefix).sort()).toEqual(['10.244.1.0/24', '2001:db8:1::/48']);
    const v4 = atB.find((r) => r.prefix === '10.244.1.0/24');
    expect(v4?.attributes).toMatchObject({ origin: 0, asPath: [], nextHop: '10.0.0.1', localPref: 100, communities: [65000 * 65536 + 100] });
    expect(atB.find((r) => r.family === 'ipv6')?.attributes.nextHop).toBe('2001:db8::1');
    expect(a.speaker.receivedRoutes().map((r) => r.prefix)).toEqual(['10.244.2.0/24']);
    expect(a.speaker.status().peers[0]?.prefixesSent).toEqual({ ipv4: 1, ipv6: 1 });

    // Desired state: absent means withdrawn, and only the difference is sent.
    a.speaker.setLocalRoutes([route('10.244.3.0/24')]);
    await run(clock, 1);
    expect(b.speaker.receivedRoutes().map((r) => r.prefix)).toEqual(['10.244.3.0/24']);
    a.speaker.setLocalRoutes([]);
    await run(clock, 1);
    expect(b.speaker.receivedRoutes()).toEqual([]);
  });

  it('prepends its AS and sends no LOCAL_PREF to an eBGP peer', async () => {
    const c = await node(net, clock, '10.0.0.3', 4200000001);
    a.speaker.setLocalRoutes([route('10.244.1.0/24')]);
    a.speaker.setPeer(peerCfg({ address: a.address, asn: 65000, routerId: a.address }, { address: c.address, asn: 4200000001 }));
    c.speaker.setPeer(peerCfg({ address: c.address, asn: 4200000001, routerId: c.address }, { address: a.address, asn: 65000 }, { passive: true }));
    await run(clock, 2);
    const r = c.speaker.receivedRoutes()[0];
    expect(r?.attributes.asPath).toEqual([{ type: 'sequence', asns: [65000] }]);
    expect(r?.attributes.localPref).toBeUndefined();
    expect(r?.attributes.nextHop).toBe('10.0.0.1');
    await c.speaker.close();
  });

  it('expires the hold timer when the peer goes silent, sends Hold Timer Expired, and recovers', async () => {
    a.speaker.setPeer(peerCfg({ address: a.address, asn: 65000, routerId: a.address }, { address: b.address, asn: 65000 }));
    b.speaker.setPeer(peerCfg({ address: b.address, asn: 65000, routerId: b.address }, { address: a.address, asn: 65000 }, { passive: true }));
    await run(clock, 2);
    expect(a.speaker.status().peers[0]?.state).toBe('Established');
    for (const s of net.socketsOf(b.address)) s.frozen = true;
    await run(clock, 10);
    const st = a.speaker.status().peers[0];
    expect(st?.state).not.toBe('Established');
    expect(st?.lastError).toBe('BGP Error: Hold Timer Expired');
    for (const s of net.sockets) s.thaw();
    await run(clock, 40);
    expect(a.speaker.status().peers[0]?.state).toBe('Established');
    expect(b.speaker.status().peers[0]?.state).toBe('Established');
  });

  it('reports a send hold timer expiry as "Send Hold Timer Expired" in the peer status (RFC 9687 code 8)', async () => {
    // Hold time 0 on both sides: the stuck peer's own hold timer cannot end the session first.
    a.speaker.setPeer(peerCfg({ address: a.address, asn: 65000, routerId: a.address }, { address: b.address, asn: 65000 }, { holdTime: 0 }));
    b.speaker.setPeer(peerCfg({ address: b.address, asn: 65000, routerId: b.address }, { address: a.address, asn: 65000 }, { passive: true, holdTime: 0 }));
    await run(clock, 2);
    expect(a.speaker.status().peers[0]?.state).toBe('Established');
    for (const s of net.socketsOf(a.address)) s.stall();
    a.speaker.setLocalRoutes([route('10.244.1.0/24')]);
    await run(clock, 470);
    expect(a.speaker.status().peers[0]?.state).toBe('Established');
    // The send hold time is max(8 minutes, 2 x hold) = 480 s (RFC 9687 §4); the session then restarts on a fresh
    // connection, so look each second until it is down.
    for (let i = 0; i < 20 && a.speaker.status().peers[0]?.state === 'Established'; i++) await run(clock, 1);
    const st = a.speaker.status().peers[0];
    expect(st?.state).not.toBe('Established');
    // What `bgp status` and `node status` show (was "BGP Error: Unknown error code 8 / subcode 0").
    expect(st?.lastError).toBe('BGP Error: Send Hold Timer Expired');
    expect(st?.info).toMatch(/ BGP Error: Send Hold Timer Expired$/);
  });

  it('keeps exactly one connection when both sides connect at once (collision, RFC 4271 §6.8)', async () => {
    a.speaker.setPeer(peerCfg({ address: a.address, asn: 65000, routerId: a.address }, { address: b.address, asn: 65000 }));
    b.speaker.setPeer(peerCfg({ address: b.address, asn: 65000, routerId: b.address }, { address: a.address, asn: 65000 }));
    a.speaker.setLocalRoutes([route('10.244.1.0/24')]);
    await run(clock, 3);
    expect(a.speaker.status().peers[0]?.state).toBe('Established');
    expect(b.speaker.status().peers[0]?.state).toBe('Established');
    // b has the higher BGP Identifier: the connection b initiated survives.
    const live = net.sockets.filter((s) => !s.isDestroyed);
    expect(live).toHaveLength(2);
    expect(live.find((s) => s.localAddress === b.address)?.localPort).not.toBe(179);
    expect(b.speaker.receivedRoutes().map((r) => r.prefix)).toEqual(['10.244.1.0/24']);
  });

  it('rejects a wrong peer AS with OPEN Message Error / Bad Peer AS on both sides', async () => {
    a.speaker.setPeer(peerCfg({ address: a.address, asn: 65000, routerId: a.address }, { address: b.address, asn: 65099 }));
    b.speaker.setPeer(peerCfg({ address: b.address, asn: 65000, routerId: b.address }, { address: a.address, asn: 65000 }, { passive: true }));
    await run(clock, 2);
    expect(a.speaker.status().peers[0]?.lastError).toBe('BGP Error: OPEN Message Error / Bad Peer AS');
    expect(b.speaker.status().peers[0]?.lastError).toBe('Received: OPEN Message Error / Bad Peer AS');
  });

  it('shuts a session down with Cease / Administrative Shutdown and its message', async () => {
    a.speaker.setPeer(peerCfg({ address: a.address, asn: 65000, routerId: a.address }, { address: b.address, asn: 65000 }));
    b.speaker.setPeer(peerCfg({ address: b.address, asn: 65000, routerId: b.address }, { address: a.address, asn: 65000 }, { passive: true }));
    await run(clock, 2);
    expect(a.speaker.removePeer(b.address, 'maintenance window')).toBe(true);
    await run(clock, 1);
    expect(b.speaker.status().peers[0]?.lastError).toBe('Received: Cease / Administrative Shutdown: maintenance window');
    expect(b.speaker.status().peers[0]?.state).not.toBe('Established');
  });

  it('changes one peer without resetting the others', async () => {
    const c = await node(net, clock, '10.0.0.3', 65000);
    a.speaker.setPeer(peerCfg({ address: a.address, asn: 65000, routerId: a.address }, { address: b.address, asn: 65000 }));
    a.speaker.setPeer(peerCfg({ address: a.address, asn: 65000, routerId: a.address }, { address: c.address, asn: 65000 }));
    b.speaker.setPeer(peerCfg({ address: b.address, asn: 65000, routerId: b.address }, { address: a.address, asn: 65000 }, { passive: true }));
    c.speaker.setPeer(peerCfg({ address: c.address, asn: 65000, routerId: c.address }, { address: a.address, asn: 65000 }, { passive: true }));
    await run(clock, 2);
    const before = b.speaker.status().peers[0]?.since;
    a.speaker.setPeer(peerCfg({ address: a.address, asn: 65000, routerId: a.address }, { address: c.address, asn: 65000 }, { holdTime: 30 }));
    await run(clock, 12);
    expect(a.speaker.status().peers.every((p) => p.state === 'Established')).toBe(true);
    expect(b.speaker.status().peers[0]?.since).toBe(before);
    expect(b.speaker.status().peers[0]?.establishedTransitions).toBe(1);
    await c.speaker.close();
  });
});
