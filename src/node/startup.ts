// calico-node's start-up, for `gingham node run` (node/pkg/lifecycle/startup/startup.go Run): read the environment operators
// already set on the DaemonSet, then make the datastore hold this node's Node resource (address with prefix, AS),
// the default IPPool (only when no pool of that family exists) and the default configuration resources.
//
// parseStartupEnv is pure and rejects bad values naming the variable; ensure* functions write through the Datastore
// with compare-and-swap (a concurrent writer is retried, never overwritten) and create-if-absent races tolerated
// (AlreadyExists means another node won: fine).
import { randomBytes } from 'node:crypto';
import { parseAsn } from '../api/asn';
import type { ClusterInformation } from '../api/kind-cluster-information';
import type { CalicoNode } from '../api/kind-node';
import { BUILTIN_TIERS } from '../api/kind-tier';
import type { IPPool } from '../api/kind-ippool';
import { applyDefaults, newResource, validateResource, type Resource } from '../api/resource';
import { compileSelector } from '../api/selector';
import { DatastoreErrorCode, isDatastoreError, updateWithRetry, type Datastore } from '../datastore';
import { tryParseCidr, tryParseIp } from '../lib/ip';
import { packageVersion } from '../lib/version';
import { desiredClusterInformation } from './cluster-information';
import { parseAutodetectMethod, type AutodetectMethod } from './autodetect';
import { GinghamError, describeError } from '../lib/errors';

export type EncapSetting = 'Always' | 'CrossSubnet' | 'Never';

export interface DefaultPoolConfig {
  readonly cidr: string;
  readonly blockSize: number;
  readonly ipipMode: EncapSetting;
  readonly vxlanMode: EncapSetting;
  readonly natOutgoing: boolean;
  readonly nodeSelector: string;
  readonly disableBGPExport: boolean;
}

export interface StartupConfig {
  /** From NODENAME, else the nodename file, else the hostname. */
  readonly nodeName: string;
  /** IP: 'autodetect' (default when the Node has no address), an explicit address/CIDR, or 'none'. */
  readonly ip: { readonly kind: 'autodetect'; readonly method: AutodetectMethod } | { readonly kind: 'explicit'; readonly cidr: string } | { readonly kind: 'none' };
  /** AS for this node (AS), when set. */
  readonly asn?: number;
  /** The default IPv4 pool to create when no IPv4 pool exists; undefined with NO_DEFAULT_POOLS or CALICO_IPV4POOL_CIDR=none. */
  readonly defaultPool?: DefaultPoolConfig;
}

export class StartupConfigError extends GinghamError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('StartupConfigInvalid', message, options);
  }
}

function encap(env: NodeJS.ProcessEnv, name: string, dflt: EncapSetting): EncapSetting {
  const v = (env[name] ?? '').trim().toLowerCase();
  if (v === '') return dflt;
  if (v === 'always') return 'Always';
  if (v === 'crosssubnet' || v === 'cross-subnet') return 'CrossSubnet';
  if (v === 'never' || v === 'off') return 'Never';
  throw new StartupConfigError(`${name}: "${env[name]}" is not one of Always, CrossSubnet, Never`);
}

function bool(env: NodeJS.ProcessEnv, name: string, dflt: boolean): boolean {
  const v = (env[name] ?? '').trim().toLowerCase();
  if (v === '') return dflt;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new StartupConfigError(`${name}: "${env[name]}" is not true or false`);
}

