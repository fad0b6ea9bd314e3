// Pure codec for nfnetlink_log (NETLINK_NETFILTER, subsystem NFNL_SUBSYS_ULOG; include/uapi/linux/netfilter/
// nfnetlink_log.h): the NFULNL_MSG_CONFIG requests that bind a socket to an nflog group and set its copy mode and
// batching, and the NFULNL_MSG_PACKET messages the kernel sends for each logged packet. Every message body starts
// with struct nfgenmsg (family, version, res_id = the group, big-endian). Unlike rtnetlink, nfnetlink_log's integers
// are in network byte order (the kernel reads them with ntohl/ntohs).
import { attr, decodeAttrs, findAttr, readStr } from './nlattr';
import { NetlinkError } from './netlink-error';

export const NETLINK_NETFILTER = 12;
const NFNL_SUBSYS_ULOG = 4;
export const NFULNL_MSG_PACKET = (NFNL_SUBSYS_ULOG << 8) | 0;
export const NFULNL_MSG_CONFIG = (NFNL_SUBSYS_ULOG << 8) | 1;

const NFULA_CFG_CMD = 1;
const NFULA_CFG_MODE = 2;
const NFULA_CFG_NLBUFSIZ = 3;
const NFULA_CFG_TIMEOUT = 4;
const NFULA_CFG_QTHRESH = 5;

export const NFULNL_CFG_CMD_BIND = 1;
export const NFULNL_CFG_CMD_UNBIND = 2;
export const NFULNL_COPY_PACKET = 2;

const NFULA_PACKET_HDR = 1;
const NFULA_PAYLOAD = 9;
const NFULA_PREFIX = 10;

/** struct nfgenmsg: AF_UNSPEC, NFNETLINK_V0, res_id = group. */
function nfgenmsg(group: number, family = 0): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt8(family, 0);
  b.writeUInt8(0, 1);
  b.writeUInt16BE(group, 2);
  return b;
}

function be32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
}

/** NFULNL_MSG_CONFIG body with one command (bind or unbind) for `group`. */
export function encodeCommand(group: number, command: typeof NFULNL_CFG_CMD_BIND | typeof NFULNL_CFG_CMD_UNBIND): Buffer {
  return Buffer.concat([nfgenmsg(group), attr(NFULA_CFG_CMD, Buffer.from([command]))]);
}

export interface NflogGroupConfig {
  /** Bytes of each packet copied (NFULNL_COPY_PACKET); headers only are enough for a flow log. */
  readonly copyRange: number;
  /** Send once this many packets are queued... */
  readonly qthresh: number;
  /** ...or after this many hundredths of a second. */
  readonly timeoutCs: number;
  /** Kernel buffer per batch (bytes). */
  readonly bufferBytes: number;
}

/** NFULNL_MSG_CONFIG body setting copy mode and batching of `group` (struct nfulnl_msg_config_mode: be32, u8, pad). */
export function encodeGroupConfig(group: number, c: NflogGroupConfig): Buffer {
  const mode = Buffer.alloc(6);
  mode.writeUInt32BE(c.copyRange, 0);
  mode.writeUInt8(NFULNL_COPY_PACKET, 4);
  return Buffer.concat([
    nfgenmsg(group),
    attr(NFULA_CFG_MODE, mode),
    attr(NFULA_CFG_QTHRESH, be32(c.qthresh)),
    attr(NFULA_CFG_TIMEOUT, be32(c.timeoutCs)),
    attr(NFULA_CFG_NLBUFSIZ, be32(c.bufferBytes)),
  ]);
}

export interface NflogPacket {
  readonly group: number;
  /** Address family of the packet (AF_INET 2, AF_INET6 10). */
  readonly family: number;
  /** The log rule's prefix ('' when it had none). */
  readonly prefix: string;
  /** EtherType of the packet (NFULA_PACKET_HDR hw_protocol), 0 when absent. */
  readonly hwProtocol: number;
  /** The copied bytes of the packet from its network header on; empty when nothing was copied. */
  readonly payload: Buffer;
}

/** Decodes the body (after struct nlmsghdr) of an NFULNL_MSG_PACKET message. Throws NetlinkError EINVAL if malformed. */
export function decodePacket(body: Buffer): NflogPacket {
  if (body.length < 4) throw new NetlinkError('EINVAL', 'decode', `nflog packet: ${body.length} bytes, no nfgenmsg`);
  const attrs = decodeAttrs(body.subarray(4));
  const hdr = findAttr(attrs, NFULA_PACKET_HDR);
  const prefix = findAttr(attrs, NFULA_PREFIX);
  return {
    family: body.readUInt8(0),
    group: body.readUInt16BE(2),
    prefix: prefix ? readStr(prefix) : '',
    hwProtocol: hdr && hdr.length >= 2 ? hdr.readUInt16BE(0) : 0,
    payload: findAttr(attrs, NFULA_PAYLOAD) ?? Buffer.alloc(0),
  };
}
