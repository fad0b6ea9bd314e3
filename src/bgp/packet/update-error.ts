// Builders for the BgpErrors the UPDATE decoder raises (RFC 4271 §6.3 subcodes, RFC 7606 dispositions), so every
// attribute module names the same NOTIFICATION the same way. Builds errors only; deciding which disposition wins is
// attributes.ts / update.ts.
import { BgpError, type ErrorHandling } from './bgp-error';
import { ErrorCode, UpdateSubcode } from './constants';

/** An UPDATE Message Error with the given RFC 7606 disposition. `data` is what the NOTIFICATION would carry. */
export function updateError(
  subcode: UpdateSubcode,
  detail: string,
  handling: ErrorHandling,
  data: Buffer = Buffer.alloc(0),
): BgpError {
  return new BgpError(ErrorCode.UpdateMessage, subcode, detail, data, handling);
}

/** Where an attribute sits in the message and how it arrived; passed to each attribute decoder. */
export interface AttrSite {
  readonly flags: number;
  readonly typeCode: number;
  /**
   * The whole attribute (flags, type, length, value). RFC 4271 §6.3: the NOTIFICATION Data of an attribute error
   * "MUST contain the attribute (type, length, and value)"; we send the received octets as they were.
   */
  readonly raw: Buffer;
}

/** An error about one attribute, carrying that attribute as NOTIFICATION data. */
export function attrError(site: AttrSite, subcode: UpdateSubcode, handling: ErrorHandling, detail: string): BgpError {
  return updateError(subcode, detail, handling, site.raw);
}

/** RFC 4271 §6.3 Attribute Length Error for an attribute whose value must be exactly `want` octets long. */
export function lengthError(site: AttrSite, name: string, handling: ErrorHandling, have: number, want: string): BgpError {
  return attrError(site, UpdateSubcode.AttributeLengthError, handling, `${name} length ${have}, want ${want}`);
}
