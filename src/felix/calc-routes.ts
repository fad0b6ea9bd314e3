// The dataplane calculation: this node's view of the cluster (pools, blocks, nodes, local workloads, BGP best paths)
// in, the desired kernel state out (routes for the route table, VXLAN neighbour and FDB entries, which tunnels are
// needed). Pure: no I/O, no clock, deterministic output order. The node agent recomputes it on every change and hands
// the result to the reconcilers (route-table.ts and friends), which write only the difference.
//
// Shapes follow Felix (felix/dataplane/linux/endpoint_mgr.go, vxlan_mgr.go, felix/calc/l3_route_resolver.go) and
// Calico's BIRD kernel filter (confd/etc/calico/confd/templates/bird_ipam.cfg.template):
//   local workload     10.244.0.2/32 dev caliXXXX scope link
//   own block          blackhole 10.244.0.0/24
//   IPIP Always        10.244.1.0/24 via <node> dev tunl0 onlink
//   CrossSubnet        direct (via <node> dev <parent>) when the next hop is in this node's subnet, else the tunnel
//   no encapsulation   10.244.1.0/24 via <node> dev <parent>
//   VXLAN              10.244.1.0/24 via <remote VTEP address> dev vxlan.calico onlink, plus a permanent ARP entry
//                      VTEP address -> VTEP MAC and an FDB entry VTEP MAC -> node address on vxlan.calico
// VXLAN pools are never routed from BGP (Felix computes them from blocks and VTEPs), as Calico's kernel filter does.
import { cidrContains, parseCidr, parseIp, parseIpOrCidr, formatCidr, maskCidr, type Cidr } from '../lib/ip';
import type { EncapMode } from '../api/kind-ippool';
import type { FdbEntry, Neighbour, NextHop, Route } from '../netlink/netlink';
import { vxlanMacForNode } from './vxlan-mac';

export const IPIP_DEVICE = 'tunl0';
export const VXLAN_DEVICE = 'vxlan.calico';

export interface CalcPool {
  readonly cidr: string;
  readonly ipipMode?: EncapMode;
  readonly vxlanMode?: EncapMode;
  // No `disabled`: a disabled pool stops new allocations only (Calico's IPPoolSpec.Disabled is read by IPAM alone);
  // its existing workloads keep their routes and tunnels.
}

export interface CalcNode {
  readonly name: string;
  /** Node.spec.bgp.ipv4Address with its prefix length (the prefix is the node's subnet, for CrossSubnet). */
  readonly ipv4Address?: string;
  readonly ipv4VXLANTunnelAddr?: string;
  readonly vxlanTunnelMACAddr?: string;
}

export interface CalcBlock {
  readonly cidr: string;
  /** The node the block is affine to (`host:<node>`), if any. */
  readonly node?: string;
}

export interface CalcWorkload {
  /** The host-side interface (cali...). */
  readonly interfaceName: string;
  /** Addresses as CIDRs ('10.244.0.2/32'). */
  readonly ipNetworks: readonly string[];
}

/** A best path (or the equal-cost set) the BGP speaker chose for a prefix. */
export interface CalcBgpRoute {
  readonly prefix: string;
  readonly nextHops: readonly string[];
}

export interface DataplaneInput {
  readonly nodeName: string;
  readonly nodes: readonly CalcNode[];
  readonly pools: readonly CalcPool[];
  /** Blocks with their affinity; this node's own confirmed blocks get blackholes. */
  readonly blocks: readonly CalcBlock[];
  readonly workloads: readonly CalcWorkload[];
  readonly bgpRoutes: readonly CalcBgpRoute[];
  /** The interface that holds the node's address (direct routes go out of it). */
  readonly parentInterface: string;
}

export interface DataplaneProblem {
  readonly prefix: string;
  readonly reason: string;
}

export interface DesiredDataplane {
  readonly routes: readonly Route[];
  readonly vxlanNeighbours: readonly Neighbour[];
  readonly vxlanFdb: readonly FdbEntry[];
  /** Some enabled IPv4 pool uses IPIP (Always or CrossSubnet): tunl0 must exist. */
  readonly needsIpip: boolean;
  /** Some enabled IPv4 pool uses VXLAN: vxlan.calico must exist. */
  readonly needsVxlan: boolean;
  /** Routes that could not be computed (e.g. a next hop not on this node's subnet without a tunnel). */
  readonly problems: readonly DataplaneProblem[];
}

