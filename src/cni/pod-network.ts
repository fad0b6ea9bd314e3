// The pod's interfaces and routes, as Calico's CNI dataplane builds them (cni-plugin dataplane_linux.go): a veth pair
// whose host end is cali<hash> with MAC ee:ee:ee:ee:ee:ee and no address, and whose container end is eth0 holding
// the pod's addresses as host prefixes (/32, /128). The pod routes everything via 169.254.1.1 (a link-scope route to
// it first, so the default route's gateway is reachable); the host answers for it by proxy ARP and routes the pod's
// /32 to the veth. IPv6 uses the host veth's link-local address (fe80::ecee:eeff:feee:eeee, from the fixed MAC) as
// the gateway, answered because the host end has the address and proxy_ndp on.
//
// Everything goes through Netlink: the host side in the plugin's own namespace, the container side through a Netlink
// opened inside CNI_NETNS (the standalone plugin: a helper process, src/netlink/netns-proxy.ts; the node agent: its
// own socket created inside the namespace, src/netlink/netns-enter.ts; a fake in unit tests). No iproute2. IPv6
// addresses skip duplicate-address detection (IFA_F_NODAD, as Cilium does): IPAM made them unique, and DAD would
// hold the pod's address tentative for about a second; so does the host end's link-local gateway (accept_dad 0).
import { parseCidr, formatIp } from '../lib/ip';
import { GINGHAM_ROUTE_PROTOCOL, type Netlink } from '../netlink/netlink';
import { isExists, isNotFound } from '../netlink/netlink-error';
import { CNI_ERR, CniError } from './cni-error';
import { hostVethSysctls, type SysctlWriter } from './sysctl';
import { HOST_VETH_MAC, POD_GATEWAY_V4 } from './veth-name';

/** rtm_protocol "boot", what `ip route add` uses, for the routes inside the pod (the pod's own table, not the node's). */
export const RTPROT_BOOT = 3;
/** The host veth's IPv6 link-local address (EUI-64 of ee:ee:ee:ee:ee:ee), the pod's IPv6 gateway. */
export const POD_GATEWAY_V6 = 'fe80::ecee:eeff:feee:eeee';

/** Opens a Netlink inside the namespace a path names; the caller stops it. */
export type NetnsOpener = (netnsPath: string) => Promise<Netlink & { stop(): Promise<void> }>;

export interface PodNetworkSpec {
  readonly hostIfName: string;
  readonly containerIfName: string;
  readonly netns: string;
  readonly mtu: number;
  /** Host-prefix CIDRs: "10.244.1.7/32", "fd00::7/128". */
  readonly ips: readonly string[];
}

export interface PodNetworkResult {
  readonly hostMac: string;
  readonly containerMac: string;
}

export interface PodNetworkDeps {
  readonly host: Netlink;
  readonly openNetns: NetnsOpener;
  readonly sysctl: SysctlWriter;
}

function hostPrefix(cidr: string): { family: 4 | 6; address: string; cidr: string } {
  const c = parseCidr(cidr);
  const bits = c.family === 4 ? 32 : 128;
  const address = formatIp({ family: c.family, value: c.addr });
  return { family: c.family, address, cidr: `${address}/${bits}` };
}

/** Creates the veth pair and routes; on failure removes what it created (the container end goes with the host end). */
export async function setupPodNetwork(deps: PodNetworkDeps, spec: PodNetworkSpec): Promise<PodNetworkResult> {
  const { host } = deps;
  const ips = spec.ips.map(hostPrefix);
  // A host veth left by an earlier, failed ADD for the same pod would make the create fail EEXIST.
  if (await host.findLink(spec.hostIfName)) await deleteIgnoringAbsent(host, spec.hostIfName);
  await host.createVeth({
    name: spec.hostIfName,
    peerName: spec.containerIfName,
    mtu: spec.mtu,
    mac: HOST_VETH_MAC,
    peerNetns: { path: spec.netns },
  });
  try {
    for (const [k, v] of hostVethSysctls(spec.hostIfName)) await deps.sysctl.set(k, v);
    if (ips.some((i) => i.family === 6)) {
      for (const [k, v] of [
        [`net.ipv6.conf.${spec.hostIfName}.proxy_ndp`, '1'],
        [`net.ipv6.conf.${spec.hostIfName}.accept_ra`, '0'],
        [`net.ipv6.conf.${spec.hostIfName}.forwarding`, '1'],
        // The pod's gateway is this end's link-local address; DAD would hold it tentative for about a second after
        // the link comes up, unanswered, so the pod's first packets would wait. The link has one other end, the pod.
        [`net.ipv6.conf.${spec.hostIfName}.accept_dad`, '0'],
      ] as const) {
        await deps.sysctl.set(k, v);
      }
    }
    await host.setLinkUp(spec.hostIfName, true);
    const containerMac = await setupContainerSide(deps.openNetns, spec, ips);
    for (const ip of ips) await addHostRoute(host, spec.hostIfName, ip.cidr);
    return { hostMac: HOST_VETH_MAC, containerMac };
  } catch (err) {
    await deleteIgnoringAbsent(host, spec.hostIfName).catch(() => undefined);
    throw err;
  }
}

