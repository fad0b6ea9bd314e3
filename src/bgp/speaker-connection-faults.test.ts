// Connection handling of one peer under faults (issue 11, items 1-3 and 6), over the in-memory network with a fake
// clock: a half-open connection from the peer's address (TCP up, no OPEN ever) must not lock the real peer out, a
// second inbound slot is released when its connection closes before its OPEN, and a peer that advertised graceful
// restart and comes back on a new connection while its old one vanished silently is taken as restarting (RFC 4724
// §4.2, BIRD proto/bgp/bgp.c bgp_incoming_connection). Real sockets and BIRD: e2e/interop/connection-faults.test.ts.
import { FakeClock } from '../lib/fake-clock';
import type { Logger } from '../lib/logger';
import type { Speaker } from './speaker';
import type { PeerConfig } from './speaker';
import { MemoryNetwork, settle, type MemorySocket } from './session/testing/memory-network';
import { memorySpeaker, peerConfig, route, run } from './testing/speaker';
import { socketErrorText } from './session/peer';

const G = '10.0.0.2'; // the speaker under test: the higher BGP Identifier, so a collision keeps its own connections
const P = '10.0.0.1'; // its peer
const GR = { restartTime: 60, staleTime: 60, forwardingPreserved: true };

interface Line {
  level: string;
  component: string;
  message: string;
}

function recorder(lines: Line[], component = ''): Logger {
  const at =
    (level: string) =>
    (message: string): void => {
      lines.push({ level, component, message });
    };
  return {
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    child: (c: string) => recorder(lines, component ? `${component}.${c}` : c),
  };
}

