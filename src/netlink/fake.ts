// FakeNetlink: an in-memory Netlink for unit tests of the dataplane (and for IPIP code paths on kernels without ipip).
// It follows the kernel's rules as observed on Linux 6.x through RtNetlink (see e2e/netlink): link indexes assigned
// upwards; EEXIST on a duplicate add; a delete of something absent fails with the kernel's errno for that object (routes
// ESRCH, links ENODEV, addresses EADDRNOTAVAIL, neighbours/FDB ENOENT); a gateway must be covered by a connected route
// unless onlink (ENETUNREACH); a route's device must be up (ENETDOWN); addresses on an up link create their connected
// route; taking a link down or deleting it removes the routes through it; deleting a veth deletes its peer.
// Failure injection: failNext('addRoute', 'EPERM') makes the next addRoute fail with that errno, before any change.
// One namespace only: a veth peer created in another namespace, or a link moved out, simply is not here.
import { bytesToMac, canonicalIp, canonicalMac, cidrContains, ipFamily, parseCidr, parseIfAddr, type Family } from './addr';
import { IpipUnavailableError, NetlinkError, type ErrnoName } from './netlink-error';
import {
  GINGHAM_ROUTE_PROTOCOL,
  KERNEL_ROUTE_PROTOCOL,
  TABLE_LOCAL,
  TABLE_MAIN,
  defaultMetric,
  defaultScope,
  describeRoute,
  routeKey,
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
  type VethOptions,
  type VxlanOptions,
} from './netlink';

/** Methods failNext can target: every Netlink operation except close. */
export type FakeOp = Exclude<keyof Netlink, 'close'>;

export interface FakeNetlinkOptions {
  /** Whether the kernel has the ipip module (tunl0 appears on first createIpip). Default true. */
  readonly ipipAvailable?: boolean;
}

interface FakeLink {
  index: number;
  name: string;
  kind?: string;
  mtu: number;
  mac?: string;
  up: boolean;
  /** veth peer index in this namespace (undefined when the peer lives elsewhere), or a tunnel's parent. */
  parentIndex?: number;
  vxlan?: LinkInfo['vxlan'];
}

interface FakeAddress {
  linkIndex: number;
  family: Family;
  ip: string;
  prefixLen: number;
  noPrefixRoute: boolean;
}

/** Stored routes keep next hops by index; names are resolved when listed. */
type StoredRoute = Omit<RouteInfo, 'linkName' | 'multipath'> & { readonly multipath?: readonly NextHop[] };

const MAX_IFNAME = 15; // IFNAMSIZ - 1

export class FakeNetlink implements Netlink {
  private readonly links = new Map<number, FakeLink>();
  private readonly addresses: FakeAddress[] = [];
  private readonly routes = new Map<string, StoredRoute>();
  private readonly neighbours = new Map<string, NeighbourInfo>();
  private readonly fdb = new Map<string, FdbInfo>();
  private readonly failures: Array<{ op: FakeOp; errno: ErrnoName }> = [];
  private nextIndex = 2;
  private macCounter = 0;
  private closed = false;
  private ipipAvailable: boolean;
  private routeGate: Promise<void> | undefined;
  /** Every successful mutating call, iproute2-style ('route add 10.0.0.0/24 via 10.0.0.1 dev eth0'), for assertions. */
  readonly calls: string[] = [];

  constructor(opts: FakeNetlinkOptions = {}) {
    this.ipipAvailable = opts.ipipAvailable ?? true;
    this.links.set(1, { index: 1, name: 'lo', mtu: 65536, mac: '00:00:00:00:00:00', up: true });
  }

  // ---- test controls ----

  /** The next call of `op` fails with `errno` (queued: several calls queue several failures, in order). */
  failNext(op: FakeOp, errno: ErrnoName, times = 1): void {
    for (let i = 0; i < times; i++) this.failures.push({ op, errno });
  }

  /**
   * Route batches wait until the returned function is called: a kernel write in progress, for tests of what may run
   * (or change) meanwhile.
   */
  holdRouteBatches(): () => void {
    let open = (): void => undefined;
    const gate = new Promise<void>((r) => (open = r));
    this.routeGate = gate;
    return () => {
      if (this.routeGate === gate) this.routeGate = undefined;
      open();
    };
  }

