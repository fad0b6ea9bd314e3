// BGPPeer: who a node peers with. Either an explicit remote (peerIP + asNumber) or Calico nodes chosen by
// peerSelector, applied to one node, to the nodes a nodeSelector picks, or (neither) to every node.

import { checkAsn, checkDuration, checkEnum, checkIntRange, checkIp, checkIpPort, checkName, checkSelector } from './checks';
import type { Problems } from './errors';
import { checkSecretKeyRef, secretKeyRefShape, type SecretKeyRef } from './kind-bgp-configuration';
import { clone, type KindInfo, type Resource } from './meta';
import { arr, bool, f, int, intOrStr, obj, str } from './schema';

export interface BGPPeerSpec {
  node?: string;
  nodeSelector?: string;
  peerIP?: string;
  asNumber?: number | string;
  peerSelector?: string;
  keepOriginalNextHop?: boolean;
  password?: { secretKeyRef?: SecretKeyRef };
  sourceAddress?: 'UseNodeIP' | 'None';
  maxRestartTime?: string;
  numAllowedLocalASNumbers?: number;
  ttlSecurity?: number;
  keepaliveTime?: string;
  reachableBy?: string;
  filters?: string[];
  nextHopMode?: 'Auto' | 'Self' | 'Keep';
  localASNumber?: number | string;
  localWorkloadSelector?: string;
  reversePeering?: 'Auto' | 'Manual';
}

export type BGPPeer = Resource<'BGPPeer', BGPPeerSpec>;

const specShape = obj([
  f('node', str),
  f('nodeSelector', str),
  f('peerIP', str),
  f('asNumber', intOrStr),
  f('peerSelector', str),
  f('keepOriginalNextHop', bool),
  f('password', obj([f('secretKeyRef', secretKeyRefShape)]), true),
  f('sourceAddress', str),
  f('maxRestartTime', str),
  f('numAllowedLocalASNumbers', int, true),
  f('ttlSecurity', int, true),
  f('keepaliveTime', str),
  f('reachableBy', str),
  f('filters', arr(str)),
  f('nextHopMode', str),
  f('localASNumber', intOrStr, true),
  f('localWorkloadSelector', str),
  f('reversePeering', str),
]);

function validate(res: BGPPeer, p: Problems): void {
  const s = res.spec ?? {};
  if (s.node && s.nodeSelector) p.add('spec.nodeSelector', 'cannot be set together with spec.node');
  checkName(p, 'spec.node', s.node);
  checkSelector(p, 'spec.nodeSelector', s.nodeSelector);
  checkSelector(p, 'spec.peerSelector', s.peerSelector);
  checkSelector(p, 'spec.localWorkloadSelector', s.localWorkloadSelector);
  const hasAsn = s.asNumber !== undefined && s.asNumber !== 0 && s.asNumber !== '';
  if (s.peerSelector) {
    // The remote AS comes from the selected node (or the global AS), and so does its address.
    if (s.peerIP) p.add('spec.peerIP', 'cannot be set together with spec.peerSelector');
    if (hasAsn) p.add('spec.asNumber', 'cannot be set together with spec.peerSelector');
  }
  if (s.localWorkloadSelector) {
    if (s.peerIP || s.peerSelector) p.add('spec.localWorkloadSelector', 'cannot be set together with spec.peerIP or spec.peerSelector');
    if (!hasAsn) p.add('spec.asNumber', 'is required with spec.localWorkloadSelector');
  }
  if (!s.peerIP && !s.peerSelector && !s.localWorkloadSelector) {
    p.add('spec.peerIP', 'one of spec.peerIP, spec.peerSelector or spec.localWorkloadSelector is required');
  }
  if (s.peerIP && !hasAsn) p.add('spec.asNumber', 'is required with spec.peerIP');
  checkIpPort(p, 'spec.peerIP', s.peerIP);
  if (hasAsn) checkAsn(p, 'spec.asNumber', s.asNumber);
  checkAsn(p, 'spec.localASNumber', s.localASNumber);
  if (s.password) checkSecretKeyRef(p, 'spec.password.secretKeyRef', s.password.secretKeyRef);
  checkEnum(p, 'spec.sourceAddress', s.sourceAddress, ['UseNodeIP', 'None']);
  checkDuration(p, 'spec.maxRestartTime', s.maxRestartTime);
  checkDuration(p, 'spec.keepaliveTime', s.keepaliveTime);
  checkIntRange(p, 'spec.numAllowedLocalASNumbers', s.numAllowedLocalASNumbers, 1, 10);
  checkIntRange(p, 'spec.ttlSecurity', s.ttlSecurity, 0, 255);
  checkIp(p, 'spec.reachableBy', s.reachableBy);
  s.filters?.forEach((name, i) => checkName(p, `spec.filters[${i}]`, name));
  checkEnum(p, 'spec.nextHopMode', s.nextHopMode, ['Auto', 'Self', 'Keep']);
  if (s.keepOriginalNextHop && s.nextHopMode) p.add('spec.nextHopMode', 'cannot be set together with spec.keepOriginalNextHop');
  checkEnum(p, 'spec.reversePeering', s.reversePeering, ['Auto', 'Manual']);
}

export const bgpPeerKind: KindInfo<BGPPeer> = {
  kind: 'BGPPeer',
  plural: 'bgppeers',
  aliases: ['bgppeer', 'bgpp', 'bgpps', 'bp', 'bps'],
  namespaced: false,
  specShape,
  // Calico stores a BGPPeer as written; sourceAddress UseNodeIP etc. are applied when peerings are computed.
  defaults: (res) => clone(res),
  validate,
};
