// BGPFilter resources (projectcalico.org/v3) as the BGP speaker's filter rules, per peer: the one place the node
// agent translates them. A peer's filters apply in the order its BGPPeer lists them, their rules concatenated per
// direction and family (calico: confd/pkg/backends/calico/bgp_filters.go renders them the same way into BIRD).
import type { BGPFilter } from '../api/kind-bgp-filter';
import { peerFilterRules, translateFilterSpec } from '../bgp/config/bgp-filter';
import type { PeerFilters } from '../bgp/speaker';

export interface FilterRules {
  /** A peer's rules (undefined when it names no filter); `missing` is told each named filter that does not exist. */
  forPeer(names: readonly string[], missing: (filter: string) => void): PeerFilters | undefined;
}

/**
 * Translates every BGPFilter once. `invalid` is told about a filter the datastore accepted that the speaker cannot
 * translate (it is ignored, as a missing one is).
 */
export function bgpFilterRules(filters: readonly BGPFilter[], invalid: (filter: string, problems: readonly string[]) => void): FilterRules {
  const byName = new Map<string, PeerFilters>();
  for (const f of filters) {
    const problems: string[] = [];
    const rules = translateFilterSpec(f.spec ?? {}, problems, 'spec.');
    if (problems.length > 0) invalid(f.metadata.name, problems);
    else byName.set(f.metadata.name, rules);
  }
  return { forPeer: (names, missing) => peerFilterRules(names, byName, (name) => missing(name)) };
}