  setIpipAvailable(available: boolean): void {
    this.ipipAvailable = available;
  }

  /** Adds a link as if the system had it (a NIC such as eth0); up by default. */
  addExistingLink(name: string, opts: { mtu?: number; mac?: string; up?: boolean; kind?: string } = {}): LinkInfo {
    const link = this.newLink('link add', name, { kind: opts.kind, mtu: opts.mtu ?? 1500, mac: opts.mac, up: opts.up ?? true });
    return this.info(link);
  }

  private check(op: FakeOp, opName: string, object: string): void {
    if (this.closed) throw new NetlinkError('EBADF', opName, object, { detail: 'netlink socket closed' });
    const i = this.failures.findIndex((f) => f.op === op);
    if (i < 0) return;
    const [f] = this.failures.splice(i, 1);
    if (f) throw new NetlinkError(f.errno, opName, object, { detail: 'injected' });
  }

  close(): void {
    this.closed = true;
  }

  // ---- links ----

  private byRef(ref: LinkRef): FakeLink | undefined {
    if (typeof ref === 'number') return this.links.get(ref);
    for (const l of this.links.values()) if (l.name === ref) return l;
    return undefined;
  }

  private mustLink(ref: LinkRef, op: string, object: string): FakeLink {
    const l = this.byRef(ref);
    if (!l) throw new NetlinkError('ENODEV', op, object);
    return l;
  }

  private info(l: FakeLink): LinkInfo {
    const peer = l.kind === 'veth' && l.parentIndex !== undefined ? this.links.get(l.parentIndex) : undefined;
    return {
      index: l.index,
      name: l.name,
      kind: l.kind,
      mtu: l.mtu,
      mac: l.mac,
      up: l.up,
      lowerUp: l.up && (l.kind !== 'veth' || peer === undefined || peer.up),
      parentIndex: l.parentIndex,
      vxlan: l.vxlan,
    };
  }

  private checkName(op: string, name: string): void {
    if (name.length === 0 || name.length > MAX_IFNAME || /[\s/:]/.test(name)) throw new NetlinkError('EINVAL', op, name, { detail: 'bad interface name' });
  }

  private newLink(op: string, name: string, fields: Omit<FakeLink, 'index' | 'name'>): FakeLink {
    this.checkName(op, name);
    if (this.byRef(name)) throw new NetlinkError('EEXIST', op, name);
    const link: FakeLink = { index: this.nextIndex++, name, ...fields };
    this.links.set(link.index, link);
    return link;
  }

  private mac(given?: string): string {
    if (given !== undefined) return canonicalMac(given);
    this.macCounter++;
    return bytesToMac(Uint8Array.from([0x02, 0xfa, 0x4b, (this.macCounter >> 16) & 0xff, (this.macCounter >> 8) & 0xff, this.macCounter & 0xff]));
  }

  async listLinks(): Promise<LinkInfo[]> {
    this.check('listLinks', 'link list', '');
    return [...this.links.values()].sort((x, y) => x.index - y.index).map((l) => this.info(l));
  }

  async getLink(ref: LinkRef): Promise<LinkInfo> {
    this.check('getLink', 'link get', String(ref));
    return this.info(this.mustLink(ref, 'link get', String(ref)));
  }

  async findLink(ref: LinkRef): Promise<LinkInfo | undefined> {
    this.check('findLink', 'link get', String(ref));
    const l = this.byRef(ref);
    return l && this.info(l);
  }

  async createVeth(o: VethOptions): Promise<LinkInfo> {
    const what = `${o.name} type veth peer ${o.peerName}`;
    this.check('createVeth', 'link add', what);
    // Validate both names before creating either end, so a failure leaves nothing behind.
    for (const n of o.peerNetns ? [o.name] : [o.name, o.peerName]) this.checkName('link add', n);
    if (!o.peerNetns && (o.peerName === o.name || this.byRef(o.peerName) || this.byRef(o.name))) throw new NetlinkError('EEXIST', 'link add', what);
    // veth_newlink registers the peer first, so the peer gets the lower index.
    const peer = o.peerNetns ? undefined : this.newLink('link add', o.peerName, { kind: 'veth', mtu: o.mtu ?? 1500, mac: this.mac(o.peerMac), up: false });
    const link = this.newLink('link add', o.name, { kind: 'veth', mtu: o.mtu ?? 1500, mac: this.mac(o.mac), up: false, parentIndex: peer?.index });
    if (peer) peer.parentIndex = link.index;
    this.calls.push(`link add ${what}`);
    return this.info(link);
  }

