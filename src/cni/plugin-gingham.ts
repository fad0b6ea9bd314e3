// The `gingham` plugin's commands (Calico's `calico` plugin, cni-plugin/pkg/k8s/k8s.go): ADD gets addresses from the
// configured IPAM (gingham-ipam in-process, or another plugin by delegation), builds the pod's veth and routes
// (pod-network.ts), records the WorkloadEndpoint and returns the result; any failure undoes the earlier steps so
// nothing leaks. DEL removes the endpoint, the veth (only when the endpoint was this container's or is gone) and the
// addresses, and succeeds when they are already gone (SPEC.md: DEL is idempotent), releasing the addresses last, so
// an address is never free while an interface still holds it.
import { compareVersions } from './cni-version';
import { CNI_ERR, CniError } from './cni-error';
import { parseResult, type CniResult } from './cni-result';
import { delegatedConf } from './ipam-dispatch';
import { resolveMtu } from './mtu';
import { ipamAdd, ipamCheck, ipamDel, podFromArgs, type IpamPluginDeps } from './plugin-ipam';
import type { PluginContext } from './plugin-context';
import { checkPodNetwork, setupPodNetwork, teardownPodNetwork, type PodNetworkSpec } from './pod-network';
import { HOST_VETH_MAC, POD_GATEWAY_V4, vethNameForWorkload } from './veth-name';
import { buildWorkloadEndpoint, type WorkloadIdentity } from './workload-endpoint';
import { familyOf } from '../lib/ip';

export const GINGHAM_IPAM = 'gingham-ipam';

export function ipamDeps(ctx: PluginContext): IpamPluginDeps {
  return { ipam: ctx.backend.ipam, nodename: ctx.nodename, withLock: ctx.withLock, now: ctx.now };
}

/** cali + sha1(namespace.pod) for pods; cali + the container ID's first 11 characters without Kubernetes. */
export function hostIfNameFor(ctx: PluginContext): string {
  const pod = podFromArgs(ctx.env);
  if (pod.name && pod.namespace) return vethNameForWorkload(pod.namespace, pod.name, ctx.conf.interfacePrefix);
  return `${ctx.conf.interfacePrefix}${ctx.env.containerId.slice(0, 11)}`;
}

function identity(ctx: PluginContext): WorkloadIdentity {
  const pod = podFromArgs(ctx.env);
  return { node: ctx.nodename, pod: pod.name, namespace: pod.namespace, containerId: ctx.env.containerId, endpoint: ctx.env.ifName };
}

async function ipamRun(ctx: PluginContext, command: 'ADD' | 'DEL'): Promise<CniResult | undefined> {
  if (ctx.conf.ipam.type === GINGHAM_IPAM) {
    if (command === 'ADD') return ipamAdd(ctx.conf, ctx.env, ipamDeps(ctx));
    await ipamDel(ctx.conf, ctx.env, ipamDeps(ctx));
    return undefined;
  }
  const netconf = await delegatedConf(ctx);
  return ctx.withLock(() => ctx.delegate(command, ctx.conf.ipam.type, netconf));
}

/** Host-prefix form of every address (host-local returns the subnet's prefix, e.g. 10.244.3.5/24). */
function hostPrefixes(r: CniResult): string[] {
  return r.ips.map((ip) => `${ip.address.split('/')[0]}/${familyOf(ip.address) === 6 ? 128 : 32}`);
}

export async function cmdAdd(ctx: PluginContext): Promise<CniResult> {
  // Start the helper inside the container's namespace now: its process start overlaps the IPAM round trips.
  const containerNl = ctx.openNetns(ctx.env.netns);
  containerNl.catch(() => undefined); // observed below; keep an early failure from being "unhandled"
  let used = false;
  const openOnce: PluginContext['openNetns'] = (p) => {
    if (used || p !== ctx.env.netns) return ctx.openNetns(p);
    used = true;
    return containerNl;
  };
  try {
    return await addWith({ ...ctx, openNetns: openOnce });
  } finally {
    if (!used) await containerNl.then((nl) => nl.stop(), () => undefined);
  }
}

async function addWith(ctx: PluginContext): Promise<CniResult> {
  const ipamResult = await ipamRun(ctx, 'ADD');
  if (!ipamResult || ipamResult.ips.length === 0) throw new CniError(CNI_ERR.OTHER, `IPAM plugin ${ctx.conf.ipam.type} returned no addresses`);
  const ips = hostPrefixes(ipamResult);
  const hostIfName = hostIfNameFor(ctx);
  const spec: PodNetworkSpec = {
    hostIfName,
    containerIfName: ctx.env.ifName,
    netns: ctx.env.netns,
    mtu: resolveMtu(ctx.conf.mtu, ctx.conf.mtuFile, ctx.readFile),
    ips,
  };
  let containerMac: string;
  try {
    containerMac = (await setupPodNetwork(ctx, spec)).containerMac;
    await ctx.backend.endpoints.write(buildWorkloadEndpoint(identity(ctx), { hostIfName, mac: containerMac, ips }));
  } catch (err) {
    // Undo in reverse; the original failure is what the runtime must see.
    await teardownPodNetwork(ctx.host, hostIfName).catch(() => undefined);
    await ipamRun(ctx, 'DEL').catch(() => undefined);
    throw err;
  }
  return {
    interfaces: [{ name: hostIfName, mac: HOST_VETH_MAC }, { name: ctx.env.ifName, mac: containerMac, sandbox: ctx.env.netns }],
    ips: ips.map((address) => ({ address, interface: 1 })),
    routes: ips.some((a) => !a.includes(':')) ? [{ dst: '0.0.0.0/0', gw: POD_GATEWAY_V4 }] : [],
    dns: ipamResult.dns,
  };
}

/**
 * The endpoint first: when it names another container (a newer sandbox of the same pod, whose host veth has the same
 * name), the veth is that sandbox's and stays. This container's addresses go in every case, by its own handle.
 */
export async function cmdDel(ctx: PluginContext): Promise<void> {
  const endpoint = await ctx.backend.endpoints.delete(identity(ctx));
  if (endpoint !== 'other-container') await teardownPodNetwork(ctx.host, hostIfNameFor(ctx));
  await ipamRun(ctx, 'DEL');
}

export async function cmdCheck(ctx: PluginContext): Promise<void> {
  if (compareVersions(ctx.conf.cniVersion, '0.4.0') < 0) {
    throw new CniError(CNI_ERR.INCOMPATIBLE_VERSION, `CHECK needs cniVersion 0.4.0 or later; the configuration says ${ctx.conf.cniVersion}`);
  }
  if (!ctx.conf.prevResult) throw new CniError(CNI_ERR.INVALID_CONFIG, 'network configuration: prevResult is required for CHECK');
  const prev = parseResult(ctx.conf.prevResult, 'prevResult');
  const ips = hostPrefixes(prev);
  if (ips.length === 0) throw new CniError(CNI_ERR.INVALID_CONFIG, 'network configuration: prevResult lists no addresses');
  if (ctx.conf.ipam.type === GINGHAM_IPAM) {
    await ipamCheck(ctx.conf, ctx.env, ipamDeps(ctx), ips);
  } else {
    await ctx.delegate('CHECK', ctx.conf.ipam.type, await delegatedConf(ctx));
  }
  await checkPodNetwork(ctx, { hostIfName: hostIfNameFor(ctx), containerIfName: ctx.env.ifName, netns: ctx.env.netns, mtu: 0, ips });
}
