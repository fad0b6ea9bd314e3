// Multiprotocol Extensions capability (code 1, RFC 4760 §8): one <AFI, reserved, SAFI> value per family the sender
// can exchange. Also owns the printable names of AFI/SAFI pairs used in logs.
import { Afi, CapabilityCode, Safi } from './constants';
import { expectLength, type CapabilityCodec } from './cap-codec';

export const multiprotocolCodec: CapabilityCodec<'multiprotocol'> = {
  kind: 'multiprotocol',
  decode(code, value) {
    expectLength(code, value, 4, 'multiprotocol');
    // Octet 2 is reserved: RFC 4760 §8 says the sender sets it to 0 and the receiver ignores it.
    return { kind: 'multiprotocol', afi: value.readUInt16BE(0), safi: value.readUInt8(3) };
  },
  encode(cap) {
    const out = Buffer.alloc(4);
    out.writeUInt16BE(cap.afi, 0);
    out.writeUInt8(cap.safi, 3);
    return out;
  },
  code: () => CapabilityCode.Multiprotocol,
};

const AFI_NAMES: Readonly<Record<number, string>> = { [Afi.Ipv4]: 'ipv4', [Afi.Ipv6]: 'ipv6' };
const SAFI_NAMES: Readonly<Record<number, string>> = { [Safi.Unicast]: 'unicast', 2: 'multicast', 4: 'labeled-unicast', 128: 'vpn' };

/** "ipv4/unicast", or "afi 25/safi 70" for pairs without a name. */
export function afiSafiName(afi: number, safi: number): string {
  return `${AFI_NAMES[afi] ?? `afi ${afi}`}/${SAFI_NAMES[safi] ?? `safi ${safi}`}`;
}