async function setupContainerSide(openNetns: NetnsOpener, spec: PodNetworkSpec, ips: ReturnType<typeof hostPrefix>[]): Promise<string> {
  const nl = await openNetns(spec.netns);
  try {
    const link = await nl.getLink(spec.containerIfName);
    await nl.setLinkUp(spec.containerIfName, true);
    for (const ip of ips) await nl.addAddress(spec.containerIfName, ip.cidr, { noPrefixRoute: true, noDad: true });
    if (ips.some((i) => i.family === 4)) {
      await nl.addRoute({ dst: `${POD_GATEWAY_V4}/32`, linkName: spec.containerIfName, scope: 'link', protocol: RTPROT_BOOT });
      await nl.addRoute({ dst: '0.0.0.0/0', gateway: POD_GATEWAY_V4, linkName: spec.containerIfName, protocol: RTPROT_BOOT });
    }
    if (ips.some((i) => i.family === 6)) {
      await nl.addRoute({ dst: '::/0', gateway: POD_GATEWAY_V6, linkName: spec.containerIfName, protocol: RTPROT_BOOT });
    }
    if (link.mac === undefined) throw new CniError(CNI_ERR.OTHER, `container interface ${spec.containerIfName} has no MAC address`);
    return link.mac;
  } finally {
    await nl.stop();
  }
}

/**
 * The pod's /32 (/128) via its veth. The same prefix on another interface belongs to another pod: refuse. The common
 * case is one exclusive create and no dump: dumping the main table on every ADD costs time with many routes and fails
 * under link churn (interrupted dumps, EBUSY on a shared socket; cilium/cilium#48718). Only when the prefix is taken
 * is the table read, to tell our own route (an earlier ADD, or the agent that adopted it) from another pod's.
 */
async function addHostRoute(host: Netlink, ifName: string, cidr: string): Promise<void> {
  const route = { dst: cidr, linkName: ifName, scope: 'link' as const, protocol: GINGHAM_ROUTE_PROTOCOL };
  try {
    await host.addRoute(route);
    return;
  } catch (err) {
    if (!isExists(err)) throw err;
  }
  const family = parseCidr(cidr).family;
  const link = await host.getLink(ifName);
  const clash = (await host.listRoutes({ family, table: 254 })).find((r) => r.dst === cidr && r.linkIndex !== link.index);
  if (clash) {
    throw new CniError(CNI_ERR.OTHER, `route to ${cidr} already exists on ${clash.linkName ?? `interface #${clash.linkIndex}`}; another workload holds this address`);
  }
  // Our own protocol: the node agent's route table adopts this route (same shape) instead of fighting over the key,
  // and removes it once the workload is gone, as Felix does with the routes Calico's CNI plugin adds.
  await host.replaceRoute(route);
}

async function deleteIgnoringAbsent(host: Netlink, ifName: string): Promise<boolean> {
  try {
    await host.deleteLink(ifName);
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/** Removes the pod's veth (both ends; its routes go with it). Idempotent: true when something was removed. */
export function teardownPodNetwork(host: Netlink, hostIfName: string): Promise<boolean> {
  return deleteIgnoringAbsent(host, hostIfName);
}

/** CHECK: the interfaces, addresses and routes ADD made are still there. Throws a CniError saying what is missing. */
export async function checkPodNetwork(deps: PodNetworkDeps, spec: PodNetworkSpec): Promise<void> {
  const fail = (what: string): CniError => new CniError(CNI_ERR.OTHER, `CHECK: ${what}`);
  const hostLink = await deps.host.findLink(spec.hostIfName);
  if (!hostLink) throw fail(`host interface ${spec.hostIfName} is missing`);
  if (hostLink.mac !== HOST_VETH_MAC) throw fail(`host interface ${spec.hostIfName} has MAC ${hostLink.mac}, expected ${HOST_VETH_MAC}`);
  if (!hostLink.up) throw fail(`host interface ${spec.hostIfName} is down`);
  const ips = spec.ips.map(hostPrefix);
  for (const ip of ips) {
    const routes = await deps.host.listRoutes({ family: ip.family, table: 254 });
    if (!routes.some((r) => r.dst === ip.cidr && r.linkIndex === hostLink.index)) throw fail(`host route ${ip.cidr} dev ${spec.hostIfName} is missing`);
  }
  const nl = await deps.openNetns(spec.netns);
  try {
    const link = await nl.findLink(spec.containerIfName);
    if (!link) throw fail(`container interface ${spec.containerIfName} is missing in ${spec.netns}`);
    const addrs = await nl.listAddresses(spec.containerIfName);
    for (const ip of ips) {
      if (!addrs.some((a) => a.cidr === ip.cidr)) throw fail(`address ${ip.cidr} is missing on ${spec.containerIfName}`);
    }
  } finally {
    await nl.stop();
  }
}
