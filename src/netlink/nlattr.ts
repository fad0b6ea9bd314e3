// Pure codec for the netlink attributes the `netlink` npm package leaves as raw Buffers: IFLA_LINKINFO (link kind and
// its vxlan/veth data) and RTA_MULTIPATH (struct rtnexthop list). Netlink integers are in host byte order (netlink(7));
// vxlan's port is the one big-endian field. Every read checks the length first; malformed input throws EINVAL.
import { endianness } from 'node:os';
import { NetlinkError } from './netlink-error';

const LE = endianness() === 'LE';
const NLA_HDRLEN = 4;
/** NLA_F_NESTED | NLA_F_NET_BYTEORDER: flag bits in nla_type, not part of the type number. */
const NLA_TYPE_MASK = 0x3fff;

export interface NlAttr {
  readonly type: number;
  readonly data: Buffer;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

function bad(what: string): NetlinkError {
  return new NetlinkError('EINVAL', 'decode', what);
}

export function u16(v: number): Buffer {
  const b = Buffer.alloc(2);
  if (LE) b.writeUInt16LE(v);
  else b.writeUInt16BE(v);
  return b;
}

export function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  if (LE) b.writeUInt32LE(v >>> 0);
  else b.writeUInt32BE(v >>> 0);
  return b;
}

export function readU32(b: Buffer, what: string): number {
  if (b.length < 4) throw bad(`${what}: need 4 bytes, have ${b.length}`);
  return LE ? b.readUInt32LE(0) : b.readUInt32BE(0);
}

export function readU16(b: Buffer, what: string): number {
  if (b.length < 2) throw bad(`${what}: need 2 bytes, have ${b.length}`);
  return LE ? b.readUInt16LE(0) : b.readUInt16BE(0);
}

export function readU8(b: Buffer, what: string): number {
  if (b.length < 1) throw bad(`${what}: need 1 byte, have 0`);
  return b.readUInt8(0);
}

/** A NUL-terminated string payload. */
export function str(s: string): Buffer {
  return Buffer.concat([Buffer.from(s, 'utf8'), Buffer.alloc(1)]);
}

export function readStr(b: Buffer): string {
  const nul = b.indexOf(0);
  return b.subarray(0, nul < 0 ? b.length : nul).toString('utf8');
}

/** One attribute: header (nla_len written last, from the payload), payload, padding to 4 bytes. */
export function attr(type: number, payload: Buffer | readonly Buffer[]): Buffer {
  const body = Buffer.isBuffer(payload) ? payload : Buffer.concat(payload as Buffer[]);
  const out = Buffer.alloc(align4(NLA_HDRLEN + body.length));
  body.copy(out, NLA_HDRLEN);
  const len = NLA_HDRLEN + body.length;
  if (LE) {
    out.writeUInt16LE(len, 0);
    out.writeUInt16LE(type, 2);
  } else {
    out.writeUInt16BE(len, 0);
    out.writeUInt16BE(type, 2);
  }
  return out;
}

/** Splits an attribute stream. Trailing bytes shorter than a header, or an attribute overrunning its view, are errors. */
export function decodeAttrs(buf: Buffer): NlAttr[] {
  const out: NlAttr[] = [];
  let off = 0;
  while (off < buf.length) {
    if (buf.length - off < NLA_HDRLEN) throw bad(`attribute header: ${buf.length - off} trailing bytes`);
    const len = LE ? buf.readUInt16LE(off) : buf.readUInt16BE(off);
    const type = (LE ? buf.readUInt16LE(off + 2) : buf.readUInt16BE(off + 2)) & NLA_TYPE_MASK;
    if (len < NLA_HDRLEN || off + len > buf.length) throw bad(`attribute type ${type}: length ${len} overruns ${buf.length - off}`);
    out.push({ type, data: buf.subarray(off + NLA_HDRLEN, off + len) });
    off += align4(len);
  }
  return out;
}

export function findAttr(attrs: readonly NlAttr[], type: number): Buffer | undefined {
  return attrs.find((a) => a.type === type)?.data;
}

// ---- IFLA_LINKINFO (include/uapi/linux/if_link.h) ----

export const IFLA_INFO_KIND = 1;
export const IFLA_INFO_DATA = 2;

export const IFLA_VXLAN_ID = 1;
export const IFLA_VXLAN_LINK = 3;
export const IFLA_VXLAN_LOCAL = 4;
export const IFLA_VXLAN_LEARNING = 7;
export const IFLA_VXLAN_PORT = 15;
export const IFLA_VXLAN_LOCAL6 = 17;

export const VETH_INFO_PEER = 1;

export function encodeLinkInfo(kind: string, data?: Buffer): Buffer {
  const parts = [attr(IFLA_INFO_KIND, str(kind))];
  if (data !== undefined) parts.push(attr(IFLA_INFO_DATA, data));
  return Buffer.concat(parts);
}

export function decodeLinkInfo(buf: Buffer): { kind?: string; data?: Buffer } {
  const attrs = decodeAttrs(buf);
  const kind = findAttr(attrs, IFLA_INFO_KIND);
  return { kind: kind === undefined ? undefined : readStr(kind), data: findAttr(attrs, IFLA_INFO_DATA) };
}

export interface VxlanData {
  readonly vni: number;
  readonly port: number;
  readonly local?: Buffer;
  readonly parentIndex?: number;
  readonly learning: boolean;
}

