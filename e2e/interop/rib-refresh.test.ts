// ROUTE-REFRESH with a real daemon: when a peer's import filter changes on a running `gingham bgp run` (SIGHUP),
// Gingham asks the peer to re-send its routes (RFC 2918) instead of resetting the session, and the new filter applies
// to what comes back. With BIRD the session has no graceful restart; with FRR it has: FRR (8.4, and up to its fix of
// issue #16126) ignores a plain ROUTE-REFRESH from a peer that advertised Enhanced Route Refresh but not the Graceful
// Restart capability (it never marks End-of-RIB as sent to such a peer and postpones the answer for ever). Gingham
// advertises Enhanced Route Refresh always, and the Graceful Restart capability when configured, so an operator
// peering with an affected FRR turns graceful restart on.
import { requireTools, describeIf } from '../lib/tools';
import { allocateLoopbacks, releaseLoopbacks } from '../lib/loopback';
import { cleanupAll } from '../lib/process';
import { GinghamSpeaker, type GinghamOptions } from './gingham';
import { DAEMON_COMMANDS, startDaemon, type DaemonKind, type PeerDaemon } from './peer-daemons';

const KINDS: DaemonKind[] = ['bird', 'frr'];
const ok = requireTools('route refresh interop', KINDS.flatMap((k) => DAEMON_COMMANDS[k]), { root: true });

const ONE = '10.214.1.0/24';
const TWO = '10.214.2.0/24';

const reject = (cidr: string): unknown => ({ importV4: [{ action: 'Reject', matchOperator: 'Equal', cidr }] });

describeIf(ok).each(KINDS)('route refresh with %s', (kind) => {
  let g: GinghamSpeaker | undefined;
  let d: PeerDaemon | undefined;
  let addrs: string[] = [];

  afterEach(async () => {
    await g?.stop();
    await d?.stop();
    g = undefined;
    d = undefined;
    await cleanupAll();
    releaseLoopbacks(addrs);
  });

  it('an import filter change re-requests the routes and keeps the session', async () => {
    addrs = await allocateLoopbacks(2);
    const [gAddr, dAddr] = addrs as [string, string];
    d = await startDaemon(kind, {
      routerId: dAddr,
      listenAddress: dAddr,
      asn: 65000,
      neighbors: [{ name: 'gingham', address: gAddr, asn: 65000, passive: true, families: ['ipv4'], gracefulRestart: kind === 'frr' }],
      originate: [
        { prefix: ONE, nextHop: '192.0.2.1' },
        { prefix: TWO, nextHop: '192.0.2.1' },
      ],
    });
    const opts = (filter: string): GinghamOptions => ({
      asNumber: 65000,
      routerId: gAddr,
      listen: { address: gAddr },
      ...(kind === 'frr' ? { gracefulRestart: { restartTime: 120 } } : {}),
      filters: { f: reject(filter) },
      peers: [{ address: dAddr, asNumber: 65000, families: ['ipv4'], filters: ['f'] }],
    });
    g = await GinghamSpeaker.start(opts(TWO));
    await g.waitState(dAddr, 'Established');
    const speaker = g;
    await g.waitFor(() => speaker.routes(dAddr).length === 1, 20000, 'the accepted route');
    expect(g.routes(dAddr).map((r) => r.prefix)).toEqual([ONE]);

    g.reconfigure(opts(ONE));
    await g.waitFor(() => speaker.routes(dAddr).map((r) => r.prefix).join() === TWO, 20000, 'routes re-sent under the new filter');
    expect(g.routes(dAddr).map((r) => [r.prefix, r.stale])).toEqual([[TWO, false]]);
    expect(g.peer(dAddr)?.state).toBe('Established');
    expect(g.output).not.toMatch(/Established -> /);
  });
});
