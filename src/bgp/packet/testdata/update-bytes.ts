// Hand-built UPDATE bodies for the codec tests: small byte builders so each test case reads as the fields it sets.
// Test support only; nothing outside *.test.ts imports this.
import type { CodecOptions } from '../types';

export function hex(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ''), 'hex');
}

/** One attribute; Extended Length is used when asked or when the value needs it. */
export function attr(flags: number, type: number, value: Buffer | string, extended = false): Buffer {
  const v = typeof value === 'string' ? hex(value) : value;
  if (extended || v.length > 255) {
    const h = Buffer.from([flags | 0x10, type, 0, 0]);
    h.writeUInt16BE(v.length, 2);
    return Buffer.concat([h, v]);
  }
  return Buffer.concat([Buffer.from([flags, type, v.length]), v]);
}

/** An UPDATE body from its three fields. */
export function body(withdrawn: Buffer | string, attrs: Array<Buffer | string>, nlri: Buffer | string): Buffer {
  const w = typeof withdrawn === 'string' ? hex(withdrawn) : withdrawn;
  const a = Buffer.concat(attrs.map((x) => (typeof x === 'string' ? hex(x) : x)));
  const n = typeof nlri === 'string' ? hex(nlri) : nlri;
  const wl = Buffer.alloc(2);
  wl.writeUInt16BE(w.length);
  const al = Buffer.alloc(2);
  al.writeUInt16BE(a.length);
  return Buffer.concat([wl, w, al, a, n]);
}

// Well-formed attributes for a 4-octet-AS eBGP session.
export const ORIGIN_IGP = attr(0x40, 1, '00');
export const AS_PATH_65001 = attr(0x40, 2, '02 01 0000fde9');
export const NEXT_HOP_10_0_0_1 = attr(0x40, 3, '0a000001');
export const BASE = [ORIGIN_IGP, AS_PATH_65001, NEXT_HOP_10_0_0_1];
/** 10.0.1.0/24 */
export const NLRI_10_0_1 = '18 0a0001';
/** MP_REACH_NLRI IPv6 unicast, next hop 2001:db8::1, NLRI 2001:db8:1::/48. */
export const MP_REACH_V6 = attr(0x80, 14, '0002 01 10 20010db8000000000000000000000001 00 30 20010db80001');

export const EBGP4: CodecOptions = { fourOctetAs: true, extendedMessage: false, addPath: new Set(), internal: false };
export const IBGP4: CodecOptions = { ...EBGP4, internal: true };
export const EBGP2: CodecOptions = { ...EBGP4, fourOctetAs: false };
