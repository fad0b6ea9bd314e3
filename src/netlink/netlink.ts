// The Netlink interface: everything Gingham's dataplane asks of the kernel's rtnetlink (routes, links, addresses,
// neighbours, bridge FDB entries), as plain readonly data with text addresses. Two implementations: RtNetlink
// (rtnetlink.ts, the real kernel over the `netlink` npm package) and FakeNetlink (fake.ts, in memory, with failure
// injection). This module owns the types and the contract; it does no I/O.
//
// Namespaces: an instance talks to the network namespace of the process that created it. The dataplane runs in the
// host namespace; tests and the lab run whole processes inside `ip netns exec NS ...`. The only cross-namespace
// operations are explicit: a veth peer created in, or a link moved to, a namespace named by a path or a pid.
//
// Errors: every failure is a NetlinkError (netlink-error.ts) with the kernel's errno name. A delete of something
// absent fails (routes ESRCH, links ENODEV, addresses EADDRNOTAVAIL, neighbours/FDB ENOENT; isNotFound() covers all).
import { parseCidr, type Family } from './addr';

/**
 * Gingham's route protocol number (rtm_protocol). The route table marks every route it programs with it and deletes
 * only routes carrying it, so it never removes routes owned by the kernel, DHCP, BIRD or an operator. 81 is free in
 * iproute2's rt_protos, and deliberately not Calico Felix's 80: on a node migrating from Calico, neither agent will
 * garbage-collect the other's routes.
 */
export const GINGHAM_ROUTE_PROTOCOL = 81;

/** rtm_protocol of routes the kernel creates itself (connected subnets of addresses). */
export const KERNEL_ROUTE_PROTOCOL = 2;

/** Routing table ids (rtm_table / RTA_TABLE). */
export const TABLE_MAIN = 254;
export const TABLE_LOCAL = 255;

export type RouteType = 'unicast' | 'local' | 'broadcast' | 'anycast' | 'multicast' | 'blackhole' | 'unreachable' | 'prohibit' | 'throw';
export type RouteScope = 'universe' | 'site' | 'link' | 'host' | 'nowhere';

/** One next hop of a multipath (ECMP) route. */
export interface NextHop {
  readonly gateway?: string;
  /** Output interface by index, or by name (resolved at call time). */
  readonly linkIndex?: number;
  readonly linkName?: string;
  /** RTNH_F_ONLINK: the gateway is on this link even though no address says so (IPIP `via <node> dev tunl0 onlink`). */
  readonly onlink?: boolean;
  /** ECMP weight, 1..256 (rtnh_hops + 1). Default 1. */
  readonly weight?: number;
}

/**
 * A route as the caller asks for it. Absent optional fields take the kernel's/iproute2's defaults: table main,
 * protocol GINGHAM_ROUTE_PROTOCOL, type unicast, metric 0 for IPv4 and 1024 for IPv6, scope `link` for a unicast route
 * with no gateway and no multipath, else `universe`.
 */
export interface Route {
  /** Destination CIDR; host bits are cleared ('10.244.1.7/24' means 10.244.1.0/24). */
  readonly dst: string;
  readonly table?: number;
  readonly protocol?: number;
  readonly type?: RouteType;
  readonly scope?: RouteScope;
  /** RTA_PRIORITY. Part of the route's identity: two routes may differ only in metric. */
  readonly metric?: number;
  readonly gateway?: string;
  readonly onlink?: boolean;
  readonly linkIndex?: number;
  readonly linkName?: string;
  /** Preferred source address (RTA_PREFSRC). */
  readonly src?: string;
  /** RTAX_MTU route metric: path MTU for this destination. */
  readonly mtu?: number;
  /** ECMP next hops; when present, gateway/linkIndex/linkName/onlink must be absent. */
  readonly multipath?: readonly NextHop[];
}

/** A route read back from the kernel: every identity field filled in, link names resolved where the link exists. */
export interface RouteInfo extends Route {
  readonly family: Family;
  readonly table: number;
  readonly protocol: number;
  readonly type: RouteType;
  readonly scope: RouteScope;
  readonly metric: number;
  readonly onlink: boolean;
}

export interface RouteFilter {
  readonly family?: Family;
  /** Only this table; default: every table except local (255), as `ip route show table all` minus local. */
  readonly table?: number;
  readonly protocol?: number;
}

export type RouteOp = { readonly op: 'add' | 'replace' | 'delete'; readonly route: Route };
export type BatchResult = { readonly ok: true } | { readonly ok: false; readonly error: Error };

