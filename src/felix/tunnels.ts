// Tunnel devices: vxlan.calico and tunl0 brought to their desired shape, and the per-VTEP ARP and FDB entries of
// vxlan.calico reconciled (only permanent entries on vxlan.calico are ours; nothing else is touched).
//
// vxlan.calico (Felix vxlan_mgr.go): VNI 4096, UDP 4789, parent = the interface holding the node address, local =
// the node address, MAC = the node's VTEP MAC, address = the node's VXLAN tunnel address /32, MTU host - 50; a device
// whose VNI, port, parent, local address or MAC differ is deleted and recreated.
// tunl0 (ipip_mgr.go): the ipip module's fallback device, address = the node's IPIP tunnel address, MTU host - 20.
// A kernel without ipip is reported once as "kernel lacks ipip; use vxlanMode" and the agent keeps running.
import { DeltaTracker } from '../lib/delta-tracker';
import type { Logger } from '../lib/logger';
import { canonicalMac } from '../netlink/addr';
import { IpipUnavailableError, isNotFound } from '../netlink/netlink-error';
import type { FdbEntry, LinkInfo, Neighbour, Netlink } from '../netlink/netlink';
import { IPIP_DEVICE, VXLAN_DEVICE } from './calc-routes';

export const VXLAN_VNI = 4096;
export const VXLAN_PORT = 4789;
/** Bytes of outer headers each encapsulation adds (Felix's MTU defaults). */
export const VXLAN_OVERHEAD = 50;
export const IPIP_OVERHEAD = 20;

export interface VxlanDeviceSpec {
  /** Name or index of the interface holding the node address. */
  readonly parent: string;
  readonly localAddress: string;
  readonly mac: string;
  /** The node's VXLAN tunnel address (assigned as /32), once IPAM has given it one. */
  readonly tunnelAddress?: string;
  readonly mtu: number;
}

export interface IpipDeviceSpec {
  readonly tunnelAddress?: string;
  readonly mtu: number;
}

export type TunnelState = { readonly ok: true; readonly link: LinkInfo } | { readonly ok: false; readonly reason: string };

/** Makes the addresses of a link exactly `want` (CIDRs); other addresses of that link are removed. */
async function syncAddresses(nl: Netlink, link: string, want: readonly string[]): Promise<void> {
  const t = new DeltaTracker<string, true>();
  t.replaceDataplane((await nl.listAddresses(link, 4)).map((a) => [a.cidr, true]));
  t.replaceDesired(want.map((cidr) => [cidr, true]));
  for (const [cidr] of t.pendingDeletes()) await nl.deleteAddress(link, cidr);
  for (const [cidr] of t.pendingUpdates()) await nl.addAddress(link, cidr, { noPrefixRoute: true });
}

export async function ensureVxlanDevice(nl: Netlink, spec: VxlanDeviceSpec): Promise<LinkInfo> {
  const parent = await nl.getLink(spec.parent);
  let link = await nl.findLink(VXLAN_DEVICE);
  const compatible =
    link !== undefined &&
    link.kind === 'vxlan' &&
    link.vxlan?.vni === VXLAN_VNI &&
    link.vxlan.port === VXLAN_PORT &&
    link.vxlan.parentIndex === parent.index &&
    link.vxlan.local === spec.localAddress &&
    link.mac !== undefined &&
    canonicalMac(link.mac) === canonicalMac(spec.mac);
  if (link !== undefined && !compatible) {
    await nl.deleteLink(VXLAN_DEVICE);
    link = undefined;
  }
  if (link === undefined) {
    link = await nl.createVxlan({ name: VXLAN_DEVICE, vni: VXLAN_VNI, port: VXLAN_PORT, parent: parent.index, local: spec.localAddress, mac: spec.mac, mtu: spec.mtu, learning: false });
  }
  if (link.mtu !== spec.mtu) await nl.setLinkMtu(VXLAN_DEVICE, spec.mtu);
  await syncAddresses(nl, VXLAN_DEVICE, spec.tunnelAddress === undefined ? [] : [`${spec.tunnelAddress}/32`]);
  if (!link.up) await nl.setLinkUp(VXLAN_DEVICE, true);
  return nl.getLink(VXLAN_DEVICE);
}

