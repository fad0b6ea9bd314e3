// Graceful restart (RFC 4724) between speakers over the in-memory network with a fake clock: the helper keeps a
// peer's routes stale across a connection loss without NOTIFICATION, replaces them as the peer re-sends, deletes at
// End-of-RIB what was not re-sent, and deletes everything when the restart time runs out; a NOTIFICATION means no
// restart; a restarting speaker holds its routes back until its peers' End-of-RIB or its deferral timer.
import { FakeClock } from '../lib/fake-clock';
import type { Speaker } from './speaker';
import type { PeerConfig } from './speaker';
import { MemoryNetwork } from './session/testing/memory-network';
import { memorySpeaker, peerConfig, route, run } from './testing/speaker';

const GR = { restartTime: 10, staleTime: 30, forwardingPreserved: true };

describe('graceful restart (in-memory network, fake clock)', () => {
  let net: MemoryNetwork;
  let clock: FakeClock;
  let speakers: Speaker[];

  beforeEach(() => {
    net = new MemoryNetwork();
    clock = new FakeClock(0);
    speakers = [];
  });

  afterEach(async () => {
    for (const s of speakers) await s.close();
    await run(clock, 3);
  });

  async function make(address: string, extra: Parameters<typeof memorySpeaker>[4] = {}): Promise<Speaker> {
    const s = await memorySpeaker(net, clock, address, 65000, extra);
    speakers.push(s);
    return s;
  }

  const A = '10.0.0.1';
  const B = '10.0.0.2';
  const C = '10.0.0.3';
  const cfg = (local: string, remote: string, extra: Partial<PeerConfig> = {}): PeerConfig =>
    peerConfig({ address: local, asn: 65000 }, { address: remote, asn: 65000 }, { families: ['ipv4'], gracefulRestart: GR, ...extra });

  /** Drops the TCP connection between the two without a NOTIFICATION (a crash, kill -9, a cable). */
  function cut(address: string): void {
    for (const s of net.socketsOf(address)) s.destroy();
  }

  const prefixes = (s: Speaker): string[] => s.receivedRoutes().map((r) => r.prefix).sort();

  it('helper: keeps routes stale across a restart, replaces the re-sent ones and deletes the rest at End-of-RIB', async () => {
    const a = await make(A);
    const b = await make(B);
    a.setPeer(cfg(A, B));
    b.setPeer(cfg(B, A, { passive: true }));
    b.setLocalRoutes([route('10.244.1.0/24'), route('10.244.2.0/24')]);
    await run(clock, 2);
    expect(prefixes(a)).toEqual(['10.244.1.0/24', '10.244.2.0/24']);

    // B "restarts": the connection goes without NOTIFICATION, and B comes back with one route fewer.
    net.down.add(B);
    cut(B);
    await run(clock, 1);
    expect(a.status().peers[0]?.state).not.toBe('Established');
    expect(a.receivedRoutes().map((r) => [r.prefix, r.stale, r.best])).toEqual([
      ['10.244.1.0/24', true, true],
      ['10.244.2.0/24', true, true],
    ]);
    b.setLocalRoutes([route('10.244.1.0/24')]);
    net.down.delete(B);
    await run(clock, 8);
    expect(a.status().peers[0]?.state).toBe('Established');
    expect(a.receivedRoutes().map((r) => [r.prefix, r.stale])).toEqual([['10.244.1.0/24', false]]);
  });

  it("close({ gracefulRestart: true }) leaves without a NOTIFICATION, so the helper keeps the routes; a plain close() does not", async () => {
    const a = await make(A);
    const b = await make(B);
    const c = await make(C);
    a.setPeer(cfg(A, B));
    a.setPeer(cfg(A, C));
    b.setPeer(cfg(B, A, { passive: true }));
    c.setPeer(cfg(C, A, { passive: true }));
    b.setLocalRoutes([route('10.244.1.0/24')]);
    c.setLocalRoutes([route('10.244.2.0/24')]);
    await run(clock, 2);
    expect(prefixes(a)).toEqual(['10.244.1.0/24', '10.244.2.0/24']);
    net.down.add(B);
    await b.close('restarting', { gracefulRestart: true });
    await c.close('going away');
    await run(clock, 1);
    // B's route is kept (stale) for B's restart; C said Cease, so its route went at once.
    expect(a.receivedRoutes().map((r) => [r.prefix, r.stale])).toEqual([['10.244.1.0/24', true]]);
    expect(a.status().peers.find((p) => p.address === C)?.lastError).toMatch(/Cease/);
  });

  it('helper: deletes the stale routes when the restart time runs out', async () => {
    const a = await make(A);
    const b = await make(B);
    a.setPeer(cfg(A, B));
    b.setPeer(cfg(B, A, { passive: true }));
    b.setLocalRoutes([route('10.244.1.0/24')]);
    await run(clock, 2);
    net.down.add(B);
    cut(B);
    await run(clock, 9);
    expect(prefixes(a)).toEqual(['10.244.1.0/24']);
    await run(clock, 2);
    expect(prefixes(a)).toEqual([]);
  });

  it('no restart after a NOTIFICATION, nor with a peer that does not do graceful restart', async () => {
    const a = await make(A);
    const b = await make(B);
    const c = await make(C);
    a.setPeer(cfg(A, B));
    a.setPeer(cfg(A, C));
    b.setPeer(cfg(B, A, { passive: true }));
    c.setPeer(cfg(C, A, { passive: true, gracefulRestart: undefined }));
    b.setLocalRoutes([route('10.244.1.0/24')]);
    c.setLocalRoutes([route('10.244.3.0/24')]);
    await run(clock, 2);
    expect(prefixes(a)).toEqual(['10.244.1.0/24', '10.244.3.0/24']);
    b.removePeer(A, 'maintenance'); // Cease NOTIFICATION
    cut(C); // C never advertised the capability
    await run(clock, 1);
    expect(prefixes(a)).toEqual([]);
  });

  it('restarting speaker: holds its routes until the peers send End-of-RIB', async () => {
    const a = await make(A, { restartDeferralTime: 60 });
    const b = await make(B);
    a.setLocalRoutes([route('10.244.9.0/24')]);
    a.setPeer(cfg(A, B));
    b.setPeer(cfg(B, A, { passive: true }));
    b.setLocalRoutes([route('10.244.1.0/24')]);
    await run(clock, 2);
    // B is not restarting, so it sent its table and End-of-RIB at once; that ended A's wait.
    expect(prefixes(b)).toEqual(['10.244.9.0/24']);
    expect(prefixes(a)).toEqual(['10.244.1.0/24']);
  });

  it('restarting speaker: a peer that never comes back holds the routes only until the deferral timer', async () => {
    const a = await make(A, { restartDeferralTime: 20 });
    const b = await make(B);
    a.setLocalRoutes([route('10.244.9.0/24')]);
    a.setPeer(cfg(A, B));
    a.setPeer(cfg(A, C)); // nothing listens at C
    b.setPeer(cfg(B, A, { passive: true }));
    await run(clock, 5);
    expect(b.status().peers[0]?.state).toBe('Established');
    expect(prefixes(b)).toEqual([]);
    await run(clock, 16);
    expect(prefixes(b)).toEqual(['10.244.9.0/24']);
  });
});