/** The environment of a calico-node container, read the same way. `fallbackName` is the nodename file or hostname. */
export function parseStartupEnv(env: NodeJS.ProcessEnv, fallbackName: string): StartupConfig {
  const nodeName = (env.NODENAME ?? env.HOSTNAME_OVERRIDE ?? '').trim() || fallbackName.trim();
  if (nodeName === '') throw new StartupConfigError('NODENAME: empty, and no hostname to fall back on');

  const ipText = (env.IP ?? '').trim();
  let ip: StartupConfig['ip'];
  if (ipText === '' || ipText === 'autodetect') {
    try {
      ip = { kind: 'autodetect', method: parseAutodetectMethod(env.IP_AUTODETECTION_METHOD) };
    } catch (err) {
      throw new StartupConfigError(describeError(err, { codes: false }), { cause: err });
    }
  } else if (ipText === 'none') ip = { kind: 'none' };
  else if (tryParseIp(ipText) && !ipText.includes(':')) ip = { kind: 'explicit', cidr: `${ipText}/32` };
  else if (tryParseCidr(ipText)?.family === 4) ip = { kind: 'explicit', cidr: ipText };
  else throw new StartupConfigError(`IP: "${ipText}" is not autodetect, none, or an IPv4 address or CIDR`);

  let asn: number | undefined;
  if ((env.AS ?? '').trim() !== '') {
    asn = parseAsn(env.AS?.trim());
    if (asn === undefined) throw new StartupConfigError(`AS: "${env.AS}" is not an AS number (plain or dotted aa.bb)`);
  }

  let defaultPool: DefaultPoolConfig | undefined;
  const cidrText = (env.CALICO_IPV4POOL_CIDR ?? '').trim() || '192.168.0.0/16';
  if (!bool(env, 'NO_DEFAULT_POOLS', false) && cidrText !== 'none') {
    const cidr = tryParseCidr(cidrText);
    if (cidr?.family !== 4) throw new StartupConfigError(`CALICO_IPV4POOL_CIDR: "${cidrText}" is not an IPv4 CIDR`);
    const bs = (env.CALICO_IPV4POOL_BLOCK_SIZE ?? '').trim();
    const blockSize = bs === '' ? 26 : Number(bs);
    if (!Number.isInteger(blockSize) || blockSize < 20 || blockSize > 32) throw new StartupConfigError(`CALICO_IPV4POOL_BLOCK_SIZE: "${bs}" must be a whole number between 20 and 32`);
    if (blockSize < cidr.prefixLen) throw new StartupConfigError(`CALICO_IPV4POOL_BLOCK_SIZE: ${blockSize} is larger than the pool ${cidrText}`);
    // calico-node's default pool is IPIP Always unless VXLAN is asked for.
    const vxlanMode = encap(env, 'CALICO_IPV4POOL_VXLAN', 'Never');
    const ipipMode = encap(env, 'CALICO_IPV4POOL_IPIP', vxlanMode === 'Never' ? 'Always' : 'Never');
    if (ipipMode !== 'Never' && vxlanMode !== 'Never') throw new StartupConfigError('CALICO_IPV4POOL_IPIP and CALICO_IPV4POOL_VXLAN: a pool uses one encapsulation, not both');
    const nodeSelector = (env.CALICO_IPV4POOL_NODE_SELECTOR ?? '').trim() || 'all()';
    try {
      compileSelector(nodeSelector);
    } catch (err) {
      throw new StartupConfigError(`CALICO_IPV4POOL_NODE_SELECTOR: ${describeError(err)}`);
    }
    defaultPool = {
      cidr: cidrText,
      blockSize,
      ipipMode,
      vxlanMode,
      natOutgoing: bool(env, 'CALICO_IPV4POOL_NAT_OUTGOING', true),
      nodeSelector,
      disableBGPExport: bool(env, 'CALICO_IPV4POOL_DISABLE_BGP_EXPORT', false),
    };
  }
  return { nodeName, ip, ...(asn !== undefined ? { asn } : {}), ...(defaultPool ? { defaultPool } : {}) };
}

async function createIfAbsent(store: Datastore, res: Resource): Promise<boolean> {
  try {
    await store.create(applyDefaults(res));
    return true;
  } catch (err) {
    if (isDatastoreError(err, DatastoreErrorCode.AlreadyExists)) return false;
    throw err;
  }
}

