// The flow identity of a packet copied by nflog (from its network header on): addresses, protocol and ports, read
// from an IPv4 header (RFC 791, IHL for options) or an IPv6 header (RFC 8200; extension headers are not walked, so
// a packet with one reports the next-header number and no ports). Pure; a truncated copy yields what it holds.

import { formatIpv4Bytes, formatIpv6Bytes } from '../lib/ip';
import { protocolText } from './calc/policy-model';

export interface PacketSummary {
  readonly family: 4 | 6;
  readonly srcIp: string;
  readonly dstIp: string;
  /** tcp, udp, sctp, icmp, icmpv6, or the protocol number. */
  readonly protocol: string;
  readonly srcPort?: number;
  readonly dstPort?: number;
}

const WITH_PORTS = new Set([6, 17, 132, 136]);

/** The summary of a packet starting at its IP header; undefined when the bytes are no IPv4/IPv6 header. */
export function summarizePacket(p: Buffer): PacketSummary | undefined {
  const version = p.length > 0 ? (p[0] as number) >> 4 : 0;
  let proto: number;
  let l4: number;
  let summary: Omit<PacketSummary, 'protocol'>;
  if (version === 4 && p.length >= 20) {
    proto = p[9] as number;
    l4 = ((p[0] as number) & 0x0f) * 4;
    summary = { family: 4, srcIp: formatIpv4Bytes(p, 12), dstIp: formatIpv4Bytes(p, 16) };
    // A non-first fragment has no transport header.
    if ((p.readUInt16BE(6) & 0x1fff) !== 0) return { ...summary, protocol: protocolText(proto) as string };
  } else if (version === 6 && p.length >= 40) {
    proto = p[6] as number;
    l4 = 40;
    summary = { family: 6, srcIp: formatIpv6Bytes(p, 8), dstIp: formatIpv6Bytes(p, 24) };
  } else return undefined;
  const protocol = protocolText(proto) as string;
  if (!WITH_PORTS.has(proto) || p.length < l4 + 4) return { ...summary, protocol };
  return { ...summary, protocol, srcPort: p.readUInt16BE(l4), dstPort: p.readUInt16BE(l4 + 2) };
}