  async createVxlan(o: VxlanOptions): Promise<LinkInfo> {
    const port = o.port ?? 4789;
    const what = `${o.name} type vxlan id ${o.vni} dstport ${port}`;
    this.check('createVxlan', 'link add', what);
    if (!Number.isInteger(o.vni) || o.vni < 0 || o.vni >= 1 << 24) throw new NetlinkError('ERANGE', 'link add', what, { detail: 'VNI is 24 bits' });
    const parent = o.parent === undefined ? undefined : this.mustLink(o.parent, 'link add', what);
    const local = o.local === undefined ? undefined : canonicalIp(o.local);
    const link = this.newLink('link add', o.name, {
      kind: 'vxlan',
      // The kernel leaves room for the 50-byte VXLAN header under the parent's MTU.
      mtu: o.mtu ?? (parent ? parent.mtu - 50 : 1450),
      mac: this.mac(o.mac),
      up: false,
      vxlan: { vni: o.vni, port, local, parentIndex: parent?.index, learning: o.learning ?? false },
    });
    this.calls.push(`link add ${what}`);
    return this.info(link);
  }

  async createIpip(o: IpipOptions = {}): Promise<LinkInfo> {
    const name = o.name ?? 'tunl0';
    this.check('createIpip', 'link add', `${name} type ipip`);
    let link = this.byRef(name);
    if (!link) {
      if (!this.ipipAvailable) throw new IpipUnavailableError(`${name} type ipip`);
      // Loading the module creates tunl0 (down, MTU 1480, no link-layer address).
      link = this.newLink('link add', name, { kind: 'ipip', mtu: 1480, up: false });
      this.calls.push(`link add ${name} type ipip`);
    }
    if (o.mtu !== undefined) link.mtu = o.mtu;
    return this.info(link);
  }

  async setLinkUp(ref: LinkRef, up: boolean): Promise<void> {
    const what = `${String(ref)} ${up ? 'up' : 'down'}`;
    this.check('setLinkUp', 'link set', what);
    const l = this.mustLink(ref, 'link set', what);
    if (l.up === up) return;
    l.up = up;
    if (up) {
      for (const a of this.addresses) if (a.linkIndex === l.index) this.addConnectedRoute(a);
    } else {
      // IPv4 (fib_sync_down_dev) and IPv6 drop the routes through a link that goes down, connected ones included;
      // neigh_ifdown flushes its neighbour entries, permanent ones too.
      this.dropRoutesVia(l.index);
      for (const [k, n] of this.neighbours) if (n.linkIndex === l.index) this.neighbours.delete(k);
    }
    this.calls.push(`link set ${l.name} ${up ? 'up' : 'down'}`);
  }

  async setLinkMtu(ref: LinkRef, mtu: number): Promise<void> {
    const what = `${String(ref)} mtu ${mtu}`;
    this.check('setLinkMtu', 'link set', what);
    const l = this.mustLink(ref, 'link set', what);
    if (!Number.isInteger(mtu) || mtu < 68 || mtu > 65535) throw new NetlinkError('EINVAL', 'link set', what);
    l.mtu = mtu;
    this.calls.push(`link set ${l.name} mtu ${mtu}`);
  }

  async setLinkMac(ref: LinkRef, mac: string): Promise<void> {
    const what = `${String(ref)} address ${mac}`;
    this.check('setLinkMac', 'link set', what);
    const l = this.mustLink(ref, 'link set', what);
    l.mac = canonicalMac(mac);
    this.calls.push(`link set ${l.name} address ${l.mac}`);
  }

