// Decoding the UPDATE message body (RFC 4271 §4.3) under the revised error handling of RFC 7606: session-reset
// errors are thrown, everything weaker is returned with the message. Also recognises End-of-RIB markers (RFC 4724 §2).
// Pure: no I/O, no logging; the session decides what to do with the disposition.
import { BgpError, strongerHandling, type ErrorHandling } from './bgp-error';
import { Afi, ErrorCode, Safi, UpdateSubcode } from './constants';
import { decodeAttributes } from './attributes';
import { decodePrefixes } from './prefix';
import type { CodecOptions, DecodedUpdate, Family, UpdateMessage } from './types';
import { ByteReader } from '../../lib/bytes';
import { updateError } from './update-error';

function framingError(detail: string): BgpError {
  // RFC 4271 §6.3: "If the Withdrawn Routes Length or Total Attribute Length is too large (i.e., if Withdrawn Routes
  // Length + Total Attribute Length + 23 exceeds the message Length), then the Error Subcode MUST be set to Malformed
  // Attribute List." RFC 7606 §4 keeps the reset here: without these lengths the NLRI cannot be located.
  return updateError(UpdateSubcode.MalformedAttributeList, detail, 'session-reset');
}

/**
 * Decodes an UPDATE body (the message after its 19-octet header). Throws only BgpError, and only for errors whose
 * RFC 7606 disposition is session reset.
 */
export function decodeUpdateBody(body: Buffer, opts: CodecOptions): DecodedUpdate {
  try {
    return decode(body, opts);
  } catch (e) {
    if (e instanceof BgpError) throw e;
    // A bug here must still reach the session as a NOTIFICATION, never as a crash; the "internal" detail lets the
    // fuzz tests tell such a bug apart from a real protocol error.
    throw new BgpError(ErrorCode.UpdateMessage, UpdateSubcode.Unspecific, `internal decoder error: ${String(e)}`);
  }
}

function decode(body: Buffer, opts: CodecOptions): DecodedUpdate {
  const r = new ByteReader(body, (need, have) => framingError(`UPDATE field needs ${need} octets, ${have} left`));
  const withdrawnLength = r.u16();
  const withdrawnBuf = r.bytes(withdrawnLength);
  const attrLength = r.u16();
  const attrBuf = r.bytes(attrLength);
  const nlriBuf = r.rest();

  // RFC 7606 §5.3: a syntax error in the classic Withdrawn Routes or NLRI field leaves "session reset" as the only
  // option (decodePrefixes throws it). Decoded first: a reset makes every weaker finding moot.
  const v4AddPath = opts.addPath.has('ipv4');
  const withdrawn = decodePrefixes(withdrawnBuf, 'ipv4', v4AddPath);
  const nlri = decodePrefixes(nlriBuf, 'ipv4', v4AddPath);

  const attrs = decodeAttributes(attrBuf, opts, { hasClassicNlri: nlriBuf.length > 0 });
  const message: UpdateMessage = { type: 'update', withdrawn, attributes: attrs.attributes, nlri };

  let handling: ErrorHandling | undefined;
  for (const e of attrs.errors) handling = handling === undefined ? e.handling : strongerHandling(handling, e.handling);

  // RFC 7606 §5.2: "if any path attribute errors are encountered in such an UPDATE message [one with path attributes
  // other than MP_UNREACH_NLRI that encodes no reachable NLRI], and if any encountered error specifies an
  // error-handling approach other than "attribute discard", then the "session reset" approach MUST be used": we
  // cannot be sure its NLRI were parsed correctly. An MP_REACH_NLRI that failed is counted as reachable NLRI: its
  // own AFI/SAFI disable already removes every route it could have carried (RFC 4760 §7).
  const hasReachable = nlri.length > 0 || (attrs.attributes.mpReach?.nlri.length ?? 0) > 0 || attrs.mpReachFailed;
  if (!hasReachable && attrs.hasNonWithdrawAttributes && handling !== undefined && handling !== 'attribute-discard') {
    const worst = attrs.errors.find((e) => e.handling === 'treat-as-withdraw') ?? attrs.errors.find((e) => e.handling !== 'attribute-discard');
    if (worst) {
      throw new BgpError(worst.errorCode, worst.subcode, `${worst.detail} (in an UPDATE without reachable NLRI, RFC 7606 §5.2)`, worst.data, 'session-reset');
    }
  }

  const result: { -readonly [K in keyof DecodedUpdate]: DecodedUpdate[K] } = { message, errors: attrs.errors };
  if (handling !== undefined && handling !== 'session-reset') result.handling = handling;
  if (attrs.disabledFamilies.length > 0) result.disabledFamilies = attrs.disabledFamilies;
  return result;
}

function hasOnlyKeys(obj: object, allowed: readonly string[]): boolean {
  return Object.entries(obj).every(([k, v]) => v === undefined || allowed.includes(k));
}

/**
 * The family whose End-of-RIB marker this is (RFC 4724 §2: "an UPDATE message with no reachable NLRI and empty
 * withdrawn NLRI": for IPv4 unicast the minimal UPDATE, for other families one carrying only an empty
 * MP_UNREACH_NLRI), or undefined.
 */
export function isEndOfRib(msg: UpdateMessage): Family | undefined {
  if (msg.withdrawn.length > 0 || msg.nlri.length > 0) return undefined;
  const a = msg.attributes;
  if (hasOnlyKeys(a, [])) return 'ipv4';
  const mp = a.mpUnreach;
  if (mp === undefined || mp.withdrawn.length > 0 || mp.safi !== Safi.Unicast || !hasOnlyKeys(a, ['mpUnreach'])) return undefined;
  return mp.afi === Afi.Ipv6 ? 'ipv6' : mp.afi === Afi.Ipv4 ? 'ipv4' : undefined;
}
