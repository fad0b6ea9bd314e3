// RtNetlink: the real Netlink implementation, over the `netlink` npm package's rtnetlink socket. It owns one
// NETLINK_ROUTE socket in the namespace of the current process (see netlink.ts for the namespace design) and turns
// every kernel NLMSG_ERROR into a NetlinkError with the errno name and the object involved.
//
// What the package does not model is encoded here (nlattr.ts): IFLA_LINKINFO (veth peer, vxlan data, link kinds),
// RTA_MULTIPATH, the onlink flag. No iproute2 fallback is needed: every operation goes through the socket.
// Requests carry NLM_F_ACK; errors are checked here rather than by the package, whose errors are bare text.
import { closeSync, openSync } from 'node:fs';
import { AttrStream, FlagsNew, FlagsGet, parseError, createRtNetlink, rt, type RtNetlinkSocket } from 'netlink';
import { bytesToIp, bytesToMac, ipFamily, ipToBytes, macToBytes, parseCidr, parseIfAddr, type Family } from './addr';
import { IpipUnavailableError, NetlinkError, errnoName, isExists } from './netlink-error';
import {
  decodeLinkInfo,
  decodeMultipath,
  decodeVxlanData,
  encodeLinkInfo,
  encodeMultipath,
  encodeVethPeer,
  encodeVxlanData,
  readU32,
  u32,
  RTNH_F_ONLINK,
} from './nlattr';
import {
  GINGHAM_ROUTE_PROTOCOL,
  TABLE_LOCAL,
  TABLE_MAIN,
  defaultMetric,
  defaultScope,
  describeRoute,
  type AddressInfo,
  type AddressOptions,
  type BatchResult,
  type FdbEntry,
  type FdbInfo,
  type IpipOptions,
  type LinkInfo,
  type LinkRef,
  type Neighbour,
  type NeighbourInfo,
  type Netlink,
  type NetnsRef,
  type NextHop,
  type Route,
  type RouteFilter,
  type RouteInfo,
  type RouteOp,
  type RouteScope,
  type RouteType,
  type VethOptions,
  type VxlanOptions,
} from './netlink';

const AF_INET = 2;
const AF_INET6 = 10;
const AF_BRIDGE = 7;
const NLMSG_ERROR = 2;
/** RT_TABLE_UNSPEC in rtm_table; the real id then travels in RTA_TABLE (ids above 255 do not fit the u8). */
const RT_TABLE_UNSPEC = 0;

const ROUTE_TYPES: readonly RouteType[] = ['unicast', 'local', 'broadcast', 'anycast', 'multicast', 'blackhole', 'unreachable', 'prohibit', 'throw'];
const SCOPES: ReadonlyArray<[RouteScope, number]> = [
  ['universe', 0],
  ['site', 200],
  ['link', 253],
  ['host', 254],
  ['nowhere', 255],
];

function scopeNumber(s: RouteScope): number {
  return SCOPES.find(([n]) => n === s)?.[1] ?? 0;
}
function scopeName(n: number): RouteScope {
  return SCOPES.find(([, v]) => v === n)?.[0] ?? (n < 200 ? 'universe' : n < 253 ? 'site' : 'link');
}
function typeNumber(t: RouteType): number {
  return ROUTE_TYPES.indexOf(t) + 1; // RTN_UNICAST = 1 ... RTN_THROW = 9
}
function typeName(n: number): RouteType {
  return ROUTE_TYPES[n - 1] ?? 'unicast';
}
function afOf(f: Family): number {
  return f === 4 ? AF_INET : AF_INET6;
}
function familyOfAf(af: number | undefined): Family | undefined {
  return af === AF_INET ? 4 : af === AF_INET6 ? 6 : undefined;
}
function numberOf(v: unknown, fallback = 0): number {
  return typeof v === 'number' ? v : fallback;
}
/** The package parses known enum values into their key ('BLACKHOLE', 'KERNEL', 'LINK'); map them back to numbers. */
function enumNumber(v: unknown, table: Record<string, string | number>): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const n = table[v];
    if (typeof n === 'number') return n;
  }
  return 0;
}