  async setLinkNetns(ref: LinkRef, netns: NetnsRef): Promise<void> {
    const what = `${String(ref)} netns ${'path' in netns ? netns.path : netns.pid}`;
    this.check('setLinkNetns', 'link set', what);
    const l = this.mustLink(ref, 'link set', what);
    // Leaving the namespace drops its addresses, routes and neighbours here; a veth peer stays and keeps its index.
    this.removeLinkState(l.index);
    const peer = l.parentIndex === undefined ? undefined : this.links.get(l.parentIndex);
    if (peer && peer.kind === 'veth') peer.parentIndex = undefined;
    this.links.delete(l.index);
    this.calls.push(`link set ${l.name} netns ${'path' in netns ? netns.path : netns.pid}`);
  }

  async deleteLink(ref: LinkRef): Promise<void> {
    this.check('deleteLink', 'link del', String(ref));
    const l = this.mustLink(ref, 'link del', String(ref));
    if (l.index === 1) throw new NetlinkError('EOPNOTSUPP', 'link del', String(ref));
    const gone = [l];
    if (l.kind === 'veth' && l.parentIndex !== undefined) {
      const peer = this.links.get(l.parentIndex);
      if (peer) gone.push(peer);
    }
    for (const g of gone) {
      this.removeLinkState(g.index);
      this.links.delete(g.index);
    }
    this.calls.push(`link del ${l.name}`);
  }

  private removeLinkState(index: number): void {
    this.dropRoutesVia(index);
    for (let i = this.addresses.length - 1; i >= 0; i--) if (this.addresses[i]?.linkIndex === index) this.addresses.splice(i, 1);
    for (const [k, n] of this.neighbours) if (n.linkIndex === index) this.neighbours.delete(k);
    for (const [k, e] of this.fdb) if (e.linkIndex === index) this.fdb.delete(k);
  }

  private dropRoutesVia(index: number): void {
    for (const [k, r] of this.routes) {
      if (r.linkIndex === index || r.multipath?.some((h) => h.linkIndex === index)) this.routes.delete(k);
    }
  }

  // ---- addresses ----

  private connectedRoute(a: FakeAddress): StoredRoute {
    const net = parseCidr(`${a.ip}/${a.prefixLen}`);
    return {
      family: a.family,
      dst: net.text,
      table: TABLE_MAIN,
      protocol: KERNEL_ROUTE_PROTOCOL,
      type: 'unicast',
      // IPv6 routes always report scope universe; IPv4 connected routes are scope link with the address as source.
      scope: a.family === 4 ? 'link' : 'universe',
      metric: a.family === 4 ? 0 : 256,
      onlink: false,
      linkIndex: a.linkIndex,
      src: a.family === 4 ? a.ip : undefined,
    };
  }

  private addConnectedRoute(a: FakeAddress): void {
    if (a.noPrefixRoute) return;
    const r = this.connectedRoute(a);
    const key = routeKey(r);
    if (!this.routes.has(key)) this.routes.set(key, r);
  }

  async addAddress(link: LinkRef, cidr: string, opts: AddressOptions = {}): Promise<void> {
    const what = `${cidr} dev ${String(link)}`;
    this.check('addAddress', 'address add', what);
    const a = parseIfAddr(cidr);
    const l = this.mustLink(link, 'address add', what);
    if (this.addresses.some((x) => x.linkIndex === l.index && x.ip === a.ip && x.prefixLen === a.prefixLen)) throw new NetlinkError('EEXIST', 'address add', what);
    const addr: FakeAddress = { linkIndex: l.index, family: a.family, ip: a.ip, prefixLen: a.prefixLen, noPrefixRoute: opts.noPrefixRoute ?? false };
    this.addresses.push(addr);
    if (l.up) this.addConnectedRoute(addr);
    this.calls.push(`address add ${a.text} dev ${l.name}`);
  }

