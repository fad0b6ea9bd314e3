// NLRI prefixes on the wire (RFC 4271 §4.3 <length, prefix>, RFC 4760 §5 for IPv6, RFC 7911 §3 ADD-PATH path
// identifiers) and the canonical text form of the addresses inside them. Owns: decoding a run of prefixes from a
// Withdrawn Routes / NLRI field, their wire length and encoding, IPv4/IPv6 address text. Must not know which field a
// run came from: callers choose the RFC 7606 disposition of a syntax error (§5.3).
//
// This is the hot path of a full-table load, so IPv4 decoding builds its text straight from the octets (no regex, no
// split) and IPv6 uses one module-level scratch buffer instead of allocating per prefix.
import { BgpEncodeError } from './header';
import { UpdateSubcode } from './constants';
import type { Family, Prefix } from './types';
import { updateError } from './update-error';
import type { BgpError } from './bgp-error';

export function familyBits(family: Family): number {
  return family === 'ipv4' ? 32 : 128;
}

// ---------------------------------------------------------------- address text

/** Dotted quad of 4 octets at `off`. */
export function formatIpv4(buf: Buffer, off = 0): string {
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
export function formatIpv6(buf: Buffer, off = 0): string {
  const g = new Array<number>(8);
  for (let i = 0; i < 8; i++) g[i] = ((buf[off + 2 * i] ?? 0) << 8) | (buf[off + 2 * i + 1] ?? 0);
  // RFC 5952 §4.2.3: the longest run wins, the first one on a tie; a single zero group is not shortened (§4.2.2).
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number): string => g.slice(from, to).map((v) => v.toString(16)).join(':');
  if (bestAt < 0) return hex(0, 8);
  return `${hex(0, bestAt)}::${hex(bestAt + bestLen, 8)}`;
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

/** Canonical text of an address of the family, or undefined if it does not parse. */
export function canonicalAddress(family: Family, text: string): string | undefined {
  if (family === 'ipv4') {
    const v = parseIpv4(text);
    if (v === undefined) return undefined;
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32BE(v, 0);
    return formatIpv4(b);
  }
  const b = parseIpv6(text);
  return b && formatIpv6(b);
}

// ---------------------------------------------------------------- prefixes: text

/** "10.0.0.0/24" or "2001:db8::/32" → Prefix with canonical address; undefined if malformed or host bits are set. */
export function parsePrefix(text: string, pathId?: number): Prefix | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const addr = text.slice(0, slash);
  const lenText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lenText)) return undefined;
  const length = Number(lenText);
  const family: Family = addr.includes(':') ? 'ipv6' : 'ipv4';
  if (length > familyBits(family)) return undefined;
  const address = canonicalAddress(family, addr);
  if (address === undefined) return undefined;
  const p: Prefix = pathId === undefined ? { family, address, length } : { family, address, length, pathId };
  try {
    writePrefix(Buffer.alloc(prefixWireLength(p, false)), 0, p, false);
  } catch {
    return undefined; // host bits set
  }
  return p;
}

/** "10.0.0.0/24", with " path-id N" when a path identifier is present. */
export function formatPrefix(p: Prefix): string {
  return p.pathId === undefined ? `${p.address}/${p.length}` : `${p.address}/${p.length} path-id ${p.pathId}`;
}

// ---------------------------------------------------------------- prefixes: wire

function nlriError(detail: string): BgpError {
  // RFC 4271 §6.3: "If the field is syntactically incorrect, then the Error Subcode MUST be set to Invalid Network
  // Field." RFC 7606 §5.3 keeps session reset for the classic fields; MP callers downgrade to AFI/SAFI disable.
  return updateError(UpdateSubcode.InvalidNetworkField, detail, 'session-reset');
}

const scratch6 = Buffer.alloc(16);

/**
 * Decodes a whole Withdrawn Routes / NLRI field (or the prefix part of MP_(UN)REACH_NLRI). Throws BgpError Invalid
 * Network Field (session-reset) on: a length beyond the family's width, a prefix running past the field, an ADD-PATH
 * path id cut short (RFC 7606 §5.3), or non-zero bits after the prefix length. RFC 4271 §4.3 calls the trailing bits
 * "irrelevant"; Gingham refuses them anyway because two different byte strings for one route would make withdrawals
 * and duplicate detection disagree with the sender, and no implementation we interoperate with sets them.
 */
