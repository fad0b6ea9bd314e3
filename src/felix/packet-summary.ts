// The flow identity of a packet copied by nflog (from its network header on): addresses, protocol and ports, read
// from an IPv4 header (RFC 791, IHL for options) or an IPv6 header (RFC 8200; extension headers are not walked, so
// a packet with one reports the next-header number and no ports). Pure; a truncated copy yields what it holds.

export interface PacketSummary {
  readonly family: 4 | 6;
  readonly srcIp: string;
  readonly dstIp: string;
  /** tcp, udp, sctp, icmp, icmpv6, or the protocol number. */
  readonly protocol: string;
  readonly srcPort?: number;
  readonly dstPort?: number;
}

const NAMES: Readonly<Record<number, string>> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'icmpv6', 132: 'sctp' };
const WITH_PORTS = new Set([6, 17, 132, 136]);

function ipv6Text(b: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  // The longest run of two or more zero groups becomes "::" (RFC 5952 §4.2).
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

/** The summary of a packet starting at its IP header; undefined when the bytes are no IPv4/IPv6 header. */
export function summarizePacket(p: Buffer): PacketSummary | undefined {
  const version = p.length > 0 ? (p[0] as number) >> 4 : 0;
  let proto: number;
  let l4: number;
  let summary: Omit<PacketSummary, 'protocol'>;
  if (version === 4 && p.length >= 20) {
    proto = p[9] as number;
    l4 = ((p[0] as number) & 0x0f) * 4;
    summary = { family: 4, srcIp: [...p.subarray(12, 16)].join('.'), dstIp: [...p.subarray(16, 20)].join('.') };
    // A non-first fragment has no transport header.
    if ((p.readUInt16BE(6) & 0x1fff) !== 0) return { ...summary, protocol: NAMES[proto] ?? String(proto) };
  } else if (version === 6 && p.length >= 40) {
    proto = p[6] as number;
    l4 = 40;
    summary = { family: 6, srcIp: ipv6Text(p.subarray(8, 24)), dstIp: ipv6Text(p.subarray(24, 40)) };
  } else return undefined;
  const protocol = NAMES[proto] ?? String(proto);
  if (!WITH_PORTS.has(proto) || p.length < l4 + 4) return { ...summary, protocol };
  return { ...summary, protocol, srcPort: p.readUInt16BE(l4), dstPort: p.readUInt16BE(l4 + 2) };
}
