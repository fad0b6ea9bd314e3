// The pure parts of the e2e harness, without daemons: BIRD/FRR/GoBGP output parsers (on output captured from the
// real daemons), TCP reassembly and the golden-set classifier. A parser that silently returns nothing would make
// interop tests wait for a timeout instead of failing on the real cause, so these pin the formats down.
import { parseBirdProtocol, parseBirdRoutes } from './bird';
import { openCapabilityCodes, reassemble, updateAttributeTypes, type TcpSegment } from './capture';
import { normaliseState } from './daemon-types';
import { frrPathToView } from './frr';
import { categories } from './golden-classify';
import { gobgpPathToView } from './gobgp';
import { buildKeepalive, buildOpen, buildUpdate, attr, ipv4Nlri } from './raw-peer';

const BIRD_ROUTES = [
  'Table master4:',
  '10.1.0.0/24          unreachable [orig4 06:10:43.654] * (200)',
  '\tType: static univ',
  '\tBGP.next_hop: 192.0.2.9',
  '\tBGP.med: 5',
  '\tBGP.local_pref: 200',
  '\tBGP.community: (65001,10) (65001,11)',
  '\tBGP.large_community: (65001, 1, 2)',
  '10.2.0.0/24          unreachable [frr1 06:11:05.189 from 127.0.150.2] * (100) [AS65002i]',
  '\tType: BGP univ',
  '\tBGP.origin: IGP',
  '\tBGP.as_path: 65002 4200000003',
  '\tBGP.next_hop: 127.0.150.2',
  '\tBGP.local_pref: 100',
  '\tBGP.originator_id: 10.0.0.9',
  '\tBGP.cluster_list: 10.0.0.1 10.0.0.2',
  '                     unreachable [gobgp 06:11:06.000 from 127.0.150.3] (100) [AS65003?]',
  '\tType: BGP univ',
  '\tBGP.origin: Incomplete',
  '\tBGP.as_path: 65003',
  '\tBGP.next_hop: 192.0.2.3',
  '',
].join('\n');

const BIRD_PROTOCOL = [
  'Name       Proto      Table      State  Since         Info',
  'frr1       BGP        ---        start  06:10:43.654  Active        Socket: Connection refused',
  '  BGP state:          Active',
  '    Neighbor address: 127.0.150.2',
  '    Last error:       Socket: Connection refused',
  '  Channel ipv4',
  '    Routes:         3 imported, 2 exported, 3 preferred',
].join('\n');

describe('BIRD output parsers', () => {
  it('parses show route all: attributes, several routes per prefix, best flag', () => {
    const routes = parseBirdRoutes(BIRD_ROUTES);
    expect(routes).toHaveLength(3);
    expect(routes[0]).toMatchObject({ prefix: '10.1.0.0/24', nextHop: '192.0.2.9', med: 5, localPref: 200, communities: ['65001:10', '65001:11'], largeCommunities: ['65001:1:2'], best: true, asPath: [] });
    expect(routes[0]?.from).toBeUndefined();
    expect(routes[1]).toMatchObject({ prefix: '10.2.0.0/24', origin: 'igp', asPath: [65002, 4200000003], from: '127.0.150.2', originatorId: '10.0.0.9', clusterList: ['10.0.0.1', '10.0.0.2'], best: true });
    expect(routes[2]).toMatchObject({ prefix: '10.2.0.0/24', origin: 'incomplete', from: '127.0.150.3', best: false, nextHop: '192.0.2.3' });
  });

  it('parses show protocols all: state, BGP state, last error, route counters', () => {
    expect(parseBirdProtocol(BIRD_PROTOCOL, 'frr1')).toEqual({
      state: 'start',
      bgpState: 'Active',
      lastError: 'Socket: Connection refused',
      info: 'Active Socket: Connection refused',
      importedRoutes: 3,
      exportedRoutes: 2,
    });
    expect(() => parseBirdProtocol(BIRD_PROTOCOL, 'other')).toThrow(/not in output/);
  });
});

describe('FRR and GoBGP JSON to RouteView', () => {
  it('maps an FRR path', () => {
    const v = frrPathToView('10.2.0.0/24', {
      aspath: { segments: [{ type: 'as-sequence', list: [65002, 65009] }] },
      origin: 'IGP',
      metric: 7,
      locPrf: 300,
      community: { list: ['65002:20'] },
      largeCommunity: { list: ['65002:3:4'] },
      bestpath: { overall: true },
      nexthops: [{ ip: '192.0.2.7' }],
      peer: { peerId: '127.0.0.9' },
    });
    expect(v).toEqual({ prefix: '10.2.0.0/24', nextHop: '192.0.2.7', asPath: [65002, 65009], origin: 'igp', localPref: 300, med: 7, communities: ['65002:20'], largeCommunities: ['65002:3:4'], originatorId: undefined, clusterList: undefined, stale: false, best: true, from: '127.0.0.9' });
  });

  it('maps a GoBGP path (as `gobgp global rib -j` prints it)', () => {
    const v = gobgpPathToView('10.1.0.0/24', {
      attrs: [
        { type: 1, value: 0 },
        { type: 2, as_paths: [{ segment_type: 2, asns: [65001] }] },
        { type: 3, nexthop: '192.0.2.9' },
        { type: 8, communities: [4259905546] },
        { type: 32, value: [{ ASN: 65001, LocalData1: 1, LocalData2: 2 }] },
      ],
      best: true,
      'neighbor-ip': '127.0.150.1',
    });
    expect(v).toMatchObject({ nextHop: '192.0.2.9', asPath: [65001], origin: 'igp', communities: ['65001:10'], largeCommunities: ['65001:1:2'], best: true, from: '127.0.150.1' });
    expect(v.med).toBeUndefined();
  });

  const states: Array<{ input: string; want: string }> = [
    { input: 'Established', want: 'Established' },
    { input: 'OpenConfirm', want: 'OpenConfirm' },
    { input: 'open_sent', want: 'OpenSent' },
    { input: 'BGP_FSM_IDLE', want: 'Unknown' },
  ];
  it.each(states)('normalises session state $input', ({ input, want }) => {
    expect(normaliseState(input)).toBe(want);
  });
});

