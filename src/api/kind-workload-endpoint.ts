// WorkloadEndpoint: a pod's interface as Calico sees it (addresses, host-side veth, MAC, profiles). The CNI plugin
// writes it; felix/calc reads it to program the pod route. Namespaced like the pod.

import { checkCidr, checkEnum, checkIntRange, checkIp, checkName, checkRequired } from './checks';
import type { Problems } from './errors';
import { clone, type KindInfo, type Resource } from './meta';
import { any, arr, bool, f, int, obj, str } from './schema';

export interface WorkloadEndpointPort {
  name: string;
  protocol: string;
  port: number;
  hostPort?: number;
  hostIP?: string;
}

export interface WorkloadEndpointSpec {
  orchestrator?: string;
  workload?: string;
  node?: string;
  containerID?: string;
  pod?: string;
  endpoint?: string;
  serviceAccountName?: string;
  ipNetworks?: string[];
  ipNATs?: Array<{ internalIP: string; externalIP: string }>;
  ipv4Gateway?: string;
  ipv6Gateway?: string;
  profiles?: string[];
  interfaceName: string;
  mac?: string;
  ports?: WorkloadEndpointPort[];
  allowSpoofedSourcePrefixes?: string[];
  qosControls?: unknown;
}

export type WorkloadEndpoint = Resource<'WorkloadEndpoint', WorkloadEndpointSpec>;

const specShape = obj([
  f('orchestrator', str),
  f('workload', str),
  f('node', str),
  f('containerID', str),
  f('pod', str),
  f('endpoint', str),
  f('serviceAccountName', str),
  f('ipNetworks', arr(str)),
  f('ipNATs', arr(obj([f('internalIP', str), f('externalIP', str)]))),
  f('ipv4Gateway', str),
  f('ipv6Gateway', str),
  f('profiles', arr(str)),
  f('interfaceName', str),
  f('mac', str),
  f('ports', arr(obj([f('name', str), f('protocol', str), f('port', int), f('hostPort', int), f('hostIP', str)]))),
  f('allowSpoofedSourcePrefixes', arr(str)),
  f('qosControls', any),
  f('awaitingDeletion', bool),
]);

/**
 * Calico's name for a Kubernetes pod's endpoint: "<node>-k8s-<pod>-<endpoint>", each part with "-" doubled so
 * the separators stay unambiguous (libcalico-go names/workloadendpoint.go).
 */
export function workloadEndpointName(node: string, pod: string, endpoint = 'eth0', orchestrator = 'k8s'): string {
  const esc = (s: string): string => s.replace(/-/g, '--');
  return [node, orchestrator, pod, endpoint].map(esc).join('-');
}

const MAC_RE = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;

function validate(res: WorkloadEndpoint, p: Problems): void {
  const s = res.spec;
  if (!s) {
    p.add('spec', 'is required');
    return;
  }
  checkName(p, 'spec.node', s.node);
  if (checkRequired(p, 'spec.interfaceName', s.interfaceName) && !/^[^\s/]{1,15}$/.test(s.interfaceName)) {
    // IFNAMSIZ is 16 including the terminating NUL.
    p.add('spec.interfaceName', 'must be a Linux interface name of at most 15 characters');
  }
  s.ipNetworks?.forEach((n, i) => checkCidr(p, `spec.ipNetworks[${i}]`, n));
  s.ipNATs?.forEach((n, i) => {
    checkIp(p, `spec.ipNATs[${i}].internalIP`, n.internalIP);
    checkIp(p, `spec.ipNATs[${i}].externalIP`, n.externalIP);
  });
  const gw4 = checkIp(p, 'spec.ipv4Gateway', s.ipv4Gateway);
  if (gw4 && gw4.family !== 4) p.add('spec.ipv4Gateway', 'must be an IPv4 address');
  const gw6 = checkIp(p, 'spec.ipv6Gateway', s.ipv6Gateway);
  if (gw6 && gw6.family !== 6) p.add('spec.ipv6Gateway', 'must be an IPv6 address');
  if (s.mac && !MAC_RE.test(s.mac)) p.add('spec.mac', `"${s.mac}" is not a MAC address (aa:bb:cc:dd:ee:ff)`);
  s.ports?.forEach((port, i) => {
    checkEnum(p, `spec.ports[${i}].protocol`, port.protocol?.toUpperCase(), ['TCP', 'UDP', 'SCTP']);
    checkIntRange(p, `spec.ports[${i}].port`, port.port, 1, 65535);
    if (port.hostPort !== undefined && port.hostPort !== 0) checkIntRange(p, `spec.ports[${i}].hostPort`, port.hostPort, 1, 65535);
    checkIp(p, `spec.ports[${i}].hostIP`, port.hostIP);
  });
  s.allowSpoofedSourcePrefixes?.forEach((n, i) => checkCidr(p, `spec.allowSpoofedSourcePrefixes[${i}]`, n));
}

export const workloadEndpointKind: KindInfo<WorkloadEndpoint> = {
  kind: 'WorkloadEndpoint',
  plural: 'workloadendpoints',
  aliases: ['workloadendpoint', 'wep', 'weps'],
  namespaced: true,
  specShape,
  defaults: (res) => clone(res),
  validate,
};
