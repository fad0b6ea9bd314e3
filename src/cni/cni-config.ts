// The network configuration the runtime streams on stdin to `gingham` and `gingham-ipam` (one plugin's entry of
// 10-gingham.conflist, with name and cniVersion copied in by the runtime), parsed and checked. Keys follow Calico's
// CNI configuration (cni-plugin/pkg/types/types.go) so an existing calico conflist carries over with only the type
// names changed. Undecodable JSON is code 6; a wrong field is code 7 naming the field; an unsupported cniVersion is
// code 1. Unknown keys are ignored, as other plugins' keys (runtimeConfig, capabilities...) must be.
import { PATHS } from '../api/well-known';
import { CNI_ERR, CniError } from './cni-error';
import { checkSupportedVersion } from './cni-version';
import { describeError } from '../lib/errors';

export type DatastoreType = 'etcdv3' | 'kubernetes';

export interface IpamConfig {
  readonly type: string;
  /** host-local only: "usePodCidr" is replaced by the node's pod CIDR before delegating. */
  readonly subnet?: string;
  readonly assignIpv4: boolean;
  readonly assignIpv6: boolean;
  readonly ipv4Pools: readonly string[];
  readonly ipv6Pools: readonly string[];
  /** The whole ipam object as given, for delegation to another IPAM plugin. */
  readonly raw: Readonly<Record<string, unknown>>;
}

export interface NetConf {
  readonly cniVersion: string;
  readonly name: string;
  readonly type: string;
  /** 0: use the MTU file (written by `gingham node`), else the default. */
  readonly mtu: number;
  readonly mtuFile: string;
  /** Empty: read nodenameFile, then the host name. */
  readonly nodename: string;
  readonly nodenameFile: string;
  readonly datastoreType: DatastoreType;
  readonly etcdEndpoints: readonly string[];
  /** etcd key root (Calico's /calico/resources/v3/projectcalico.org by default). */
  readonly etcdPrefix?: string;
  readonly kubeconfig?: string;
  readonly ipam: IpamConfig;
  readonly ipamLockFile: string;
  readonly ipamLockTimeoutMs: number;
  readonly interfacePrefix: string;
  readonly logLevel: string;
  readonly logFilePath?: string;
  /** The previous ADD's result on DEL and CHECK (SPEC.md 0.4.0+). */
  readonly prevResult?: Readonly<Record<string, unknown>>;
  /** The configuration as received, for delegation. */
  readonly raw: Readonly<Record<string, unknown>>;
}

export const DEFAULT_MTU_FILE = PATHS.mtuFile;
export const DEFAULT_NODENAME_FILE = PATHS.nodenameFile;
export const DEFAULT_IPAM_LOCK_FILE = PATHS.ipamLockFile;
/** Calico waits 90 s for the host-wide IPAM lock (design/ipam/ipam-cni.md). */
export const DEFAULT_IPAM_LOCK_TIMEOUT_MS = 90_000;

type Obj = Record<string, unknown>;

function invalid(field: string, why: string): CniError {
  return new CniError(CNI_ERR.INVALID_CONFIG, `network configuration: ${field} ${why}`);
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(o: Obj, key: string, field = key): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalid(field, `must be a string, got ${JSON.stringify(v)}`);
  return v;
}

function bool(o: Obj, key: string, field: string, dflt: boolean): boolean {
  const v = o[key];
  if (v === undefined || v === null) return dflt;
  // Calico's assign_ipv4/assign_ipv6 are the strings "true"/"false".
  if (v === true || v === 'true') return true;
  if (v === false || v === 'false') return false;
  throw invalid(field, `must be true or false, got ${JSON.stringify(v)}`);
}

function strList(o: Obj, key: string, field: string): string[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw invalid(field, 'must be a list of strings');
  return v as string[];
}

function decode(text: string): Obj {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new CniError(CNI_ERR.DECODE, 'network configuration on stdin is not valid JSON', describeError(err), { cause: err });
  }
  if (!isObj(parsed)) throw new CniError(CNI_ERR.DECODE, 'network configuration on stdin must be a JSON object');
  return parsed;
}

/** The cniVersion alone, for rendering an error in the right version even when the rest is invalid. */
export function peekVersion(text: string): string | undefined {
  try {
    const o = JSON.parse(text) as unknown;
    return isObj(o) && typeof o.cniVersion === 'string' ? o.cniVersion : undefined;
  } catch {
    return undefined;
  }
}

