// The chart's values: their type, defaults, JSON schema (values.schema.json) and a checker that names the bad field.
// Calico's charts/calico/values.yaml is the model (datastore, etcd endpoints and TLS secret, pool, encapsulation);
// `routeReflectors` is Gingham's (automatic reflectors, projectcalico/calico#2382).
import { GinghamError } from '../lib/errors';

export class ChartValuesError extends GinghamError {
  constructor(field: string, message: string) {
    super('CHART_VALUES', `values.${field}: ${message}`);
  }
}

export type Encapsulation = 'none' | 'vxlan' | 'ipip' | 'vxlanCrossSubnet' | 'ipipCrossSubnet';
export const ENCAPSULATIONS: readonly Encapsulation[] = ['none', 'vxlan', 'ipip', 'vxlanCrossSubnet', 'ipipCrossSubnet'];

export interface ChartValues {
  readonly namespace: string;
  readonly image: { readonly repository: string; readonly tag: string; readonly pullPolicy: 'Always' | 'IfNotPresent' | 'Never' };
  readonly datastore: {
    readonly type: 'kubernetes' | 'etcd';
    /** etcd only: client URLs. */
    readonly etcd: { readonly endpoints: readonly string[]; readonly tlsSecret: string };
  };
  readonly pool: { readonly cidr: string; readonly blockSize: number };
  readonly encapsulation: Encapsulation;
  readonly asNumber: number;
  /** IP autodetection method (calico-node's IP_AUTODETECTION_METHOD). */
  readonly ipAutodetectionMethod: string;
  readonly mtu: number;
  readonly routeReflectors: {
    readonly enabled: boolean;
    readonly perZone: number;
    readonly zoneLabel: string;
    readonly nodeSelector: string;
    readonly clusterID: string;
  };
}

export const DEFAULT_VALUES: ChartValues = {
  namespace: 'kube-system',
  image: { repository: 'ghcr.io/gingham/gingham', tag: '0.1.0', pullPolicy: 'IfNotPresent' },
  datastore: { type: 'kubernetes', etcd: { endpoints: [], tlsSecret: '' } },
  pool: { cidr: '192.168.0.0/16', blockSize: 26 },
  encapsulation: 'ipip',
  asNumber: 64512,
  ipAutodetectionMethod: 'first-found',
  mtu: 0,
  routeReflectors: { enabled: false, perZone: 2, zoneLabel: 'topology.kubernetes.io/zone', nodeSelector: 'all()', clusterID: '244.0.0.1' },
};

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** values.schema.json: Helm validates values against it before rendering. */
export function valuesSchema(): Record<string, Json> {
  const str = { type: 'string' };
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    additionalProperties: false,
    properties: {
      namespace: str,
      image: {
        type: 'object',
        additionalProperties: false,
        properties: { repository: str, tag: str, pullPolicy: { type: 'string', enum: ['Always', 'IfNotPresent', 'Never'] } },
      },
      datastore: {
        type: 'object',
        additionalProperties: false,
        properties: {
          type: { type: 'string', enum: ['kubernetes', 'etcd'] },
          etcd: {
            type: 'object',
            additionalProperties: false,
            properties: { endpoints: { type: 'array', items: { type: 'string', pattern: '^https?://' } }, tlsSecret: str },
          },
        },
      },
      pool: {
        type: 'object',
        additionalProperties: false,
        properties: { cidr: str, blockSize: { type: 'integer', minimum: 20, maximum: 32 } },
      },
      encapsulation: { type: 'string', enum: [...ENCAPSULATIONS] },
      asNumber: { type: 'integer', minimum: 1, maximum: 4294967295 },
      ipAutodetectionMethod: str,
      mtu: { type: 'integer', minimum: 0, maximum: 65535 },
      routeReflectors: {
        type: 'object',
        additionalProperties: false,
        properties: {
          enabled: { type: 'boolean' },
          perZone: { type: 'integer', minimum: 1 },
          zoneLabel: str,
          nodeSelector: str,
          clusterID: { type: 'string', pattern: '^(\\d{1,3}\\.){3}\\d{1,3}$' },
        },
      },
    },
  };
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep-merges user overrides onto defaults (objects merge, arrays and scalars replace), as Helm merges -f files. */
function merge(base: unknown, over: unknown, field: string): unknown {
  if (over === undefined) return base;
  if (isObj(base)) {
    if (!isObj(over)) throw new ChartValuesError(field, `must be an object, got ${JSON.stringify(over)}`);
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) {
      const f = field ? `${field}.${k}` : k;
      if (!(k in base)) throw new ChartValuesError(f, 'is not a known value');
      out[k] = merge(base[k], v, f);
    }
    return out;
  }
  if (Array.isArray(base)) {
    if (!Array.isArray(over)) throw new ChartValuesError(field, `must be a list, got ${JSON.stringify(over)}`);
    return over;
  }
  if (typeof over !== typeof base) throw new ChartValuesError(field, `must be a ${typeof base}, got ${JSON.stringify(over)}`);
  return over;
}

const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Defaults merged with overrides, then checked; the error names the first bad field. */
export function resolveValues(overrides: unknown = {}): ChartValues {
  const v = merge(DEFAULT_VALUES, overrides, '') as ChartValues;
  const m = IPV4_CIDR.exec(v.pool.cidr);
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) > 32) throw new ChartValuesError('pool.cidr', `"${v.pool.cidr}" is not an IPv4 CIDR`);
  if (!Number.isInteger(v.pool.blockSize) || v.pool.blockSize < 20 || v.pool.blockSize > 32) throw new ChartValuesError('pool.blockSize', `must be a whole number between 20 and 32, got ${v.pool.blockSize}`);
  if (v.pool.blockSize < Number(m[5])) throw new ChartValuesError('pool.blockSize', `/${v.pool.blockSize} is larger than the pool ${v.pool.cidr}`);
  if (!ENCAPSULATIONS.includes(v.encapsulation)) throw new ChartValuesError('encapsulation', `must be one of ${ENCAPSULATIONS.join(', ')}, got "${v.encapsulation}"`);
  if (!Number.isInteger(v.asNumber) || v.asNumber < 1 || v.asNumber > 4294967295) throw new ChartValuesError('asNumber', `must be a whole number 1..4294967295, got ${v.asNumber}`);
  if (v.datastore.type !== 'kubernetes' && v.datastore.type !== 'etcd') throw new ChartValuesError('datastore.type', `must be kubernetes or etcd, got "${String(v.datastore.type)}"`);
  if (v.datastore.type === 'etcd') {
    if (v.datastore.etcd.endpoints.length === 0) throw new ChartValuesError('datastore.etcd.endpoints', 'is required with datastore.type etcd');
    const bad = v.datastore.etcd.endpoints.find((e) => !/^https?:\/\//.test(e));
    if (bad !== undefined) throw new ChartValuesError('datastore.etcd.endpoints', `"${bad}" is not an http(s) URL`);
  }
  if (!Number.isInteger(v.routeReflectors.perZone) || v.routeReflectors.perZone < 1) throw new ChartValuesError('routeReflectors.perZone', `must be a whole number >= 1, got ${v.routeReflectors.perZone}`);
  if (!/^(\d{1,3}\.){3}\d{1,3}$/.test(v.routeReflectors.clusterID)) throw new ChartValuesError('routeReflectors.clusterID', `"${v.routeReflectors.clusterID}" is not a dotted-quad cluster ID`);
  return v;
}
