// nftables interval sets reject overlapping elements ("interval overlaps with an existing one"), so addresses are
// merged in userspace into disjoint intervals before they are written; `cidr minus except` is written the same
// way, as ranges, so an ipBlock with except is one set lookup instead of Felix's iptables match blocks.

import { formatIp, formatIpv6Bytes, parseIpv4, parseIpv6, tryParseCidr } from '../../lib/ip';
import type { Family } from './ir';

type Interval = [bigint, bigint];

function bits(f: Family): number {
  return f === 4 ? 32 : 128;
}

function toInterval(cidr: string, family: Family): Interval | undefined {
  const c = tryParseCidr(cidr.includes('/') ? cidr : `${cidr}/${family === 4 ? 32 : 128}`);
  if (!c || c.family !== family) return undefined;
  const host = BigInt(bits(family) - c.prefixLen);
  const first = (c.addr >> host) << host;
  return [first, first + (1n << host) - 1n];
}

function merge(list: Interval[]): Interval[] {
  list.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: Interval[] = [];
  for (const iv of list) {
    const last = out[out.length - 1];
    if (last && iv[0] <= last[1] + 1n) {
      if (iv[1] > last[1]) last[1] = iv[1];
    } else out.push([iv[0], iv[1]]);
  }
  return out;
}

function subtract(from: Interval[], minus: Interval[]): Interval[] {
  let cur = from;
  for (const [lo, hi] of minus) {
    const next: Interval[] = [];
    for (const [a, b] of cur) {
      if (hi < a || lo > b) next.push([a, b]);
      else {
        if (a < lo) next.push([a, lo - 1n]);
        if (b > hi) next.push([hi + 1n, b]);
      }
    }
    cur = next;
  }
  return cur;
}

function fmt(v: bigint, family: Family): string {
  return formatIp({ family, value: v });
}

/** An interval as nft writes it: a prefix when it is one, else "first-last". */
function intervalText([lo, hi]: Interval, family: Family): string {
  const size = hi - lo + 1n;
  const isPow2 = (size & (size - 1n)) === 0n;
  if (isPow2 && lo % size === 0n) {
    const len = bits(family) - (size.toString(2).length - 1);
    return len === bits(family) ? fmt(lo, family) : `${fmt(lo, family)}/${len}`;
  }
  return `${fmt(lo, family)}-${fmt(hi, family)}`;
}

/** Disjoint, sorted nft elements covering `cidrs` of `family` minus `except`; others' family entries ignored. */
export function disjointElements(cidrs: readonly string[], family: Family, except: readonly string[] = []): string[] {
  const ins = merge(cidrs.map((c) => toInterval(c, family)).filter((x): x is Interval => x !== undefined));
  const outs = merge(except.map((c) => toInterval(c, family)).filter((x): x is Interval => x !== undefined));
  return subtract(ins, outs).map((iv) => intervalText(iv, family));
}

/** True when any of `cidrs` is of this family. */
export function hasFamily(cidrs: readonly string[], family: Family): boolean {
  return cidrs.some((c) => toInterval(c, family) !== undefined);
}

const scratch = Buffer.alloc(16);

/**
 * The canonical address text when `cidr` is one host of `family` ("10.0.0.1/32", "fd00::1/128", or a bare address),
 * else undefined. The cheap byte parsers only: this runs for every member of every selector set.
 */
export function hostAddress(cidr: string, family: Family): string | undefined {
  const slash = cidr.indexOf('/');
  const addr = slash < 0 ? cidr : cidr.slice(0, slash);
  if (slash >= 0 && cidr.slice(slash + 1) !== (family === 4 ? '32' : '128')) return undefined;
  if (family === 4) return parseIpv4(addr) === undefined ? undefined : addr;
  return parseIpv6(addr, scratch) === undefined ? undefined : formatIpv6Bytes(scratch);
}

/** True when `cidr` is an address or CIDR of `family` (cheap parsers). */
export function isFamily(cidr: string, family: Family): boolean {
  const slash = cidr.indexOf('/');
  const addr = slash < 0 ? cidr : cidr.slice(0, slash);
  return family === 4 ? parseIpv4(addr) !== undefined : parseIpv6(addr, scratch) !== undefined;
}

/** The interval of one nft element ("10.0.0.1", "10.0.0.0/24" or "10.0.0.1-10.0.0.9"), or undefined for another family. */
function elementInterval(element: string, family: Family): Interval | undefined {
  const dash = element.indexOf('-');
  if (dash < 0) return toInterval(element, family);
  const lo = toInterval(element.slice(0, dash), family);
  const hi = toInterval(element.slice(dash + 1), family);
  return lo && hi ? [lo[0], hi[1]] : undefined;
}

/** True when the address `ip` (of `family`) lies in one of the elements, as the kernel's set lookup decides. */
export function elementsContain(elements: readonly string[], ip: string, family: Family): boolean {
  const at = toInterval(ip, family);
  if (!at) return false;
  return elements.some((e) => {
    const iv = elementInterval(e, family);
    return iv !== undefined && iv[0] <= at[0] && at[0] <= iv[1];
  });
}
