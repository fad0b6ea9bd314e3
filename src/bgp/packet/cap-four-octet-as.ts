// Support for 4-octet AS numbers capability (code 65, RFC 6793 §3): the sender's real AS as 4 octets. Its presence
// also switches AS_PATH/AGGREGATOR to 4-octet ASNs once both sides sent it.
import { CapabilityCode } from './constants';
import { expectLength, type CapabilityCodec } from './cap-codec';

export const fourOctetAsCodec: CapabilityCodec<'four-octet-as'> = {
  kind: 'four-octet-as',
  decode(code, value) {
    expectLength(code, value, 4, 'four-octet AS');
    return { kind: 'four-octet-as', asn: value.readUInt32BE(0) };
  },
  encode(cap) {
    const out = Buffer.alloc(4);
    out.writeUInt32BE(cap.asn >>> 0, 0);
    return out;
  },
  code: () => CapabilityCode.FourOctetAs,
};
