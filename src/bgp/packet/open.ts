// OPEN (RFC 4271 §4.2): decoding and encoding the body, with its optional parameters in the classic form or the
// RFC 9072 extended form, and the checks of RFC 4271 §6.2 / RFC 6286 §2.2. decodeOpen enforces what needs no
// configuration (version, hold time, identifier syntax, parameter structure); validateOpen adds what needs ours
// (the peer's AS, an iBGP identifier equal to our own). Capability values are handled by capabilities.ts.
import { BgpError } from './bgp-error';
import { decodeCapabilities, encodeCapabilities } from './capabilities';
import { BGP_VERSION, ErrorCode, OpenSubcode, OptionalParamType } from './constants';
import { badMessageLength, BgpEncodeError } from './header';
import type { Capability, OpenMessage } from './types';

/** Octets before the optional parameters: version, My AS, hold time, BGP identifier, Opt Parm Len. */
const FIXED_LENGTH = 10;

/** Largest classic optional parameters field (one-octet length). */
const MAX_CLASSIC_PARAMS = 255;

function openError(subcode: OpenSubcode, detail: string, data?: Buffer): BgpError {
  return new BgpError(ErrorCode.OpenMessage, subcode, detail, data);
}

export function ipv4ToString(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}.${v & 0xff}`;
}

/** Parses a dotted quad strictly (four decimal octets 0..255); undefined when it is not one. */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    v = v * 256 + n;
  }
  return v;
}

// ---------------------------------------------------------------- checks

/** The peer's AS as RFC 6793 §4.1 defines it: the four-octet-as capability when present, else My Autonomous System. */
export function openAsn(open: OpenMessage): number {
  const as4 = open.capabilities.find((c) => c.kind === 'four-octet-as');
  return as4?.kind === 'four-octet-as' ? as4.asn : open.myAs;
}

function unsupportedVersion(version: number): BgpError {
  // RFC 4271 §6.2: the data is the 2-octet largest supported version below the peer's bid, or our smallest; we
  // support only 4, so it is always 4.
  const data = Buffer.alloc(2);
  data.writeUInt16BE(BGP_VERSION, 0);
  return openError(OpenSubcode.UnsupportedVersionNumber, `version ${version}, only ${BGP_VERSION} is supported`, data);
}

/**
 * The checks that need no configuration, in RFC 4271 §6.2 order: version, hold time (1 and 2 seconds MUST be
 * rejected), BGP Identifier (RFC 6286 §2.2: non-zero; multicast identifiers are refused as well, see below).
 */
export function checkOpenFields(open: OpenMessage): BgpError | undefined {
  if (open.version !== BGP_VERSION) return unsupportedVersion(open.version);
  if (open.holdTime === 1 || open.holdTime === 2) {
    return openError(OpenSubcode.UnacceptableHoldTime, `hold time ${open.holdTime}s (must be 0 or at least 3)`);
  }
  const id = parseIpv4(open.bgpId);
  if (id === undefined || id === 0) return openError(OpenSubcode.BadBgpIdentifier, `BGP identifier ${open.bgpId}`);
  // RFC 6286 only requires non-zero, but RFC 4271 implementations (and operators) treat a multicast address as a
  // syntactically wrong identifier; refusing 224.0.0.0/4 catches misconfiguration early.
  if (id >>> 28 === 0xe) return openError(OpenSubcode.BadBgpIdentifier, `BGP identifier ${open.bgpId} is multicast`);
  return undefined;
}

/**
 * Every RFC 4271 §6.2 check of a received OPEN against our configuration: checkOpenFields, then Bad Peer AS (the AS
 * from the four-octet-as capability when present, else My Autonomous System, which is AS_TRANS for a 4-octet AS),
 * then RFC 6286 §2.2: from an internal peer, an identifier equal to ours is Bad BGP Identifier. Undefined when the
 * OPEN is acceptable. Collision detection (RFC 4271 §6.8) is the session's.
 */
export function validateOpen(
  open: OpenMessage,
  local: { readonly asn: number; readonly bgpId: string },
  peer: { readonly asn: number },
): BgpError | undefined {
  if (open.version !== BGP_VERSION) return unsupportedVersion(open.version);
  const asn = openAsn(open);
  if (asn !== peer.asn) return openError(OpenSubcode.BadPeerAs, `peer AS ${asn}, expected ${peer.asn}`);
  const fieldError = checkOpenFields(open);
  if (fieldError) return fieldError;
  if (asn === local.asn) {
    const ours = parseIpv4(local.bgpId);
    const theirs = parseIpv4(open.bgpId);
    if (ours !== undefined ? ours === theirs : local.bgpId === open.bgpId) {
      return openError(OpenSubcode.BadBgpIdentifier, `internal peer uses our own BGP identifier ${open.bgpId}`);
    }
  }
  return undefined;
}

// ---------------------------------------------------------------- decode

interface RawParam {
  readonly type: number;
  readonly value: Buffer;
}

/** Splits the optional parameters into <type, value>; lengthOctets is 1 (classic) or 2 (RFC 9072 §2). */
function splitParams(params: Buffer, lengthOctets: 1 | 2): RawParam[] {
  const out: RawParam[] = [];
  let at = 0;
  const headLen = 1 + lengthOctets;
  while (at < params.length) {
    if (params.length - at < headLen) throw openError(OpenSubcode.Unspecific, `optional parameter header truncated at octet ${at}`);
    const type = params.readUInt8(at);
    const len = lengthOctets === 1 ? params.readUInt8(at + 1) : params.readUInt16BE(at + 1);
    if (at + headLen + len > params.length) {
      throw openError(OpenSubcode.Unspecific, `optional parameter ${type} length ${len} runs past the parameters`);
    }
    out.push({ type, value: params.subarray(at + headLen, at + headLen + len) });
    at += headLen + len;
  }
  return out;
}

/**
 * The optional parameters field, in whichever form it was sent. RFC 9072 §2/§3: the extended form is recognised by
 * the first octet after Opt Parm Len being 255 (the Non-Ext OP Type), whatever Opt Parm Len says. An Opt Parm Len of
 * exactly 255 alone proves nothing: 255 octets of classic parameters are legal and start with type 2 (the trap of
 * FRR issue #22307, where the probe octet was consumed and a valid OPEN rejected).
 */
function readParams(body: Buffer): RawParam[] {
  const optLen = body.readUInt8(FIXED_LENGTH - 1);
  const rest = body.subarray(FIXED_LENGTH);
  if (optLen > 0 && rest.length > 0 && rest[0] === OptionalParamType.ExtendedLength) {
    if (rest.length < 3) throw openError(OpenSubcode.Unspecific, 'extended optional parameters length truncated');
    const extLen = rest.readUInt16BE(1);
    const params = rest.subarray(3);
    if (params.length !== extLen) {
      throw openError(OpenSubcode.Unspecific, `extended optional parameters length ${extLen}, message holds ${params.length}`);
    }
    return splitParams(params, 2);
  }
  if (rest.length !== optLen) {
    throw openError(OpenSubcode.Unspecific, `optional parameters length ${optLen}, message holds ${rest.length}`);
  }
  return splitParams(rest, 1);
}

/** Decodes an OPEN body (the message without its 19-octet header). Throws BgpError only. */
export function decodeOpen(body: Buffer): OpenMessage {
  if (body.length < FIXED_LENGTH) throw badMessageLength(19 + body.length, `OPEN body of ${body.length} octets`);
  const version = body.readUInt8(0);
  // The version decides the layout of everything after it, so it is checked before reading anything else.
  if (version !== BGP_VERSION) throw unsupportedVersion(version);
  const partial = {
    type: 'open' as const,
    version,
    myAs: body.readUInt16BE(1),
    holdTime: body.readUInt16BE(3),
    bgpId: ipv4ToString(body.readUInt32BE(5)),
  };
  const fieldError = checkOpenFields({ ...partial, capabilities: [] });
  if (fieldError) throw fieldError;
  const capabilities: Capability[] = [];
  for (const p of readParams(body)) {
    // RFC 4271 §6.2: an optional parameter we do not recognise is Unsupported Optional Parameter. Type 2 (RFC 5492)
    // is the only one defined today; 1 (authentication) is deprecated.
    if (p.type !== OptionalParamType.Capabilities) {
      throw openError(OpenSubcode.UnsupportedOptionalParameter, `optional parameter type ${p.type}`);
    }
    capabilities.push(...decodeCapabilities(p.value));
  }
  return { ...partial, capabilities };
}

// ---------------------------------------------------------------- encode

function checkField(name: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new BgpEncodeError('BGP_ENCODE_INVALID', `OPEN ${name} ${v} out of range 0..${max}`);
}

/**
 * Encodes an OPEN body. All capabilities go in one Capabilities parameter. RFC 9072 §2: the classic form is used
 * whenever the parameters fit in 255 octets; the extended form only beyond that, or when `forceExtended` (a test
 * of the peer's RFC 9072 support, as the RFC allows configuration to do).
 */
export function encodeOpen(msg: OpenMessage, opts: { readonly forceExtended?: boolean } = {}): Buffer {
  checkField('version', msg.version, 0xff);
  checkField('My AS', msg.myAs, 0xffff);
  checkField('hold time', msg.holdTime, 0xffff);
  const id = parseIpv4(msg.bgpId);
  if (id === undefined) throw new BgpEncodeError('BGP_ENCODE_INVALID', `OPEN BGP identifier ${msg.bgpId} is not a dotted quad`);
  const caps = encodeCapabilities(msg.capabilities);
  const fixed = Buffer.alloc(FIXED_LENGTH);
  fixed.writeUInt8(msg.version, 0);
  fixed.writeUInt16BE(msg.myAs, 1);
  fixed.writeUInt16BE(msg.holdTime, 3);
  fixed.writeUInt32BE(id, 5);
  if (msg.capabilities.length === 0 && !opts.forceExtended) return fixed; // Opt Parm Len 0
  const extended = opts.forceExtended === true || 2 + caps.length > MAX_CLASSIC_PARAMS;
  if (!extended) {
    fixed.writeUInt8(2 + caps.length, FIXED_LENGTH - 1);
    return Buffer.concat([fixed, Buffer.from([OptionalParamType.Capabilities, caps.length]), caps]);
  }
  // Extended: Non-Ext OP Len 255 (RFC 9072 §2: SHOULD be 255, MUST NOT be 0), Non-Ext OP Type 255, then a 2-octet
  // total length and parameters with 2-octet lengths.
  if (caps.length > 0xffff - 3) throw new BgpEncodeError('BGP_ENCODE_TOO_LONG', `capabilities of ${caps.length} octets`);
  fixed.writeUInt8(MAX_CLASSIC_PARAMS, FIXED_LENGTH - 1);
  const head = Buffer.alloc(6);
  head.writeUInt8(OptionalParamType.ExtendedLength, 0);
  head.writeUInt16BE(3 + caps.length, 1);
  head.writeUInt8(OptionalParamType.Capabilities, 3);
  head.writeUInt16BE(caps.length, 4);
  return Buffer.concat([fixed, head, caps]);
}