  async deleteAddress(link: LinkRef, cidr: string): Promise<void> {
    const what = `${cidr} dev ${String(link)}`;
    this.check('deleteAddress', 'address del', what);
    const a = parseIfAddr(cidr);
    const l = this.mustLink(link, 'address del', what);
    const i = this.addresses.findIndex((x) => x.linkIndex === l.index && x.ip === a.ip && x.prefixLen === a.prefixLen);
    const found = this.addresses[i];
    if (i < 0 || !found) throw new NetlinkError('EADDRNOTAVAIL', 'address del', what);
    this.addresses.splice(i, 1);
    const connected = this.connectedRoute(found);
    const key = routeKey(connected);
    const stillCovered = this.addresses.some((x) => x.linkIndex === l.index && !x.noPrefixRoute && routeKey(this.connectedRoute(x)) === key);
    if (!stillCovered && this.routes.get(key)?.protocol === KERNEL_ROUTE_PROTOCOL) this.routes.delete(key);
    this.calls.push(`address del ${a.text} dev ${l.name}`);
  }

  async listAddresses(link?: LinkRef, family?: Family): Promise<AddressInfo[]> {
    this.check('listAddresses', 'address list', link === undefined ? '' : `dev ${String(link)}`);
    const index = link === undefined ? undefined : this.mustLink(link, 'address list', `dev ${String(link)}`).index;
    return this.addresses
      .filter((a) => (index === undefined || a.linkIndex === index) && (family === undefined || a.family === family))
      .map((a) => ({ linkIndex: a.linkIndex, family: a.family, cidr: `${a.ip}/${a.prefixLen}`, scope: a.ip.startsWith('fe80:') ? 'link' : 'universe' }));
  }

  // ---- routes ----

  /** Validates and normalises a route the way the kernel would accept it; throws the kernel's errno otherwise. */
  private normalise(r: Route, op: string): StoredRoute {
    const dst = parseCidr(r.dst);
    const what = describeRoute({ ...r, dst: dst.text });
    const fail = (errno: ErrnoName, detail?: string) => new NetlinkError(errno, op, what, detail ? { detail } : undefined);
    const type = r.type ?? 'unicast';
    if (r.multipath && (r.gateway !== undefined || r.linkIndex !== undefined || r.linkName !== undefined)) throw fail('EINVAL', 'multipath excludes gateway and dev');
    const hop = (h: NextHop): NextHop => {
      const dev = h.linkIndex ?? h.linkName;
      const link = dev === undefined ? undefined : this.byRef(dev);
      if (dev !== undefined && !link) throw fail('ENODEV');
      if (link && !link.up) throw fail('ENETDOWN');
      const weight = h.weight ?? 1;
      if (weight < 1 || weight > 256) throw fail('EINVAL', `weight ${weight} outside 1..256`);
      if (h.gateway === undefined) {
        if (!link && type === 'unicast') throw fail('ENODEV', 'unicast route needs a gateway or a device');
        return { linkIndex: link?.index, onlink: false, weight };
      }
      if (ipFamily(h.gateway) !== dst.family) throw fail('EINVAL', `gateway ${h.gateway} is not IPv${dst.family}`);
      const gateway = canonicalIp(h.gateway);
      if (h.onlink) {
        if (!link) throw fail('EINVAL', 'onlink needs a device');
        return { gateway, linkIndex: link.index, onlink: true, weight };
      }
      if (gateway.startsWith('fe80:')) {
        if (!link) throw fail('EINVAL', 'link-local gateway needs a device');
        return { gateway, linkIndex: link.index, onlink: false, weight };
      }
      // The gateway must sit in a directly connected subnet (on the given device, if any).
      const via = [...this.routes.values()].find(
        (c) => c.family === dst.family && c.type === 'unicast' && c.gateway === undefined && !c.multipath && c.linkIndex !== undefined && (!link || c.linkIndex === link.index) && cidrContains(c.dst, gateway),
      );
      if (!via) throw fail('ENETUNREACH');
      return { gateway, linkIndex: via.linkIndex, onlink: false, weight };
    };
    let single = r.multipath ? undefined : hop({ gateway: r.gateway, linkIndex: r.linkIndex, linkName: r.linkName, onlink: r.onlink });
    // IPv6 reject routes (blackhole, unreachable, prohibit) hang off the loopback device and report it as their oif.
    if (dst.family === 6 && type !== 'unicast' && single && single.linkIndex === undefined) single = { ...single, linkIndex: 1 };
    return {
      family: dst.family,
      dst: dst.text,
      table: r.table ?? TABLE_MAIN,
      protocol: r.protocol ?? GINGHAM_ROUTE_PROTOCOL,
      type,
      scope: r.scope ?? defaultScope(r),
      metric: r.metric ?? defaultMetric(dst.family),
      gateway: single?.gateway,
      onlink: single?.onlink ?? false,
      linkIndex: single?.linkIndex,
      src: r.src === undefined ? undefined : canonicalIp(r.src),
      mtu: r.mtu,
      multipath: r.multipath?.map(hop),
    };
  }

