// KubeControllersConfiguration "default": created with kube-controllers' defaults when absent
// (kube-controllers/pkg/config/runconfig.go; api/pkg/apis/projectcalico/v3/kubecontrollersconfig.go), then read into
// the effective configuration of this process. Gingham stores the kind without a modelled schema (api/crd-schema.ts
// UNMODELLED), so this file is where its fields are checked; a bad value is an error naming the field.
import { parseDuration } from '../api/duration';
import { PORTS } from '../api/well-known';
import { API_VERSION, DatastoreErrorCode, isDatastoreError, type Datastore, type StoredResource } from '../datastore';
import { GinghamError } from '../lib/errors';
import { DEFAULT_LEAK_GRACE_PERIOD_MS } from './ipam-gc';

export const KCC_KIND = 'KubeControllersConfiguration';
export const KCC_NAME = 'default';

/** The spec kube-controllers writes when `default` is absent. */
export const DEFAULT_KCC_SPEC = {
  logSeverityScreen: 'Info',
  healthChecks: 'Enabled',
  etcdV3CompactionPeriod: '10m0s',
  prometheusMetricsPort: PORTS.controllersMetrics,
  controllers: {
    node: { reconcilerPeriod: '5m0s', syncLabels: 'Enabled', hostEndpoint: { autoCreate: 'Disabled' }, leakGracePeriod: '15m0s' },
    policy: { reconcilerPeriod: '5m0s' },
    workloadEndpoint: { reconcilerPeriod: '5m0s' },
    serviceAccount: { reconcilerPeriod: '5m0s' },
    namespace: { reconcilerPeriod: '5m0s' },
    loadBalancer: { assignIPs: 'AllServices' },
  },
} as const;

export interface ControllersEffectiveConfig {
  /** controllers.node present: IPAM GC (and in etcd mode node deletion and label sync) run. */
  readonly nodeController: boolean;
  readonly leakGracePeriodMs: number;
  readonly reconcilerPeriodMs: number;
  readonly syncLabels: boolean;
  /** controllers.policy / namespace / serviceAccount present (etcd mode only). */
  readonly policyController: boolean;
  readonly namespaceController: boolean;
  readonly serviceAccountController: boolean;
  readonly healthChecks: boolean;
  /** 0: metrics off. */
  readonly prometheusMetricsPort: number;
  /** Set by ENABLED_CONTROLLERS (routereflector listed or not); undefined: the routeReflector configuration decides. */
  readonly routeReflectorController?: boolean;
}

/** ENABLED_CONTROLLERS names (kube-controllers' config.go; `profile` is Calico's alias of namespace; routereflector is Gingham's). */
export const CONTROLLER_NAMES = ['node', 'policy', 'namespace', 'profile', 'serviceaccount', 'workloadendpoint', 'loadbalancer', 'routereflector'] as const;

/**
 * ENABLED_CONTROLLERS overrides which controllers run, as in kube-controllers: when set, the resource's enable/disable is
 * ignored and exactly the listed controllers run. An unknown name is an error. (workloadendpoint and loadbalancer are
 * accepted and have nothing to run in Gingham yet.)
 */
export function withEnabledControllers(eff: ControllersEffectiveConfig, text: string | undefined): ControllersEffectiveConfig {
  if (text === undefined || text.trim() === '') return eff;
  const names = text.split(',').map((x) => x.trim()).filter((x) => x !== '');
  const unknown = names.filter((n) => !(CONTROLLER_NAMES as readonly string[]).includes(n));
  if (unknown.length > 0) throw new ControllersConfigError(CONTROLLERS_CONFIG_ERR.INVALID, `ENABLED_CONTROLLERS: unknown controller(s) ${unknown.join(', ')} (known: ${CONTROLLER_NAMES.join(', ')})`);
  const on = new Set(names);
  return {
    ...eff,
    nodeController: on.has('node'),
    policyController: on.has('policy'),
    namespaceController: on.has('namespace') || on.has('profile'),
    serviceAccountController: on.has('serviceaccount'),
    routeReflectorController: on.has('routereflector'),
  };
}