describe('peer connections under faults (in-memory network, fake clock)', () => {
  let net: MemoryNetwork;
  let clock: FakeClock;
  let speakers: Speaker[];
  let lines: Line[];

  beforeEach(() => {
    net = new MemoryNetwork();
    clock = new FakeClock(0);
    speakers = [];
    lines = [];
  });

  afterEach(async () => {
    for (const s of speakers) await s.close();
    await run(clock, 3);
  });

  async function make(address: string, extra: Parameters<typeof memorySpeaker>[4] = {}, logger?: Logger): Promise<Speaker> {
    const s = await memorySpeaker(net, clock, address, 65000, extra, logger);
    speakers.push(s);
    return s;
  }

  const cfg = (local: string, remote: string, extra: Partial<PeerConfig> = {}): PeerConfig =>
    peerConfig({ address: local, asn: 65000 }, { address: remote, asn: 65000 }, { families: ['ipv4'], ...extra });

  /** A TCP connection from `from` to `to`:179 that never sends anything (a half-open BGP connection). */
  async function junk(from: string, to: string, got: Buffer[] = []): Promise<MemorySocket> {
    const s = (await net.transport(from).connect({ host: to, port: 179, timeoutMs: 1000 })) as MemorySocket;
    s.on('data', (d: Buffer) => got.push(d));
    await settle();
    return s;
  }

  /** g and p with a session between them (g's log recorded), p originating `routes`; both Established. */
  async function pair(gSide: Partial<PeerConfig>, pSide: Partial<PeerConfig>, routes: Parameters<Speaker['setLocalRoutes']>[0] = []): Promise<{ g: Speaker; p: Speaker }> {
    const g = await make(G, {}, recorder(lines));
    g.setPeer(cfg(G, P, gSide));
    const p = await make(P);
    p.setPeer(cfg(P, G, pSide));
    p.setLocalRoutes(routes);
    await run(clock, 2);
    return { g, p };
  }

  const state = (s: Speaker): string | undefined => s.status().peers[0]?.state;

  it('item 1: a half-open connection from the peer does not win the collision against the restarted peer', async () => {
    const pr = await pair({}, { passive: true });
    const g = pr.g;
    let p = pr.p;
    expect(state(g)).toBe('Established');

    const j = await junk(P, G);
    await run(clock, 1);
    // A normal restart of the peer: Cease, gone, back a second later.
    await p.close();
    speakers = speakers.filter((s) => s !== p);
    await run(clock, 1);
    p = await make(P);
    p.setPeer(cfg(P, G, { passive: true }));
    await run(clock, 8);
    expect(state(g)).toBe('Established');
    expect(state(p)).toBe('Established');
    // When the session went down, every connection of the peer was closed, the half-open one too.
    expect(j.isDestroyed).toBe(true);
  });

  it('item 1: a half-open inbound connection gives up after the open-wait, not the 240 s OpenSent hold time', async () => {
    const g = await make(G, {}, recorder(lines));
    g.setPeer(cfg(G, P, { passive: true }));
    const j = await junk(P, G);
    await run(clock, 4);
    expect(j.isDestroyed).toBe(false);
    await run(clock, 2);
    expect(j.isDestroyed).toBe(true);
    // The real peer is accepted at once afterwards (no 30 s back-off for a passive side to wait out).
    const p = await make(P);
    p.setPeer(cfg(P, G));
    await run(clock, 2);
    expect(state(g)).toBe('Established');
  });

  it('item 1: the open-wait is configurable per peer (openWaitTime)', async () => {
    const g = await make(G);
    g.setPeer(cfg(G, P, { passive: true, openWaitTime: 2 }));
    const j = await junk(P, G);
    await run(clock, 1.5);
    expect(j.isDestroyed).toBe(false);
    await run(clock, 1);
    expect(j.isDestroyed).toBe(true);
  });

  it('item 1: with a half-open connection held, the real peer establishes over a second connection', async () => {
    const g = await make(G, {}, recorder(lines));
    g.setPeer(cfg(G, P, { passive: true }));
    const j = await junk(P, G);
    const p = await make(P);
    p.setPeer(cfg(P, G));
    await run(clock, 2);
    expect(state(g)).toBe('Established');
    expect(state(p)).toBe('Established');
    expect(j.isDestroyed).toBe(true);
  });

  it('item 2: an inbound connection that closes before its OPEN releases its slot', async () => {
    const { g } = await pair({}, { passive: true });
    expect(state(g)).toBe('Established');

    const j1 = await junk(P, G);
    j1.destroy();
    await run(clock, 1);
    // From then on inbound connections are still accepted: the speaker answers the next one with its OPEN.
    const got: Buffer[] = [];
    const j2 = await junk(P, G, got);
    await run(clock, 1);
    expect(j2.isDestroyed).toBe(false);
    expect(got.length).toBeGreaterThan(0);
    expect(got[0]?.[18]).toBe(1); // OPEN
    expect(lines.some((l) => l.level === 'info' && /closed before its OPEN/.test(l.message))).toBe(true);
  });

  it('item 3: a peer with graceful restart whose old connection vanished is accepted at once; its routes stay stale, then refresh', async () => {
    const { g, p } = await pair({ gracefulRestart: GR, passive: true }, { gracefulRestart: GR }, [route('10.244.1.0/24'), route('10.244.2.0/24')]);
    expect(g.receivedRoutes().map((r) => r.prefix).sort()).toEqual(['10.244.1.0/24', '10.244.2.0/24']);

    // The peer's end vanishes: no FIN, no RST reaches g; the peer process is gone.
    for (const s of net.socketsOf(P)) s.vanish();
    await p.close('', { gracefulRestart: true });
    speakers = speakers.filter((s) => s !== p);
    await run(clock, 1);
    expect(state(g)).toBe('Established'); // g cannot know yet

    const t0 = clock.now();
    const p2 = await make(P, { restartDeferralTime: 30 });
    p2.setPeer(cfg(P, G, { gracefulRestart: GR }));
    p2.setLocalRoutes([route('10.244.1.0/24')]);
    let sawStale = false;
    for (let i = 0; i < 2000 && g.status().peers[0]?.establishedTransitions !== 2; i++) {
      await settle(1);
      if (i % 20 === 19) clock.advance(50);
      if (g.receivedRoutes().some((r) => r.stale)) sawStale = true;
    }
    expect(clock.now() - t0).toBeLessThan(1000); // within a second of the restart, not the 9 s hold time
    expect(g.status().peers[0]?.establishedTransitions).toBe(2);
    expect(sawStale).toBe(true);
    await run(clock, 2);
    expect(g.receivedRoutes().map((r) => [r.prefix, r.stale])).toEqual([['10.244.1.0/24', false]]);
    expect(lines.some((l) => l.level === 'info' && /restart/.test(l.message) && /graceful/.test(l.message))).toBe(true);
  });

  it('item 3: without graceful restart the Established session stays and the new connection is rejected, with a log line', async () => {
    const { g, p } = await pair({ passive: true }, {});
    for (const s of net.socketsOf(P)) s.vanish();
    await p.close('', { gracefulRestart: true });
    speakers = speakers.filter((s) => s !== p);
    const p2 = await make(P);
    p2.setPeer(cfg(P, G));
    await run(clock, 2);
    expect(g.status().peers[0]?.establishedTransitions).toBe(1);
    expect(lines.some((l) => l.level === 'info' && /rejected/.test(l.message) && new RegExp(P.replace(/\./g, '\\.')).test(l.message))).toBe(true);
  });

  it('item 6: a junk connection is logged under its own name, refusals at info with reason and address', async () => {
    const { g } = await pair({}, { passive: true });
    const mark = lines.length;
    const j1 = await junk(P, G);
    await junk(P, G);
    await run(clock, 1);
    lines.splice(0, mark);
    const sessionLines = lines.filter((l) => l.component === `peer.${P}`);
    expect(sessionLines.some((l) => /OpenSent/.test(l.message))).toBe(false);
    expect(lines.some((l) => l.component.startsWith(`peer.${P}.`) && /OpenSent/.test(l.message))).toBe(true);
    expect(lines.some((l) => l.level === 'info' && /refused|rejected|replac/.test(l.message) && l.message.includes(P))).toBe(true);
    // The open-wait expires: the extra connection goes, announcing no restart of its own (it has none).
    await run(clock, 6);
    const extra = lines.filter((l) => l.component.startsWith(`peer.${P}.inbound-`) && /-> Idle/.test(l.message));
    expect(extra.length).toBeGreaterThan(0);
    expect(extra.every((l) => !/automatic restart/.test(l.message))).toBe(true);
    expect(state(g)).toBe('Established');
    j1.destroy();
  });

  it('item 6: a failed connect keeps its errno in the log and in the status', async () => {
    const g = await make(G, {}, recorder(lines));
    g.setPeer(cfg(G, P)); // nothing listens at P
    await run(clock, 1);
    expect(lines.some((l) => l.component === `peer.${P}` && /Connect -> Active: TCP connection failed \(connect ECONNREFUSED\)/.test(l.message))).toBe(true);
    expect(g.status().peers[0]?.lastError).toBe('Socket: connect ECONNREFUSED');
    expect(socketErrorText(Object.assign(new Error('no route'), { code: 'EHOSTUNREACH' }))).toBe('EHOSTUNREACH: no route');
    expect(socketErrorText(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:179'), { code: 'ECONNREFUSED' }))).toBe('connect ECONNREFUSED 127.0.0.1:179');
  });

  it("item 6: a passive side in its restart delay takes the peer's connection at once instead of waiting out the peer's back-off", async () => {
    const { g, p } = await pair({ passive: true }, {});
    // The peer ends the session (g: NOTIFICATION received -> Idle, restart delay 5 s) and comes straight back.
    p.removePeer(G, 'reconfiguring');
    await run(clock, 0.5);
    expect(state(g)).toBe('Idle');
    const t0 = clock.now();
    p.setPeer(cfg(P, G));
    for (let i = 0; i < 40 && state(g) !== 'Established'; i++) await run(clock, 0.25);
    expect(state(g)).toBe('Established');
    expect(clock.now() - t0).toBeLessThan(2000);
    expect(lines.some((l) => l.level === 'info' && /during the restart delay: starting now/.test(l.message))).toBe(true);
  });

  it('item 6: the restart announced after a maximum-prefix close is the delay used', async () => {
    const { g } = await pair({ maxPrefixes: { limit: 1, restartDelay: 20 } }, { passive: true }, [route('10.244.1.0/24'), route('10.244.2.0/24')]);
    const down = lines.find((l) => l.component === `peer.${P}` && /-> Idle: automatic stop/.test(l.message));
    expect(down?.message).toMatch(/automatic restart in 20s$/);
    // Closed within the first 2 s: still down 17 s later, back by 20 s after the close.
    await run(clock, 17);
    expect(g.status().peers[0]?.establishedTransitions).toBe(1);
    await run(clock, 4);
    expect(g.status().peers[0]?.establishedTransitions).toBe(2);

  });
});