  private applyRoute(kind: 'add' | 'replace' | 'delete', r: Route): void {
    const op = kind === 'delete' ? 'route del' : `route ${kind}`;
    if (kind === 'delete') {
      const dst = parseCidr(r.dst);
      const key = routeKey({ ...r, dst: dst.text });
      const found = this.routes.get(key);
      // Unset protocol and type are wildcards on delete, as in the kernel.
      if (!found || (r.protocol !== undefined && found.protocol !== r.protocol) || (r.type !== undefined && found.type !== r.type)) {
        throw new NetlinkError('ESRCH', op, describeRoute({ ...r, dst: dst.text }));
      }
      this.routes.delete(key);
      this.calls.push(`route del ${describeRoute({ ...r, dst: dst.text })}`);
      return;
    }
    const stored = this.normalise(r, op);
    const key = routeKey(stored);
    if (kind === 'add' && this.routes.has(key)) throw new NetlinkError('EEXIST', op, describeRoute({ ...r, dst: stored.dst }));
    this.routes.set(key, stored);
    this.calls.push(`${op} ${describeRoute({ ...r, dst: stored.dst })}`);
  }

  async addRoute(route: Route): Promise<void> {
    this.check('addRoute', 'route add', describeRoute(route));
    this.applyRoute('add', route);
  }

  async replaceRoute(route: Route): Promise<void> {
    this.check('replaceRoute', 'route replace', describeRoute(route));
    this.applyRoute('replace', route);
  }

  async deleteRoute(route: Route): Promise<void> {
    this.check('deleteRoute', 'route del', describeRoute(route));
    this.applyRoute('delete', route);
  }

  async routeBatch(ops: readonly RouteOp[]): Promise<BatchResult[]> {
    if (this.routeGate !== undefined) await this.routeGate;
    this.check('routeBatch', 'route batch', `${ops.length} ops`);
    const methods = { add: 'addRoute', replace: 'replaceRoute', delete: 'deleteRoute' } as const;
    return ops.map((o): BatchResult => {
      try {
        this.check(methods[o.op], o.op === 'delete' ? 'route del' : `route ${o.op}`, describeRoute(o.route));
        this.applyRoute(o.op, o.route);
        return { ok: true };
      } catch (err) {
        return { ok: false, error: err instanceof Error ? err : new Error(String(err)) };
      }
    });
  }

  async listRoutes(filter: RouteFilter = {}): Promise<RouteInfo[]> {
    this.check('listRoutes', 'route list', '');
    const name = (i?: number) => (i === undefined ? undefined : this.links.get(i)?.name);
    return [...this.routes.values()]
      .filter(
        (r) =>
          (filter.family === undefined || r.family === filter.family) &&
          (filter.table !== undefined ? r.table === filter.table : r.table !== TABLE_LOCAL) &&
          (filter.protocol === undefined || r.protocol === filter.protocol),
      )
      .map((r) => ({ ...r, linkName: name(r.linkIndex), multipath: r.multipath?.map((h) => ({ ...h, linkName: name(h.linkIndex) })) }));
  }

  // ---- neighbours and FDB ----

  private neighLink(n: { linkIndex?: number; linkName?: string }, op: string, what: string): FakeLink {
    const dev = n.linkIndex ?? n.linkName;
    if (dev === undefined) throw new NetlinkError('EINVAL', op, what, { detail: 'no link given' });
    return this.mustLink(dev, op, what);
  }