/** True when a controller that reads the Kubernetes API is on (route reflectors alone can run without one). */
export const needsKubernetes = (eff: ControllersEffectiveConfig): boolean => eff.nodeController || eff.policyController || eff.namespaceController || eff.serviceAccountController;

export const CONTROLLERS_CONFIG_ERR = { INVALID: 'CONTROLLERS_CONFIG_INVALID' } as const;
export class ControllersConfigError extends GinghamError {}

const bad = (field: string, why: string): never => {
  throw new ControllersConfigError(CONTROLLERS_CONFIG_ERR.INVALID, `KubeControllersConfiguration default: ${field}: ${why}`);
};

function duration(v: unknown, field: string, dflt: number): number {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'string') return bad(field, `${JSON.stringify(v)} is not a duration such as "15m"`);
  const ms = parseDuration(v);
  if (ms === undefined || ms < 0) return bad(field, `"${v}" is not a non-negative duration such as "15m"`);
  return ms;
}

function enabled(v: unknown, field: string, dflt: boolean): boolean {
  if (v === undefined || v === null) return dflt;
  if (v === 'Enabled') return true;
  if (v === 'Disabled') return false;
  return bad(field, `${JSON.stringify(v)} must be "Enabled" or "Disabled"`);
}

function record(v: unknown, field: string): Record<string, unknown> | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) return bad(field, 'must be an object');
  return v as Record<string, unknown>;
}

/** The effective configuration of a stored spec (Calico's defaults for absent fields; an absent controllers.node disables it). */
export function effectiveConfig(spec: unknown): ControllersEffectiveConfig {
  const s = record(spec, 'spec') ?? {};
  const controllers = record(s['controllers'], 'spec.controllers') ?? {};
  const node = record(controllers['node'], 'spec.controllers.node');
  const port = s['prometheusMetricsPort'] ?? PORTS.controllersMetrics;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) bad('spec.prometheusMetricsPort', `${JSON.stringify(port)} is not a port (0-65535)`);
  return {
    nodeController: node !== undefined,
    leakGracePeriodMs: duration(node?.['leakGracePeriod'], 'spec.controllers.node.leakGracePeriod', DEFAULT_LEAK_GRACE_PERIOD_MS),
    reconcilerPeriodMs: duration(node?.['reconcilerPeriod'], 'spec.controllers.node.reconcilerPeriod', 5 * 60_000),
    syncLabels: enabled(node?.['syncLabels'], 'spec.controllers.node.syncLabels', true),
    policyController: record(controllers['policy'], 'spec.controllers.policy') !== undefined,
    namespaceController: record(controllers['namespace'], 'spec.controllers.namespace') !== undefined,
    serviceAccountController: record(controllers['serviceAccount'], 'spec.controllers.serviceAccount') !== undefined,
    healthChecks: enabled(s['healthChecks'], 'spec.healthChecks', true),
    prometheusMetricsPort: port as number,
  };
}

/** Reads `default`, creating it with the defaults when absent (a concurrent creator wins and is read back). */
export async function ensureControllersConfiguration(store: Datastore): Promise<StoredResource> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await store.get(KCC_KIND, KCC_NAME);
    } catch (err) {
      if (!isDatastoreError(err, DatastoreErrorCode.NotFound)) throw err;
    }
    try {
      return await store.create({ apiVersion: API_VERSION, kind: KCC_KIND, metadata: { name: KCC_NAME }, spec: structuredClone(DEFAULT_KCC_SPEC) });
    } catch (err) {
      if (!isDatastoreError(err, DatastoreErrorCode.AlreadyExists)) throw err;
    }
  }
  return store.get(KCC_KIND, KCC_NAME);
}
