// Address text <-> bytes for the netlink layer: IPv4/IPv6 addresses, CIDRs (canonicalised: host bits cleared, IPv6 in
// RFC 5952 form) and MAC addresses. Pure functions; invalid input throws NetlinkError EINVAL naming the bad text, so
// a caller's typo surfaces as the same typed error as a kernel refusal.
import { familyOf, ipBytes, ipTextFromBytes, type IpFamily } from '../lib/ip';
import { NetlinkError } from './netlink-error';

/** lib/ip's family type: 4 or 6. */
export type Family = IpFamily;

export interface ParsedCidr {
  readonly family: Family;
  /** Network address with host bits cleared (4 or 16 bytes). */
  readonly addr: Buffer;
  readonly prefixLen: number;
  /** Canonical text, e.g. '10.244.1.0/24', '2001:db8::/64'. */
  readonly text: string;
}

function invalid(what: string, text: string): NetlinkError {
  return new NetlinkError('EINVAL', 'parse', `${what} ${JSON.stringify(text)}`);
}

export function ipFamily(ip: string): Family {
  const f = ip.includes('/') ? undefined : familyOf(ip);
  if (f === undefined) throw invalid('IP address', ip);
  return f;
}

/** 4 or 16 bytes for an IPv4 or IPv6 address text (lib/ip parses it). */
export function ipToBytes(ip: string): Buffer {
  const b = ipBytes(ip);
  if (b === undefined) throw invalid('IP address', ip);
  return b;
}

/** Text for 4 or 16 address bytes; IPv6 in RFC 5952 §4 form (lower case, longest run of 2+ zero groups as "::"). */
export function bytesToIp(b: Uint8Array): string {
  const text = ipTextFromBytes(b);
  if (text === undefined) throw invalid('address length', String(b.length));
  return text;
}

/** Canonical form of an address text ('2001:DB8:0::1' -> '2001:db8::1'). */
export function canonicalIp(ip: string): string {
  return bytesToIp(ipToBytes(ip));
}

/** Parses 'a.b.c.d/n' or 'x::/n'; a bare address is a host route (/32 or /128). Host bits are cleared. */
export function parseCidr(cidr: string): ParsedCidr {
  const slash = cidr.indexOf('/');
  const ipText = slash < 0 ? cidr : cidr.slice(0, slash);
  const family = familyOf(ipText);
  if (family === undefined) throw invalid('CIDR', cidr);
  const max = family === 4 ? 32 : 128;
  const lenText = slash < 0 ? String(max) : cidr.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lenText) || Number(lenText) > max) throw invalid('CIDR', cidr);
  const prefixLen = Number(lenText);
  const addr = maskBytes(ipToBytes(ipText), prefixLen);
  return { family, addr, prefixLen, text: `${bytesToIp(addr)}/${prefixLen}` };
}

/** Canonical CIDR text ('10.244.1.7/24' -> '10.244.1.0/24'). */
export function canonicalCidr(cidr: string): string {
  return parseCidr(cidr).text;
}

/** Parses an interface address 'ip/len' keeping the host bits ('10.0.0.1/24'). */
export function parseIfAddr(text: string): { family: Family; ip: string; prefixLen: number; text: string } {
  const net = parseCidr(text);
  const slash = text.indexOf('/');
  const ip = canonicalIp(slash < 0 ? text : text.slice(0, slash));
  return { family: net.family, ip, prefixLen: net.prefixLen, text: `${ip}/${net.prefixLen}` };
}

function maskBytes(b: Buffer, prefixLen: number): Buffer {
  const out = Buffer.from(b);
  for (let i = 0; i < out.length; i++) {
    const bits = Math.max(0, Math.min(8, prefixLen - i * 8));
    out[i] = (out[i] ?? 0) & ((0xff << (8 - bits)) & 0xff);
  }
  return out;
}

/** True when ip lies inside cidr (same family). */
export function cidrContains(cidr: string, ip: string): boolean {
  const net = parseCidr(cidr);
  if (ipFamily(ip) !== net.family) return false;
  return maskBytes(ipToBytes(ip), net.prefixLen).equals(net.addr);
}

const MAC_RE = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;

export function macToBytes(mac: string): Buffer {
  if (!MAC_RE.test(mac)) throw invalid('MAC address', mac);
  return Buffer.from(mac.split(':').map((h) => parseInt(h, 16)));
}

export function bytesToMac(b: Uint8Array): string {
  return Array.from(b)
    .map((x) => x.toString(16).padStart(2, '0'))
    .join(':');
}

/** Canonical MAC text (lower case). */
export function canonicalMac(mac: string): string {
  return bytesToMac(macToBytes(mac));
}