export interface VxlanInfo {
  readonly vni: number;
  readonly port: number;
  readonly local?: string;
  readonly parentIndex?: number;
  readonly learning: boolean;
}

export interface LinkInfo {
  readonly index: number;
  readonly name: string;
  /** IFLA_INFO_KIND: 'veth', 'vxlan', 'ipip', 'bridge'...; undefined for devices without one (lo, physical NICs). */
  readonly kind?: string;
  readonly mtu: number;
  /** Absent for devices without a link-layer address (lo has 00:00:..., tunl0 has none). */
  readonly mac?: string;
  /** Administratively up (IFF_UP). */
  readonly up: boolean;
  /** Carrier up (IFF_LOWER_UP). */
  readonly lowerUp: boolean;
  /** IFLA_LINK: the veth peer's index, or a tunnel's parent device index. May name a link in another namespace. */
  readonly parentIndex?: number;
  readonly masterIndex?: number;
  readonly vxlan?: VxlanInfo;
}

/** A network namespace for cross-namespace operations: a file (/var/run/netns/NAME, /proc/PID/ns/net) or a pid. */
export type NetnsRef = { readonly path: string } | { readonly pid: number };

export interface VethOptions {
  readonly name: string;
  readonly peerName: string;
  readonly mtu?: number;
  readonly mac?: string;
  readonly peerMac?: string;
  /** Create the peer end directly inside this namespace (IFLA_NET_NS_FD / IFLA_NET_NS_PID on the peer). */
  readonly peerNetns?: NetnsRef;
}

export interface VxlanOptions {
  readonly name: string;
  readonly vni: number;
  /** UDP destination port; default 4789 (IANA VXLAN, Calico's default). */
  readonly port?: number;
  /** Local VTEP address (source of encapsulated packets). */
  readonly local?: string;
  /** Parent device (the node's interface) by index or name. */
  readonly parent?: number | string;
  /** MAC learning; default false: Gingham programs the FDB itself, as Felix does. */
  readonly learning?: boolean;
  readonly mtu?: number;
  readonly mac?: string;
}

export interface IpipOptions {
  /** Only 'tunl0' is supported: it is the ipip module's fallback device, which receives all IPIP packets. */
  readonly name?: 'tunl0';
  readonly mtu?: number;
}

export interface AddressInfo {
  readonly linkIndex: number;
  readonly family: Family;
  /** 'ip/prefixLen' with host bits kept, e.g. '10.0.0.1/24'. */
  readonly cidr: string;
  readonly scope: RouteScope;
}

export interface AddressOptions {
  /** IFA_F_NOPREFIXROUTE: do not create the connected route (tunnel addresses are /32 anyway). */
  readonly noPrefixRoute?: boolean;
  /** IFA_F_NODAD (IPv6): usable at once, no duplicate-address-detection wait (a pod's address is IPAM-unique). */
  readonly noDad?: boolean;
}

/** A permanent ARP/NDP entry: ip -> mac on a link. */
export interface Neighbour {
  readonly ip: string;
  readonly mac: string;
  readonly linkIndex?: number;
  readonly linkName?: string;
}

export interface NeighbourInfo extends Neighbour {
  readonly linkIndex: number;
  readonly permanent: boolean;
}

/** A bridge FDB entry on a vxlan device: frames for `mac` are sent to the remote VTEP `dst` (permanent, self). */
export interface FdbEntry {
  readonly mac: string;
  readonly dst: string;
  readonly linkIndex?: number;
  readonly linkName?: string;
}

export interface FdbInfo extends FdbEntry {
  readonly linkIndex: number;
  readonly permanent: boolean;
}

/** A link given by name or index. */
export type LinkRef = string | number;

export interface Netlink {
  // Routes.
  /** RTM_NEWROUTE with NLM_F_CREATE|NLM_F_EXCL: EEXIST when a route with the same table/dst/metric exists. */
  addRoute(route: Route): Promise<void>;
  /** RTM_NEWROUTE with NLM_F_CREATE|NLM_F_REPLACE: creates or overwrites. */
  replaceRoute(route: Route): Promise<void>;
  /** Deletes the route with this table/dst/metric (and protocol/type when given). ESRCH when absent. */
  deleteRoute(route: Route): Promise<void>;
  listRoutes(filter?: RouteFilter): Promise<RouteInfo[]>;
  /** Several route operations pipelined (the real implementation keeps them all in flight); one result per op. */
  routeBatch(ops: readonly RouteOp[]): Promise<BatchResult[]>;