  private setNeighbour(n: Neighbour, replace: boolean): void {
    const op = replace ? 'neigh replace' : 'neigh add';
    const what = `${n.ip} lladdr ${n.mac} dev ${String(n.linkName ?? n.linkIndex)}`;
    const l = this.neighLink(n, op, what);
    const ip = canonicalIp(n.ip);
    const key = `${l.index}|${ip}`;
    if (!replace && this.neighbours.has(key)) throw new NetlinkError('EEXIST', op, what);
    this.neighbours.set(key, { ip, mac: canonicalMac(n.mac), linkIndex: l.index, permanent: true });
    this.calls.push(`${op} ${ip} lladdr ${canonicalMac(n.mac)} dev ${l.name}`);
  }

  async addNeighbour(n: Neighbour): Promise<void> {
    this.check('addNeighbour', 'neigh add', n.ip);
    this.setNeighbour(n, false);
  }

  async replaceNeighbour(n: Neighbour): Promise<void> {
    this.check('replaceNeighbour', 'neigh replace', n.ip);
    this.setNeighbour(n, true);
  }

  async deleteNeighbour(n: Neighbour): Promise<void> {
    const what = `${n.ip} dev ${String(n.linkName ?? n.linkIndex)}`;
    this.check('deleteNeighbour', 'neigh del', what);
    const l = this.neighLink(n, 'neigh del', what);
    const key = `${l.index}|${canonicalIp(n.ip)}`;
    if (!this.neighbours.delete(key)) throw new NetlinkError('ENOENT', 'neigh del', what);
    this.calls.push(`neigh del ${canonicalIp(n.ip)} dev ${l.name}`);
  }

  async listNeighbours(link?: LinkRef, family?: Family): Promise<NeighbourInfo[]> {
    this.check('listNeighbours', 'neigh list', '');
    const index = link === undefined ? undefined : this.mustLink(link, 'neigh list', `dev ${String(link)}`).index;
    return [...this.neighbours.values()].filter((n) => (index === undefined || n.linkIndex === index) && (family === undefined || ipFamily(n.ip) === family));
  }

  private setFdb(e: FdbEntry, replace: boolean): void {
    const op = replace ? 'fdb replace' : 'fdb add';
    const what = `${e.mac} dst ${e.dst} dev ${String(e.linkName ?? e.linkIndex)}`;
    const l = this.neighLink(e, op, what);
    const mac = canonicalMac(e.mac);
    // A vxlan FDB holds one entry per MAC; NLM_F_EXCL on an existing MAC is EEXIST, replace moves it to the new VTEP.
    const key = `${l.index}|${mac}`;
    if (!replace && this.fdb.has(key)) throw new NetlinkError('EEXIST', op, what);
    this.fdb.set(key, { mac, dst: canonicalIp(e.dst), linkIndex: l.index, permanent: true });
    this.calls.push(`${op} ${mac} dst ${canonicalIp(e.dst)} dev ${l.name}`);
  }

  async addFdb(e: FdbEntry): Promise<void> {
    this.check('addFdb', 'fdb add', e.mac);
    this.setFdb(e, false);
  }

  async replaceFdb(e: FdbEntry): Promise<void> {
    this.check('replaceFdb', 'fdb replace', e.mac);
    this.setFdb(e, true);
  }

  async deleteFdb(e: FdbEntry): Promise<void> {
    const what = `${e.mac} dst ${e.dst} dev ${String(e.linkName ?? e.linkIndex)}`;
    this.check('deleteFdb', 'fdb del', what);
    const l = this.neighLink(e, 'fdb del', what);
    const key = `${l.index}|${canonicalMac(e.mac)}`;
    const found = this.fdb.get(key);
    if (!found) throw new NetlinkError('ENOENT', 'fdb del', what);
    // The kernel (vxlan __vxlan_fdb_delete) answers success and deletes nothing when the MAC exists but the VTEP
    // named is not one of its remotes.
    if (found.dst !== canonicalIp(e.dst)) return;
    this.fdb.delete(key);
    this.calls.push(`fdb del ${found.mac} dst ${found.dst} dev ${l.name}`);
  }

  async listFdb(link?: LinkRef): Promise<FdbInfo[]> {
    this.check('listFdb', 'fdb list', '');
    const index = link === undefined ? undefined : this.mustLink(link, 'fdb list', `dev ${String(link)}`).index;
    return [...this.fdb.values()].filter((e) => index === undefined || e.linkIndex === index);
  }
}
