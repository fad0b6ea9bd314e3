// The routes this speaker originates, kept as desired state: setting a new list yields the Loc-RIB changes (a route
// absent from the list is withdrawn), and export filters can ask which kernel route a local route stands for.
import type { Family, PathAttributes, Prefix } from './packet/types';
import { Origin } from './packet/constants';
import type { LocRib } from './rib/loc-rib';
import type { PathSource } from './rib/path';
import { prefixText } from './rib/prefix-words';
import type { ChangeSet } from './rib/rib-update';

const FAMILIES: readonly Family[] = ['ipv4', 'ipv6'];

/** A route this speaker originates. */
export interface LocalRoute {
  readonly prefix: Prefix;
  /** Next hop to advertise; default: our address on each session ("next hop self"). */
  readonly nextHop?: string;
  readonly communities?: readonly number[];
  readonly largeCommunities?: ReadonlyArray<readonly [number, number, number]>;
  readonly med?: number;
  /** LOCAL_PREF towards iBGP peers (default 100); never sent to eBGP peers (RFC 4271 §5.1.5). */
  readonly localPref?: number;
  /** The kernel route this route stands for (a workload's cali* device), for BGPFilter `interface` rules. */
  readonly interface?: string;
  /** That kernel route's priority (metric), for BGPFilter `priority` rules. */
  readonly priority?: number;
}

function localAttributes(r: LocalRoute): PathAttributes {
  const a: { -readonly [K in keyof PathAttributes]: PathAttributes[K] } = { origin: Origin.Igp, asPath: [] };
  if (r.nextHop !== undefined) a.nextHop = r.nextHop;
  if (r.med !== undefined) a.med = r.med;
  if (r.localPref !== undefined) a.localPref = r.localPref;
  if (r.communities !== undefined && r.communities.length > 0) a.communities = r.communities;
  if (r.largeCommunities !== undefined && r.largeCommunities.length > 0) a.largeCommunities = r.largeCommunities;
  return a;
}

export class LocalRoutes {
  private routes: Record<Family, Map<string, LocalRoute>> = { ipv4: new Map(), ipv6: new Map() };

  constructor(
    private readonly rib: LocRib,
    readonly source: PathSource,
  ) {}

  /**
   * Replaces the desired routes, applying the difference to the Loc-RIB and adding the entries whose best path may
   * have changed to `changes`. An unchanged route whose kernel interface or priority changed is added too: export
   * filters may decide it differently.
   */
  set(routes: readonly LocalRoute[], now: number, changes: ChangeSet): void {
    const next: Record<Family, Map<string, LocalRoute>> = { ipv4: new Map(), ipv6: new Map() };
    for (const r of routes) next[r.prefix.family].set(prefixText(r.prefix), r);
    const src = this.source;
    for (const f of FAMILIES) {
      for (const [key, r] of this.routes[f]) {
        if (next[f].has(key)) continue;
        const c = this.rib.remove(r.prefix, src);
        if (c >= 0) changes[f].add(c);
      }
      for (const [key, r] of next[f]) {
        const attrs = this.rib.interner.intern(localAttributes(r));
        const old = this.routes[f].get(key);
        if (old !== undefined && this.rib.attrsOf(r.prefix, src) === attrs) {
          const id = old.interface !== r.interface || old.priority !== r.priority ? this.rib.find(r.prefix) : -1;
          if (id >= 0) changes[f].add(id);
          continue;
        }
        const c = this.rib.set(r.prefix, src, attrs, now);
        if (c >= 0) changes[f].add(c);
      }
    }
    this.routes = next;
  }

  /** The local route for the prefix, for the filter criteria that look at its kernel route. */
  get(prefix: Prefix): LocalRoute | undefined {
    return this.routes[prefix.family].get(prefixText(prefix));
  }

  list(): LocalRoute[] {
    return [...this.routes.ipv4.values(), ...this.routes.ipv6.values()];
  }
}
