// FelixConfiguration: dataplane settings (singleton "default", per-node "node.<nodename>"). Felix has some two
// hundred fields; the ones Gingham's dataplane reads (routes, encapsulation, MTU, NAT, health, metrics) are typed
// and checked here, and any other Felix field is kept as written rather than rejected, so a Calico
// FelixConfiguration still applies. As in Calico, defaults are not stored: FELIX_DEFAULTS holds them.

import { checkDuration, checkEnum, checkIntRange, checkIp } from './checks';
import type { Problems } from './errors';
import { LOG_SEVERITIES } from './kind-bgp-configuration';
import { clone, type KindInfo, type Resource } from './meta';
import { arr, bool, f, int, intOrStr, obj, str } from './schema';
import { LISTEN_HOSTS, PORTS } from './well-known';

export interface FelixConfigurationSpec {
  ipipEnabled?: boolean;
  ipipMTU?: number;
  vxlanEnabled?: boolean;
  vxlanMTU?: number;
  vxlanMTUV6?: number;
  vxlanPort?: number;
  vxlanVNI?: number;
  interfacePrefix?: string;
  routeRefreshInterval?: string;
  interfaceRefreshInterval?: string;
  deviceRouteProtocol?: number;
  deviceRouteSourceAddress?: string;
  deviceRouteSourceAddressIPv6?: string;
  removeExternalRoutes?: boolean;
  programClusterRoutes?: 'Enabled' | 'Disabled' | 'EnabledIPIPOnly' | 'EnabledNoEncapOnly';
  routeSource?: 'CalicoIPAM' | 'WorkloadIPs';
  routeTableRanges?: Array<{ min: number; max: number }>;
  routeSyncDisabled?: boolean;
  ipv4NormalRoutePriority?: number;
  ipv6NormalRoutePriority?: number;
  ipv4ElevatedRoutePriority?: number;
  ipv6ElevatedRoutePriority?: number;
  natOutgoingAddress?: string;
  natPortRange?: number | string;
  natOutgoingExclusions?: 'IPPoolsOnly' | 'IPPoolsAndHostIPs';
  iptablesNATOutgoingInterfaceFilter?: string;
  mtuIfacePattern?: string;
  healthEnabled?: boolean;
  healthHost?: string;
  healthPort?: number;
  prometheusMetricsEnabled?: boolean;
  prometheusMetricsPort?: number;
  ipForwarding?: 'Enabled' | 'Disabled';
  logSeverityScreen?: string;
  /** Denied-flow log (Calico Enterprise's file flow-log fields; Gingham logs denied flows only). Default false. */
  flowLogsFileEnabled?: boolean;
  flowLogsFileDirectory?: string;
  flowLogsFileMaxFiles?: number;
  flowLogsFileMaxFileSizeMB?: number;
  /** Gingham: packets a second each denying rule may log (kernel rate limit). Default 100. */
  flowLogsDeniedRateLimit?: number;
  /** Felix fields Gingham does not interpret, kept as written. */
  [other: string]: unknown;
}

export type FelixConfiguration = Resource<'FelixConfiguration', FelixConfigurationSpec>;

