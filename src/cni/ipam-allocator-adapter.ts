// Gingham's IPAM allocator (src/ipam) seen through the narrow CniIpam interface the plugins use.
import type { IpamAllocator } from '../ipam';
import { familyOf } from '../lib/ip';
import type { CniIpam } from './cni-ipam';

function hostPrefix(ip: string): string {
  return ip.includes('/') ? ip : `${ip}/${familyOf(ip) === 6 ? 128 : 32}`;
}

export function allocatorIpam(a: Pick<IpamAllocator, 'autoAssign' | 'ipsByHandle' | 'releaseByHandle'>): CniIpam {
  return {
    async autoAssign(req) {
      const r = await a.autoAssign({
        handleId: req.handleId,
        hostname: req.hostname,
        num4: req.num4,
        num6: req.num6,
        attrs: req.attrs,
        ...(req.pools.length > 0 ? { pools: req.pools } : {}),
        intendedUse: 'Workload',
      });
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
