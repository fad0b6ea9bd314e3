// Gingham's IPAM (src/ipam) seen through the narrow CniIpam interface the plugins use: the allocator (standalone
// plugin) or the node agent's batching IPAM.
import type { AutoAssignRequest, IpamAllocator } from '../ipam';
import type { NodeIpam } from '../ipam/node-ipam';
import { familyOf } from '../lib/ip';
import type { CniAutoAssign, CniIpam } from './cni-ipam';

function hostPrefix(ip: string): string {
  return ip.includes('/') ? ip : `${ip}/${familyOf(ip) === 6 ? 128 : 32}`;
}

/** The allocator's request for a CNI one: a pod's addresses (IPPool allowedUses "Workload"). */
function workloadRequest(req: CniAutoAssign): AutoAssignRequest {
  return {
    handleId: req.handleId,
    hostname: req.hostname,
    num4: req.num4,
    num6: req.num6,
    attrs: req.attrs,
    ...(req.pools.length > 0 ? { pools: req.pools } : {}),
    intendedUse: 'Workload',
  };
}

export function allocatorIpam(a: Pick<IpamAllocator, 'autoAssign' | 'ipsByHandle' | 'releaseByHandle'>): CniIpam {
  return {
    async autoAssign(req) {
      const r = await a.autoAssign(workloadRequest(req));
      return { ipv4: r.ipv4, ipv6: r.ipv6 };
    },
    async addressesOf(handleId) {
      return (await a.ipsByHandle(handleId)).map(hostPrefix);
    },
    async releaseByHandle(handleId) {
      await a.releaseByHandle(handleId);
    },
  };
}

/** The node agent's batching IPAM (src/ipam/node-ipam.ts): handle lookups from its cache, one commit per batch. */
export function nodeIpam(n: Pick<NodeIpam, 'assign' | 'addressesOf' | 'releaseByHandle'>): CniIpam {
  return {
    serialisesItself: true,
    autoAssign: (req) => n.assign(workloadRequest(req)),
    addressesOf: async (handleId) => n.addressesOf(handleId),
    releaseByHandle: (handleId) => n.releaseByHandle(handleId),
  };
}
