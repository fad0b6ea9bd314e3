// CalicoNodeStatus: a request for one node's status (spec) and the node agent's answer (status): BGP daemon
// state, per-peer session state and routes. The row types are what `gingham node status` prints, so the CLI and
// the node's status reporter share them from here.

import { checkEnum, checkIntRange, checkName, checkRequired } from './checks';
import type { Problems } from './errors';
import { clone, type KindInfo, type Resource } from './meta';
import { arr, f, int, obj, str } from './schema';

export type NodeStatusClass = 'Agent' | 'BGP' | 'Routes';
export type BGPPeerType = 'NodeMesh' | 'NodePeer' | 'GlobalPeer';
export type BGPSessionState = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established' | 'Close';

export interface CalicoNodeStatusSpec {
  node: string;
  classes?: NodeStatusClass[];
  updatePeriodSeconds?: number;
}

export interface BGPDaemonStatus {
  state?: 'Ready' | 'NotReady';
  version?: string;
  routerID?: string;
  lastBootTime?: string;
  lastReconfigurationTime?: string;
}

export interface BGPPeerStatusRow {
  peerIP: string;
  type: BGPPeerType;
  state: BGPSessionState;
  /** Time the state was entered, as the speaker reports it. */
  since: string;
}

export interface RouteStatusRow {
  type: 'FIB' | 'RIB';
  destination: string;
  gateway?: string;
  interface?: string;
  learnedFrom?: { sourceType: 'Kernel' | 'Static' | 'Direct' | 'NodeMesh' | 'BGPPeer'; peerIP?: string };
}

export interface CalicoNodeStatusStatus {
  lastUpdated?: string;
  agent?: { birdV4?: BGPDaemonStatus; birdV6?: BGPDaemonStatus };
  bgp?: {
    numberEstablishedV4: number;
    numberEstablishedV6: number;
    numberNotEstablishedV4: number;
    numberNotEstablishedV6: number;
    peersV4?: BGPPeerStatusRow[];
    peersV6?: BGPPeerStatusRow[];
  };
  routes?: { routesV4?: RouteStatusRow[]; routesV6?: RouteStatusRow[] };
}

export type CalicoNodeStatus = Resource<'CalicoNodeStatus', CalicoNodeStatusSpec, CalicoNodeStatusStatus>;

/** How calicoctl's table names each peer type. */
export const PEER_TYPE_TEXT: Readonly<Record<BGPPeerType, string>> = {
  NodeMesh: 'node-to-node mesh',
  NodePeer: 'node specific',
  GlobalPeer: 'global',
};

const specShape = obj([f('node', str), f('classes', arr(str)), f('updatePeriodSeconds', int, true)]);
const daemonShape = obj([f('state', str), f('version', str), f('routerID', str), f('lastBootTime', str), f('lastReconfigurationTime', str)]);
const peerShape = obj([f('peerIP', str), f('type', str), f('state', str), f('since', str)]);
const routeShape = obj([
  f('type', str),
  f('destination', str),
  f('gateway', str),
  f('interface', str),
  f('learnedFrom', obj([f('sourceType', str), f('peerIP', str)])),
]);
const statusShape = obj([
  f('lastUpdated', str),
  f('agent', obj([f('birdV4', daemonShape), f('birdV6', daemonShape)])),
  f('bgp', obj([
    f('numberEstablishedV4', int, true),
    f('numberEstablishedV6', int, true),
    f('numberNotEstablishedV4', int, true),
    f('numberNotEstablishedV6', int, true),
    f('peersV4', arr(peerShape)),
    f('peersV6', arr(peerShape)),
  ])),
  f('routes', obj([f('routesV4', arr(routeShape)), f('routesV6', arr(routeShape))])),
]);

function validate(res: CalicoNodeStatus, p: Problems): void {
  const s = res.spec;
  if (!s) {
    p.add('spec', 'is required');
    return;
  }
  if (checkRequired(p, 'spec.node', s.node)) checkName(p, 'spec.node', s.node);
  s.classes?.forEach((c, i) => checkEnum(p, `spec.classes[${i}]`, c, ['Agent', 'BGP', 'Routes']));
  checkIntRange(p, 'spec.updatePeriodSeconds', s.updatePeriodSeconds, 0, 4294967295);
}

export const calicoNodeStatusKind: KindInfo<CalicoNodeStatus> = {
  kind: 'CalicoNodeStatus',
  plural: 'caliconodestatuses',
  aliases: ['caliconodestatus', 'cns', 'nodestatus', 'nodestatuses'],
  namespaced: false,
  specShape,
  statusShape,
  defaults: (res) => {
    const out = clone(res);
    // Calico's default reporting period when unset.
    if (out.spec) out.spec.updatePeriodSeconds ??= 10;
    return out;
  },
  validate,
};
