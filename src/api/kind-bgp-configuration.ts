// BGPConfiguration: cluster-wide BGP settings ("default") and per-node overrides ("node.<nodename>"). Calico does
// not store defaults in this resource; confd applies them when it reads it. So `defaults` leaves the object as
// written and `effectiveBGPConfiguration` gives the values a speaker must use.

import { communityProblem } from '../lib/community';
import { parseAsn } from './asn';
import { checkAsn, checkCidr, checkDuration, checkEnum, checkIntRange, checkIp } from './checks';
import type { Problems } from './errors';
import { clone, type KindInfo, type Resource } from './meta';
import { arr, bool, f, int, intOrStr, obj, str } from './schema';

export interface SecretKeyRef {
  name: string;
  key: string;
  optional?: boolean;
}

export interface Community {
  name: string;
  value: string;
}

export interface BGPConfigurationSpec {
  logSeverityScreen?: string;
  nodeToNodeMeshEnabled?: boolean;
  asNumber?: number | string;
  serviceLoadBalancerIPs?: Array<{ cidr: string }>;
  serviceExternalIPs?: Array<{ cidr: string }>;
  serviceClusterIPs?: Array<{ cidr: string }>;
  communities?: Community[];
  prefixAdvertisements?: Array<{ cidr: string; communities?: string[] }>;
  listenPort?: number;
  nodeMeshPassword?: { secretKeyRef?: SecretKeyRef };
  nodeMeshMaxRestartTime?: string;
  bindMode?: 'None' | 'NodeIP';
  ignoredInterfaces?: string[];
  localWorkloadPeeringIPV4?: string;
  localWorkloadPeeringIPV6?: string;
  serviceLoadBalancerAggregation?: 'Enabled' | 'Disabled';
  programClusterRoutes?: 'Enabled' | 'Disabled' | 'EnabledIPIPOnly' | 'EnabledNoEncapOnly';
  ipv4NormalRoutePriority?: number;
  ipv6NormalRoutePriority?: number;
}

export type BGPConfiguration = Resource<'BGPConfiguration', BGPConfigurationSpec>;

export const LOG_SEVERITIES = ['Trace', 'Debug', 'Info', 'Warning', 'Error', 'Fatal'] as const;

export const secretKeyRefShape = obj([f('name', str), f('key', str), f('optional', bool, true)]);
const cidrList = arr(obj([f('cidr', str)]));

const specShape = obj([
  f('logSeverityScreen', str),
  f('nodeToNodeMeshEnabled', bool, true),
  f('asNumber', intOrStr, true),
  f('serviceLoadBalancerIPs', cidrList),
  f('serviceExternalIPs', cidrList),
  f('serviceClusterIPs', cidrList),
  f('communities', arr(obj([f('name', str), f('value', str)]))),
  f('prefixAdvertisements', arr(obj([f('cidr', str), f('communities', arr(str))]))),
  f('listenPort', int),
  f('nodeMeshPassword', obj([f('secretKeyRef', secretKeyRefShape)]), true),
  f('nodeMeshMaxRestartTime', str),
  f('bindMode', str),
  f('ignoredInterfaces', arr(str)),
  f('localWorkloadPeeringIPV4', str),
  f('localWorkloadPeeringIPV6', str),
  f('serviceLoadBalancerAggregation', str),
  f('programClusterRoutes', str),
  f('ipv4NormalRoutePriority', int, true),
  f('ipv6NormalRoutePriority', int, true),
]);

/** Fields a per-node "node.<name>" BGPConfiguration may set; everything else is cluster-wide only. */
const PER_NODE_FIELDS = new Set(['logSeverityScreen', 'listenPort', 'prefixAdvertisements', 'bindMode', 'ignoredInterfaces']);

export function checkSecretKeyRef(p: Problems, path: string, ref: SecretKeyRef | undefined): void {
  if (!ref) return;
  if (!ref.name) p.add(`${path}.name`, 'is required');
  if (!ref.key) p.add(`${path}.key`, 'is required');
}

