// What happens to a received route before it becomes a candidate in the Loc-RIB: loop checks (RFC 4271 §9.1.2 AS
// loops with an allowed count of our own AS; RFC 4456 §8 ORIGINATOR_ID and CLUSTER_LIST) and the attribute form kept
// in the RIB (MP_REACH's next hop becomes the route's NEXT_HOP; MP_* attributes describe the message, not the route).
// A route that fails a check is treated as a withdrawal of that prefix, as BIRD does: merely ignoring the UPDATE would
// leave an earlier version of the route in use.
import type { PathAttributes } from '../packet/types';
import type { PathSource } from './path';

export interface ImportContext {
  /** Our AS numbers on this session (the speaker's and the per-peer local AS). */
  readonly localAsns: readonly number[];
  /** How many times our own AS may appear in a received AS_PATH (0 = any occurrence is a loop). */
  readonly allowOwnAs: number;
  readonly routerId: string;
  readonly clusterId: string;
  /** This speaker reflects routes (it has at least one route-reflector client). */
  readonly isReflector: boolean;
}

export type ImportRejection = 'as-loop' | 'originator-id' | 'cluster-list';

export function importCheck(a: PathAttributes, source: PathSource, ctx: ImportContext): ImportRejection | undefined {
  let own = 0;
  for (const seg of a.asPath ?? []) for (const asn of seg.asns) if (ctx.localAsns.includes(asn)) own++;
  if (own > ctx.allowOwnAs) return 'as-loop';
  if (source.kind === 'internal') {
    // RFC 4456 §8: "a router that recognizes the ORIGINATOR_ID attribute SHOULD ignore a route received with its
    // BGP Identifier as the ORIGINATOR_ID"; "if the local CLUSTER_ID is found in the CLUSTER_LIST, the advertisement
    // received SHOULD be ignored" (on a reflector).
    if (a.originatorId === ctx.routerId) return 'originator-id';
    if (ctx.isReflector && a.clusterList?.includes(ctx.clusterId) === true) return 'cluster-list';
  }
  return undefined;
}

/** The attributes as stored for a route: classic ones only, with the family's next hop in NEXT_HOP. */
export function routeAttributes(a: PathAttributes, family: 'ipv4' | 'ipv6'): PathAttributes {
  const { mpReach, mpUnreach: _u, ...rest } = a;
  if (family === 'ipv4' || mpReach === undefined) return rest;
  return { ...rest, nextHop: mpReach.nextHop };
}
