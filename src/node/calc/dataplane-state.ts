// The kernel's desired state for this node, from the cluster's resources: the routes (but those of the BGP best
// paths), the tunnel devices (with the MTU left after their overhead), the remote VTEPs and the pools NAT outgoing
// reads, plus the pod MTU the CNI plugin gives new pods, and what the routes of the best paths depend on (the agent
// keeps those incrementally: bgp-routes.ts). Pure: felix/calc-routes.ts computes the routes; this adapts the API
// resources to it and decides the devices.
import type { IPAMBlock } from '../../api/kind-ipam-block';
import type { IPPool } from '../../api/kind-ippool';
import type { CalicoNode } from '../../api/kind-node';
import type { WorkloadEndpoint } from '../../api/kind-workload-endpoint';
import { bgpRouteContext, calculateDataplane } from '../../felix/calc-routes';
import type { DataplaneDesired } from '../../felix/dataplane';
import { IPIP_OVERHEAD, VXLAN_OVERHEAD } from '../../felix/tunnels';
import { vxlanMacForNode } from '../../felix/vxlan-mac';
import type { ServiceRange } from './exports';
import { bgpRouteInput, type BgpRouteInput } from './bgp-routes';
import type { CalcProblem } from './problems';

export interface DataplaneStateInput {
  readonly nodeName: string;
  readonly parentInterface: string;
  /** MTU of the parent interface. */
  readonly hostMtu: number;
  readonly nodes: readonly CalicoNode[];
  readonly pools: readonly IPPool[];
  readonly blocks: readonly IPAMBlock[];
  /** This node's workloads. */
  readonly workloads: readonly WorkloadEndpoint[];
  readonly services: readonly ServiceRange[];
}

export interface DataplaneState {
  /** Everything but the routes learned over BGP, which the agent keeps incrementally (bgp-routes.ts) from `bgp`. */
  readonly desired: DataplaneDesired;
  /** What the routes of the best paths depend on. */
  readonly bgp: BgpRouteInput;
  /** Host MTU minus the overhead of the encapsulation in use (Felix writes it to /var/lib/calico/mtu). */
  readonly podMtu: number;
  readonly problems: readonly CalcProblem[];
}

export function computeDataplaneState(input: DataplaneStateInput): DataplaneState {
  const calcInput = {
    nodeName: input.nodeName,
    nodes: input.nodes.map((n) => ({
      name: n.metadata.name,
      ...(n.spec?.bgp?.ipv4Address ? { ipv4Address: n.spec.bgp.ipv4Address } : {}),
      ...(n.spec?.ipv4VXLANTunnelAddr ? { ipv4VXLANTunnelAddr: n.spec.ipv4VXLANTunnelAddr } : {}),
      ...(n.spec?.vxlanTunnelMACAddr ? { vxlanTunnelMACAddr: n.spec.vxlanTunnelMACAddr } : {}),
    })),
    pools: input.pools.map((p) => ({ cidr: p.spec?.cidr ?? '', ...(p.spec?.ipipMode ? { ipipMode: p.spec.ipipMode } : {}), ...(p.spec?.vxlanMode ? { vxlanMode: p.spec.vxlanMode } : {}) })),
    blocks: input.blocks.map((b) => ({ cidr: b.spec?.cidr ?? '', ...(b.spec?.affinity?.startsWith('host:') ? { node: b.spec.affinity.slice(5) } : {}) })),
    workloads: input.workloads.map((w) => ({ interfaceName: w.spec?.interfaceName ?? '', ipNetworks: w.spec?.ipNetworks ?? [] })),
    parentInterface: input.parentInterface,
  };
  const want = calculateDataplane({ ...calcInput, bgpRoutes: [] });
  const problems: CalcProblem[] = want.problems.map((p) => ({ key: `not-routing ${p.prefix}`, message: `not routing ${p.prefix}: ${p.reason}` }));

  const mtu = input.hostMtu;
  const self = input.nodes.find((n) => n.metadata.name === input.nodeName)?.spec;
  const selfAddress = self?.bgp?.ipv4Address;
  const desired: DataplaneDesired = {
    routes: want.routes,
    ...(want.needsIpip ? { ipip: { ...(self?.bgp?.ipv4IPIPTunnelAddr ? { tunnelAddress: self.bgp.ipv4IPIPTunnelAddr } : {}), mtu: mtu - IPIP_OVERHEAD } } : {}),
    ...(want.needsVxlan && selfAddress
      ? {
          vxlan: {
            device: {
              parent: input.parentInterface,
              localAddress: selfAddress.split('/')[0] as string,
              mac: self?.vxlanTunnelMACAddr ?? vxlanMacForNode(input.nodeName),
              ...(self?.ipv4VXLANTunnelAddr ? { tunnelAddress: self.ipv4VXLANTunnelAddr } : {}),
              mtu: mtu - VXLAN_OVERHEAD,
            },
            neighbours: want.vxlanNeighbours,
            fdb: want.vxlanFdb,
          },
        }
      : {}),
    natPools: input.pools.map((p) => ({ cidr: p.spec?.cidr ?? '', ...(p.spec?.natOutgoing ? { natOutgoing: true } : {}) })),
  };
  const bgp = bgpRouteInput(bgpRouteContext(calcInput), input.services.map((s) => s.cidr));
  return { desired, bgp, podMtu: mtu - (want.needsVxlan ? VXLAN_OVERHEAD : want.needsIpip ? IPIP_OVERHEAD : 0), problems };
}
