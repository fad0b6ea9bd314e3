// The speaker's peer configurations from the computed peerings (node/bgp-peers.ts): one PeerConfig per started
// peering, keyed by address. Pure. A peering that must not start, a BGPFilter a peer names that does not exist and
// one the speaker cannot translate are returned as problems.
import type { BGPFilter } from '../../api/kind-bgp-filter';
import { GRACEFUL_RESTART_DEFAULTS, PEER_DEFAULTS, type PeerConfig } from '../../bgp/speaker';
import type { DesiredPeer } from '../bgp-peers';
import { bgpFilterRules } from '../bgp-filter-rules';
import { AGENT_FAMILY } from './family';
import type { CalcProblem } from './problems';

export function speakerPeers(routerId: string, peers: readonly DesiredPeer[], filters: readonly BGPFilter[], problems: CalcProblem[]): Map<string, PeerConfig> {
  // A peer's BGPFilters apply in the order listed, translated into the speaker's rules (node/bgp-filter-rules.ts).
  const rules = bgpFilterRules(filters, (name, why) => problems.push({ key: `bad-filter ${name}`, message: `BGPFilter ${name} ignored: ${why.join('; ')}` }));
  const want = new Map<string, PeerConfig>();
  for (const p of peers) {
    if (p.notStarted !== undefined) {
      problems.push({ key: `not-started ${p.address}`, message: `not starting BGP session ${p.name} to ${p.address}: ${p.notStarted}` });
      continue;
    }
    const pf = rules.forPeer(p.filters, (name) =>
      problems.push({ key: `no-filter ${p.address} ${name}`, message: `BGP session ${p.name}: BGPFilter ${name} does not exist (ignored until it does)` }),
    );
    want.set(p.address, {
      name: p.name,
      address: p.address,
      port: p.port,
      asn: p.asn,
      localAsn: p.localAsn,
      routerId,
      ...(p.localAddress !== undefined ? { localAddress: p.localAddress } : {}),
      passive: p.passive,
      holdTime: PEER_DEFAULTS.holdTime,
      ...(p.keepaliveTime !== undefined ? { keepaliveTime: p.keepaliveTime } : {}),
      connectRetryTime: PEER_DEFAULTS.connectRetryTime,
      families: [AGENT_FAMILY.bgp],
      extendedMessage: true,
      routeReflectorClient: p.routeReflectorClient,
      ...(p.nextHopMode !== undefined ? { nextHopMode: p.nextHopMode } : {}),
      ...(p.allowOwnAs !== undefined ? { allowOwnAs: p.allowOwnAs } : {}),
      ...(pf !== undefined ? { filters: pf } : {}),
      // Calico's BIRD runs graceful restart on every session; maxRestartTime sets how long peers keep our routes.
      gracefulRestart: { ...GRACEFUL_RESTART_DEFAULTS, ...(p.maxRestartTime !== undefined ? { restartTime: p.maxRestartTime } : {}) },
    });
  }
  return want;
}
