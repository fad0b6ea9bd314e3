// ADD-PATH capability (code 69, RFC 7911 §4): per family, whether the sender wants to receive (1), send (2) or both
// (3) multiple paths, each NLRI then carrying a 4-octet path identifier.
import { CapabilityCode } from './constants';
import { malformedCapability, type CapabilityCodec } from './cap-codec';

export const ADD_PATH_RECEIVE = 1;
export const ADD_PATH_SEND = 2;
export const ADD_PATH_BOTH = 3;

export const addPathCodec: CapabilityCodec<'add-path'> = {
  kind: 'add-path',
  decode(code, value) {
    if (value.length % 4 !== 0) throw malformedCapability(code, value, `ADD-PATH value must be 4n octets, got ${value.length}`);
    const families: Array<{ afi: number; safi: number; sendReceive: number }> = [];
    // Send/Receive values other than 1..3 are kept as received; negotiate() gives them no meaning.
    for (let at = 0; at < value.length; at += 4) {
      families.push({ afi: value.readUInt16BE(at), safi: value.readUInt8(at + 2), sendReceive: value.readUInt8(at + 3) });
    }
    return { kind: 'add-path', families };
  },
  encode(cap) {
    const out = Buffer.alloc(4 * cap.families.length);
    cap.families.forEach((f, i) => {
      out.writeUInt16BE(f.afi, 4 * i);
      out.writeUInt8(f.safi, 4 * i + 2);
      out.writeUInt8(f.sendReceive, 4 * i + 3);
    });
    return out;
  },
  code: () => CapabilityCode.AddPath,
};
