// What every capability codec (cap-*.ts) looks like, and the errors they share. RFC 5492 §4: a capability is a
// <code, length, value> triple inside the Capabilities optional parameter; the codecs here see only the value.
import { BgpError } from './bgp-error';
import { ErrorCode, OpenSubcode } from './constants';
import type { Capability } from './types';

export type CapabilityKind = Capability['kind'];
export type CapabilityOf<K extends CapabilityKind> = Extract<Capability, { kind: K }>;

export interface CapabilityCodec<K extends CapabilityKind> {
  readonly kind: K;
  /** Decodes the value (length octet already stripped). Throws BgpError on a malformed value. */
  decode(code: number, value: Buffer): CapabilityOf<K>;
  /** Encodes the value only (no code, no length). */
  encode(cap: CapabilityOf<K>): Buffer;
  /** The code this capability goes on the wire with. */
  code(cap: CapabilityOf<K>): number;
}

/** The on-the-wire triple, as RFC 5492 §5 wants it in the data of an Unsupported Capability NOTIFICATION. */
export function capabilityTlv(code: number, value: Buffer): Buffer {
  return Buffer.concat([Buffer.from([code, value.length]), value]);
}

/**
 * A capability we implement whose value is malformed (wrong length, impossible field). Answered with OPEN Message
 * Error / Unsupported Capability carrying the offending triple (RFC 5492 §5), so a peer that retries without the
 * capabilities named in the data (as RFC 5492 §5 suggests) can still come up. A broken <code, length> framing is a
 * different error (OPEN / Unspecific), raised by capabilities.ts.
 */
export function malformedCapability(code: number, value: Buffer, detail: string): BgpError {
  return new BgpError(ErrorCode.OpenMessage, OpenSubcode.UnsupportedCapability, `capability ${code}: ${detail}`, capabilityTlv(code, value));
}

export function expectLength(code: number, value: Buffer, want: number, name: string): void {
  if (value.length !== want) throw malformedCapability(code, value, `${name} value must be ${want} octets, got ${value.length}`);
}

/** Codec for the capabilities that carry no value (route refresh, enhanced route refresh, extended message). */
export function emptyValueCodec<K extends 'route-refresh' | 'route-refresh-cisco' | 'enhanced-route-refresh' | 'extended-message'>(
  kind: K,
  wireCode: number,
  name: string,
): CapabilityCodec<K> {
  return {
    kind,
    decode(code, value) {
      expectLength(code, value, 0, name);
      return { kind } as CapabilityOf<K>;
    },
    encode: () => Buffer.alloc(0),
    code: () => wireCode,
  };
}