function parseIpam(o: Obj): IpamConfig {
  const v = o.ipam;
  if (!isObj(v)) throw invalid('ipam', v === undefined ? 'is required (e.g. {"type": "gingham-ipam"})' : 'must be an object');
  const type = str(v, 'type', 'ipam.type');
  if (!type) throw invalid('ipam.type', 'is required (gingham-ipam or host-local)');
  const ipam: IpamConfig = {
    type,
    subnet: str(v, 'subnet', 'ipam.subnet'),
    assignIpv4: bool(v, 'assign_ipv4', 'ipam.assign_ipv4', true),
    assignIpv6: bool(v, 'assign_ipv6', 'ipam.assign_ipv6', false),
    ipv4Pools: strList(v, 'ipv4_pools', 'ipam.ipv4_pools'),
    ipv6Pools: strList(v, 'ipv6_pools', 'ipam.ipv6_pools'),
    raw: v,
  };
  if (!ipam.assignIpv4 && !ipam.assignIpv6) throw invalid('ipam', 'assigns no address: assign_ipv4 and assign_ipv6 are both false');
  return ipam;
}

function parseMtu(o: Obj): number {
  const v = o.mtu;
  if (v === undefined || v === null) return 0;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  // 68 is the IPv4 minimum (RFC 791); 65535 the largest a veth takes.
  if (typeof n !== 'number' || !Number.isInteger(n) || (n !== 0 && (n < 68 || n > 65535))) {
    throw invalid('mtu', `must be 0 (automatic) or an integer 68..65535, got ${JSON.stringify(v)}`);
  }
  return n;
}

export function parseNetConf(text: string): NetConf {
  const o = decode(text);
  const cniVersion = str(o, 'cniVersion');
  if (!cniVersion) throw invalid('cniVersion', 'is required');
  checkSupportedVersion(cniVersion);
  const name = str(o, 'name');
  if (!name) throw invalid('name', 'is required');
  const type = str(o, 'type');
  if (!type) throw invalid('type', 'is required');
  const dsType = str(o, 'datastore_type') ?? 'etcdv3';
  if (dsType !== 'etcdv3' && dsType !== 'kubernetes') throw invalid('datastore_type', `must be "etcdv3" or "kubernetes", got "${dsType}"`);
  const etcdEndpoints = (str(o, 'etcd_endpoints') ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (dsType === 'etcdv3' && etcdEndpoints.length === 0) throw invalid('etcd_endpoints', 'is required when datastore_type is "etcdv3" (e.g. "http://10.0.0.1:2379")');
  for (const [i, ep] of etcdEndpoints.entries()) {
    if (!/^https?:\/\/[^/\s]+/.test(ep)) throw invalid(`etcd_endpoints[${i}]`, `"${ep}" is not an http:// or https:// URL`);
  }
  const k8s = o.kubernetes;
  if (k8s !== undefined && !isObj(k8s)) throw invalid('kubernetes', 'must be an object');
  const kubeconfig = k8s ? str(k8s, 'kubeconfig', 'kubernetes.kubeconfig') : undefined;
  const timeout = o.ipam_lock_timeout_seconds;
  if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout > 0))) throw invalid('ipam_lock_timeout_seconds', 'must be a positive number');
  const prev = o.prevResult;
  if (prev !== undefined && !isObj(prev)) throw invalid('prevResult', 'must be an object');
  const prefix = str(o, 'interface_prefix') ?? 'cali';
  if (!/^[a-z0-9]{1,4}$/.test(prefix)) throw invalid('interface_prefix', 'must be 1-4 lowercase letters or digits (the name adds 11 hex digits)');
  return {
    cniVersion,
    name,
    type,
    mtu: parseMtu(o),
    mtuFile: str(o, 'mtu_file') ?? DEFAULT_MTU_FILE,
    nodename: str(o, 'nodename') ?? '',
    nodenameFile: str(o, 'nodename_file_path') ?? DEFAULT_NODENAME_FILE,
    datastoreType: dsType,
    etcdEndpoints,
    etcdPrefix: str(o, 'etcd_prefix'),
    kubeconfig,
    ipam: parseIpam(o),
    ipamLockFile: str(o, 'ipam_lock_file') ?? DEFAULT_IPAM_LOCK_FILE,
    ipamLockTimeoutMs: typeof timeout === 'number' ? timeout * 1000 : DEFAULT_IPAM_LOCK_TIMEOUT_MS,
    interfacePrefix: prefix,
    logLevel: str(o, 'log_level') ?? 'info',
    logFilePath: str(o, 'log_file_path'),
    prevResult: prev,
    raw: o,
  };
}