export interface RtNetlinkOptions {
  /** Per-request timeout; a request the kernel never answers fails ETIMEDOUT. Default 10 s. */
  readonly timeoutMs?: number;
  /** Requests kept in flight by routeBatch. Default 64. */
  readonly batchWindow?: number;
}

/** Opens a netns file for IFLA_NET_NS_FD; the caller closes the fd. A pid needs no file. */
function openNetns(ref: NetnsRef, op: string, object: string): { fd?: number; pid?: number; close(): void } {
  if ('pid' in ref) return { pid: ref.pid, close: () => undefined };
  let fd: number;
  try {
    fd = openSync(ref.path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'ENOENT';
    throw new NetlinkError(code, op, `${object} netns ${ref.path}`, { cause: err });
  }
  return { fd, close: () => closeSync(fd) };
}

/** How much later than our own deadline the netlink library times a request out (to drop its record of it). */
const LIBRARY_TIMEOUT_MARGIN_MS = 100;

/** IFA_FLAGS of an address add: no connected route; no DAD wait (IPv6 only; IPv4 has no DAD). */
function addressFlags(opts: AddressOptions, family: Family): { flags?: { noprefixroute?: true; nodad?: true } } {
  const noDad = opts.noDad === true && family === 6;
  if (!opts.noPrefixRoute && !noDad) return {};
  return { flags: { ...(opts.noPrefixRoute ? { noprefixroute: true as const } : {}), ...(noDad ? { nodad: true as const } : {}) } };
}

export class RtNetlink implements Netlink {
  private readonly sock: RtNetlinkSocket;
  private readonly timeoutMs: number;
  private readonly batchWindow: number;
  private closed = false;
  /** Fails a request in flight with EBADF, so close() ends them at once instead of leaving them to time out. */
  private readonly inFlight = new Set<() => void>();

  constructor(opts: RtNetlinkOptions = {}) {
    // 1 MiB buffers: a full route dump of a large cluster, or a batch of a few hundred ACKs, must not overflow.
    this.sock = createRtNetlink({ recvBufferSize: 1 << 20, sendBufferSize: 1 << 20 });
    this.timeoutMs = opts.timeoutMs ?? 10000;
    this.batchWindow = opts.batchWindow ?? 64;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sock.socket.close();
    for (const failClosed of this.inFlight) failClosed();
    this.inFlight.clear();
  }

  /** Sends one request and returns the parsed replies; an NLMSG_ERROR with errno != 0 becomes a NetlinkError. */
  private async request(type: number, stream: AttrStream, flags: number, op: string, object: () => string): Promise<rt.Message[]> {
    if (this.closed) throw new NetlinkError('EBADF', op, object(), { detail: 'netlink socket closed' });
    let msgs;
    let failClosed: (() => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      // Closing and the deadline fail the request with their own errno here; nothing is inferred from message text.
      const ended = new Promise<never>((_, reject) => {
        failClosed = () => reject(new NetlinkError('EBADF', op, object(), { detail: 'netlink socket closed' }));
        this.inFlight.add(failClosed);
        timer = setTimeout(() => reject(new NetlinkError('ETIMEDOUT', op, object(), { detail: `no reply in ${this.timeoutMs} ms` })), this.timeoutMs);
      });
      // The library's own timeout (later than ours) only releases its bookkeeping for the request.
      const sent = this.sock.socket.request(type, stream.bufs, { flags, checkError: false, timeout: this.timeoutMs + LIBRARY_TIMEOUT_MARGIN_MS });
      [msgs] = await Promise.race([sent, ended]);
    } catch (err) {
      if (err instanceof NetlinkError) throw err;
      const code = (err as { code?: unknown }).code;
      throw new NetlinkError(typeof code === 'string' ? code : 'EIO', op, object(), { cause: err });
    } finally {
      if (failClosed) this.inFlight.delete(failClosed);
      clearTimeout(timer);
    }
    const out: rt.Message[] = [];
    for (const m of msgs) {
      if (m.type === NLMSG_ERROR) {
        const { errno } = parseError(m.data, m.flags);
        if (errno !== 0) throw new NetlinkError(errnoName(errno), op, object());
        continue;
      }
      out.push(rt.parseMessage(m.type, m.data));
    }
    return out;
  }

  // ---- links ----

  private async linkIndex(ref: LinkRef, op: string, object: () => string): Promise<number> {
    if (typeof ref === 'number') return ref;
    const link = await this.findLink(ref);
    if (link === undefined) throw new NetlinkError('ENODEV', op, object(), { detail: `no link ${ref}` });
    return link.index;
  }

  async listLinks(): Promise<LinkInfo[]> {
    const s = new AttrStream();
    rt.formatLinkMessage({ kind: 'link', data: {}, attrs: {} }, s);
    const msgs = await this.request(rt.MessageType.GETLINK, s, FlagsGet.DUMP, 'link list', () => '');
    return msgs
      .filter((m): m is rt.LinkMessage => m.kind === 'link')
      .map((m) => this.toLinkInfo(m))
      .sort((x, y) => x.index - y.index);
  }

  async findLink(ref: LinkRef): Promise<LinkInfo | undefined> {
    try {
      return await this.getLink(ref);
    } catch (err) {
      if (err instanceof NetlinkError && err.errno === 'ENODEV') return undefined;
      throw err;
    }
  }

  async getLink(ref: LinkRef): Promise<LinkInfo> {
    const s = new AttrStream();
    rt.formatLinkMessage(
      typeof ref === 'number' ? { kind: 'link', data: { index: ref }, attrs: {} } : { kind: 'link', data: {}, attrs: { ifname: ref } },
      s,
    );
    const msgs = await this.request(rt.MessageType.GETLINK, s, 0, 'link get', () => String(ref));
    const m = msgs.find((x): x is rt.LinkMessage => x.kind === 'link');
    if (m === undefined) throw new NetlinkError('ENODEV', 'link get', String(ref));
    return this.toLinkInfo(m);
  }

  private toLinkInfo(m: rt.LinkMessage): LinkInfo {
    const a = m.attrs;
    const info = a.linkinfo ? decodeLinkInfo(a.linkinfo) : {};
    let vxlan: LinkInfo['vxlan'];
    if (info.kind === 'vxlan' && info.data) {
      const v = decodeVxlanData(info.data);
      vxlan = { vni: v.vni, port: v.port, local: v.local && bytesToIp(v.local), parentIndex: v.parentIndex, learning: v.learning };
    }
    const parent = a.link && a.link.length >= 4 ? readU32(a.link, 'IFLA_LINK') : undefined;
    return {
      index: numberOf(m.data.index),
      name: a.ifname ?? '',
      kind: info.kind,
      mtu: numberOf(a.mtu),
      mac: a.address && a.address.length === 6 ? bytesToMac(a.address) : undefined,
      up: m.data.flags?.up === true,
      lowerUp: m.data.flags?.lowerUp === true,
      parentIndex: parent || undefined,
      masterIndex: a.master || undefined,
      vxlan,
    };
  }

  private async newLink(name: string, attrs: Parameters<RtNetlinkSocket['newLink']>[1], what: string): Promise<LinkInfo> {
    const s = new AttrStream();
    rt.formatLinkMessage({ kind: 'link', data: {}, attrs: { ifname: name, ...attrs } }, s);
    await this.request(rt.MessageType.NEWLINK, s, FlagsNew.CREATE | FlagsNew.EXCL, 'link add', () => what);
    return this.getLink(name);
  }

  async createVeth(o: VethOptions): Promise<LinkInfo> {
    const what = `${o.name} type veth peer ${o.peerName}`;
    const ns = o.peerNetns ? openNetns(o.peerNetns, 'link add', what) : undefined;
    try {
      const peer = encodeVethPeer({ name: o.peerName, mac: o.peerMac ? macToBytes(o.peerMac) : undefined, mtu: o.mtu, netnsFd: ns?.fd, netnsPid: ns?.pid });
      return await this.newLink(
        o.name,
        { mtu: o.mtu, address: o.mac ? macToBytes(o.mac) : undefined, linkinfo: encodeLinkInfo('veth', peer) },
        what + (o.peerNetns ? ` netns ${'path' in o.peerNetns ? o.peerNetns.path : o.peerNetns.pid}` : ''),
      );
    } finally {
      ns?.close();
    }
  }

  async createVxlan(o: VxlanOptions): Promise<LinkInfo> {
    const port = o.port ?? 4789;
    const what = `${o.name} type vxlan id ${o.vni} dstport ${port}${o.local ? ' local ' + o.local : ''}${o.parent !== undefined ? ' dev ' + String(o.parent) : ''}`;
    const parentIndex = o.parent === undefined ? undefined : await this.linkIndex(o.parent, 'link add', () => what);
    const data = encodeVxlanData({ vni: o.vni, port, local: o.local ? ipToBytes(o.local) : undefined, parentIndex, learning: o.learning ?? false });
    return this.newLink(o.name, { mtu: o.mtu, address: o.mac ? macToBytes(o.mac) : undefined, linkinfo: encodeLinkInfo('vxlan', data) }, what);
  }

  async createIpip(o: IpipOptions = {}): Promise<LinkInfo> {
    const name = o.name ?? 'tunl0';
    let link = await this.findLink(name);
    if (link === undefined) {
      try {
        // Asking for kind "ipip" makes the kernel request_module("rtnl-link-ipip"). Loading the module creates the
        // fallback device tunl0 itself, so our own create then fails EEXIST: that is success. Without the module the
        // kernel answers EOPNOTSUPP ("Unknown device type").
        await this.newLink(name, { linkinfo: encodeLinkInfo('ipip') }, `${name} type ipip`);
      } catch (err) {
        if (err instanceof NetlinkError && err.errno === 'EOPNOTSUPP') throw new IpipUnavailableError(`${name} type ipip`, err);
        if (!isExists(err)) throw err;
      }
      link = await this.getLink(name);
    }
    if (o.mtu !== undefined && link.mtu !== o.mtu) {
      await this.setLinkMtu(link.index, o.mtu);
      link = await this.getLink(link.index);
    }
    return link;
  }

  private async setLink(ref: LinkRef, data: rt.Link, attrs: Parameters<RtNetlinkSocket['setLink']>[1], what: string): Promise<void> {
    const index = await this.linkIndex(ref, 'link set', () => `${String(ref)} ${what}`);
    const s = new AttrStream();
    rt.formatLinkMessage({ kind: 'link', data: { ...data, index }, attrs: attrs ?? {} }, s);
    await this.request(rt.MessageType.SETLINK, s, 0, 'link set', () => `${String(ref)} ${what}`);
  }

  setLinkUp(ref: LinkRef, up: boolean): Promise<void> {
    return this.setLink(ref, { change: { up: true }, flags: up ? { up: true } : {} }, {}, up ? 'up' : 'down');
  }

  setLinkMtu(ref: LinkRef, mtu: number): Promise<void> {
    return this.setLink(ref, {}, { mtu }, `mtu ${mtu}`);
  }

  setLinkMac(ref: LinkRef, mac: string): Promise<void> {
    return this.setLink(ref, {}, { address: macToBytes(mac) }, `address ${mac}`);
  }

  async setLinkNetns(ref: LinkRef, netns: NetnsRef): Promise<void> {
    const what = `netns ${'path' in netns ? netns.path : netns.pid}`;
    const ns = openNetns(netns, 'link set', `${String(ref)} ${what}`);
    try {
      await this.setLink(ref, {}, ns.fd !== undefined ? { netNsFd: ns.fd } : { netNsPid: ns.pid }, what);
    } finally {
      ns.close();
    }
  }

  async deleteLink(ref: LinkRef): Promise<void> {
    const index = await this.linkIndex(ref, 'link del', () => String(ref));
    const s = new AttrStream();
    rt.formatLinkMessage({ kind: 'link', data: { index }, attrs: {} }, s);
    await this.request(rt.MessageType.DELLINK, s, 0, 'link del', () => String(ref));
  }

  // ---- addresses ----

  private async addrRequest(type: number, flags: number, link: LinkRef, cidr: string, opts: AddressOptions, op: string): Promise<void> {
    const a = parseIfAddr(cidr);
    const what = () => `${a.text} dev ${String(link)}`;
    const index = await this.linkIndex(link, op, what);
    const ip = ipToBytes(a.ip);
    const s = new AttrStream();
    rt.formatAddressMessage(
      {
        kind: 'address',
        data: { family: afOf(a.family), prefixlen: a.prefixLen, index },
        // IPv4 wants IFA_LOCAL (the interface's own address) as well as IFA_ADDRESS, as iproute2 sends.
        attrs: { address: ip, ...(a.family === 4 ? { local: ip } : {}), ...addressFlags(opts, a.family) },
      },
      s,
    );
    await this.request(type, s, flags, op, what);
  }

  addAddress(link: LinkRef, cidr: string, opts: AddressOptions = {}): Promise<void> {
    return this.addrRequest(rt.MessageType.NEWADDR, FlagsNew.CREATE | FlagsNew.EXCL, link, cidr, opts, 'address add');
  }

  deleteAddress(link: LinkRef, cidr: string): Promise<void> {
    return this.addrRequest(rt.MessageType.DELADDR, 0, link, cidr, {}, 'address del');
  }

  async listAddresses(link?: LinkRef, family?: Family): Promise<AddressInfo[]> {
    const index = link === undefined ? undefined : await this.linkIndex(link, 'address list', () => `dev ${String(link)}`);
    const s = new AttrStream();
    rt.formatAddressMessage({ kind: 'address', data: { family: family ? afOf(family) : 0 }, attrs: {} }, s);
    const msgs = await this.request(rt.MessageType.GETADDR, s, FlagsGet.DUMP, 'address list', () => '');
    const out: AddressInfo[] = [];
    for (const m of msgs) {
      if (m.kind !== 'address') continue;
      const fam = familyOfAf(m.data.family);
      const ip = m.attrs.local ?? m.attrs.address;
      if (fam === undefined || ip === undefined) continue;
      if (index !== undefined && m.data.index !== index) continue;
      out.push({ linkIndex: numberOf(m.data.index), family: fam, cidr: `${bytesToIp(ip)}/${numberOf(m.data.prefixlen)}`, scope: scopeName(numberOf(m.data.scope)) });
    }
    return out;
  }

  // ---- routes ----

  private async encodeRoute(r: Route, op: 'add' | 'replace' | 'delete'): Promise<{ stream: AttrStream; what: () => string }> {
    const dst = parseCidr(r.dst);
    const what = () => describeRoute({ ...r, dst: dst.text });
    const table = r.table ?? TABLE_MAIN;
    const isDelete = op === 'delete';
    const attrs: rt.RouteAttrs = { table, priority: r.metric ?? defaultMetric(dst.family) };
    if (dst.prefixLen > 0) attrs.dst = dst.addr;
    let flags = 0;
    if (!isDelete) {
      if (r.multipath && (r.gateway !== undefined || r.linkIndex !== undefined || r.linkName !== undefined)) {
        throw new NetlinkError('EINVAL', `route ${op}`, what(), { detail: 'multipath excludes gateway and dev' });
      }
      if (r.gateway !== undefined) attrs.gateway = this.gatewayBytes(r.gateway, dst.family, `route ${op}`, what);
      const dev = r.linkIndex ?? r.linkName;
      if (dev !== undefined) attrs.oif = await this.linkIndex(dev, `route ${op}`, what);
      if (r.src !== undefined) attrs.prefsrc = ipToBytes(r.src);
      if (r.mtu !== undefined) attrs.metrics = { mtu: u32(r.mtu) };
      if (r.onlink) flags |= RTNH_F_ONLINK;
      if (r.multipath) attrs.multipath = await this.encodeNextHops(r.multipath, dst.family, `route ${op}`, what);
    }
    const data: rt.Route = {
      family: afOf(dst.family),
      dstLen: dst.prefixLen,
      table: table < 256 ? table : RT_TABLE_UNSPEC,
      // On delete, unset fields are wildcards: protocol 0, type RTN_UNSPEC, scope RT_SCOPE_NOWHERE (as iproute2).
      protocol: isDelete ? (r.protocol ?? 0) : (r.protocol ?? GINGHAM_ROUTE_PROTOCOL),
      type: isDelete ? (r.type ? typeNumber(r.type) : 0) : typeNumber(r.type ?? 'unicast'),
      scope: isDelete ? 255 : scopeNumber(r.scope ?? defaultScope(r)),
      flags: flags ? { __unknown: flags } : {},
    };
    const stream = new AttrStream();
    rt.formatRouteMessage({ kind: 'route', data, attrs }, stream);
    return { stream, what };
  }

  private gatewayBytes(gw: string, family: Family, op: string, what: () => string): Buffer {
    if (ipFamily(gw) !== family) throw new NetlinkError('EINVAL', op, what(), { detail: `gateway ${gw} is not IPv${family}` });
    return ipToBytes(gw);
  }

  private async encodeNextHops(hops: readonly NextHop[], family: Family, op: string, what: () => string): Promise<Buffer> {
    const out = [];
    for (const h of hops) {
      const dev = h.linkIndex ?? h.linkName;
      const weight = h.weight ?? 1;
      if (weight < 1 || weight > 256) throw new NetlinkError('EINVAL', op, what(), { detail: `weight ${weight} outside 1..256` });
      out.push({
        flags: h.onlink ? RTNH_F_ONLINK : 0,
        hops: weight - 1,
        ifindex: dev === undefined ? 0 : await this.linkIndex(dev, op, what),
        gateway: h.gateway === undefined ? undefined : this.gatewayBytes(h.gateway, family, op, what),
      });
    }
    return encodeMultipath(out);
  }

  private async routeRequest(r: Route, op: 'add' | 'replace' | 'delete'): Promise<void> {
    const { stream, what } = await this.encodeRoute(r, op);
    const type = op === 'delete' ? rt.MessageType.DELROUTE : rt.MessageType.NEWROUTE;
    const flags = op === 'add' ? FlagsNew.CREATE | FlagsNew.EXCL : op === 'replace' ? FlagsNew.CREATE | FlagsNew.REPLACE : 0;
    await this.request(type, stream, flags, `route ${op === 'delete' ? 'del' : op}`, what);
  }

  addRoute(route: Route): Promise<void> {
    return this.routeRequest(route, 'add');
  }
  replaceRoute(route: Route): Promise<void> {
    return this.routeRequest(route, 'replace');
  }
  deleteRoute(route: Route): Promise<void> {
    return this.routeRequest(route, 'delete');
  }

  async routeBatch(ops: readonly RouteOp[]): Promise<BatchResult[]> {
    // The package answers each request by sequence number, so many requests can be in flight on the one socket; the
    // kernel processes them in order. A window bounds the socket buffer needed for the ACKs.
    const results: BatchResult[] = new Array<BatchResult>(ops.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < ops.length) {
        const i = next++;
        const o = ops[i];
        if (o === undefined) continue;
        try {
          await this.routeRequest(o.route, o.op);
          results[i] = { ok: true };
        } catch (err) {
          results[i] = { ok: false, error: err instanceof Error ? err : new Error(String(err)) };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.batchWindow, ops.length) }, () => worker()));
    return results;
  }

  async listRoutes(filter: RouteFilter = {}): Promise<RouteInfo[]> {
    const families: Family[] = filter.family ? [filter.family] : [4, 6];
    const names = new Map((await this.listLinks()).map((l) => [l.index, l.name]));
    const out: RouteInfo[] = [];
    for (const family of families) {
      const s = new AttrStream();
      rt.formatRouteMessage({ kind: 'route', data: { family: afOf(family) }, attrs: {} }, s);
      // The kernel filters dumps only on sockets with NETLINK_GET_STRICT_CHK, which the package cannot set: filter here.
      const msgs = await this.request(rt.MessageType.GETROUTE, s, FlagsGet.DUMP, 'route list', () => `IPv${family}`);
      for (const m of msgs) {
        if (m.kind !== 'route' || m.data.flags?.cloned) continue;
        const info = this.toRouteInfo(m, family, names);
        if (filter.table !== undefined ? info.table !== filter.table : info.table === TABLE_LOCAL) continue;
        if (filter.protocol !== undefined && info.protocol !== filter.protocol) continue;
        out.push(info);
      }
    }
    return out;
  }

  private toRouteInfo(m: rt.RouteMessage, family: Family, names: ReadonlyMap<number, string>): RouteInfo {
    const d = m.data;
    const a = m.attrs;
    const dstLen = numberOf(d.dstLen);
    const dstAddr = a.dst ?? Buffer.alloc(family === 4 ? 4 : 16);
    const rtFlags = d.flags?.__unknown ?? 0;
    const mtu = a.metrics?.mtu && a.metrics.mtu.length >= 4 ? readU32(a.metrics.mtu, 'RTAX_MTU') : undefined;
    const multipath = a.multipath
      ? decodeMultipath(a.multipath).map(
          (h): NextHop => ({
            gateway: h.gateway && bytesToIp(h.gateway),
            linkIndex: h.ifindex || undefined,
            linkName: names.get(h.ifindex),
            onlink: (h.flags & RTNH_F_ONLINK) !== 0,
            weight: h.hops + 1,
          }),
        )
      : undefined;
    return {
      family,
      dst: `${bytesToIp(dstAddr)}/${dstLen}`,
      table: a.table ?? numberOf(d.table),
      protocol: enumNumber(d.protocol, rt.RouteProtocol),
      type: typeName(enumNumber(d.type, rt.RouteType)),
      scope: scopeName(enumNumber(d.scope, rt.RouteScope)),
      metric: a.priority ?? 0,
      gateway: a.gateway && bytesToIp(a.gateway),
      onlink: (rtFlags & RTNH_F_ONLINK) !== 0,
      linkIndex: a.oif,
      linkName: a.oif === undefined ? undefined : names.get(a.oif),
      src: a.prefsrc && bytesToIp(a.prefsrc),
      mtu,
      multipath,
    };
  }

  // ---- neighbours and FDB ----

  private async neighRequest(
    type: number,
    flags: number,
    op: string,
    n: { ip?: string; dst?: string; mac: string; linkIndex?: number; linkName?: string },
    bridge: boolean,
  ): Promise<void> {
    const ip = (bridge ? n.dst : n.ip) ?? '';
    const dev = n.linkIndex ?? n.linkName;
    const what = () => (bridge ? `${n.mac} dst ${ip} dev ${String(dev)}` : `${ip} lladdr ${n.mac} dev ${String(dev)}`);
    if (dev === undefined) throw new NetlinkError('EINVAL', op, what(), { detail: 'no link given' });
    const ifindex = await this.linkIndex(dev, op, what);
    const s = new AttrStream();
    rt.formatNeighborMessage(
      {
        kind: 'neighbor',
        data: { family: bridge ? AF_BRIDGE : afOf(ipFamily(ip)), ifindex, state: { permanent: true }, flags: bridge ? { self: true } : {} },
        attrs: { dst: ipToBytes(ip), lladdr: macToBytes(n.mac) },
      },
      s,
    );
    await this.request(type, s, flags, op, what);
  }

  addNeighbour(n: Neighbour): Promise<void> {
    return this.neighRequest(rt.MessageType.NEWNEIGH, FlagsNew.CREATE | FlagsNew.EXCL, 'neigh add', n, false);
  }
  replaceNeighbour(n: Neighbour): Promise<void> {
    return this.neighRequest(rt.MessageType.NEWNEIGH, FlagsNew.CREATE | FlagsNew.REPLACE, 'neigh replace', n, false);
  }
  deleteNeighbour(n: Neighbour): Promise<void> {
    return this.neighRequest(rt.MessageType.DELNEIGH, 0, 'neigh del', n, false);
  }
  addFdb(e: FdbEntry): Promise<void> {
    return this.neighRequest(rt.MessageType.NEWNEIGH, FlagsNew.CREATE | FlagsNew.EXCL, 'fdb add', e, true);
  }
  replaceFdb(e: FdbEntry): Promise<void> {
    return this.neighRequest(rt.MessageType.NEWNEIGH, FlagsNew.CREATE | FlagsNew.REPLACE, 'fdb replace', e, true);
  }
  deleteFdb(e: FdbEntry): Promise<void> {
    return this.neighRequest(rt.MessageType.DELNEIGH, 0, 'fdb del', e, true);
  }

  private async dumpNeighbours(af: number, link: LinkRef | undefined, op: string): Promise<rt.NeighborMessage[]> {
    const index = link === undefined ? undefined : await this.linkIndex(link, op, () => `dev ${String(link)}`);
    const s = new AttrStream();
    rt.formatNeighborMessage({ kind: 'neighbor', data: { family: af }, attrs: {} }, s);
    const msgs = await this.request(rt.MessageType.GETNEIGH, s, FlagsGet.DUMP, op, () => '');
    return msgs.filter((m): m is rt.NeighborMessage => m.kind === 'neighbor' && (index === undefined || m.data.ifindex === index));
  }

  async listNeighbours(link?: LinkRef, family?: Family): Promise<NeighbourInfo[]> {
    const msgs = await this.dumpNeighbours(family ? afOf(family) : 0, link, 'neigh list');
    const out: NeighbourInfo[] = [];
    for (const m of msgs) {
      const fam = familyOfAf(m.data.family);
      // Entries without a link-layer address (incomplete, failed) are resolution state, not configuration.
      if (fam === undefined || !m.attrs.dst || !m.attrs.lladdr || m.attrs.lladdr.length !== 6) continue;
      out.push({ ip: bytesToIp(m.attrs.dst), mac: bytesToMac(m.attrs.lladdr), linkIndex: numberOf(m.data.ifindex), permanent: m.data.state?.permanent === true });
    }
    return out;
  }

  async listFdb(link?: LinkRef): Promise<FdbInfo[]> {
    const msgs = await this.dumpNeighbours(AF_BRIDGE, link, 'fdb list');
    const out: FdbInfo[] = [];
    for (const m of msgs) {
      // Only entries with a remote destination (vxlan FDB); plain bridge-port entries have no NDA_DST.
      if (!m.attrs.dst || !m.attrs.lladdr || m.attrs.lladdr.length !== 6) continue;
      out.push({ mac: bytesToMac(m.attrs.lladdr), dst: bytesToIp(m.attrs.dst), linkIndex: numberOf(m.data.ifindex), permanent: m.data.state?.permanent === true });
    }
    return out;
  }
}
