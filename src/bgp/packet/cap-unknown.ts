// Capabilities this speaker does not implement (RFC 5492 §4: ignored, not an error). Kept as raw bytes so logs and
// `bgp status` can show what the peer offered.
import type { CapabilityCodec } from './cap-codec';

export const unknownCapabilityCodec: CapabilityCodec<'unknown'> = {
  kind: 'unknown',
  // A copy, so a kept capability does not pin the whole received message in memory.
  decode: (code, value) => ({ kind: 'unknown', code, value: Buffer.from(value) }),
  encode: (cap) => cap.value,
  code: (cap) => cap.code,
};
