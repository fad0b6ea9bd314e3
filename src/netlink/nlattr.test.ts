import fc from 'fast-check';
import { endianness } from 'node:os';
import {
  attr,
  decodeAttrs,
  decodeLinkInfo,
  decodeMultipath,
  decodeVxlanData,
  encodeLinkInfo,
  encodeMultipath,
  encodeVethPeer,
  encodeVxlanData,
  readStr,
  RTNH_F_ONLINK,
  type RtNextHop,
} from './nlattr';
import { NetlinkError } from './netlink-error';

// Golden bytes are host-order; the machines Gingham targets (x86-64, arm64) are little-endian.
const itLE = endianness() === 'LE' ? it : it.skip;
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('nlattr', () => {
  itLE('encodes an attribute with its length before padding, padded to 4 bytes', () => {
    expect(attr(7, Buffer.from([1])).toString('hex')).toBe('0500070001000000');
    expect(attr(3, Buffer.from('eth0\0')).toString('hex')).toBe('0900030065746830' + '00000000');
  });

  itLE('encodes vxlan data as the kernel expects (golden)', () => {
    const got = encodeVxlanData({ vni: 4096, port: 4789, learning: false, parentIndex: 2, local: hex('0a000001') });
    // IFLA_VXLAN_ID u32 4096, IFLA_VXLAN_PORT be16 4789, IFLA_VXLAN_LEARNING u8 0, IFLA_VXLAN_LINK u32 2, IFLA_VXLAN_LOCAL.
    expect(got.toString('hex')).toBe(hex('08000100 00100000  06000f00 12b50000  05000700 00000000  08000300 02000000  08000400 0a000001').toString('hex'));
    expect(decodeVxlanData(got)).toEqual({ vni: 4096, port: 4789, learning: false, parentIndex: 2, local: hex('0a000001') });
  });

  itLE('encodes RTA_MULTIPATH next hops (golden)', () => {
    const got = encodeMultipath([
      { flags: RTNH_F_ONLINK, hops: 0, ifindex: 3, gateway: hex('0a000002') },
      { flags: 0, hops: 2, ifindex: 4 },
    ]);
    expect(got.toString('hex')).toBe(hex('1000 04 00 03000000 0800 0500 0a000002   0800 00 02 04000000').toString('hex'));
  });

  it('round-trips link info, veth peers and multipath lists', () => {
    const info = encodeLinkInfo('vxlan', encodeVxlanData({ vni: 1, port: 8472, learning: true }));
    const li = decodeLinkInfo(info);
    expect(li.kind).toBe('vxlan');
    expect(decodeVxlanData(li.data ?? Buffer.alloc(0))).toEqual({ vni: 1, port: 8472, learning: true, parentIndex: undefined, local: undefined });
    expect(decodeLinkInfo(encodeLinkInfo('ipip'))).toEqual({ kind: 'ipip', data: undefined });

    const peer = decodeAttrs(encodeVethPeer({ name: 'eth0', mtu: 1440, netnsFd: 7 }));
    expect(peer).toHaveLength(1);
    const body = peer[0]?.data ?? Buffer.alloc(0);
    const peerAttrs = decodeAttrs(body.subarray(16)); // after the struct ifinfomsg
    expect(peerAttrs.map((a) => a.type)).toEqual([3, 4, 28]);
    expect(readStr(peerAttrs[0]?.data ?? Buffer.alloc(0))).toBe('eth0');

    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            flags: fc.integer({ min: 0, max: 255 }),
            hops: fc.integer({ min: 0, max: 255 }),
            ifindex: fc.integer({ min: 0, max: 0x7fffffff }),
            gateway: fc.option(fc.oneof(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.uint8Array({ minLength: 16, maxLength: 16 })), { nil: undefined }),
          }),
          { maxLength: 8 },
        ),
        (hops) => {
          const input: RtNextHop[] = hops.map((h) => ({ ...h, gateway: h.gateway && Buffer.from(h.gateway) }));
          expect(decodeMultipath(encodeMultipath(input))).toEqual(input);
        },
      ),
    );
  });

  const malformed: Array<{ name: string; bytes: string; decode: (b: Buffer) => unknown }> = [
    { name: 'attribute header cut short', bytes: '0800', decode: decodeAttrs },
    { name: 'attribute overruns its view', bytes: '0c000100 00000000', decode: decodeAttrs },
    { name: 'attribute length below header size', bytes: '02000100', decode: decodeAttrs },
    { name: 'rtnexthop cut short', bytes: '1000 0000', decode: decodeMultipath },
    { name: 'rtnexthop overruns', bytes: '2000 0000 01000000', decode: decodeMultipath },
    { name: 'vxlan id too short', bytes: '06000100 0100 0000', decode: decodeVxlanData },
  ];
  it.each(malformed)('rejects $name with NetlinkError EINVAL', ({ bytes, decode }) => {
    expect(() => decode(hex(bytes))).toThrow(NetlinkError);
  });

  it('decoders fail only with NetlinkError on arbitrary input', () => {
    const decoders = [decodeAttrs, decodeMultipath, decodeVxlanData, decodeLinkInfo];
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 0, max: decoders.length - 1 }), (bytes, i) => {
        try {
          decoders[i]?.(Buffer.from(bytes));
        } catch (err) {
          expect(err).toBeInstanceOf(NetlinkError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
