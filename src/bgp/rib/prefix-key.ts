// The map key of a prefix in the RIBs. IPv4 prefixes are keyed by one number, address * 64 + length (below 2^38, so
// an exact double), which costs no string per route and hashes fast; IPv6 prefixes by their canonical text
// "2001:db8::/32". Keys turn back into prefixes (withdrawals from an Adj-RIB-Out need no stored Prefix object).
// ADD-PATH path ids are not part of the key: this speaker negotiates no ADD-PATH receive, so a peer sends one path
// per prefix.
import { parseIpv4 } from '../packet/prefix';
import type { Family, Prefix } from '../packet/types';

export type PrefixKey = number | string;

const V4_SCALE = 64;

export function prefixKey(p: Prefix): PrefixKey {
  if (p.family === 'ipv4') {
    const v = parseIpv4(p.address);
    if (v === undefined) throw new Error(`prefixKey: bad IPv4 address ${p.address}`);
    return v * V4_SCALE + p.length;
  }
  return `${p.address}/${p.length}`;
}

export function keyPrefix(family: Family, key: PrefixKey): Prefix {
  if (family === 'ipv4') {
    const k = key as number;
    const length = k % V4_SCALE;
    const v = (k - length) / V4_SCALE;
    return { family, address: `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`, length };
  }
  const s = key as string;
  const slash = s.lastIndexOf('/');
  return { family, address: s.slice(0, slash), length: Number(s.slice(slash + 1)) };
}

/** "10.0.0.0/24" (for display and logs, never for keys). */
export function prefixText(p: Prefix): string {
  return `${p.address}/${p.length}`;
}
