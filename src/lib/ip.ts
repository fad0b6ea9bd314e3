// IP address and CIDR maths shared by every layer, and the one IP text parser: parsing, canonical text (RFC 5952
// for IPv6), masking, containment and overlap, the family of a text (familyOf), and byte views for the codec and
// netlink (4 or 16 octets). Addresses are plain data `{ family, value: bigint }` so that block arithmetic in IPAM and
// route maths in felix need no objects with behaviour. The byte-level parsers and formatters are the BGP codec's hot
// path (a full table is a million prefixes): IPv4 text is built straight from the octets and parsed without regex
// or split. Address text from resources and configuration is cross-checked by the ip-num package. No I/O here.

import { Validator } from 'ip-num';
import { GinghamError } from './errors';

/** An address family by IP version, as netlink, IPAM and the selector maths use it. */
export type IpFamily = 4 | 6;
/**
 * The same family by name, as BGP (AFI names, RFC 4760) and Calico's resources spell it. One family, two spellings;
 * familyName/familyVersion convert, so no layer writes its own mapping.
 */
export type FamilyName = 'ipv4' | 'ipv6';

export function familyName(f: IpFamily): FamilyName {
  return f === 4 ? 'ipv4' : 'ipv6';
}

export function familyVersion(f: FamilyName): IpFamily {
  return f === 'ipv4' ? 4 : 6;
}

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

// ---------------------------------------------------------------- text <-> octets (the codec's and netlink's view)

/** Dotted quad of 4 octets at `off`. */
export function formatIpv4Bytes(buf: Uint8Array, off = 0): string {
  return `${buf[off] ?? 0}.${buf[off + 1] ?? 0}.${buf[off + 2] ?? 0}.${buf[off + 3] ?? 0}`;
}

/**
 * The address as an unsigned 32-bit number, or undefined unless `text` is exactly four decimal octets 0-255 without
 * leading zeros (a leading zero reads as octal in some tools, so we refuse to guess).
 */
export function parseIpv4(text: string): number | undefined {
  const n = text.length;
  if (n < 7 || n > 15) return undefined;
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 /* . */) {
      if (digits === 0 || dots === 3) return undefined;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) return undefined; // leading zero
      octet = octet * 10 + (c - 48);
      digits++;
      if (octet > 255) return undefined;
    } else {
      return undefined;
    }
  }
  if (dots !== 3 || digits === 0) return undefined;
  return value * 256 + octet;
}

/** Canonical IPv6 text (RFC 5952 §4): lower case, no leading zeros, the longest run of two or more zero groups as "::". */
export function formatIpv6Bytes(buf: Uint8Array, off = 0): string {
  const g = new Array<number>(8);
  for (let i = 0; i < 8; i++) g[i] = ((buf[off + 2 * i] ?? 0) << 8) | (buf[off + 2 * i + 1] ?? 0);
  return formatIpv6Groups(g);
}

function parseHexGroup(s: string): number | undefined {
  if (s.length === 0 || s.length > 4) return undefined;
  let v = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let d: number;
    if (c >= 48 && c <= 57) d = c - 48;
    else if (c >= 97 && c <= 102) d = c - 87;
    else if (c >= 65 && c <= 70) d = c - 55;
    else return undefined;
    v = v * 16 + d;
  }
  return v;
}

/** Parses one side of a "::" into 16-bit groups; a trailing dotted quad counts as two groups. */
function parseGroups(part: string, allowV4Tail: boolean): number[] | undefined {
  if (part === '') return [];
  const pieces = part.split(':');
  const groups: number[] = [];
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i] ?? '';
    if (allowV4Tail && i === pieces.length - 1 && piece.includes('.')) {
      const v4 = parseIpv4(piece);
      if (v4 === undefined) return undefined;
      groups.push(v4 >>> 16, v4 & 0xffff);
    } else {
      const v = parseHexGroup(piece);
      if (v === undefined) return undefined;
      groups.push(v);
    }
  }
  return groups;
}

