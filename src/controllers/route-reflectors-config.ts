// The automatic route reflectors' configuration: the `routeReflector` section of KubeControllersConfiguration
// `default` (spec.routeReflector: {enabled, perZone, zoneLabel, nodeSelector, clusterID}), overridden field by field by
// the environment the chart sets (ROUTE_REFLECTORS_ENABLED, _PER_ZONE, _ZONE_LABEL, _NODE_SELECTOR, _CLUSTER_ID), as
// kube-controllers lets its environment override the CR. Calico's CRD has no such section: on a cluster that carries
// Calico's own CRDs the API server prunes it, and the environment is the way to configure the feature there.
import { selectorProblem } from '../api/selector';
import { ControllersConfigError, CONTROLLERS_CONFIG_ERR } from './config';
import { DEFAULT_ROUTE_REFLECTOR_CONFIG, type RouteReflectorConfig } from './route-reflectors';

export const RR_ENV = {
  enabled: 'ROUTE_REFLECTORS_ENABLED',
  perZone: 'ROUTE_REFLECTORS_PER_ZONE',
  zoneLabel: 'ROUTE_REFLECTORS_ZONE_LABEL',
  nodeSelector: 'ROUTE_REFLECTORS_NODE_SELECTOR',
  clusterID: 'ROUTE_REFLECTORS_CLUSTER_ID',
} as const;

const bad = (field: string, why: string): never => {
  throw new ControllersConfigError(CONTROLLERS_CONFIG_ERR.INVALID, `${field}: ${why}`);
};

const DOTTED_QUAD = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function pick(env: Readonly<Record<string, string | undefined>>, section: Record<string, unknown>, key: keyof typeof RR_ENV): { value: unknown; field: string } | undefined {
  const e = env[RR_ENV[key]];
  if (e !== undefined && e !== '') return { value: e, field: RR_ENV[key] };
  if (section[key] !== undefined && section[key] !== null) return { value: section[key], field: `spec.routeReflector.${key}` };
  return undefined;
}

/** The effective configuration; a bad value is a ControllersConfigError naming the field or variable. */
export function routeReflectorConfig(section: unknown, env: Readonly<Record<string, string | undefined>>): RouteReflectorConfig {
  if (section !== undefined && section !== null && (typeof section !== 'object' || Array.isArray(section))) bad('spec.routeReflector', 'must be an object');
  const s = (section ?? {}) as Record<string, unknown>;
  const d = DEFAULT_ROUTE_REFLECTOR_CONFIG;

  const en = pick(env, s, 'enabled');
  let enabled = d.enabled;
  if (en !== undefined) {
    if (en.value === true || en.value === 'true') enabled = true;
    else if (en.value === false || en.value === 'false') enabled = false;
    else bad(en.field, `${JSON.stringify(en.value)} must be true or false`);
  }

  const pz = pick(env, s, 'perZone');
  let perZone = d.perZone;
  if (pz !== undefined) {
    const n = typeof pz.value === 'string' && /^\d+$/.test(pz.value) ? Number(pz.value) : pz.value;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 100) bad(pz.field, `${JSON.stringify(pz.value)} must be a whole number from 1 to 100`);
    perZone = n as number;
  }

  const text = (key: 'zoneLabel' | 'nodeSelector' | 'clusterID', dflt: string): { value: string; field: string } => {
    const v = pick(env, s, key);
    if (v === undefined) return { value: dflt, field: RR_ENV[key] };
    if (typeof v.value !== 'string' || v.value === '') return bad(v.field, `${JSON.stringify(v.value)} must be a non-empty string`);
    return { value: v.value, field: v.field };
  };
  const zoneLabel = text('zoneLabel', d.zoneLabel).value;
  const sel = text('nodeSelector', d.nodeSelector);
  const problem = selectorProblem(sel.value);
  if (problem !== undefined) bad(sel.field, `"${sel.value}" is not a selector: ${problem}`);
  const cid = text('clusterID', d.clusterID);
  if (!DOTTED_QUAD.test(cid.value)) bad(cid.field, `"${cid.value}" is not a dotted-quad cluster ID such as 244.0.0.1`);

  return { enabled, perZone, zoneLabel, nodeSelector: sel.value, clusterID: cid.value };
}