export function decodePrefixes(buf: Buffer, family: Family, addPath: boolean): Prefix[] {
  const out: Prefix[] = [];
  const maxBits = familyBits(family);
  const end = buf.length;
  let i = 0;
  while (i < end) {
    let pathId = 0;
    if (addPath) {
      if (end - i < 5) throw nlriError(`ADD-PATH prefix truncated at offset ${i}`);
      pathId = buf.readUInt32BE(i);
      i += 4;
    }
    const length = buf[i] ?? 0;
    i++;
    if (length > maxBits) throw nlriError(`${family} prefix length ${length} > ${maxBits}`);
    const n = (length + 7) >> 3;
    if (end - i < n) throw nlriError(`prefix /${length} needs ${n} octets, ${end - i} left`);
    const rem = length & 7;
    if (rem !== 0 && ((buf[i + n - 1] ?? 0) & (0xff >> rem)) !== 0) {
      throw nlriError(`${family} prefix /${length} has host bits set`);
    }
    let address: string;
    if (family === 'ipv4') {
      address = `${n > 0 ? buf[i] : 0}.${n > 1 ? buf[i + 1] : 0}.${n > 2 ? buf[i + 2] : 0}.${n > 3 ? buf[i + 3] : 0}`;
    } else {
      scratch6.fill(0);
      buf.copy(scratch6, 0, i, i + n);
      address = formatIpv6(scratch6);
    }
    i += n;
    out.push(addPath ? { family, address, length, pathId } : { family, address, length });
  }
  return out;
}

/** Octets this prefix takes on the wire. */
export function prefixWireLength(p: Prefix, addPath: boolean): number {
  return (addPath ? 5 : 1) + ((p.length + 7) >> 3);
}

const scratchOut = Buffer.alloc(16);

/**
 * Writes the prefix at `off` of `out` (which must have room: see prefixWireLength) and returns the offset after it.
 * Throws BgpEncodeError for an address that does not parse, a length beyond the family, host bits set, or a missing
 * path id when ADD-PATH is on (RFC 7911 §3: every NLRI carries one).
 */
export function writePrefix(out: Buffer, off: number, p: Prefix, addPath: boolean): number {
  const maxBits = familyBits(p.family);
  if (!Number.isInteger(p.length) || p.length < 0 || p.length > maxBits) {
    throw new BgpEncodeError('BGP_ENCODE_INVALID', `prefix length ${p.length} out of range for ${p.family}`);
  }
  let o = off;
  if (addPath) {
    if (p.pathId === undefined) throw new BgpEncodeError('BGP_ENCODE_INVALID', `prefix ${formatPrefix(p)} lacks the ADD-PATH path id`);
    out.writeUInt32BE(p.pathId >>> 0, o);
    o += 4;
  }
  const n = (p.length + 7) >> 3;
  if (p.family === 'ipv4') {
    const v = parseIpv4(p.address);
    if (v === undefined) throw new BgpEncodeError('BGP_ENCODE_INVALID', `bad IPv4 address ${p.address}`);
    const hostMask = p.length === 32 ? 0 : 0xffffffff >>> p.length;
    if ((v & hostMask) !== 0) throw new BgpEncodeError('BGP_ENCODE_INVALID', `prefix ${formatPrefix(p)} has host bits set`);
    out[o++] = p.length;
    for (let k = 0; k < n; k++) out[o++] = (v >>> (24 - 8 * k)) & 0xff;
    return o;
  }
  if (parseIpv6(p.address, scratchOut) === undefined) throw new BgpEncodeError('BGP_ENCODE_INVALID', `bad IPv6 address ${p.address}`);
  const full = p.length >> 3;
  let host = (p.length & 7) === 0 ? 0 : (scratchOut[full] ?? 0) & (0xff >> (p.length & 7));
  for (let b = n; b < 16; b++) host |= scratchOut[b] ?? 0;
  if (host !== 0) throw new BgpEncodeError('BGP_ENCODE_INVALID', `prefix ${formatPrefix(p)} has host bits set`);
  out[o++] = p.length;
  scratchOut.copy(out, o, 0, n);
  return o + n;
}

/** All prefixes, back to back. */
export function encodePrefixes(prefixes: readonly Prefix[], addPath: boolean): Buffer {
  let size = 0;
  for (const p of prefixes) size += prefixWireLength(p, addPath);
  const out = Buffer.allocUnsafe(size);
  let o = 0;
  for (const p of prefixes) o = writePrefix(out, o, p, addPath);
  return out;
}