const encap = (m: EncapMode | undefined): EncapMode => m ?? 'Never';

function tryCidr(text: string | undefined): Cidr | undefined {
  if (text === undefined) return undefined;
  try {
    return parseIpOrCidr(text);
  } catch {
    return undefined;
  }
}

/** The address part of '10.0.0.12/24' (or of a bare address). */
function addressOf(text: string): string {
  return text.split('/')[0] as string;
}

/** What the route of a prefix learned over BGP depends on besides its next hops; `key` names it (equal keys, equal routes). */
export interface BgpRouteContext {
  readonly key: string;
  readonly pools: ReadonlyArray<{ readonly pool: CalcPool; readonly cidr: Cidr }>;
  /** This node's own blocks: their routes come from the workloads, never from BGP. */
  readonly ownBlocks: readonly Cidr[];
  readonly selfSubnet: Cidr | undefined;
  readonly parentInterface: string;
}

export function bgpRouteContext(input: Pick<DataplaneInput, 'nodeName' | 'nodes' | 'pools' | 'blocks' | 'parentInterface'>): BgpRouteContext {
  const pools = input.pools.map((p) => ({ pool: p, cidr: parseCidr(p.cidr) }));
  const self = input.nodes.find((n) => n.name === input.nodeName);
  const selfAddr = tryCidr(self?.ipv4Address);
  const selfSubnet = selfAddr !== undefined && selfAddr.prefixLen < 32 ? maskCidr(selfAddr) : undefined;
  const ownBlocks = input.blocks.filter((b) => b.node === input.nodeName).map((b) => parseCidr(b.cidr));
  const key = JSON.stringify([
    pools.map((p) => [formatCidr(p.cidr), encap(p.pool.ipipMode), encap(p.pool.vxlanMode)]),
    ownBlocks.map((b) => formatCidr(b)),
    selfSubnet === undefined ? null : formatCidr(selfSubnet),
    input.parentInterface,
  ]);
  return { key, pools, ownBlocks, selfSubnet, parentInterface: input.parentInterface };
}

const poolIn = (ctx: BgpRouteContext, c: Cidr): CalcPool | undefined => ctx.pools.find((p) => p.cidr.family === c.family && cidrContains(p.cidr, c))?.pool;

/**
 * The kernel route for one best path (IPIP and no-encap pools, and anything outside the pools), or none: VXLAN pools
 * are routed from blocks and VTEPs, and this node's own blocks from its workloads.
 */
export function bgpRoute(ctx: BgpRouteContext, r: CalcBgpRoute): { readonly route?: Route; readonly problems: readonly DataplaneProblem[] } {
  const dst = maskCidr(parseCidr(r.prefix));
  const key = formatCidr(dst);
  if (ctx.ownBlocks.some((b) => b.family === dst.family && b.prefixLen === dst.prefixLen && b.addr === dst.addr)) return { problems: [] };
  const pool = poolIn(ctx, dst);
  if (pool !== undefined && encap(pool.vxlanMode) !== 'Never') return { problems: [] };
  const mode = pool === undefined ? 'Never' : encap(pool.ipipMode);
  const sameSubnet = (ip: string): boolean => ctx.selfSubnet !== undefined && cidrContains(ctx.selfSubnet, parseIp(ip));
  const hops: NextHop[] = [];
  const problems: DataplaneProblem[] = [];
  for (const nh of [...new Set(r.nextHops)].sort()) {
    const tunnel = mode === 'Always' || (mode === 'CrossSubnet' && !sameSubnet(nh));
    if (tunnel) hops.push({ gateway: nh, linkName: IPIP_DEVICE, onlink: true });
    else if (sameSubnet(nh)) hops.push({ gateway: nh, linkName: ctx.parentInterface });
    else problems.push({ prefix: key, reason: `next hop ${nh} is not on this node's subnet ${ctx.selfSubnet ? formatCidr(ctx.selfSubnet) : '(unknown)'} and pool mode is ${mode}` });
  }
  if (hops.length === 1) return { route: { dst: key, ...(hops[0] as NextHop) }, problems };
  if (hops.length > 1) return { route: { dst: key, multipath: hops }, problems };
  return { problems };
}