function validate(res: BGPConfiguration, p: Problems): void {
  const spec = res.spec ?? {};
  const name = res.metadata.name;
  if (name !== 'default') {
    for (const k of Object.keys(spec)) {
      if (!PER_NODE_FIELDS.has(k)) p.add(`spec.${k}`, 'may only be set on the BGPConfiguration named "default"');
    }
  }
  checkEnum(p, 'spec.logSeverityScreen', spec.logSeverityScreen, LOG_SEVERITIES);
  checkAsn(p, 'spec.asNumber', spec.asNumber);
  for (const field of ['serviceLoadBalancerIPs', 'serviceExternalIPs', 'serviceClusterIPs'] as const) {
    spec[field]?.forEach((c, i) => {
      if (!c.cidr) p.add(`spec.${field}[${i}].cidr`, 'is required');
      checkCidr(p, `spec.${field}[${i}].cidr`, c.cidr);
    });
  }
  const names = new Set<string>();
  if ((spec.communities?.length ?? 0) > 500) p.add('spec.communities', 'must have at most 500 entries');
  spec.communities?.forEach((c, i) => {
    if (!c.name) p.add(`spec.communities[${i}].name`, 'is required');
    else if (!/^[a-zA-Z0-9-_]+$/.test(c.name)) p.add(`spec.communities[${i}].name`, 'may contain only letters, digits, "-" and "_"');
    names.add(c.name);
    const problem = communityProblem(c.value ?? '');
    if (problem) p.add(`spec.communities[${i}].value`, problem);
  });
  spec.prefixAdvertisements?.forEach((a, i) => {
    if (!a.cidr) p.add(`spec.prefixAdvertisements[${i}].cidr`, 'is required');
    checkCidr(p, `spec.prefixAdvertisements[${i}].cidr`, a.cidr);
    a.communities?.forEach((c, j) => {
      // An entry is either a community name defined above or a literal community value.
      if (!names.has(c) && communityProblem(c)) {
        p.add(`spec.prefixAdvertisements[${i}].communities[${j}]`, `"${c}" is neither a defined community name nor a community value`);
      }
    });
  });
  checkIntRange(p, 'spec.listenPort', spec.listenPort, 1, 65535);
  if (spec.nodeMeshPassword) checkSecretKeyRef(p, 'spec.nodeMeshPassword.secretKeyRef', spec.nodeMeshPassword.secretKeyRef);
  checkDuration(p, 'spec.nodeMeshMaxRestartTime', spec.nodeMeshMaxRestartTime);
  checkEnum(p, 'spec.bindMode', spec.bindMode, ['None', 'NodeIP']);
  const v4 = checkIp(p, 'spec.localWorkloadPeeringIPV4', spec.localWorkloadPeeringIPV4);
  if (v4 && v4.family !== 4) p.add('spec.localWorkloadPeeringIPV4', 'must be an IPv4 address');
  const v6 = checkIp(p, 'spec.localWorkloadPeeringIPV6', spec.localWorkloadPeeringIPV6);
  if (v6 && v6.family !== 6) p.add('spec.localWorkloadPeeringIPV6', 'must be an IPv6 address');
  checkEnum(p, 'spec.serviceLoadBalancerAggregation', spec.serviceLoadBalancerAggregation, ['Enabled', 'Disabled']);
  checkEnum(p, 'spec.programClusterRoutes', spec.programClusterRoutes, ['Enabled', 'Disabled', 'EnabledIPIPOnly', 'EnabledNoEncapOnly']);
  checkIntRange(p, 'spec.ipv4NormalRoutePriority', spec.ipv4NormalRoutePriority, 1, 2147483646);
  checkIntRange(p, 'spec.ipv6NormalRoutePriority', spec.ipv6NormalRoutePriority, 1, 2147483646);
}

export interface EffectiveBGPConfiguration {
  logSeverityScreen: string;
  nodeToNodeMeshEnabled: boolean;
  asNumber: number;
  listenPort: number;
  bindMode: 'None' | 'NodeIP';
  serviceLoadBalancerAggregation: 'Enabled' | 'Disabled';
  programClusterRoutes: NonNullable<BGPConfigurationSpec['programClusterRoutes']>;
  ipv4NormalRoutePriority: number;
  ipv6NormalRoutePriority: number;
}

/** Calico's read-time defaults (confd client.go: mesh on, AS 64512; BIRD listens on 179). */
export const BGP_CONFIGURATION_DEFAULTS: Readonly<EffectiveBGPConfiguration> = {
  logSeverityScreen: 'Info',
  nodeToNodeMeshEnabled: true,
  asNumber: 64512,
  listenPort: 179,
  bindMode: 'None',
  serviceLoadBalancerAggregation: 'Enabled',
  programClusterRoutes: 'EnabledNoEncapOnly',
  ipv4NormalRoutePriority: 1024,
  ipv6NormalRoutePriority: 1024,
};

/** The values in force for a node: per-node overrides over "default" over Calico's defaults. */
export function effectiveBGPConfiguration(
  global: BGPConfigurationSpec | undefined,
  perNode?: BGPConfigurationSpec,
): EffectiveBGPConfiguration {
  const g = global ?? {};
  const n = perNode ?? {};
  const d = BGP_CONFIGURATION_DEFAULTS;
  return {
    logSeverityScreen: n.logSeverityScreen ?? g.logSeverityScreen ?? d.logSeverityScreen,
    nodeToNodeMeshEnabled: g.nodeToNodeMeshEnabled ?? d.nodeToNodeMeshEnabled,
    asNumber: (g.asNumber !== undefined ? parseAsn(g.asNumber) : undefined) ?? d.asNumber,
    listenPort: n.listenPort ?? g.listenPort ?? d.listenPort,
    bindMode: n.bindMode ?? g.bindMode ?? d.bindMode,
    serviceLoadBalancerAggregation: g.serviceLoadBalancerAggregation ?? d.serviceLoadBalancerAggregation,
    programClusterRoutes: g.programClusterRoutes ?? d.programClusterRoutes,
    ipv4NormalRoutePriority: g.ipv4NormalRoutePriority ?? d.ipv4NormalRoutePriority,
    ipv6NormalRoutePriority: g.ipv6NormalRoutePriority ?? d.ipv6NormalRoutePriority,
  };
}

export const bgpConfigurationKind: KindInfo<BGPConfiguration> = {
  kind: 'BGPConfiguration',
  plural: 'bgpconfigurations',
  aliases: ['bgpconfiguration', 'bgpconfig', 'bgpconfigs', 'bgpconfigurations'],
  namespaced: false,
  specShape,
  defaults: (res) => clone(res),
  validate,
};
