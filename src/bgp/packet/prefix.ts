// NLRI prefixes on the wire (RFC 4271 §4.3 <length, prefix>, RFC 4760 §5 for IPv6, RFC 7911 §3 ADD-PATH path
// identifiers) and the canonical text form of the addresses inside them. Owns: decoding a run of prefixes from a
// Withdrawn Routes / NLRI field, their wire length and encoding, IPv4/IPv6 address text. Must not know which field a
// run came from: callers choose the RFC 7606 disposition of a syntax error (§5.3).
//
// This is the hot path of a full-table load, so IPv4 decoding builds its text straight from the octets (no regex, no
// split) and IPv6 uses one module-level scratch buffer instead of allocating per prefix.
import { familyOf, formatIpv4Bytes, formatIpv6Bytes, parseIpv4, parseIpv6 } from '../../lib/ip';
import { BgpEncodeError } from './header';
import { UpdateSubcode } from './constants';
import type { Family, Prefix } from './types';
import { updateError } from './update-error';
import type { BgpError } from './bgp-error';

export function familyBits(family: Family): number {
  return family === 'ipv4' ? 32 : 128;
}

// ---------------------------------------------------------------- address text

// The address text parsers and formatters are lib/ip.ts's (one parser for every layer); the codec uses their
// byte-level forms, which allocate nothing per IPv4 prefix.
export { formatIpv4Bytes as formatIpv4, formatIpv6Bytes as formatIpv6, parseIpv4, parseIpv6 } from '../../lib/ip';

/** Canonical text of an address of the family, or undefined if it does not parse. */
export function canonicalAddress(family: Family, text: string): string | undefined {
  if (family === 'ipv4') {
    const v = parseIpv4(text);
    if (v === undefined) return undefined;
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32BE(v, 0);
    return formatIpv4Bytes(b);
  }
  const b = parseIpv6(text);
  return b && formatIpv6Bytes(b);
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
  const family: Family = familyOf(addr) === 6 ? 'ipv6' : 'ipv4';
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
      address = formatIpv6Bytes(scratch6);
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