const specShape = obj(
  [
    f('ipipEnabled', bool, true),
    f('ipipMTU', int),
    f('vxlanEnabled', bool, true),
    f('vxlanMTU', int),
    f('vxlanMTUV6', int),
    f('vxlanPort', int, true),
    f('vxlanVNI', int, true),
    f('interfacePrefix', str),
    f('routeRefreshInterval', str),
    f('interfaceRefreshInterval', str),
    f('deviceRouteProtocol', int, true),
    f('deviceRouteSourceAddress', str),
    f('deviceRouteSourceAddressIPv6', str),
    f('removeExternalRoutes', bool, true),
    f('programClusterRoutes', str),
    f('routeSource', str),
    f('routeTableRanges', arr(obj([f('min', int, true), f('max', int, true)]))),
    f('routeSyncDisabled', bool, true),
    f('ipv4NormalRoutePriority', int, true),
    f('ipv6NormalRoutePriority', int, true),
    f('ipv4ElevatedRoutePriority', int, true),
    f('ipv6ElevatedRoutePriority', int, true),
    f('natOutgoingAddress', str),
    f('natPortRange', intOrStr),
    f('natOutgoingExclusions', str),
    f('iptablesNATOutgoingInterfaceFilter', str),
    f('mtuIfacePattern', str),
    f('healthEnabled', bool, true),
    f('healthHost', str),
    f('healthPort', int, true),
    f('prometheusMetricsEnabled', bool, true),
    f('prometheusMetricsPort', int, true),
    f('ipForwarding', str),
    f('logSeverityScreen', str),
    f('flowLogsFileEnabled', bool, true),
    f('flowLogsFileDirectory', str),
    f('flowLogsFileMaxFiles', int, true),
    f('flowLogsFileMaxFileSizeMB', int, true),
    f('flowLogsDeniedRateLimit', int, true),
  ],
  true,
);

/** felix/config/config_params.go defaults for the fields above (MTU 0 = detect from the host). */
export const FELIX_DEFAULTS = {
  ipipMTU: 0,
  vxlanMTU: 0,
  vxlanMTUV6: 0,
  vxlanPort: 4789,
  vxlanVNI: 4096,
  interfacePrefix: 'cali',
  routeRefreshInterval: '90s',
  interfaceRefreshInterval: '90s',
  deviceRouteProtocol: 3,
  removeExternalRoutes: true,
  programClusterRoutes: 'EnabledIPIPOnly',
  routeSource: 'CalicoIPAM',
  routeSyncDisabled: false,
  ipv4NormalRoutePriority: 1024,
  ipv6NormalRoutePriority: 1024,
  ipv4ElevatedRoutePriority: 512,
  ipv6ElevatedRoutePriority: 512,
  natOutgoingExclusions: 'IPPoolsOnly',
  mtuIfacePattern: '^((en|wl|ww|sl|ib)[Pcopsvx].*|(eth|wlan|wwan).*)',
  healthEnabled: false,
  healthHost: LISTEN_HOSTS.health,
  healthPort: PORTS.health,
  prometheusMetricsEnabled: false,
  prometheusMetricsPort: PORTS.metrics,
  ipForwarding: 'Enabled',
  logSeverityScreen: 'Info',
  flowLogsFileEnabled: false,
  flowLogsFileDirectory: '/var/log/gingham',
  flowLogsFileMaxFiles: 5,
  flowLogsFileMaxFileSizeMB: 100,
  flowLogsDeniedRateLimit: 100,
} as const;

/** The live denied-flow log inside flowLogsFileDirectory (rotated copies get .1, .2, ...). */
export const FLOW_LOG_FILE_NAME = 'flows-denied.log';

