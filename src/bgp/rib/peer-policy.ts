// A peer's routing policy: what the routing side (speaker-routing.ts) applies to the routes of a session, and
// nothing the OPEN, the timers or the transport need (that is session/peer-config.ts's SessionConfig). A change
// here never needs a new OPEN: import changes re-filter the peer's routes (ROUTE-REFRESH, RFC 2918), export changes
// send the difference.
import type { NextHopMode } from './export-policy';
import type { PeerFilters } from './filter-rule';

export interface PeerPolicy {
  /** RFC 4456: this iBGP peer is a route-reflector client of ours (default false). */
  readonly routeReflectorClient?: boolean;
  /** How NEXT_HOP is set on routes sent to this peer (see export-policy.ts; default 'auto'). */
  readonly nextHopMode?: NextHopMode;
  /** How many times our own AS may appear in a received AS_PATH before the route is a loop (default 0). */
  readonly allowOwnAs?: number;
  /**
   * RFC 4486 §4: at most `limit` prefixes (both families) from this peer; beyond it the session is closed with Cease /
   * Maximum Number of Prefixes Reached and started again after `restartDelay` seconds.
   */
  readonly maxPrefixes?: { readonly limit: number; readonly restartDelay: number };
  /** Filter rules per direction and family (a peer's filters concatenated in order). */
  readonly filters?: PeerFilters;
}

/** The fields of `PeerPolicy`, to split a flat configuration into session and policy. */
export const PEER_POLICY_FIELDS = ['routeReflectorClient', 'nextHopMode', 'allowOwnAs', 'maxPrefixes', 'filters'] as const satisfies ReadonlyArray<keyof PeerPolicy>;

/** True when what the peer's received routes went through changed (they must be filtered again). */
export function importPolicyChanged(a: PeerPolicy, b: PeerPolicy): boolean {
  return (
    (a.allowOwnAs ?? 0) !== (b.allowOwnAs ?? 0) ||
    JSON.stringify([a.filters?.importV4, a.filters?.importV6]) !== JSON.stringify([b.filters?.importV4, b.filters?.importV6])
  );
}

/**
 * The reflector-client role changed. Its routes were checked and stored under the old role (RFC 4456 §8: a client's
 * and a non-client's routes are reflected to different peers), and the speaker keeps no Adj-RIB-In to re-decide
 * them, so the session starts over.
 */
export function reflectorRoleChanged(a: PeerPolicy, b: PeerPolicy): boolean {
  return (a.routeReflectorClient ?? false) !== (b.routeReflectorClient ?? false);
}
