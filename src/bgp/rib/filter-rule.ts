// The RIB's own route-filter model: what a filter rule matches and does, as parsed values (prefixes, numbers), with
// no text left to interpret. filter-bgp.ts evaluates it. Calico's BGPFilter (projectcalico.org/v3) is translated
// into it outside the RIB (bgp/config/bgp-filter.ts, used by the speaker's YAML file and by the node agent), the way
// GoBGP's table package keeps its own policy model (osrg/gobgp:internal/pkg/table/policy.go).
import type { Prefix } from '../packet/types';

/** Calico's matchOperator: Equal / NotEqual compare the prefix; In / NotIn test containment within min..max length. */
export type PrefixOperator = 'equal' | 'not-equal' | 'in' | 'not-in';

export interface PrefixMatch {
  readonly prefix: Prefix;
  readonly operator: PrefixOperator;
  /** For 'in' / 'not-in' (BIRD's `net ~ [ cidr{min,max} ]`): default the prefix's own length. */
  readonly minLength?: number;
  /** Default the family's full length. */
  readonly maxLength?: number;
}

/** A standard community (RFC 1997, a 32-bit value) or a large one (RFC 8092, three 32-bit values). */
export type CommunityMatch = { readonly kind: 'standard'; readonly value: number } | { readonly kind: 'large'; readonly value: readonly [number, number, number] };

/** Every given criterion must match. */
export interface FilterMatch {
  readonly prefix?: PrefixMatch;
  /** Only routes learned from peers (Calico's `source: RemotePeers`), never those this speaker originates. */
  readonly learnedOnly?: boolean;
  /** The kind of session the route came from (Calico's peerType eBGP / iBGP). */
  readonly peerKind?: 'external' | 'internal';
  /** The route carries this community. */
  readonly community?: CommunityMatch;
  /** The AS_PATH starts with these AS numbers. */
  readonly asPathPrefix?: readonly number[];
  /** The kernel route behind a local route: its interface matches this glob (BIRD's `ifname ~ "cali*"`). */
  readonly interface?: string;
  /** The kernel route behind a local route has this priority (BIRD's `krt_metric = N`). */
  readonly priority?: number;
}

export type FilterOperation =
  | { readonly kind: 'add-community'; readonly community: CommunityMatch }
  | { readonly kind: 'prepend-as-path'; readonly asns: readonly number[] }
  /** Kept for fidelity with BGPFilter; the speaker does not program kernel routes, so it has no effect here. */
  | { readonly kind: 'set-priority'; readonly value: number };

export interface FilterRule {
  readonly action: 'accept' | 'reject';
  readonly match: FilterMatch;
  /** Applied in order when the rule accepts. */
  readonly operations?: readonly FilterOperation[];
}

/** A peer's filters per direction and family, each an ordered rule list (first match decides, default accept). */
export interface PeerFilters {
  readonly importV4?: readonly FilterRule[];
  readonly importV6?: readonly FilterRule[];
  readonly exportV4?: readonly FilterRule[];
  readonly exportV6?: readonly FilterRule[];
}

export const FILTER_LISTS = ['importV4', 'importV6', 'exportV4', 'exportV6'] as const;
export type FilterList = (typeof FILTER_LISTS)[number];
