// KubeControllersConfiguration: the controllers' configuration (singleton "default"), created with kube-controllers'
// defaults by `gingham controllers run` when absent (api/pkg/apis/projectcalico/v3/kubecontrollersconfig.go). The top
// level of spec is modelled; each controller's section is kept as written, because the controllers process checks
// it (controllers/config.ts names a bad field there) and Gingham adds sections of its own. Its CRD stays open
// (crd-schema.ts UNMODELLED), as Calico's is for the fields Gingham does not know.

import { checkEnum, checkIntRange } from './checks';
import type { Problems } from './errors';
import { clone, type KindInfo, type Resource } from './meta';
import { any, f, int, map, obj, str } from './schema';

export interface KubeControllersConfigurationSpec {
  logSeverityScreen?: string;
  healthChecks?: 'Enabled' | 'Disabled';
  etcdV3CompactionPeriod?: string;
  /** 0: metrics off. */
  prometheusMetricsPort?: number;
  debugProfilePort?: number;
  controllers?: Record<string, unknown>;
}

export type KubeControllersConfiguration = Resource<'KubeControllersConfiguration', KubeControllersConfigurationSpec>;

const specShape = obj([
  f('logSeverityScreen', str),
  f('healthChecks', str),
  f('etcdV3CompactionPeriod', str),
  f('prometheusMetricsPort', int, true),
  f('debugProfilePort', int),
  f('controllers', any),
]);

/** What the running controllers report: the configuration in effect and the environment variables that changed it. */
const statusShape = obj([f('runningConfig', any), f('environmentVars', map(str))]);

function validate(res: KubeControllersConfiguration, p: Problems): void {
  if (res.metadata.name !== 'default') p.add('metadata.name', 'must be "default"');
  const s = res.spec;
  if (!s) return;
  checkEnum(p, 'spec.healthChecks', s.healthChecks, ['Enabled', 'Disabled']);
  checkIntRange(p, 'spec.prometheusMetricsPort', s.prometheusMetricsPort, 0, 65535);
  checkIntRange(p, 'spec.debugProfilePort', s.debugProfilePort, 0, 65535);
  if (s.controllers !== undefined && (typeof s.controllers !== 'object' || s.controllers === null || Array.isArray(s.controllers))) p.add('spec.controllers', 'must be an object');
}

export const kubeControllersConfigurationKind: KindInfo<KubeControllersConfiguration> = {
  kind: 'KubeControllersConfiguration',
  plural: 'kubecontrollersconfigurations',
  aliases: ['kubecontrollersconfiguration', 'kubecontrollersconfig', 'kubecontrollersconfigs', 'kcc'],
  namespaced: false,
  specShape,
  statusShape,
  defaults: (res) => clone(res),
  validate,
};
