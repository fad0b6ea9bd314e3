// The speaker's peer configurations from the computed peerings (node/bgp-peers.ts): one PeerConfig per started
// peering, keyed by address. Pure. A peering that must not start, and a BGPFilter a peer names that does not exist,
// are returned as problems.
import type { BGPFilter } from '../../api/kind-bgp-filter';
import { GRACEFUL_RESTART_DEFAULTS, PEER_DEFAULTS, type PeerConfig, type PeerFilters } from '../../bgp/speaker';
import type { DesiredPeer } from '../bgp-peers';
import { AGENT_FAMILY } from './family';
import type { CalcProblem } from './problems';

type FilterRules = NonNullable<PeerFilters['importV4']>[number];

/**
 * A peer's BGPFilters apply in the order listed: their rules are concatenated per direction and family. Undefined when
 * the peer names no filter.
 */
export function peerFilters(p: DesiredPeer, filters: ReadonlyMap<string, NonNullable<BGPFilter['spec']>>, problems: CalcProblem[]): PeerFilters | undefined {
  if (p.filters.length === 0) return undefined;
  const out: Record<'importV4' | 'importV6' | 'exportV4' | 'exportV6', FilterRules[]> = { importV4: [], importV6: [], exportV4: [], exportV6: [] };
  for (const name of p.filters) {
    const spec = filters.get(name);
    if (spec === undefined) {
      problems.push({ key: `no-filter ${p.address} ${name}`, message: `BGP session ${p.name}: BGPFilter ${name} does not exist (ignored until it does)` });
      continue;
    }
    for (const k of ['importV4', 'importV6', 'exportV4', 'exportV6'] as const) out[k].push(...(spec[k] ?? []));
  }
  return out;
}

export function speakerPeers(routerId: string, peers: readonly DesiredPeer[], filters: readonly BGPFilter[], problems: CalcProblem[]): Map<string, PeerConfig> {
  const specs = new Map(filters.map((f) => [f.metadata.name, f.spec ?? {}]));
  const want = new Map<string, PeerConfig>();
  for (const p of peers) {
    if (p.notStarted !== undefined) {
      problems.push({ key: `not-started ${p.address}`, message: `not starting BGP session ${p.name} to ${p.address}: ${p.notStarted}` });
      continue;
    }
    const pf = peerFilters(p, specs, problems);
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
