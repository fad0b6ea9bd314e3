// The `gingham-ipam` plugin's commands (Calico's calico-ipam, cni-plugin/pkg/ipamplugin): addresses from Gingham's
// IPAM for the handle "<network>.<containerID>", with the pod, namespace, node and time as attributes, under the
// host-wide lock. ADD returns the existing addresses when the handle already holds some (a runtime retrying an ADD
// whose result it lost must not leak the first ones); DEL releases by handle and succeeds when there is nothing to
// release. The `gingham` plugin calls these in-process when its ipam type is gingham-ipam.
import { UnavailableError } from '../datastore/errors';
import type { NetConf } from './cni-config';
import type { CniEnv } from './cni-env';
import { CNI_ERR, CniError } from './cni-error';
import { handleIdFor, type CniIpam } from './cni-ipam';
import type { CniResult } from './cni-result';
import { describeError } from '../lib/errors';

export interface IpamPluginDeps {
  readonly ipam: CniIpam;
  readonly nodename: string;
  /** Runs fn holding the host-wide IPAM lock. */
  readonly withLock: <T>(fn: () => Promise<T>) => Promise<T>;
  readonly now: () => Date;
}

export interface PodRef {
  readonly name?: string;
  readonly namespace?: string;
}

/** K8S_POD_NAME / K8S_POD_NAMESPACE from CNI_ARGS (set by kubelet's runtimes), absent for other runtimes. */
export function podFromArgs(env: CniEnv): PodRef {
  return { name: env.args.get('K8S_POD_NAME') || undefined, namespace: env.args.get('K8S_POD_NAMESPACE') || undefined };
}

/** Datastore outages are worth a retry (code 11); anything else keeps its message under code 999. */
function ipamFailure(what: string, err: unknown): CniError {
  if (err instanceof CniError) return err;
  const msg = describeError(err);
  if (err instanceof UnavailableError) return new CniError(CNI_ERR.TRY_AGAIN_LATER, `${what}: datastore unavailable`, msg, { cause: err });
  return new CniError(CNI_ERR.OTHER, `${what}: ${msg}`, undefined, { cause: err });
}

/** The host lock, unless the IPAM orders concurrent calls itself. */
function lockFor(deps: IpamPluginDeps): IpamPluginDeps['withLock'] {
  return deps.ipam.serialisesItself === true ? (fn) => fn() : deps.withLock;
}

export async function ipamAdd(conf: NetConf, env: CniEnv, deps: IpamPluginDeps): Promise<CniResult> {
  const handleId = handleIdFor(conf.name, env.containerId);
  const pod = podFromArgs(env);
  const attrs: Record<string, string> = { node: deps.nodename, timestamp: deps.now().toISOString() };
  if (pod.name) attrs.pod = pod.name;
  if (pod.namespace) attrs.namespace = pod.namespace;
  const cidrs = await lockFor(deps)(async () => {
    try {
      const existing = await deps.ipam.addressesOf(handleId);
      if (existing.length > 0) return existing;
      const r = await deps.ipam.autoAssign({
        handleId,
        hostname: deps.nodename,
        num4: conf.ipam.assignIpv4 ? 1 : 0,
        num6: conf.ipam.assignIpv6 ? 1 : 0,
        attrs,
        pools: [...conf.ipam.ipv4Pools, ...conf.ipam.ipv6Pools],
      });
      const got = [...r.ipv4, ...r.ipv6];
      const short = (conf.ipam.assignIpv4 && r.ipv4.length === 0) || (conf.ipam.assignIpv6 && r.ipv6.length === 0);
      if (short) {
        // Dual-stack half-success: give back what was assigned so nothing leaks (Calico ipam-cni.md).
        await deps.ipam.releaseByHandle(handleId);
        const fam = conf.ipam.assignIpv4 && r.ipv4.length === 0 ? 'IPv4' : 'IPv6';
        throw new CniError(CNI_ERR.OTHER, `IPAM: no ${fam} address available for node ${deps.nodename}${conf.ipam.ipv4Pools.length ? ` in pools ${conf.ipam.ipv4Pools.join(', ')}` : ''}`);
      }
      return got;
    } catch (err) {
      throw ipamFailure(`IPAM assign for ${handleId}`, err);
    }
  });
  return { interfaces: [], ips: cidrs.map((address) => ({ address })), routes: [], dns: {} };
}

export async function ipamDel(conf: NetConf, env: CniEnv, deps: IpamPluginDeps): Promise<void> {
  const handleId = handleIdFor(conf.name, env.containerId);
  await lockFor(deps)(async () => {
    try {
      await deps.ipam.releaseByHandle(handleId);
    } catch (err) {
      throw ipamFailure(`IPAM release of ${handleId}`, err);
    }
  });
}

/** The addresses the handle holds; CHECK fails when it holds none or not the ones the previous result listed. */
export async function ipamCheck(conf: NetConf, env: CniEnv, deps: IpamPluginDeps, expected: readonly string[]): Promise<void> {
  const handleId = handleIdFor(conf.name, env.containerId);
  let held: readonly string[];
  try {
    held = await deps.ipam.addressesOf(handleId);
  } catch (err) {
    throw ipamFailure(`IPAM check of ${handleId}`, err);
  }
  if (held.length === 0) throw new CniError(CNI_ERR.OTHER, `CHECK: IPAM handle ${handleId} holds no addresses`);
  const hostOf = (c: string): string => c.split('/')[0] ?? c;
  const heldHosts = new Set(held.map(hostOf));
  for (const e of expected) {
    if (!heldHosts.has(hostOf(e))) throw new CniError(CNI_ERR.OTHER, `CHECK: ${e} is not allocated to ${handleId} (it holds ${held.join(', ')})`);
  }
}
