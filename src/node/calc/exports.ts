// What this node advertises over BGP (Calico's BIRD export filter, confd's bird.cfg.template): its confirmed blocks,
// and /32s of its workloads that live in other nodes' blocks (borrowed), both only inside enabled pools that allow
// BGP export; and the service ranges of BGPConfiguration default (every node announces the whole ranges; kube-proxy on
// the node that receives the traffic forwards it). Never anything else. Pure.
import type { BGPConfiguration } from '../../api/kind-bgp-configuration';
import type { IPAMBlock } from '../../api/kind-ipam-block';
import type { IPPool } from '../../api/kind-ippool';
import type { WorkloadEndpoint } from '../../api/kind-workload-endpoint';
import type { LocalRoute } from '../../bgp/speaker';
import { cidrContains, familyName, ipFamily, parseCidr, parseIpOrCidr, tryParseCidr, type Cidr } from '../../lib/ip';
import { defaultMetric } from '../../netlink/netlink';
import { AGENT_FAMILY } from './family';

/** A service range of BGPConfiguration default, as written and parsed. */
export interface ServiceRange {
  readonly text: string;
  readonly cidr: Cidr;
}

/** The service ranges of BGPConfiguration default (cluster, external and load-balancer IPs); invalid ones skipped. */
export function serviceRanges(configs: readonly BGPConfiguration[]): ServiceRange[] {
  const bgp = configs.find((c) => c.metadata.name === 'default')?.spec;
  const out: ServiceRange[] = [];
  for (const { cidr: text } of [...(bgp?.serviceClusterIPs ?? []), ...(bgp?.serviceExternalIPs ?? []), ...(bgp?.serviceLoadBalancerIPs ?? [])]) {
    const cidr = tryParseCidr(text);
    if (cidr !== undefined) out.push({ text, cidr });
  }
  return out;
}

/** A prefix as the speaker takes it, the address as written. */
function toPrefix(address: string, length: number): LocalRoute['prefix'] {
  return { family: familyName(ipFamily(address) ?? 4), address, length };
}

export interface ExportInput {
  readonly nodeName: string;
  /** This node's BGP address: the next hop of everything it exports. */
  readonly localAddress: string;
  readonly pools: readonly IPPool[];
  readonly blocks: readonly IPAMBlock[];
  /** This node's workloads. */
  readonly workloads: readonly WorkloadEndpoint[];
  readonly services: readonly ServiceRange[];
}

export function computeExports(input: ExportInput): LocalRoute[] {
  const { nodeName, localAddress } = input;
  const exportable = input.pools.filter((p) => !p.spec?.disableBGPExport).map((p) => tryParseCidr(p.spec?.cidr ?? '')).filter((c) => c !== undefined);
  const inPools = (cidr: string): boolean => exportable.some((p) => cidrContains(p, parseIpOrCidr(cidr)));
  const own = input.blocks.filter((b) => b.spec?.affinity === `host:${nodeName}` && inPools(b.spec.cidr)).map((b) => b.spec?.cidr as string);
  const ownCidrs = own.map((c) => parseCidr(c));
  const routes: LocalRoute[] = own.map((cidr) => {
    const [address, len] = cidr.split('/') as [string, string];
    return { prefix: toPrefix(address, Number(len)), nextHop: localAddress };
  });
  for (const w of input.workloads) {
    for (const net of w.spec?.ipNetworks ?? []) {
      const c = parseIpOrCidr(net);
      if (c.family !== AGENT_FAMILY.ip || ownCidrs.some((b) => cidrContains(b, c)) || !inPools(net)) continue;
      // The kernel route it stands for (felix/calc-routes.ts programs it on the pod's device, default metric), for
      // BGPFilter `interface` and `priority` rules.
      routes.push({ prefix: toPrefix(net.split('/')[0] as string, 32), nextHop: localAddress, interface: w.spec?.interfaceName, priority: defaultMetric(AGENT_FAMILY.ip) });
    }
  }
  for (const { text, cidr } of input.services) {
    if (cidr.family === AGENT_FAMILY.ip) routes.push({ prefix: toPrefix(text.split('/')[0] as string, cidr.prefixLen), nextHop: localAddress });
  }
  return routes;
}