function seg(seq: number, hex: string, src = '127.0.0.1'): TcpSegment {
  return { src, sport: 1000, dst: '127.0.0.2', dport: 179, seq, payload: Buffer.from(hex, 'hex') };
}

describe('TCP reassembly into BGP messages', () => {
  const ka = buildKeepalive().toString('hex');
  const upd = buildUpdate(Buffer.alloc(0), attr(0x40, 1, Buffer.from([0])), ipv4Nlri('10.0.0.0/8')).toString('hex');
  const both = ka + upd;
  const cases: Array<{ name: string; segs: TcpSegment[]; want: string[]; trailing: number }> = [
    { name: 'one segment, two messages', segs: [seg(100, both)], want: [ka, upd], trailing: 0 },
    { name: 'split mid-header, out of order', segs: [seg(110, both.slice(20)), seg(100, both.slice(0, 20))], want: [ka, upd], trailing: 0 },
    { name: 'retransmission overlapping', segs: [seg(100, both.slice(0, 50)), seg(100, both.slice(0, 30)), seg(115, both.slice(30))], want: [ka, upd], trailing: 0 },
    { name: 'sequence number wraps', segs: [seg(2 ** 32 - 10, both.slice(0, 20)), seg(0, both.slice(20))], want: [ka, upd], trailing: 0 },
    { name: 'gap: stops before it', segs: [seg(100, ka), seg(100 + 19 + 5, upd.slice(10))], want: [ka], trailing: 0 },
    { name: 'cut mid-message', segs: [seg(100, both.slice(0, 60))], want: [ka], trailing: 11 },
  ];
  it.each(cases)('$name', ({ segs, want, trailing }) => {
    const streams = reassemble(segs);
    expect(streams).toHaveLength(1);
    expect(streams[0]?.messages.map((m) => m.toString('hex'))).toEqual(want);
    expect(streams[0]?.trailing).toBe(trailing);
  });

  it('keeps the two directions apart', () => {
    const streams = reassemble([seg(1, ka, '127.0.0.1'), { ...seg(7, upd), src: '127.0.0.2', dst: '127.0.0.1', sport: 179, dport: 1000 }]);
    expect(streams.map((s) => s.messages.length)).toEqual([1, 1]);
  });
});

describe('golden classification', () => {
  const open = buildOpen({ asn: 4200000001, routerId: '10.0.0.1', families: [[1, 1], [2, 1]] });
  const update = buildUpdate(
    Buffer.alloc(0),
    Buffer.concat([attr(0x40, 1, Buffer.from([0])), attr(0x40, 2, Buffer.from('02010000fde9', 'hex')), attr(0x40, 3, Buffer.from([192, 0, 2, 1])), attr(0xc0, 8, Buffer.from('fde9000a', 'hex'))]),
    ipv4Nlri('10.1.0.0/24'),
  );
  const cases: Array<{ name: string; msg: Buffer; internal: boolean; want: string[] }> = [
    { name: 'OPEN', msg: open, internal: false, want: ['open'] },
    { name: 'KEEPALIVE', msg: buildKeepalive(), internal: false, want: ['keepalive'] },
    { name: 'IPv4 End-of-RIB', msg: buildUpdate(Buffer.alloc(0), Buffer.alloc(0), Buffer.alloc(0)), internal: false, want: ['eor-ipv4'] },
    { name: 'IPv6 End-of-RIB', msg: buildUpdate(Buffer.alloc(0), attr(0x80, 15, Buffer.from('000201', 'hex')), Buffer.alloc(0)), internal: false, want: ['eor-ipv6'] },
    { name: 'IPv4 withdraw', msg: buildUpdate(ipv4Nlri('10.0.0.0/8'), Buffer.alloc(0), Buffer.alloc(0)), internal: false, want: ['update-ipv4-withdraw'] },
    { name: 'IPv4 with communities', msg: update, internal: false, want: ['update-ipv4-communities', 'update-ipv4-nlri'] },
  ];
  it.each(cases)('$name', ({ msg, internal, want }) => {
    expect(categories(msg, internal, true)).toEqual(want);
  });

  it('reads attribute type codes and capability codes', () => {
    expect(updateAttributeTypes(update)).toEqual([1, 2, 3, 8]);
    expect(openCapabilityCodes(open)).toEqual([1, 1, 65]);
  });
});
