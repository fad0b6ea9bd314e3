// Node: Calico's view of a cluster node: its BGP identity (addresses, AS, route-reflector cluster ID), tunnel
// addresses and the addresses it reported. In the Kubernetes datastore this lives on the core Node as
// projectcalico.org/* annotations; the datastore layer converts, this file only knows the v3 shape.

import { tryParseIp } from '../lib/ip';
import { checkAsn, checkEnum, checkIp, checkIpOrCidr, checkName } from './checks';
import type { Problems } from './errors';
import { clone, type KindInfo, type Resource } from './meta';
import { arr, f, intOrStr, obj, str } from './schema';

export interface NodeBGPSpec {
  asNumber?: number | string;
  ipv4Address?: string;
  ipv6Address?: string;
  ipv4IPIPTunnelAddr?: string;
  routeReflectorClusterID?: string;
}

export interface NodeSpec {
  bgp?: NodeBGPSpec;
  ipv4VXLANTunnelAddr?: string;
  ipv6VXLANTunnelAddr?: string;
  vxlanTunnelMACAddr?: string;
  vxlanTunnelMACAddrV6?: string;
  orchRefs?: Array<{ nodeName?: string; orchestrator: string }>;
  wireguard?: { interfaceIPv4Address?: string; interfaceIPv6Address?: string };
  addresses?: Array<{ address: string; type?: 'InternalIP' | 'ExternalIP' | 'CalicoNodeIP' }>;
}

export interface NodeStatus {
  wireguardPublicKey?: string;
  wireguardPublicKeyV6?: string;
  podCIDRs?: string[];
}

export type CalicoNode = Resource<'Node', NodeSpec, NodeStatus>;

const specShape = obj([
  f('bgp', obj([
    f('asNumber', intOrStr),
    f('ipv4Address', str),
    f('ipv6Address', str),
    f('ipv4IPIPTunnelAddr', str),
    f('routeReflectorClusterID', str),
  ]), true),
  f('ipv4VXLANTunnelAddr', str),
  f('ipv6VXLANTunnelAddr', str),
  f('vxlanTunnelMACAddr', str),
  f('vxlanTunnelMACAddrV6', str),
  f('orchRefs', arr(obj([f('nodeName', str), f('orchestrator', str)]))),
  f('wireguard', obj([f('interfaceIPv4Address', str), f('interfaceIPv6Address', str)]), true),
  f('addresses', arr(obj([f('address', str), f('type', str)]))),
]);

const statusShape = obj([f('wireguardPublicKey', str), f('wireguardPublicKeyV6', str), f('podCIDRs', arr(str))]);

const MAC_RE = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;

function checkFamilyIp(p: Problems, path: string, v: string | undefined, family: 4 | 6): void {
  const ip = checkIp(p, path, v);
  if (ip && ip.family !== family) p.add(path, `must be an IPv${family} address`);
}

function validate(res: CalicoNode, p: Problems): void {
  const s = res.spec ?? {};
  const bgp = s.bgp;
  if (bgp) {
    checkAsn(p, 'spec.bgp.asNumber', bgp.asNumber);
    // The prefix length of ipv4Address is used as the node's own subnet (CrossSubnet decisions), so it is kept.
    checkIpOrCidr(p, 'spec.bgp.ipv4Address', bgp.ipv4Address, 4);
    checkIpOrCidr(p, 'spec.bgp.ipv6Address', bgp.ipv6Address, 6);
    checkFamilyIp(p, 'spec.bgp.ipv4IPIPTunnelAddr', bgp.ipv4IPIPTunnelAddr, 4);
    // RFC 4456 §7: CLUSTER_ID is a 4-octet value; Calico writes it in dotted-quad form.
    if (bgp.routeReflectorClusterID && tryParseIp(bgp.routeReflectorClusterID)?.family !== 4) {
      p.add('spec.bgp.routeReflectorClusterID', 'must be an IPv4-formatted cluster ID such as 1.1.1.1');
    }
  }
  checkFamilyIp(p, 'spec.ipv4VXLANTunnelAddr', s.ipv4VXLANTunnelAddr, 4);
  checkFamilyIp(p, 'spec.ipv6VXLANTunnelAddr', s.ipv6VXLANTunnelAddr, 6);
  for (const field of ['vxlanTunnelMACAddr', 'vxlanTunnelMACAddrV6'] as const) {
    const mac = s[field];
    if (mac && !MAC_RE.test(mac)) p.add(`spec.${field}`, `"${mac}" is not a MAC address (aa:bb:cc:dd:ee:ff)`);
  }
  s.orchRefs?.forEach((r, i) => {
    if (!r.orchestrator) p.add(`spec.orchRefs[${i}].orchestrator`, 'is required');
    checkName(p, `spec.orchRefs[${i}].nodeName`, r.nodeName);
  });
  if (s.wireguard) {
    checkFamilyIp(p, 'spec.wireguard.interfaceIPv4Address', s.wireguard.interfaceIPv4Address, 4);
    checkFamilyIp(p, 'spec.wireguard.interfaceIPv6Address', s.wireguard.interfaceIPv6Address, 6);
  }
  s.addresses?.forEach((a, i) => {
    if (!a.address) p.add(`spec.addresses[${i}].address`, 'is required');
    else checkIpOrCidr(p, `spec.addresses[${i}].address`, a.address);
    checkEnum(p, `spec.addresses[${i}].type`, a.type, ['InternalIP', 'ExternalIP', 'CalicoNodeIP']);
  });
}

export const nodeKind: KindInfo<CalicoNode> = {
  kind: 'Node',
  plural: 'nodes',
  aliases: ['node', 'no', 'nos'],
  namespaced: false,
  specShape,
  statusShape,
  defaults: (res) => clone(res),
  validate,
};