/** Creates default-ipv4-ippool unless some IPv4 pool already exists. Returns whether it created it. */
export async function ensureDefaultPool(store: Datastore, cfg: DefaultPoolConfig): Promise<boolean> {
  const pools = await store.list<IPPool>('IPPool');
  if (pools.items.some((p) => tryParseCidr(p.spec?.cidr ?? '')?.family === 4)) return false;
  const pool = newResource<IPPool>(
    'IPPool',
    { name: 'default-ipv4-ippool' },
    { cidr: cfg.cidr, blockSize: cfg.blockSize, ipipMode: cfg.ipipMode, vxlanMode: cfg.vxlanMode, natOutgoing: cfg.natOutgoing, nodeSelector: cfg.nodeSelector, ...(cfg.disableBGPExport ? { disableBGPExport: true } : {}) },
  );
  validateResource(pool);
  return createIfAbsent(store, pool);
}

/** ClusterInformation `default` (created, or completed: GUID, version, cluster type; ",kdd" on Kubernetes). */
async function ensureClusterInformation(store: Datastore, clusterType: string): Promise<void> {
  const want = { clusterType, calicoVersion: `v${packageVersion()}`, kdd: store.backend === 'kubernetes' };
  const newGuid = (): string => randomBytes(16).toString('hex');
  await updateWithRetry<ClusterInformation>(store, 'ClusterInformation', 'default', undefined, (cur) => {
    const spec = desiredClusterInformation(cur.spec, want, newGuid);
    return spec === undefined ? undefined : { ...cur, spec };
  }).catch(async (err: unknown) => {
    if (!isDatastoreError(err, DatastoreErrorCode.NotFound)) throw err;
    const spec = desiredClusterInformation(undefined, want, newGuid);
    await createIfAbsent(store, newResource('ClusterInformation', { name: 'default' }, spec ?? {}));
  });
}

/** ClusterInformation, FelixConfiguration, BGPConfiguration and IPAMConfiguration `default`, when absent. */
export async function ensureDefaultConfig(store: Datastore, clusterType = 'k8s,bgp'): Promise<void> {
  await ensureClusterInformation(store, clusterType);
  await createIfAbsent(store, newResource('FelixConfiguration', { name: 'default' }, {}));
  await createIfAbsent(store, newResource('BGPConfiguration', { name: 'default' }, {}));
  await createIfAbsent(store, newResource('IPAMConfiguration', { name: 'default' }, { strictAffinity: false, autoAllocateBlocks: true, maxBlocksPerHost: 0 }));
  // The built-in tiers, as Calico's client creates them when it initialises the datastore (clientv3/client.go
  // ensureTierExists: default, then the admin and baseline tiers AdminNetworkPolicies are converted into).
  for (const [name, spec] of Object.entries(BUILTIN_TIERS)) await createIfAbsent(store, newResource('Tier', { name }, { ...spec }));
}

/**
 * Makes the Node resource carry this node's address (with prefix) and AS. An AS already on the Node is kept unless
 * AS is set; an address is replaced by a newly detected one. Returns the stored Node.
 */
export async function ensureNode(store: Datastore, nodeName: string, ipv4Cidr: string | undefined, asn: number | undefined): Promise<CalicoNode> {
  const apply = (n: CalicoNode): CalicoNode => {
    const bgp = { ...(n.spec?.bgp ?? {}) };
    if (ipv4Cidr !== undefined) bgp.ipv4Address = ipv4Cidr;
    if (asn !== undefined) bgp.asNumber = asn;
    return { ...n, spec: { ...(n.spec ?? {}), bgp } };
  };
  try {
    return await updateWithRetry<CalicoNode>(store, 'Node', nodeName, undefined, (cur) => {
      const next = apply(cur);
      return JSON.stringify(next.spec) === JSON.stringify(cur.spec) ? undefined : next;
    });
  } catch (err) {
    if (!isDatastoreError(err, DatastoreErrorCode.NotFound)) throw err;
  }
  const fresh = apply(newResource<CalicoNode>('Node', { name: nodeName }, {}));
  validateResource(fresh);
  try {
    return await store.create(applyDefaults(fresh));
  } catch (err) {
    // Created meanwhile (an earlier run of ours, or the Kubernetes node controller): update that one instead.
    if (!isDatastoreError(err, DatastoreErrorCode.AlreadyExists)) throw err;
    return updateWithRetry<CalicoNode>(store, 'Node', nodeName, undefined, apply);
  }
}
