// AS4_PATH (type 17, optional transitive; RFC 6793 §3) and the reconciliation of AS_PATH with AS4_PATH received from
// an OLD (2-octet) speaker (RFC 6793 §4.2.3), and its generation towards one (§4.2.2). Never used between two NEW
// speakers: there AS_PATH itself carries 4-octet ASNs.
import { UpdateSubcode } from './constants';
import { asPathLength, parseSegments } from './attr-as-path';
import type { AsPathSegment } from './types';
import { attrError, type AttrSite } from './update-error';

function isConfed(s: AsPathSegment): boolean {
  return s.type === 'confed-sequence' || s.type === 'confed-set';
}

export function decodeAs4Path(value: Buffer, site: AttrSite): AsPathSegment[] {
  // RFC 6793 §6: a malformed AS4_PATH "MUST be discarded ('attribute discard')" and the UPDATE processed on; the
  // AS_PATH alone then stands.
  const segments = parseSegments(value, 4, (d) =>
    attrError(site, UpdateSubcode.OptionalAttributeError, 'attribute-discard', `AS4_PATH: ${d}`),
  );
  // RFC 6793 §6: confederation segments "MUST NOT be included in the AS4_PATH attribute"; a NEW speaker receiving
  // them "MUST discard these path segments ... and continue processing the UPDATE message".
  return segments.filter((s) => !isConfed(s));
}

/**
 * RFC 6793 §4.2.3: "if the number of AS numbers in the AS_PATH attribute is less than the number of AS numbers in
 * the AS4_PATH attribute, then the AS4_PATH attribute SHALL be ignored"; otherwise take "as many AS numbers and path
 * segments as necessary from the leading part of the AS_PATH attribute, and then prepending them to the AS4_PATH
 * attribute so that the AS path information has a number of AS numbers identical to that of the AS_PATH" (counted
 * as in §9.1.2.2: a set counts 1, confederation segments 0). Leading confederation segments of AS_PATH are kept:
 * "a valid AS_CONFED_SEQUENCE or AS_CONFED_SET path segment SHALL be prepended if it is either the leading path
 * segment or is adjacent to a path segment that is prepended".
 */
export function mergeAs4Path(asPath: readonly AsPathSegment[], as4Path: readonly AsPathSegment[]): AsPathSegment[] {
  let need = asPathLength(asPath) - asPathLength(as4Path);
  if (need < 0) return [...asPath];
  const out: AsPathSegment[] = [];
  for (const s of asPath) {
    if (isConfed(s)) {
      out.push(s);
      continue;
    }
    if (need === 0) break;
    if (s.type === 'set') {
      out.push(s);
      need -= 1;
      continue;
    }
    const take = Math.min(need, s.asns.length);
    out.push(take === s.asns.length ? s : { type: s.type, asns: s.asns.slice(0, take) });
    need -= take;
    if (take < s.asns.length) break;
  }
  // Joining the prepended tail of a sequence to the AS4_PATH's first sequence keeps the path as one segment, as the
  // sender had it before it split the path in two attributes.
  const first = as4Path[0];
  const last = out[out.length - 1];
  if (first && last && first.type === 'sequence' && last.type === 'sequence' && last.asns.length + first.asns.length <= 255) {
    out[out.length - 1] = { type: 'sequence', asns: [...last.asns, ...first.asns] };
    return [...out, ...as4Path.slice(1)];
  }
  return [...out, ...as4Path];
}

/** Whether a path sent to an OLD speaker needs an AS4_PATH beside it: RFC 6793 §4.2.2, some ASN is above 65535. */
export function needsAs4Path(segments: readonly AsPathSegment[]): boolean {
  return segments.some((s) => !isConfed(s) && s.asns.some((a) => a > 0xffff));
}

/** The AS4_PATH to send: the path without confederation segments (RFC 6793 §6), in 4-octet ASNs. */
export function as4PathOf(segments: readonly AsPathSegment[]): AsPathSegment[] {
  return segments.filter((s) => !isConfed(s) && s.asns.length > 0);
}
