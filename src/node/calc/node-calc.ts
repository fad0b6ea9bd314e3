// The node agent's calculation, one pure function: the cluster's resources (as the process's cache holds them) in;
// this node's BGP identity and peer configurations, the prefixes it exports, and the dataplane's desired state out,
// with the problems found on the way. The agent (node/agent.ts) runs it on every change and hands each part to its
// owner (speaker, dataplane), which applies only the difference. The routes of the BGP speaker's best paths are not
// recomputed here on every change: their number grows with the cluster, so the agent keeps them incrementally
// (bgp-routes.ts) from the input this returns.
//
//   resources --computePeers (bgp-peers.ts)--> peering --speakerPeers--> PeerConfig per address
//             --computeExports--> LocalRoute[]
//             --computeDataplaneState--> local routes, tunnels, VTEPs, NAT pools, pod MTU; input of the BGP routes
import type { BGPConfiguration } from '../../api/kind-bgp-configuration';
import type { BGPFilter } from '../../api/kind-bgp-filter';
import type { BGPPeer } from '../../api/kind-bgp-peer';
import type { IPAMBlock } from '../../api/kind-ipam-block';
import type { IPPool } from '../../api/kind-ippool';
import type { CalicoNode } from '../../api/kind-node';
import type { WorkloadEndpoint } from '../../api/kind-workload-endpoint';
import type { LocalRoute, PeerConfig } from '../../bgp/speaker';
import type { DataplaneDesired } from '../../felix/dataplane';
import { computePeers, type PeerComputation } from '../bgp-peers';
import type { BgpRouteInput } from './bgp-routes';
import { computeDataplaneState } from './dataplane-state';
import { computeExports, serviceRanges } from './exports';
import { speakerPeers } from './peer-configs';
import type { CalcProblem } from './problems';

/** The resources the calculation reads (the kinds of NODE_CALC_KINDS). */
export interface NodeResources {
  readonly nodes: readonly CalicoNode[];
  readonly bgpPeers: readonly BGPPeer[];
  readonly bgpConfigs: readonly BGPConfiguration[];
  readonly bgpFilters: readonly BGPFilter[];
  readonly pools: readonly IPPool[];
  readonly blocks: readonly IPAMBlock[];
  /** Every node's workloads (the calculation keeps this node's). */
  readonly workloads: readonly WorkloadEndpoint[];
}

export interface NodeCalcInput {
  readonly nodeName: string;
  /** The interface holding the node address: direct routes and vxlan.calico's parent. */
  readonly parentInterface: string;
  readonly hostMtu: number;
  readonly resources: NodeResources;
}

export interface NodeCalcOutput {
  /** This node's BGP identity (or why it has none) and every configured peering, started or not. */
  readonly peering: PeerComputation;
  /** The speaker's peers by address (empty without a BGP identity). */
  readonly speakerPeers: ReadonlyMap<string, PeerConfig>;
  /** What the speaker originates (empty without a BGP identity). */
  readonly exports: readonly LocalRoute[];
  /** The kernel's desired state but the routes of the BGP best paths (the agent keeps those: bgp-routes.ts). */
  readonly dataplane: DataplaneDesired;
  /** What the routes of the best paths depend on, for BgpRoutes.update(). */
  readonly bgpRoutes: BgpRouteInput;
  readonly podMtu: number;
  readonly problems: readonly CalcProblem[];
}

export function computeNode(input: NodeCalcInput): NodeCalcOutput {
  const { nodeName, resources: r } = input;
  const problems: CalcProblem[] = [];
  const peering = computePeers({ nodeName, nodes: r.nodes, peers: r.bgpPeers, configs: r.bgpConfigs });
  for (const p of peering.problems) problems.push({ key: `peering ${p}`, message: p });
  if (peering.reason !== undefined) problems.push({ key: 'no-bgp', message: `no BGP: ${peering.reason}` });
  const local = peering.local;
  const workloads = r.workloads.filter((w) => w.spec?.node === nodeName);
  const services = serviceRanges(r.bgpConfigs);
  const peers = local === undefined ? new Map<string, PeerConfig>() : speakerPeers(local.routerId, peering.peers, r.bgpFilters, problems);
  const exports = local === undefined ? [] : computeExports({ nodeName, localAddress: local.address, pools: r.pools, blocks: r.blocks, workloads, services });
  const dp = computeDataplaneState({
    nodeName,
    parentInterface: input.parentInterface,
    hostMtu: input.hostMtu,
    nodes: r.nodes,
    pools: r.pools,
    blocks: r.blocks,
    workloads,
    services,
  });
  problems.push(...dp.problems);
  return { peering, speakerPeers: peers, exports, dataplane: dp.desired, bgpRoutes: dp.bgp, podMtu: dp.podMtu, problems };
}