  // Links.
  listLinks(): Promise<LinkInfo[]>;
  /** ENODEV when absent. */
  getLink(ref: LinkRef): Promise<LinkInfo>;
  /** undefined when absent. */
  findLink(ref: LinkRef): Promise<LinkInfo | undefined>;
  createVeth(opts: VethOptions): Promise<LinkInfo>;
  createVxlan(opts: VxlanOptions): Promise<LinkInfo>;
  /** Ensures the ipip fallback device tunl0 exists; IpipUnavailableError when the kernel has no ipip module. */
  createIpip(opts?: IpipOptions): Promise<LinkInfo>;
  setLinkUp(ref: LinkRef, up: boolean): Promise<void>;
  setLinkMtu(ref: LinkRef, mtu: number): Promise<void>;
  setLinkMac(ref: LinkRef, mac: string): Promise<void>;
  /** Moves a link into another namespace (it disappears from this one, with its addresses and routes). */
  setLinkNetns(ref: LinkRef, netns: NetnsRef): Promise<void>;
  /** Deletes a link; its routes, addresses, neighbours go with it (and a veth's peer). ENODEV when absent. */
  deleteLink(ref: LinkRef): Promise<void>;

  // Addresses.
  addAddress(link: LinkRef, cidr: string, opts?: AddressOptions): Promise<void>;
  deleteAddress(link: LinkRef, cidr: string): Promise<void>;
  listAddresses(link?: LinkRef, family?: Family): Promise<AddressInfo[]>;

  // Neighbours (permanent entries only).
  addNeighbour(n: Neighbour): Promise<void>;
  replaceNeighbour(n: Neighbour): Promise<void>;
  deleteNeighbour(n: Neighbour): Promise<void>;
  listNeighbours(link?: LinkRef, family?: Family): Promise<NeighbourInfo[]>;

  // Bridge FDB on vxlan devices.
  addFdb(e: FdbEntry): Promise<void>;
  replaceFdb(e: FdbEntry): Promise<void>;
  deleteFdb(e: FdbEntry): Promise<void>;
  listFdb(link?: LinkRef): Promise<FdbInfo[]>;

  /** Releases the socket. Further calls fail. */
  close(): void;
}

/** Kernel default metric when none is given (IPv6 routes get 1024 from ip6_route_add; IPv4 0). */
export function defaultMetric(family: Family): number {
  return family === 6 ? 1024 : 0;
}

/**
 * The scope iproute2 and the kernel give a route when the caller does not: host for local, link for a unicast route
 * with no gateway and no multipath (a directly connected destination), universe otherwise.
 */
export function defaultScope(route: Route): RouteScope {
  const type = route.type ?? 'unicast';
  if (type === 'local') return 'host';
  if (type === 'broadcast' || type === 'multicast' || type === 'anycast') return 'link';
  if (type === 'unicast' && route.gateway === undefined && (route.multipath?.length ?? 0) === 0) return 'link';
  return 'universe';
}

/** Human text for a route, iproute2-style, for error messages and logs. */
export function describeRoute(r: Route): string {
  const parts: string[] = [];
  if (r.type !== undefined && r.type !== 'unicast') parts.push(r.type);
  parts.push(r.dst);
  if (r.gateway !== undefined) parts.push(`via ${r.gateway}`);
  const dev = r.linkName ?? (r.linkIndex !== undefined ? `#${r.linkIndex}` : undefined);
  if (dev !== undefined) parts.push(`dev ${dev}`);
  if (r.onlink) parts.push('onlink');
  for (const nh of r.multipath ?? []) {
    const nhDev = nh.linkName ?? (nh.linkIndex !== undefined ? `#${nh.linkIndex}` : undefined);
    parts.push(`nexthop${nh.gateway ? ' via ' + nh.gateway : ''}${nhDev ? ' dev ' + nhDev : ''}${nh.onlink ? ' onlink' : ''}`);
  }
  if (r.table !== undefined && r.table !== TABLE_MAIN) parts.push(`table ${r.table}`);
  if (r.metric !== undefined) parts.push(`metric ${r.metric}`);
  if (r.protocol !== undefined) parts.push(`proto ${r.protocol}`);
  return parts.join(' ');
}

/**
 * The kernel's identity of a route: family, table, destination and metric (TOS is always 0 here). Two routes with the
 * same key cannot both exist; adding the second fails EEXIST, replacing it overwrites the first.
 */
export function routeKey(r: Pick<Route, 'dst' | 'table' | 'metric'>): string {
  const dst = parseCidr(r.dst);
  return `${dst.family}|${r.table ?? TABLE_MAIN}|${dst.text}|${r.metric ?? defaultMetric(dst.family)}`;
}
