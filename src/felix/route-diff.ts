// The pure half of the route table (route-table.ts): given the desired routes of one routing table, what the kernel
// holds in it, and which keys to look at, what must be deleted, what must be written, and what must wait. The route
// table passes only the keys that changed since its last apply (the whole table at a resync), so the work follows the
// change, not the table's size. No I/O, no clock: `now` is an argument.
//
// The rules, as Felix's routetable has them:
// - Ownership: only routes whose protocol is ours are ever deleted. A foreign route (kernel, DHCP, an operator, BIRD)
//   sitting on a destination we want is a conflict: reported, left alone.
// - A desired route through a link that does not exist yet is pending (the CNI plugin may not have created the
//   workload's veth yet); it is programmed once the link appears.
// - Grace period: a route of ours through a link that appeared less than `graceMs` ago is not deleted even when it is
//   not desired, because the CNI plugin programs a new workload's route before the datastore tells us about the
//   workload. Once the grace runs out it goes like any other stale route.
import { canonicalIp, parseCidr } from '../netlink/addr';
import {
  TABLE_MAIN,
  defaultMetric,
  defaultScope,
  type NextHop,
  type Route,
  type RouteInfo,
} from '../netlink/netlink';

/** What the diff knows of a link: its index, and when this process first saw it (ms; -Infinity: before we started). */
export interface LinkSeen {
  readonly index: number;
  readonly appearedAt: number;
}

export interface RouteDiffInput {
  /**
   * The keys (routeKey()) to compare: a route table passes the keys whose desired or kernel state changed since its
   * last apply, and every key (desired and observed) for a full diff. A key may come twice.
   */
  readonly keys: Iterable<string>;
  /** The desired route of a key (undefined: not desired); protocol and table are filled in by the caller. */
  readonly desired: (key: string) => Route | undefined;
  /** The kernel's routes of this table (every protocol) by routeKey(). */
  readonly observed: ReadonlyMap<string, RouteInfo>;
  /** Links by name. */
  readonly links: ReadonlyMap<string, LinkSeen>;
  /** Our route protocol: the only one we delete. */
  readonly protocol: number;
  readonly now: number;
  readonly graceMs: number;
}

export interface PendingRoute {
  readonly route: Route;
  readonly reason: string;
}

export interface RouteDiff {
  /** Routes of ours to remove, as the kernel reported them. */
  readonly deletes: readonly RouteInfo[];
  /** Routes to add or overwrite (RTM_NEWROUTE with NLM_F_REPLACE), link names resolved to indexes. */
  readonly writes: readonly Route[];
  /** Desired routes that cannot be programmed yet (their link is missing). */
  readonly pending: readonly PendingRoute[];
  /** Desired routes whose destination is held by a route that is not ours. */
  readonly conflicts: ReadonlyArray<{ readonly route: Route; readonly existing: RouteInfo }>;
  /** Stale routes of ours kept for now because their link is young; the earliest time one of them expires. */
  readonly graceUntil?: number;
  /** Keys left unsettled (pending, in conflict, kept for their grace period): compare them again next time. */
  readonly recheck: readonly string[];
}

type Resolved = { ok: true; route: Route } | { ok: false; reason: string };

/** Replaces link names by indexes (the kernel speaks indexes), or says which link is missing. */
export function resolveLinks(route: Route, links: ReadonlyMap<string, LinkSeen>): Resolved {
  const resolveOne = <T extends { linkName?: string; linkIndex?: number }>(x: T): T | string => {
    if (x.linkName === undefined) return x;
    const l = links.get(x.linkName);
    if (l === undefined) return `link ${x.linkName} does not exist`;
    return { ...x, linkIndex: l.index };
  };
  const top = resolveOne(route);
  if (typeof top === 'string') return { ok: false, reason: top };
  if (route.multipath === undefined) return { ok: true, route: top };
  const hops: NextHop[] = [];
  for (const nh of route.multipath) {
    const r = resolveOne(nh);
    if (typeof r === 'string') return { ok: false, reason: r };
    hops.push(r);
  }
  return { ok: true, route: { ...top, multipath: hops } };
}

function hopText(nh: NextHop): string {
  return `${nh.gateway === undefined ? '' : canonicalIp(nh.gateway)}@${nh.linkIndex ?? ''}${nh.onlink ? '!' : ''}*${nh.weight ?? 1}`;
}

/** The fields of a route that the kernel reports back, normalised, so a desired route and a dumped one compare. */
export function routeShape(r: Route): string {
  const family = parseCidr(r.dst).family;
  return JSON.stringify([
    r.type ?? 'unicast',
    r.scope ?? defaultScope(r),
    r.gateway === undefined ? null : canonicalIp(r.gateway),
    r.linkIndex ?? null,
    r.onlink ?? false,
    r.src === undefined ? null : canonicalIp(r.src),
    r.mtu ?? null,
    r.multipath === undefined ? null : r.multipath.map(hopText).sort(),
    r.metric ?? defaultMetric(family),
    r.table ?? TABLE_MAIN,
  ]);
}

export function diffRoutes(input: RouteDiffInput): RouteDiff {
  const linkAge = new Map<number, number>();
  for (const l of input.links.values()) linkAge.set(l.index, l.appearedAt);

  const deletes: RouteInfo[] = [];
  const writes: Route[] = [];
  const pending: PendingRoute[] = [];
  const conflicts: Array<{ route: Route; existing: RouteInfo }> = [];
  const recheck: string[] = [];
  let graceUntil: number | undefined;
  for (const key of new Set(input.keys)) {
    const want = input.desired(key);
    const have = input.observed.get(key);
    if (want !== undefined) {
      // A desired route whose link is missing is pending, and keeps what the kernel has for it.
      const resolved = resolveLinks(want, input.links);
      if (!resolved.ok) {
        pending.push({ route: want, reason: resolved.reason });
        recheck.push(key);
      } else if (have !== undefined && have.protocol !== input.protocol) {
        conflicts.push({ route: want, existing: have });
        recheck.push(key);
      } else if (have === undefined || routeShape(have) !== routeShape(resolved.route)) {
        // Desired and kernel routes compare by the fields the kernel reports back.
        writes.push(resolved.route);
      }
      continue;
    }
    if (have === undefined || have.protocol !== input.protocol) continue;
    const indexes = [have.linkIndex, ...(have.multipath ?? []).map((nh) => nh.linkIndex)].filter((i): i is number => i !== undefined);
    const youngest = Math.max(...indexes.map((i) => linkAge.get(i) ?? -Infinity), -Infinity);
    const expires = youngest + input.graceMs;
    if (expires > input.now) {
      graceUntil = graceUntil === undefined ? expires : Math.min(graceUntil, expires);
      recheck.push(key);
      continue;
    }
    deletes.push(have);
  }
  return { deletes, writes, pending, conflicts, recheck, ...(graceUntil !== undefined ? { graceUntil } : {}) };
}