export function calculateDataplane(input: DataplaneInput): DesiredDataplane {
  const ctx = bgpRouteContext(input);
  const { pools, selfSubnet } = ctx;
  const v4Pools = pools.filter((p) => p.cidr.family === 4);
  const sameSubnet = (ip: string): boolean => selfSubnet !== undefined && cidrContains(selfSubnet, parseIp(ip));
  const poolOf = (c: Cidr): CalcPool | undefined => poolIn(ctx, c);

  const routes = new Map<string, Route>();
  const problems: DataplaneProblem[] = [];
  const put = (r: Route): void => void routes.set(r.dst, r);

  // Remote blocks learned over BGP. The node agent keeps these incrementally (node/calc/bgp-routes.ts, with the
  // same bgpRoute()) and passes none here.
  for (const r of input.bgpRoutes) {
    const out = bgpRoute(ctx, r);
    problems.push(...out.problems);
    if (out.route !== undefined) put(out.route);
  }

  // VXLAN: every remote node's VTEP, and a route per block affine to it in a VXLAN pool.
  const vxlanNeighbours: Neighbour[] = [];
  const vxlanFdb: FdbEntry[] = [];
  const needsVxlan = v4Pools.some((p) => encap(p.pool.vxlanMode) !== 'Never');
  if (needsVxlan) {
    const vteps = new Map<string, { tunnel: string; nodeIp: string }>();
    for (const n of [...input.nodes].sort((a, b) => a.name.localeCompare(b.name))) {
      if (n.name === input.nodeName || n.ipv4VXLANTunnelAddr === undefined || n.ipv4Address === undefined) continue;
      const mac = n.vxlanTunnelMACAddr ?? vxlanMacForNode(n.name);
      const nodeIp = addressOf(n.ipv4Address);
      vteps.set(n.name, { tunnel: n.ipv4VXLANTunnelAddr, nodeIp });
      vxlanNeighbours.push({ ip: n.ipv4VXLANTunnelAddr, mac, linkName: VXLAN_DEVICE });
      vxlanFdb.push({ mac, dst: nodeIp, linkName: VXLAN_DEVICE });
    }
    for (const b of input.blocks) {
      if (b.node === undefined || b.node === input.nodeName) continue;
      const cidr = maskCidr(parseCidr(b.cidr));
      const pool = poolOf(cidr);
      if (pool === undefined || encap(pool.vxlanMode) === 'Never') continue;
      const vtep = vteps.get(b.node);
      const key = formatCidr(cidr);
      if (vtep === undefined) {
        problems.push({ prefix: key, reason: `node ${b.node} has no VXLAN tunnel address yet` });
        continue;
      }
      if (encap(pool.vxlanMode) === 'CrossSubnet' && sameSubnet(vtep.nodeIp)) put({ dst: key, gateway: vtep.nodeIp, linkName: input.parentInterface });
      else put({ dst: key, gateway: vtep.tunnel, linkName: VXLAN_DEVICE, onlink: true });
    }
  }

  // Own blocks: a blackhole each, so traffic to an unallocated address of ours goes nowhere rather than out the
  // default route. /32 blocks have nothing to aggregate (Calico skips them too).
  for (const b of ctx.ownBlocks) if (b.prefixLen < (b.family === 4 ? 32 : 128)) put({ dst: formatCidr(maskCidr(b)), type: 'blackhole' });

  // Local workloads last: a /32 to the pod's veth overrides anything computed above for that address.
  for (const w of input.workloads) {
    for (const net of w.ipNetworks) {
      const c = parseIpOrCidr(net);
      put({ dst: formatCidr(c), linkName: w.interfaceName, scope: 'link' });
    }
  }

  const sorted = [...routes.values()].sort((a, b) => (a.dst < b.dst ? -1 : a.dst > b.dst ? 1 : 0));
  return {
    routes: sorted,
    vxlanNeighbours,
    vxlanFdb,
    needsIpip: v4Pools.some((p) => encap(p.pool.ipipMode) !== 'Never'),
    needsVxlan,
    problems,
  };
}
