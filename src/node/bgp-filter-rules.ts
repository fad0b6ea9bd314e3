// BGPFilter resources (projectcalico.org/v3) as the BGP speaker's filter rules, per peer: the one place the node
// agent translates them. A peer's filters apply in the order its BGPPeer lists them, their rules concatenated per
// direction and family (calico: confd/pkg/backends/calico/bgp_filters.go renders them the same way into BIRD).
import type { BGPFilter } from '../api/kind-bgp-filter';
import { peerFilterRules, translateFilterSpec } from '../bgp/config/bgp-filter';
import type { PeerFilters } from '../bgp/speaker';

export interface FilterProblems {
  /** A peer names a BGPFilter that does not exist (it is ignored until it does). */
  missing(peer: string, filter: string): void;
  /** A BGPFilter the datastore accepted that the speaker cannot translate (the filter is ignored). */
  invalid(filter: string, problems: readonly string[]): void;
}

/** Translates every BGPFilter once; `forPeer` then gives a peer's rules (undefined when it names no filters). */
export function bgpFilterRules(filters: readonly BGPFilter[], report: FilterProblems): { forPeer(peer: string, names: readonly string[]): PeerFilters | undefined } {
  const byName = new Map<string, PeerFilters>();
  for (const f of filters) {
    const problems: string[] = [];
    const rules = translateFilterSpec(f.spec ?? {}, problems, 'spec.');
    if (problems.length > 0) report.invalid(f.metadata.name, problems);
    else byName.set(f.metadata.name, rules);
  }
  return { forPeer: (peer, names) => peerFilterRules(names, byName, (name) => report.missing(peer, name)) };
}