export function encodeVxlanData(v: VxlanData): Buffer {
  const port = Buffer.alloc(2);
  port.writeUInt16BE(v.port); // IFLA_VXLAN_PORT is __be16, unlike every other field here.
  const parts = [attr(IFLA_VXLAN_ID, u32(v.vni)), attr(IFLA_VXLAN_PORT, port), attr(IFLA_VXLAN_LEARNING, Buffer.from([v.learning ? 1 : 0]))];
  if (v.parentIndex !== undefined) parts.push(attr(IFLA_VXLAN_LINK, u32(v.parentIndex)));
  if (v.local !== undefined) parts.push(attr(v.local.length === 4 ? IFLA_VXLAN_LOCAL : IFLA_VXLAN_LOCAL6, v.local));
  return Buffer.concat(parts);
}

export function decodeVxlanData(buf: Buffer): VxlanData {
  const attrs = decodeAttrs(buf);
  const id = findAttr(attrs, IFLA_VXLAN_ID);
  const port = findAttr(attrs, IFLA_VXLAN_PORT);
  const link = findAttr(attrs, IFLA_VXLAN_LINK);
  const learning = findAttr(attrs, IFLA_VXLAN_LEARNING);
  const local = findAttr(attrs, IFLA_VXLAN_LOCAL) ?? findAttr(attrs, IFLA_VXLAN_LOCAL6);
  if (port !== undefined && port.length < 2) throw bad('vxlan port: short');
  return {
    vni: id === undefined ? 0 : readU32(id, 'vxlan id'),
    port: port === undefined ? 0 : port.readUInt16BE(0),
    local: local === undefined ? undefined : Buffer.from(local),
    parentIndex: link === undefined ? undefined : readU32(link, 'vxlan link') || undefined,
    learning: learning === undefined ? true : readU8(learning, 'vxlan learning') !== 0,
  };
}

// ---- RTA_MULTIPATH: a list of struct rtnexthop { u16 len; u8 flags; u8 hops; s32 ifindex } each followed by its
// own attributes (RTA_GATEWAY) (include/uapi/linux/rtnetlink.h). ----

export const RTA_GATEWAY = 5;
export const RTNH_F_ONLINK = 4;
const RTNH_HDRLEN = 8;

export interface RtNextHop {
  readonly flags: number;
  /** rtnh_hops: weight - 1. */
  readonly hops: number;
  readonly ifindex: number;
  readonly gateway?: Buffer;
}

export function encodeMultipath(hops: readonly RtNextHop[]): Buffer {
  return Buffer.concat(
    hops.map((h) => {
      const attrs = h.gateway === undefined ? Buffer.alloc(0) : attr(RTA_GATEWAY, h.gateway);
      const head = Buffer.alloc(RTNH_HDRLEN);
      const len = RTNH_HDRLEN + attrs.length;
      if (LE) {
        head.writeUInt16LE(len, 0);
        head.writeInt32LE(h.ifindex, 4);
      } else {
        head.writeUInt16BE(len, 0);
        head.writeInt32BE(h.ifindex, 4);
      }
      head.writeUInt8(h.flags, 2);
      head.writeUInt8(h.hops, 3);
      return Buffer.concat([head, attrs]);
    }),
  );
}

export function decodeMultipath(buf: Buffer): RtNextHop[] {
  const out: RtNextHop[] = [];
  let off = 0;
  while (off < buf.length) {
    if (buf.length - off < RTNH_HDRLEN) throw bad(`rtnexthop: ${buf.length - off} trailing bytes`);
    const len = LE ? buf.readUInt16LE(off) : buf.readUInt16BE(off);
    if (len < RTNH_HDRLEN || off + len > buf.length) throw bad(`rtnexthop: length ${len} overruns ${buf.length - off}`);
    const attrs = decodeAttrs(buf.subarray(off + RTNH_HDRLEN, off + len));
    const gw = findAttr(attrs, RTA_GATEWAY);
    out.push({
      flags: buf.readUInt8(off + 2),
      hops: buf.readUInt8(off + 3),
      ifindex: LE ? buf.readInt32LE(off + 4) : buf.readInt32BE(off + 4),
      gateway: gw === undefined ? undefined : Buffer.from(gw),
    });
    off += align4(len);
  }
  return out;
}

// ---- veth: IFLA_INFO_DATA holds VETH_INFO_PEER, whose payload is a struct ifinfomsg (16 zero bytes: the kernel
// picks the index) followed by the peer's own IFLA_* attributes (drivers/net/veth.c veth_newlink). ----

export const IFLA_ADDRESS = 1;
export const IFLA_IFNAME = 3;
export const IFLA_MTU = 4;
export const IFLA_NET_NS_PID = 19;
export const IFLA_NET_NS_FD = 28;
const IFINFOMSG_LEN = 16;

export interface VethPeer {
  readonly name: string;
  readonly mac?: Buffer;
  readonly mtu?: number;
  readonly netnsFd?: number;
  readonly netnsPid?: number;
}

export function encodeVethPeer(p: VethPeer): Buffer {
  const parts = [Buffer.alloc(IFINFOMSG_LEN), attr(IFLA_IFNAME, str(p.name))];
  if (p.mac !== undefined) parts.push(attr(IFLA_ADDRESS, p.mac));
  if (p.mtu !== undefined) parts.push(attr(IFLA_MTU, u32(p.mtu)));
  if (p.netnsFd !== undefined) parts.push(attr(IFLA_NET_NS_FD, u32(p.netnsFd)));
  if (p.netnsPid !== undefined) parts.push(attr(IFLA_NET_NS_PID, u32(p.netnsPid)));
  return attr(VETH_INFO_PEER, Buffer.concat(parts));
}
