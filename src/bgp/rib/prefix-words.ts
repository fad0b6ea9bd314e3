// Between the decoder's Prefix objects and the PrefixIndex's address words: loading a prefix into an index's scratch
// key, turning an entry back into a Prefix (for queries and filters only, never per route on the hot path), and
// writing an entry straight onto the wire as NLRI (RFC 4271 §4.3 <length, prefix>), so no Prefix object or address
// text is made to send a route.
import { formatIpv6, parseIpv4, parseIpv6 } from '../packet/prefix';
import type { Family, Prefix } from '../packet/types';
import type { PrefixIndex } from './prefix-index';

export function familyWidth(family: Family): number {
  return family === 'ipv4' ? 1 : 4;
}

const scratch6 = Buffer.alloc(16);

/** The top `bits` (0-32) of a 32-bit word set, as a signed 32-bit mask. */
function maskBits(bits: number): number {
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) | 0;
}

/** Loads `p` into `index.key`; returns its length, or -1 when the address or length does not fit the family.
 * Host bits beyond the length are cleared (the decoder refuses them; local routes could carry them). */
export function loadKey(index: PrefixIndex, p: Prefix): number {
  if (p.family === 'ipv4') {
    const v = parseIpv4(p.address);
    if (v === undefined) return -1;
    if (p.length < 0 || p.length > 32) return -1;
    index.key[0] = v & maskBits(p.length);
    return p.length;
  }
  if (p.length < 0 || p.length > 128 || parseIpv6(p.address, scratch6) === undefined) return -1;
  for (let k = 0; k < 4; k++) index.key[k] = scratch6.readInt32BE(4 * k) & maskBits(Math.min(32, Math.max(0, p.length - 32 * k)));
  return p.length;
}

export function entryPrefix(index: PrefixIndex, family: Family, id: number): Prefix {
  const length = index.length(id);
  if (family === 'ipv4') {
    const v = index.word(id, 0) >>> 0;
    return { family, address: `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`, length };
  }
  for (let k = 0; k < 4; k++) scratch6.writeInt32BE(index.word(id, k), 4 * k);
  return { family, address: formatIpv6(scratch6), length };
}

/** Octets of the entry as NLRI (with a 4-octet path id under ADD-PATH). */
export function entryWireLength(index: PrefixIndex, id: number, addPath: boolean): number {
  return (addPath ? 5 : 1) + ((index.length(id) + 7) >> 3);
}

/**
 * Writes the entry as NLRI at `off`; returns the offset after it. Under ADD-PATH (RFC 7911 §3) the path id is 1: the
 * speaker advertises one path per prefix.
 */
export function writeEntry(index: PrefixIndex, id: number, out: Buffer, off: number, addPath: boolean): number {
  let o = off;
  if (addPath) {
    out.writeUInt32BE(1, o);
    o += 4;
  }
  const len = index.length(id);
  out[o++] = len;
  const n = (len + 7) >> 3;
  for (let b = 0; b < n; b++) out[o++] = (index.word(id, b >> 2) >>> (24 - 8 * (b & 3))) & 0xff;
  return o;
}

/** "10.0.0.0/24" (for display, logs and small maps such as the local routes). */
export function prefixText(p: Prefix): string {
  return `${p.address}/${p.length}`;
}
