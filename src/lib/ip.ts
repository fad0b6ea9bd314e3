// IP address and CIDR maths shared by every layer: parsing (validation through the ip-num package), canonical text
// (RFC 5952 for IPv6), masking, containment and overlap. Addresses are plain data `{ family, value: bigint }` so
// that block arithmetic in IPAM and route maths in felix need no objects with behaviour. No I/O here.

import { Validator } from 'ip-num';
import { GinghamError } from './errors';

export type IpFamily = 4 | 6;

export interface IpAddr {
  readonly family: IpFamily;
  readonly value: bigint;
}

/** A prefix. `addr` is the address as written (it may have host bits set, as in a Node's `ipv4Address`). */
export interface Cidr {
  readonly family: IpFamily;
  readonly addr: bigint;
  readonly prefixLen: number;
}

export class IpParseError extends GinghamError {
  constructor(
    readonly input: string,
    what: 'IP address' | 'CIDR',
  ) {
    super('InvalidIP', `invalid ${what} "${input}"`);
  }
}

export function familyBits(family: IpFamily): number {
  return family === 4 ? 32 : 128;
}

function parseV4(text: string): bigint | undefined {
  // ip-num accepts some forms we must refuse (leading zeros read as decimal are ambiguous with octal): insist on
  // the strict dotted-quad shape first.
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) return undefined;
  const [ok] = Validator.isValidIPv4String(text);
  if (!ok) return undefined;
  let v = 0n;
  for (const part of text.split('.')) {
    if (part.length > 1 && part.startsWith('0')) return undefined;
    v = (v << 8n) | BigInt(Number(part));
  }
  return v;
}

function parseV6(text: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || !text.includes(':')) return undefined;
  const [ok] = Validator.isValidIPv6String(text);
  if (!ok) return undefined;
  let head = text;
  let tailV4: bigint | undefined;
  // An embedded IPv4 tail (::ffff:1.2.3.4) stands for the last two groups.
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    tailV4 = parseV4(text.slice(lastColon + 1));
    if (tailV4 === undefined) return undefined;
    head = text.slice(0, lastColon + 1) + '0:0';
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const left = groupsOf(halves[0] ?? '');
  const right = halves.length === 2 ? groupsOf(halves[1] ?? '') : [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...right];
  let v = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  if (tailV4 !== undefined) v = (v & ~0xffffffffn) | tailV4;
  return v;
}

/** Parses an IPv4 or IPv6 address; undefined when it is neither. */
export function tryParseIp(text: string): IpAddr | undefined {
  const v4 = parseV4(text);
  if (v4 !== undefined) return { family: 4, value: v4 };
  const v6 = parseV6(text);
  if (v6 !== undefined) return { family: 6, value: v6 };
  return undefined;
}

export function parseIp(text: string): IpAddr {
  const ip = tryParseIp(text);
  if (!ip) throw new IpParseError(text, 'IP address');
  return ip;
}

/** 4, 6, or undefined when `text` is not an address. */
export function ipFamily(text: string): IpFamily | undefined {
  return tryParseIp(text)?.family;
}

/** Canonical text: dotted quad, or RFC 5952 §4 (lower case, longest run of two or more zero groups as "::"). */
export function formatIp(ip: IpAddr): string {
  if (ip.family === 4) {
    const v = ip.value;
    return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 0xffn)).join('.');
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((ip.value >> BigInt(i * 16)) & 0xffffn));
  return formatIpv6Groups(groups);
}

/** Eight 16-bit groups as RFC 5952 §4 text: lower case, the longest run of two or more zero groups as "::". */
export function formatIpv6Groups(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export function tryParseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const ip = tryParseIp(text.slice(0, slash));
  const lenText = text.slice(slash + 1);
  if (!ip || !/^\d{1,3}$/.test(lenText)) return undefined;
  const prefixLen = Number(lenText);
  if (prefixLen > familyBits(ip.family)) return undefined;
  return { family: ip.family, addr: ip.value, prefixLen };
}

export function parseCidr(text: string): Cidr {
  const c = tryParseCidr(text);
  if (!c) throw new IpParseError(text, 'CIDR');
  return c;
}

/** Parses "a.b.c.d/n" or a bare address (taken as a host prefix /32 or /128). */
export function parseIpOrCidr(text: string): Cidr {
  if (text.includes('/')) return parseCidr(text);
  const ip = parseIp(text);
  return { family: ip.family, addr: ip.value, prefixLen: familyBits(ip.family) };
}

export function prefixMask(family: IpFamily, prefixLen: number): bigint {
  const bits = BigInt(familyBits(family));
  const all = (1n << bits) - 1n;
  return (all << (bits - BigInt(prefixLen))) & all;
}

/** The prefix with its host bits cleared (what Calico stores for a pool's cidr). */
export function maskCidr(c: Cidr): Cidr {
  return { family: c.family, addr: c.addr & prefixMask(c.family, c.prefixLen), prefixLen: c.prefixLen };
}

export function formatCidr(c: Cidr): string {
  return `${formatIp({ family: c.family, value: c.addr })}/${c.prefixLen}`;
}

/** Canonical masked text of a CIDR: "10.244.1.7/16" -> "10.244.0.0/16", "FD00:0::/64" -> "fd00::/64". */
export function canonicalCidr(text: string): string {
  return formatCidr(maskCidr(parseCidr(text)));
}

export function cidrFirst(c: Cidr): IpAddr {
  return { family: c.family, value: c.addr & prefixMask(c.family, c.prefixLen) };
}

export function cidrLast(c: Cidr): IpAddr {
  const hostBits = BigInt(familyBits(c.family) - c.prefixLen);
  return { family: c.family, value: cidrFirst(c).value | ((1n << hostBits) - 1n) };
}

/** Number of addresses in the prefix. */
export function cidrSize(c: Cidr): bigint {
  return 1n << BigInt(familyBits(c.family) - c.prefixLen);
}

/** True when `inner` (an address or a prefix) lies wholly inside `outer`. Different families never contain. */
export function cidrContains(outer: Cidr, inner: Cidr | IpAddr): boolean {
  if (outer.family !== inner.family) return false;
  const innerCidr: Cidr = 'prefixLen' in inner ? inner : { family: inner.family, addr: inner.value, prefixLen: familyBits(inner.family) };
  if (innerCidr.prefixLen < outer.prefixLen) return false;
  const mask = prefixMask(outer.family, outer.prefixLen);
  return (innerCidr.addr & mask) === (outer.addr & mask);
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return cidrContains(a, b) || cidrContains(b, a);
}

export function isLinkLocal(c: Cidr | IpAddr): boolean {
  const ll: Cidr =
    c.family === 4 ? parseCidr('169.254.0.0/16') : parseCidr('fe80::/10');
  return cidrsOverlap(ll, 'prefixLen' in c ? c : { family: c.family, addr: c.value, prefixLen: familyBits(c.family) });
}
