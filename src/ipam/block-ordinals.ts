// Block geometry and bookkeeping shared by the pure block operations: ordinal <-> address, a fresh block's spec, and
// the uint64 sequence numbers Calico keeps per block and per allocation. Pure: no datastore, no clock.
import type { IPAMBlockSpec } from '../api/kind-ipam-block';
import { cidrContains, cidrFirst, cidrSize, familyBits, formatIp, parseCidr, tryParseIp, type Cidr, type IpAddr } from '../lib/ip';

/** Blocks hold at most this many addresses (a /16 of IPv4, a /112 of IPv6), as IPAMBlock validation enforces. */
export const MAX_BLOCK_ADDRESSES = 65536;

/** The block's CIDR, parsed. Throws IpParseError on a corrupt stored value. */
export function blockCidr(spec: Pick<IPAMBlockSpec, 'cidr'>): Cidr {
  return parseCidr(spec.cidr);
}

/** Ordinal of `ip` inside `block`, or undefined when the address lies outside it. */
export function ordinalOf(block: Cidr, ip: IpAddr): number | undefined {
  if (!cidrContains(block, ip)) return undefined;
  return Number(ip.value - cidrFirst(block).value);
}

export function ipAtOrdinal(block: Cidr, ordinal: number): IpAddr {
  return { family: block.family, value: cidrFirst(block).value + BigInt(ordinal) };
}

/** Bare address text of an ordinal ("10.244.0.5"). */
export function addressAt(block: Cidr, ordinal: number): string {
  return formatIp(ipAtOrdinal(block, ordinal));
}

/** Host-prefix form of an address ("10.244.0.5/32", "fd00::5/128"), as CNI results carry it. */
export function hostCidr(ip: IpAddr): string {
  return `${formatIp(ip)}/${familyBits(ip.family)}`;
}

/** Parses a bare address or its host-prefix form ("10.0.0.1", "10.0.0.1/32"); undefined otherwise. */
export function parseAddress(text: string): IpAddr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return tryParseIp(text);
  const ip = tryParseIp(text.slice(0, slash));
  if (ip === undefined || text.slice(slash + 1) !== String(familyBits(ip.family))) return undefined;
  return ip;
}

/**
 * Calico stores sequence numbers as uint64 (initialised from UnixNano), beyond a JS number's exact range: they are read
 * as bigint from either a number or a decimal string, and written as a string when they do not fit a double exactly.
 */
export function parseSeq(v: number | string | undefined): bigint {
  if (v === undefined) return 0n;
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? BigInt(v) : 0n;
  return /^\d+$/.test(v) ? BigInt(v) : 0n;
}

export function formatSeq(v: bigint): number | string {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
}

/** A new empty block: every ordinal free, handed out in ascending order. */
export function newBlockSpec(cidr: Cidr, affinity: string | undefined, initialSeq: bigint, claimTime?: string): IPAMBlockSpec {
  const size = cidrSize(cidr);
  if (size > BigInt(MAX_BLOCK_ADDRESSES)) throw new RangeError(`block ${cidr.prefixLen} is larger than ${MAX_BLOCK_ADDRESSES} addresses`);
  const n = Number(size);
  const spec: IPAMBlockSpec = {
    cidr: `${formatIp(cidrFirst(cidr))}/${cidr.prefixLen}`,
    allocations: Array<number | null>(n).fill(null),
    unallocated: Array.from({ length: n }, (_, i) => i),
    attributes: [],
    sequenceNumber: formatSeq(initialSeq),
    sequenceNumberForAllocation: {},
    deleted: false,
    strictAffinity: false,
  };
  if (affinity !== undefined) spec.affinity = affinity;
  if (claimTime !== undefined) spec.affinityClaimTime = claimTime;
  return spec;
}

/** Deep copy of a spec, so the pure operations never mutate what the caller read. */
export function copySpec(spec: IPAMBlockSpec): IPAMBlockSpec {
  return {
    ...spec,
    allocations: [...spec.allocations],
    unallocated: [...spec.unallocated],
    attributes: spec.attributes.map((a) => ({ ...a, ...(a.secondary ? { secondary: { ...a.secondary } } : {}) })),
    sequenceNumberForAllocation: { ...(spec.sequenceNumberForAllocation ?? {}) },
  };
}
