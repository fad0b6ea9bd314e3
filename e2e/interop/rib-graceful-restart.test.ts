// Graceful restart (RFC 4724) between the real `gingham bgp run` process and BIRD 2 on loopback addresses, both
// roles: BIRD as the helper while Gingham is killed with SIGKILL and started again (BIRD keeps Gingham's routes while its restart timer runs,
// the sink never loses a route, Gingham's End-of-RIB flushes what it no longer originates), and Gingham as the helper
// while BIRD is killed and restarted in recovery mode (Gingham keeps BIRD's routes stale and flushes only what BIRD
// did not re-send).
import { requireTools, describeIf } from '../lib/tools';
import { allocateLoopbacks, releaseLoopbacks } from '../lib/loopback';
import { cleanupAll, waitFor } from '../lib/process';
import { BirdDaemon } from '../lib/bird';
import type { DaemonOptions, RouteView } from '../lib/daemon-types';
import { GinghamSpeaker, type GinghamOptions } from './gingham';
import { birdName, DAEMON_COMMANDS } from './peer-daemons';

const ok = requireTools('graceful restart interop', DAEMON_COMMANDS.bird, { root: true });

const KEEP = '10.212.1.0/24';
const DROP = '10.212.2.0/24';

const gracefulRestartActive = (protocolText: string): boolean => /Neighbor graceful restart active/.test(protocolText);

const from = (routes: RouteView[], prefix: string, addr: string): RouteView | undefined => routes.find((r) => r.prefix === prefix && r.from === addr);

describeIf(ok)('graceful restart with BIRD 2', () => {
  let g: GinghamSpeaker | undefined;
  let birds: BirdDaemon[] = [];
  let addrs: string[] = [];

  afterEach(async () => {
    await g?.stop();
    g = undefined;
    for (const b of birds) await b.stop().catch(() => undefined);
    birds = [];
    await cleanupAll();
    releaseLoopbacks(addrs);
    addrs = [];
  });

  it('BIRD as helper: kill -9 Gingham, BIRD keeps its routes while helping the restart, Gingham comes back with End-of-RIB and the sink never loses a route', async () => {
    addrs = await allocateLoopbacks(2);
    const [gAddr, bAddr] = addrs as [string, string];
    const proto = birdName(gAddr);
    const sink = await BirdDaemon.start({
      routerId: bAddr,
      listenAddress: bAddr,
      asn: 65000,
      neighbors: [{ name: proto, address: gAddr, asn: 65000, passive: true, families: ['ipv4'], gracefulRestart: true }],
    });
    birds.push(sink);
    const opts: GinghamOptions = {
      asNumber: 65000,
      routerId: gAddr,
      listen: { address: gAddr },
      gracefulRestart: { restartTime: 120, deferralTime: 30 },
      peers: [{ address: bAddr, asNumber: 65000, families: ['ipv4'] }],
      originate: [
        { prefix: KEEP, nextHop: '192.0.2.1' },
        { prefix: DROP, nextHop: '192.0.2.1' },
      ],
    };
    g = await GinghamSpeaker.start(opts);
    await waitFor(async () => from(await sink.routes({ table: 'ipv4' }), DROP, gAddr) !== undefined, 30000, 'routes at the sink');

    // Watch the sink for the whole restart: KEEP must be there at every look.
    let watching = true;
    let looks = 0;
    const missing: number[] = [];
    const watcher = (async () => {
      while (watching) {
        const r = from(await sink.routes({ table: 'ipv4' }), KEEP, gAddr);
        looks++;
        if (r === undefined) missing.push(Date.now());
        await new Promise((res) => setTimeout(res, 150));
      }
    })();
    try {
      g.kill9();
      // BIRD 2.0 does not flag stale routes in `show route`; its protocol says it is helping a restart.
      await waitFor(async () => gracefulRestartActive(await sink.birdc('show', 'protocols', 'all', proto)), 20000, 'BIRD helping the restart');
      expect(from(await sink.routes({ table: 'ipv4' }), KEEP, gAddr)).toBeDefined();
      expect(from(await sink.routes({ table: 'ipv4' }), DROP, gAddr)).toBeDefined();
      await g.stop();
      // Back, without DROP: the End-of-RIB after the table makes BIRD flush DROP long before its restart time.
      const started = Date.now();
      g = await GinghamSpeaker.start({ ...opts, originate: opts.originate?.filter((o) => o.prefix === KEEP) });
      await waitFor(async () => from(await sink.routes({ table: 'ipv4' }), DROP, gAddr) === undefined, 40000, `${DROP} flushed at the sink`);
      expect(Date.now() - started).toBeLessThan(60000);
      expect(from(await sink.routes({ table: 'ipv4' }), KEEP, gAddr)).toBeDefined();
      expect(gracefulRestartActive(await sink.birdc('show', 'protocols', 'all', proto))).toBe(false);
      // A fast restart is over in a few looks: keep looking a little after it, so the watch covers the whole
      // restart and its aftermath whatever the restart's speed (at most 8 s more).
      const until = looks + 10;
      await waitFor(() => looks >= until, 8000, 'ten more looks at the sink');
    } finally {
      watching = false;
      await watcher;
    }
    expect(looks).toBeGreaterThanOrEqual(10);
    expect(missing).toEqual([]);
  });

  it('Gingham as helper: BIRD killed and restarted in recovery mode; Gingham keeps its routes stale and flushes only what BIRD did not re-send', async () => {
    addrs = await allocateLoopbacks(2);
    const [gAddr, bAddr] = addrs as [string, string];
    const birdOpts: DaemonOptions = {
      routerId: bAddr,
      listenAddress: bAddr,
      asn: 65000,
      neighbors: [{ name: birdName(gAddr), address: gAddr, asn: 65000, families: ['ipv4'], gracefulRestart: true }],
      originate: [
        { prefix: KEEP, nextHop: '192.0.2.20' },
        { prefix: DROP, nextHop: '192.0.2.20' },
      ],
    };
    const bird = await BirdDaemon.start(birdOpts);
    birds.push(bird);
    g = await GinghamSpeaker.start({
      asNumber: 65000,
      routerId: gAddr,
      listen: { address: gAddr },
      gracefulRestart: { restartTime: 120, staleTime: 120, deferralTime: 5 },
      peers: [{ address: bAddr, asNumber: 65000, families: ['ipv4'], passive: true }],
    });
    const speaker = g;
    await g.waitFor(() => speaker.routes(bAddr).length === 2, 30000, 'routes from BIRD');

    await bird.kill9();
    await g.waitFor(() => speaker.peer(bAddr)?.state !== 'Established', 20000, 'session down at gingham');
    expect(g.routes(bAddr).map((r) => [r.prefix, r.stale, r.best])).toEqual([
      [KEEP, true, true],
      [DROP, true, true],
    ]);

    // BIRD restarts gracefully without DROP.
    const again = await BirdDaemon.start({ ...birdOpts, originate: birdOpts.originate?.filter((o) => o.prefix === KEEP) }, { recovery: true });
    birds.push(again);
    await g.waitFor(() => speaker.routes(bAddr).every((r) => r.prefix !== DROP), 60000, `${DROP} flushed at gingham`);
    expect(g.routes(bAddr).map((r) => [r.prefix, r.stale, r.nextHop])).toEqual([[KEEP, false, '192.0.2.20']]);
  });
});
