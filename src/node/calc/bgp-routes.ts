// The kernel routes of the prefixes learned over BGP, kept incrementally: with 100,000 best paths, one that changes
// (or a pod starting, which changes none) must not cost 100,000 route computations. The agent tells update() which
// prefixes changed since its last call; the routes are recomputed for those alone, with the same pure function the
// full calculation uses (felix/calc-routes.ts bgpRoute()). Everything else a route depends on (pools, this node's
// blocks and subnet, the service ranges not to route) is the context: when its key changes, every prefix is
// recomputed, and still only the routes that come out different are changed.
//
// The result is a VersionedMap keyed by routeKey(): the route table (felix/route-table.ts) follows its change log
// and so diffs only the keys that moved. An unchanged route keeps its object.
//
// Owns: the routes and the problems of the current best paths. No I/O, no clock.
import { cidrContains, formatCidr, parseIpOrCidr, type Cidr } from '../../lib/ip';
import { VersionedMap, type VersionedMapReader } from '../../lib/versioned-map';
import { bgpRoute, type BgpRouteContext } from '../../felix/calc-routes';
import { routeKey, type Route } from '../../netlink/netlink';
import { AGENT_FAMILY } from './family';
import type { CalcProblem } from './problems';

/** The next hops of the best path (or equal-cost set) of one prefix, best first. */
export interface BestPathHops {
  readonly family: 'ipv4' | 'ipv6';
  readonly nextHops: readonly string[];
}

/** What the routes of the best paths depend on, from the resources (computeDataplaneState builds it). */
export interface BgpRouteInput {
  /** Equal keys, equal routes for equal best paths. */
  readonly key: string;
  readonly context: BgpRouteContext;
  /**
   * Service ranges other nodes advertise are not for this node's kernel (Calico's /rejectcidrs): kube-proxy here
   * handles service addresses itself.
   */
  readonly rejected: readonly Cidr[];
}

export function bgpRouteInput(context: BgpRouteContext, rejected: readonly Cidr[]): BgpRouteInput {
  return { key: JSON.stringify([context.key, rejected.map((r) => formatCidr(r))]), context, rejected };
}

interface Entry {
  readonly key: string;
  readonly route: Route;
  readonly text: string;
}

export class BgpRoutes {
  private readonly table = new VersionedMap<string, Route>();
  private readonly byPrefix = new Map<string, Entry>();
  private readonly problemsByPrefix = new Map<string, readonly CalcProblem[]>();
  private inputKey: string | undefined;

  /** The routes by routeKey(), for the route table to follow. */
  get routes(): VersionedMapReader<string, Route> {
    return this.table;
  }

  /**
   * Brings the routes up to date with `bestPaths`, recomputing the prefixes in `changed` (any that changed since the
   * last call; more is harmless), or all of them when `changed` is 'all' or the input's key changed. At most `limit`
   * prefixes are recomputed; the ones left are returned, for the caller to pass again (with its new changes) soon, so
   * that 100,000 prefixes are worked through in slices rather than in one stretch of the process's one thread.
   */
  update(input: BgpRouteInput, bestPaths: ReadonlyMap<string, BestPathHops>, changed: Iterable<string> | 'all', limit = Infinity): string[] {
    let prefixes: Iterable<string> = changed;
    if (changed === 'all' || input.key !== this.inputKey) {
      prefixes = new Set([...bestPaths.keys(), ...this.byPrefix.keys()]);
      this.inputKey = input.key;
    }
    const left: string[] = [];
    let done = 0;
    for (const prefix of prefixes) {
      if (done++ < limit) this.recompute(input, prefix, bestPaths.get(prefix));
      else left.push(prefix);
    }
    return left;
  }

  /** The problems of the current best paths (a next hop the node cannot reach, ...). */
  problems(): CalcProblem[] {
    return [...this.problemsByPrefix.values()].flat();
  }

  private recompute(input: BgpRouteInput, prefix: string, hops: BestPathHops | undefined): void {
    const wanted = hops !== undefined && hops.family === AGENT_FAMILY.bgp && !input.rejected.some((r) => cidrContains(r, parseIpOrCidr(prefix)));
    const out = wanted ? bgpRoute(input.context, { prefix, nextHops: hops.nextHops }) : { problems: [] };
    if (out.problems.length > 0) this.problemsByPrefix.set(prefix, out.problems.map((p) => ({ key: `not-routing ${p.prefix}`, message: `not routing ${p.prefix}: ${p.reason}` })));
    else this.problemsByPrefix.delete(prefix);
    const before = this.byPrefix.get(prefix);
    if (out.route === undefined) {
      if (before !== undefined) {
        this.byPrefix.delete(prefix);
        this.table.delete(before.key);
      }
      return;
    }
    const text = JSON.stringify(out.route);
    if (before !== undefined && before.text === text) return;
    const key = routeKey(out.route);
    if (before !== undefined && before.key !== key) this.table.delete(before.key);
    this.byPrefix.set(prefix, { key, route: out.route, text });
    this.table.set(key, out.route);
  }
}