function validate(res: FelixConfiguration, p: Problems): void {
  const s = res.spec ?? {};
  for (const field of ['ipipMTU', 'vxlanMTU', 'vxlanMTUV6'] as const) checkIntRange(p, `spec.${field}`, s[field], 0, 65535);
  for (const field of ['vxlanPort', 'healthPort', 'prometheusMetricsPort'] as const) checkIntRange(p, `spec.${field}`, s[field], 1, 65535);
  // RFC 7348 §5: the VNI is a 24-bit field.
  checkIntRange(p, 'spec.vxlanVNI', s.vxlanVNI, 1, 0xffffff);
  checkIntRange(p, 'spec.deviceRouteProtocol', s.deviceRouteProtocol, 0, 255);
  if (s.interfacePrefix !== undefined && !/^[a-zA-Z0-9_-]{1,15}(,[a-zA-Z0-9_-]{1,15})*$/.test(s.interfacePrefix)) {
    p.add('spec.interfacePrefix', 'must be a comma-separated list of interface name prefixes');
  }
  checkDuration(p, 'spec.routeRefreshInterval', s.routeRefreshInterval);
  checkDuration(p, 'spec.interfaceRefreshInterval', s.interfaceRefreshInterval);
  const v4 = checkIp(p, 'spec.deviceRouteSourceAddress', s.deviceRouteSourceAddress);
  if (v4 && v4.family !== 4) p.add('spec.deviceRouteSourceAddress', 'must be an IPv4 address');
  const v6 = checkIp(p, 'spec.deviceRouteSourceAddressIPv6', s.deviceRouteSourceAddressIPv6);
  if (v6 && v6.family !== 6) p.add('spec.deviceRouteSourceAddressIPv6', 'must be an IPv6 address');
  checkEnum(p, 'spec.programClusterRoutes', s.programClusterRoutes, ['Enabled', 'Disabled', 'EnabledIPIPOnly', 'EnabledNoEncapOnly']);
  checkEnum(p, 'spec.routeSource', s.routeSource, ['CalicoIPAM', 'WorkloadIPs']);
  s.routeTableRanges?.forEach((r, i) => {
    checkIntRange(p, `spec.routeTableRanges[${i}].min`, r.min, 1, 0xfffffffe);
    checkIntRange(p, `spec.routeTableRanges[${i}].max`, r.max, 1, 0xfffffffe);
    if (r.min > r.max) p.add(`spec.routeTableRanges[${i}]`, 'min must not exceed max');
  });
  for (const field of ['ipv4NormalRoutePriority', 'ipv6NormalRoutePriority', 'ipv4ElevatedRoutePriority', 'ipv6ElevatedRoutePriority'] as const) {
    checkIntRange(p, `spec.${field}`, s[field], 1, 2147483646);
  }
  checkIp(p, 'spec.natOutgoingAddress', s.natOutgoingAddress);
  if (s.natPortRange !== undefined) {
    const m = /^(\d+)(?::(\d+))?$/.exec(String(s.natPortRange));
    const lo = Number(m?.[1]);
    const hi = Number(m?.[2] ?? m?.[1]);
    if (!m || lo < 1 || hi > 65535 || lo > hi) p.add('spec.natPortRange', 'must be a port or a range "min:max" within 1-65535');
  }
  checkEnum(p, 'spec.natOutgoingExclusions', s.natOutgoingExclusions, ['IPPoolsOnly', 'IPPoolsAndHostIPs']);
  if (s.mtuIfacePattern !== undefined) {
    try {
      new RegExp(s.mtuIfacePattern);
    } catch {
      p.add('spec.mtuIfacePattern', 'is not a valid regular expression');
    }
  }
  checkEnum(p, 'spec.ipForwarding', s.ipForwarding, ['Enabled', 'Disabled']);
  checkEnum(p, 'spec.logSeverityScreen', s.logSeverityScreen, LOG_SEVERITIES);
  checkIntRange(p, 'spec.flowLogsFileMaxFiles', s.flowLogsFileMaxFiles, 0, 100);
  checkIntRange(p, 'spec.flowLogsFileMaxFileSizeMB', s.flowLogsFileMaxFileSizeMB, 1, 10240);
  checkIntRange(p, 'spec.flowLogsDeniedRateLimit', s.flowLogsDeniedRateLimit, 1, 1_000_000);
  if (s.flowLogsFileDirectory !== undefined && !s.flowLogsFileDirectory.startsWith('/')) p.add('spec.flowLogsFileDirectory', 'must be an absolute path');
}

export const felixConfigurationKind: KindInfo<FelixConfiguration> = {
  kind: 'FelixConfiguration',
  plural: 'felixconfigurations',
  aliases: ['felixconfiguration', 'felixconfig', 'felixconfigs'],
  namespaced: false,
  specShape,
  defaults: (res) => clone(res),
  validate,
};