/** Parses IPv6 text (RFC 4291 §2.2 forms, including "::" and an embedded dotted quad) into 16 octets at `off`. */
export function parseIpv6(text: string, out: Buffer = Buffer.alloc(16), off = 0): Buffer | undefined {
  if (text.length < 2 || text.length > 45) return undefined;
  const dbl = text.indexOf('::');
  let groups: number[];
  if (dbl === -1) {
    const all = parseGroups(text, true);
    if (all?.length !== 8) return undefined;
    groups = all;
  } else {
    if (text.indexOf('::', dbl + 1) !== -1) return undefined;
    const tailText = text.slice(dbl + 2);
    const head = parseGroups(text.slice(0, dbl), false);
    const tail = parseGroups(tailText, true);
    if (head === undefined || tail === undefined || head.length + tail.length > 7) return undefined;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  }
  for (let i = 0; i < 8; i++) out.writeUInt16BE(groups[i] ?? 0, off + 2 * i);
  return out;
}

/** 4 octets for IPv4 text, 16 for IPv6 text; undefined when the text is neither. */
export function ipBytes(text: string): Buffer | undefined {
  const v4 = parseIpv4(text);
  if (v4 !== undefined) {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32BE(v4, 0);
    return b;
  }
  return parseIpv6(text);
}

/** Canonical text of 4 or 16 address octets; undefined for another length. */
export function ipTextFromBytes(b: Uint8Array): string | undefined {
  if (b.length === 4) return formatIpv4Bytes(b);
  if (b.length === 16) return formatIpv6Bytes(b);
  return undefined;
}

/** The address's octets (4 or 16). */
export function ipAddrBytes(ip: IpAddr): Buffer {
  const n = ip.family === 4 ? 4 : 16;
  const out = Buffer.alloc(n);
  let v = ip.value;
  for (let i = n - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** The address of 4 or 16 octets; undefined for another length. */
export function ipAddrFromBytes(b: Uint8Array): IpAddr | undefined {
  if (b.length !== 4 && b.length !== 16) return undefined;
  let v = 0n;
  for (const octet of b) v = (v << 8n) | BigInt(octet);
  return { family: b.length === 4 ? 4 : 6, value: v };
}

/** A prefix from its address octets (4 or 16) and length; undefined when either does not fit. */
export function cidrFromBytes(b: Uint8Array, prefixLen: number): Cidr | undefined {
  const ip = ipAddrFromBytes(b);
  if (ip === undefined || !Number.isInteger(prefixLen) || prefixLen < 0 || prefixLen > familyBits(ip.family)) return undefined;
  return { family: ip.family, addr: ip.value, prefixLen };
}

function parseV4(text: string): bigint | undefined {
  const v = parseIpv4(text);
  return v === undefined || !Validator.isValidIPv4String(text)[0] ? undefined : BigInt(v);
}

// Resource and configuration text (not the codec's hot path) is also checked by ip-num's validator, so the one
// hand-written byte parser never accepts a form the library refuses (zone IDs, stray brackets, over-long groups).
function parseV6(text: string): bigint | undefined {
  const b = parseIpv6(text);
  if (b === undefined || !Validator.isValidIPv6String(text)[0]) return undefined;
  return ipAddrFromBytes(b)?.value as bigint;
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

/**
 * The family of an address or CIDR text ("10.0.0.1", "fd00::/64"): 4, 6, or undefined when it is neither. The one
 * family test for every layer (no `includes(':')` guesses).
 */
export function familyOf(text: string): IpFamily | undefined {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  if (parseIpv4(addr) !== undefined) return 4;
  return parseIpv6(addr, scratch16) !== undefined ? 6 : undefined;
}

const scratch16 = Buffer.alloc(16);

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

/**
 * Eight 16-bit groups as RFC 5952 §4 text: lower case, the longest run of two or more zero groups as "::" (§4.2.3:
 * the first one on a tie; §4.2.2: a single zero group is not shortened).
 */
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
