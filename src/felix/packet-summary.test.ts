import { summarizePacket } from './packet-summary';

describe('summarizePacket', () => {
  it('reads an IPv4 UDP packet copied by nflog (captured bytes)', () => {
    const p = Buffer.from('45000021645d40004011d86c7f0000017f000001d0ff270f000dfe2068656c6c6f', 'hex');
    expect(summarizePacket(p)).toEqual({ family: 4, srcIp: '127.0.0.1', dstIp: '127.0.0.1', protocol: 'udp', srcPort: 0xd0ff, dstPort: 9999 });
  });

  it('reads an IPv6 TCP header, compressing the longest zero run, and IPv4 options', () => {
    const v6 = Buffer.alloc(44);
    v6[0] = 0x60;
    v6[6] = 6;
    Buffer.from('fd000000000000000000000000000001', 'hex').copy(v6, 8);
    Buffer.from('fd000001000000000000000000000002', 'hex').copy(v6, 24);
    v6.writeUInt16BE(40000, 40);
    v6.writeUInt16BE(80, 42);
    expect(summarizePacket(v6)).toEqual({ family: 6, srcIp: 'fd00::1', dstIp: 'fd00:1::2', protocol: 'tcp', srcPort: 40000, dstPort: 80 });
    const v4opts = Buffer.alloc(28);
    v4opts[0] = 0x46;
    v4opts[9] = 132;
    v4opts.writeUInt16BE(5000, 24);
    v4opts.writeUInt16BE(36412, 26);
    expect(summarizePacket(v4opts)).toMatchObject({ protocol: 'sctp', srcPort: 5000, dstPort: 36412 });
  });

  it('reports no ports for ICMP, a non-first fragment or a truncated copy, and nothing for non-IP bytes', () => {
    const icmp = Buffer.from('450000545f6340004001dd667f0000017f0000010800', 'hex');
    expect(summarizePacket(icmp)).toEqual({ family: 4, srcIp: '127.0.0.1', dstIp: '127.0.0.1', protocol: 'icmp' });
    const frag = Buffer.from('45000021645d00644011d86c7f0000017f000001d0ff270f', 'hex');
    expect(summarizePacket(frag)?.dstPort).toBeUndefined();
    expect(summarizePacket(Buffer.from('45000021645d40004011d86c7f0000017f000001d0', 'hex'))?.srcPort).toBeUndefined();
    expect(summarizePacket(Buffer.from('deadbeef', 'hex'))).toBeUndefined();
  });
});