/** Removes vxlan.calico when no pool needs it any more. */
export async function removeVxlanDevice(nl: Netlink): Promise<void> {
  try {
    await nl.deleteLink(VXLAN_DEVICE);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

export class IpipDevice {
  private warned = false;
  /** Set once disable() has cleared tunl0, until ensure() runs again: the agent calls disable() on every change. */
  private disabled = false;
  private readonly log: Logger;

  constructor(
    private readonly nl: Netlink,
    logger: Logger,
  ) {
    this.log = logger.child('felix.ipip');
  }

  /** Ensures tunl0 exists with its address and MTU; on a kernel without ipip reports why, once, and returns it. */
  async ensure(spec: IpipDeviceSpec): Promise<TunnelState> {
    this.disabled = false;
    let link: LinkInfo;
    try {
      link = await this.nl.createIpip({ name: IPIP_DEVICE, mtu: spec.mtu });
    } catch (err) {
      if (!(err instanceof IpipUnavailableError)) throw err;
      const reason = 'kernel lacks ipip; use vxlanMode (IPIP pools cannot be routed on this node)';
      if (!this.warned) this.log.error(reason);
      this.warned = true;
      return { ok: false, reason };
    }
    await syncAddresses(this.nl, IPIP_DEVICE, spec.tunnelAddress === undefined ? [] : [`${spec.tunnelAddress}/32`]);
    if (!link.up) await this.nl.setLinkUp(IPIP_DEVICE, true);
    return { ok: true, link: await this.nl.getLink(IPIP_DEVICE) };
  }

  /** IPIP no longer used: tunl0 stays (it belongs to the module) but loses our address, as Felix does. */
  async disable(): Promise<void> {
    if (this.disabled) return;
    if ((await this.nl.findLink(IPIP_DEVICE)) !== undefined) await syncAddresses(this.nl, IPIP_DEVICE, []);
    this.disabled = true;
  }
}

const neighKey = (n: { ip: string; mac: string }): string => `${n.ip}|${canonicalMac(n.mac)}`;
const fdbKey = (f: { mac: string; dst: string }): string => `${canonicalMac(f.mac)}|${f.dst}`;
const ignoreNotFound = (err: unknown): void => {
  if (!isNotFound(err)) throw err;
};

/**
 * Makes the permanent ARP and FDB entries of vxlan.calico exactly the desired ones (one per remote VTEP). Returns how
 * many entries were written and removed.
 */
export async function syncVxlanPeers(nl: Netlink, neighbours: readonly Neighbour[], fdb: readonly FdbEntry[]): Promise<{ written: number; removed: number }> {
  let written = 0;
  let removed = 0;
  const arp = new DeltaTracker<string, Neighbour>({ valuesEqual: () => true });
  arp.replaceDataplane((await nl.listNeighbours(VXLAN_DEVICE, 4)).filter((n) => n.permanent).map((n) => [neighKey(n), n]));
  arp.replaceDesired(neighbours.map((n) => [neighKey(n), n]));
  for (const [, n] of arp.pendingDeletes()) {
    await nl.deleteNeighbour({ ip: n.ip, mac: n.mac, linkName: VXLAN_DEVICE }).catch(ignoreNotFound);
    removed++;
  }
  for (const [, n] of arp.pendingUpdates()) {
    await nl.replaceNeighbour({ ...n, linkName: VXLAN_DEVICE });
    written++;
  }
  const fdbs = new DeltaTracker<string, FdbEntry>({ valuesEqual: () => true });
  fdbs.replaceDataplane((await nl.listFdb(VXLAN_DEVICE)).filter((f) => f.permanent && f.dst !== undefined).map((f) => [fdbKey(f as { mac: string; dst: string }), f]));
  fdbs.replaceDesired(fdb.map((f) => [fdbKey(f), f]));
  for (const [, f] of fdbs.pendingDeletes()) {
    await nl.deleteFdb({ mac: f.mac, dst: f.dst, linkName: VXLAN_DEVICE }).catch(ignoreNotFound);
    removed++;
  }
  for (const [, f] of fdbs.pendingUpdates()) {
    await nl.replaceFdb({ ...f, linkName: VXLAN_DEVICE });
    written++;
  }
  return { written, removed };
}
