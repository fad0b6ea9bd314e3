// AS_PATH (type 2, well-known mandatory; RFC 4271 §4.3 (b), §5.1.2; confederation segments RFC 5065 §3): segments
// of 2-octet ASNs (towards an OLD speaker) or 4-octet ASNs (RFC 6793 §3, when both sides sent the capability).
// Owns the segment codec, the path length of the decision process, and the BIRD-like text form. AS4_PATH and the
// OLD/NEW reconciliation live in attr-as4-path.ts.
import { AS_TRANS, UpdateSubcode } from './constants';
import type { BgpError } from './bgp-error';
import { BgpEncodeError } from './header';
import type { AsPathSegment, AsPathSegmentType } from './types';
import { attrError, type AttrSite } from './update-error';

const SEGMENT_CODE: Readonly<Record<AsPathSegmentType, number>> = {
  set: 1,
  sequence: 2,
  'confed-sequence': 3,
  'confed-set': 4,
};
const SEGMENT_TYPE: ReadonlyArray<AsPathSegmentType | undefined> = [undefined, 'set', 'sequence', 'confed-sequence', 'confed-set'];

/** RFC 4271 §4.3: "path segment length is a 1-octet length field, containing the number of ASes". */
export const MAX_SEGMENT_ASNS = 255;

/**
 * Parses a run of segments. `fail` builds the error for a malformed path; the caller chooses the disposition (AS_PATH
 * treat-as-withdraw, AS4_PATH attribute discard).
 */
export function parseSegments(value: Buffer, asnSize: 2 | 4, fail: (detail: string) => BgpError): AsPathSegment[] {
  const segments: AsPathSegment[] = [];
  let i = 0;
  while (i < value.length) {
    // RFC 7606 §7.2: malformed if "the last segment ... [leaves] only a single octet" (underrun), a segment's
    // length "would cause the Attribute Length to be exceeded" (overrun), an unrecognized segment type, or a
    // segment "with a length of zero".
    if (value.length - i < 2) throw fail('AS_PATH segment header truncated');
    const type = SEGMENT_TYPE[value[i] ?? 0];
    const count = value[i + 1] ?? 0;
    if (type === undefined) throw fail(`AS_PATH segment type ${value[i]} unrecognized`);
    if (count === 0) throw fail('AS_PATH segment of length zero');
    i += 2;
    if (value.length - i < count * asnSize) throw fail(`AS_PATH segment of ${count} ASNs overruns the attribute`);
    const asns = new Array<number>(count);
    for (let k = 0; k < count; k++) {
      asns[k] = asnSize === 4 ? value.readUInt32BE(i) : value.readUInt16BE(i);
      i += asnSize;
    }
    segments.push({ type, asns });
  }
  return segments;
}

export function decodeAsPath(value: Buffer, site: AttrSite, fourOctetAs: boolean): AsPathSegment[] {
  // RFC 7606 §7.2: "An UPDATE message with a malformed AS_PATH attribute SHALL be handled using the approach of
  // "treat-as-withdraw"."
  return parseSegments(value, fourOctetAs ? 4 : 2, (d) => attrError(site, UpdateSubcode.MalformedAsPath, 'treat-as-withdraw', d));
}

/**
 * Encodes segments; a segment longer than 255 ASNs is split into several of the same type (RFC 4271 §5.1.2 limits
 * one segment to 255). With 2-octet ASNs, each ASN above 65535 becomes AS_TRANS (RFC 6793 §4.2.2). Empty segments
 * are dropped (RFC 7606 §7.2 calls a zero-length segment malformed).
 */
export function encodeAsPath(segments: readonly AsPathSegment[], asnSize: 2 | 4): Buffer {
  let size = 0;
  for (const s of segments) size += Math.ceil(s.asns.length / MAX_SEGMENT_ASNS) * 2 + s.asns.length * asnSize;
  const out = Buffer.allocUnsafe(size);
  let o = 0;
  for (const s of segments) {
    const code = SEGMENT_CODE[s.type];
    if (code === undefined) throw new BgpEncodeError('BGP_ENCODE_INVALID', `AS_PATH segment type ${String(s.type)}`);
    for (let start = 0; start < s.asns.length; start += MAX_SEGMENT_ASNS) {
      const chunk = s.asns.slice(start, start + MAX_SEGMENT_ASNS);
      out[o++] = code;
      out[o++] = chunk.length;
      for (const asn of chunk) {
        if (!Number.isInteger(asn) || asn < 0 || asn > 0xffffffff) throw new BgpEncodeError('BGP_ENCODE_INVALID', `ASN ${asn}`);
        if (asnSize === 4) out.writeUInt32BE(asn, o);
        else out.writeUInt16BE(asn > 0xffff ? AS_TRANS : asn, o);
        o += asnSize;
      }
    }
  }
  return out;
}

/**
 * The path length used by the decision process and by the AS4_PATH merge: RFC 4271 §9.1.2.2 (a) "an AS_SET counts
 * as 1, no matter how many ASes are in the set"; RFC 5065 §5.3: confederation segments do not count.
 */
export function asPathLength(segments: readonly AsPathSegment[]): number {
  let n = 0;
  for (const s of segments) {
    if (s.type === 'sequence') n += s.asns.length;
    else if (s.type === 'set') n += 1;
  }
  return n;
}

/** BIRD-like text: sequence "65001 65002", set "{65002 65003}", confed sequence "(65010 65011)", confed set "[65012]". */
export function formatAsPath(segments: readonly AsPathSegment[]): string {
  return segments
    .map((s) => {
      const body = s.asns.join(' ');
      switch (s.type) {
        case 'sequence':
          return body;
        case 'set':
          return `{${body}}`;
        case 'confed-sequence':
          return `(${body})`;
        case 'confed-set':
          return `[${body}]`;
      }
      return body;
    })
    .filter((t) => t !== '')
    .join(' ');
}
