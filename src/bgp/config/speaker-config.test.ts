import { parseSpeakerFile, parseAsn, parsePrefix, canonicalIpv6, ConfigError } from './speaker-config';

const valid = `
asNumber: 65000
routerId: 127.0.0.10
listen: { address: 127.0.0.10, port: 179 }
statusSocket: /tmp/gingham-test.sock
peers:
  - { address: 127.0.0.11, asNumber: 4200000001, passive: true, holdTime: 30, families: [ipv4, ipv6] }
  - { address: 127.0.0.12, asNumber: "1.10" }
originate:
  - { prefix: 10.244.1.0/24, communities: ["65000:100", no-export], largeCommunities: ["65000:1:2"] }
  - { prefix: "2001:DB8:1::/48", nextHop: "2001:db8::0:1" }
`;

function problemsOf(text: string): string[] {
  try {
    parseSpeakerFile(text, 'speaker.yaml');
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

describe('speaker configuration', () => {
  it('parses a full file with defaults filled in', () => {
    const f = parseSpeakerFile(valid);
    expect(f.speaker).toEqual({ asn: 65000, routerId: '127.0.0.10', listen: { address: '127.0.0.10', port: 179 } });
    expect(f.peers[0]).toMatchObject({ address: '127.0.0.11', asn: 4200000001, localAsn: 65000, passive: true, holdTime: 30, localAddress: '127.0.0.10', port: 179 });
    expect(f.peers[1]).toMatchObject({ asn: 65546, passive: false, holdTime: 90, families: ['ipv4'] });
    expect(f.originate[0]?.communities).toEqual([65000 * 65536 + 100, 0xffffff01]);
    expect(f.originate[0]?.largeCommunities).toEqual([[65000, 1, 2]]);
    expect(f.originate[1]).toMatchObject({ prefix: { family: 'ipv6', address: '2001:db8:1::', length: 48 }, nextHop: '2001:db8::1' });
    expect(f.statusSocket).toBe('/tmp/gingham-test.sock');
  });

  const bad: Array<{ name: string; text: string; want: string }> = [
    { name: 'missing asNumber', text: 'routerId: 1.1.1.1', want: 'asNumber: is required' },
    { name: 'unknown field', text: 'asNumber: 1\nrouterId: 1.1.1.1\nfoo: 1', want: 'foo: unknown field' },
    { name: 'AS out of range', text: 'asNumber: 4294967296\nrouterId: 1.1.1.1', want: 'asNumber: must be an AS number' },
    { name: 'router id zero', text: 'asNumber: 1\nrouterId: 0.0.0.0', want: 'routerId: must be a non-zero IPv4 address' },
    { name: 'peer AS', text: 'asNumber: 1\nrouterId: 1.1.1.1\npeers: [{address: 127.0.0.2, asNumber: abc}]', want: 'peers[0].asNumber: must be an AS number' },
    { name: 'peer address', text: 'asNumber: 1\nrouterId: 1.1.1.1\npeers: [{address: nope, asNumber: 2}]', want: 'peers[0].address: must be an IP address' },
    { name: 'hold time 2', text: 'asNumber: 1\nrouterId: 1.1.1.1\npeers: [{address: 127.0.0.2, asNumber: 2, holdTime: 2}]', want: 'peers[0].holdTime: must be 0 or at least 3 seconds' },
    { name: 'family', text: 'asNumber: 1\nrouterId: 1.1.1.1\npeers: [{address: 127.0.0.2, asNumber: 2, families: [ipv5]}]', want: 'peers[0].families[0]: must be one of ipv4, ipv6' },
    { name: 'duplicate peer', text: 'asNumber: 1\nrouterId: 1.1.1.1\npeers: [{address: 127.0.0.2, asNumber: 2}, {address: 127.0.0.2, asNumber: 3}]', want: 'peers[1].address: 127.0.0.2 is configured twice' },
    { name: 'host bits', text: 'asNumber: 1\nrouterId: 1.1.1.1\noriginate: [{prefix: 10.0.0.1/24}]', want: 'originate[0].prefix: host bits set (did you mean 10.0.0.0/24?)' },
    { name: 'next hop family', text: 'asNumber: 1\nrouterId: 1.1.1.1\noriginate: [{prefix: "2001:db8::/32", nextHop: 1.2.3.4}]', want: 'originate[0].nextHop: must be an IPv6 address' },
    { name: 'community', text: 'asNumber: 1\nrouterId: 1.1.1.1\noriginate: [{prefix: 10.0.0.0/8, communities: ["70000:1"]}]', want: 'originate[0].communities[0]: must be ASN:VALUE' },
    { name: 'yaml syntax', text: 'asNumber: [1', want: 'not valid YAML' },
    { name: 'cluster id', text: 'asNumber: 1\nrouterId: 1.1.1.1\nclusterId: 0.0.0.0', want: 'clusterId: must be a non-zero IPv4 address' },
    { name: 'cluster id text', text: 'asNumber: 1\nrouterId: 1.1.1.1\nclusterId: abc', want: 'clusterId: must be' },
    {
      name: 'eBGP reflector client',
      text: 'asNumber: 1\nrouterId: 1.1.1.1\npeers: [{address: 127.0.0.2, asNumber: 2, routeReflectorClient: true}]',
      want: 'peers[0].routeReflectorClient: only an iBGP peer',
    },
    { name: 'next hop mode', text: 'asNumber: 1\nrouterId: 1.1.1.1\npeers: [{address: 127.0.0.2, asNumber: 2, nextHopMode: always}]', want: 'peers[0].nextHopMode: must be one of auto, self, keep' },
    { name: 'local AS', text: 'asNumber: 1\nrouterId: 1.1.1.1\npeers: [{address: 127.0.0.2, asNumber: 2, localAsNumber: 0}]', want: 'peers[0].localAsNumber: must be an AS number' },
    { name: 'open-wait 0', text: 'asNumber: 1\nrouterId: 1.1.1.1\npeers: [{address: 127.0.0.2, asNumber: 2, openWaitTime: 0}]', want: 'peers[0].openWaitTime: must be >= 1' },
    { name: 'max prefixes', text: 'asNumber: 1\nrouterId: 1.1.1.1\npeers: [{address: 127.0.0.2, asNumber: 2, maxPrefixes: {limit: 0}}]', want: 'peers[0].maxPrefixes.limit: must be >= 1' },
    { name: 'allowOwnAs', text: 'asNumber: 1\nrouterId: 1.1.1.1\npeers: [{address: 127.0.0.2, asNumber: 2, allowOwnAs: -1}]', want: 'peers[0].allowOwnAs: must be >= 0' },
  ];
  it.each(bad)('rejects $name naming the field', ({ text, want }) => {
    const problems = problemsOf(text);
    expect(problems.some((p) => p.includes(want))).toBe(true);
  });

  it('reads route-reflector, next-hop and local-AS settings', () => {
    const f = parseSpeakerFile(`
asNumber: 65000
routerId: 127.0.0.10
clusterId: 10.0.0.1
alwaysCompareMed: true
peers:
  - { address: 127.0.0.11, asNumber: 65000, routeReflectorClient: true, nextHopMode: self }
  - { address: 127.0.0.12, asNumber: 65100, localAsNumber: 64999, allowOwnAs: 1 }
`);
    expect(f.speaker).toMatchObject({ clusterId: '10.0.0.1', alwaysCompareMed: true });
    expect(f.peers[0]).toMatchObject({ routeReflectorClient: true, nextHopMode: 'self', localAsn: 65000 });
    expect(f.peers[1]).toMatchObject({ localAsn: 64999, allowOwnAs: 1 });
    expect(parseSpeakerFile('asNumber: 1\nrouterId: 1.1.1.1\npeers: [{address: 127.0.0.2, asNumber: 2, maxPrefixes: {limit: 5}}]').peers[0]?.maxPrefixes).toEqual({ limit: 5, restartDelay: 60 });
    expect(parseSpeakerFile('asNumber: 1\nrouterId: 1.1.1.1\nclusterId: 16909060').speaker.clusterId).toBe('1.2.3.4');
    expect(parseSpeakerFile('asNumber: 1\nrouterId: 1.1.1.1\npeers: [{address: 127.0.0.2, asNumber: 2, openWaitTime: 10}]').peers[0]?.openWaitTime).toBe(10);
  });

  it('reads BGPFilter specs and attaches them to peers in order', () => {
    const f = parseSpeakerFile(`
asNumber: 65000
routerId: 127.0.0.10
filters:
  no-tens: { importV4: [{ action: Reject, cidr: 10.0.0.0/8, matchOperator: In }] }
  tag: { exportV4: [{ action: Accept, operations: [{ addCommunity: { value: "65000:1" } }] }] }
peers:
  - { address: 127.0.0.11, asNumber: 65100, filters: [no-tens, tag] }
`);
    expect(f.peers[0]?.filters?.importV4).toEqual([{ action: 'reject', match: { prefix: { prefix: { family: 'ipv4', address: '10.0.0.0', length: 8 }, operator: 'in' } } }]);
    expect(f.peers[0]?.filters?.exportV4).toHaveLength(1);
    expect(problemsOf('asNumber: 1\nrouterId: 1.1.1.1\nfilters: { f: { importV4: [{ action: Drop }] } }')).toContainEqual(expect.stringContaining('filters.f.importV4[0].action'));
    expect(problemsOf('asNumber: 1\nrouterId: 1.1.1.1\nfilters: { f: { importV4: [{ action: Accept, cidrs: 10.0.0.0/8 }] } }')).toEqual(['filters.f.importV4[0].cidrs: unknown field']);
    expect(problemsOf('asNumber: 1\nrouterId: 1.1.1.1\nfilters: { f: { importV6: [{ action: Reject, cidr: 10.0.0.0/8, matchOperator: In }] } }')).toEqual([
      'filters.f.importV6[0].cidr: must be an IPv6 CIDR in a V6 rule list',
    ]);
    expect(problemsOf('asNumber: 1\nrouterId: 1.1.1.1\npeers: [{address: 127.0.0.2, asNumber: 2, filters: [nope]}]')).toEqual(['peers[0].filters[0]: no filter named "nope" under filters']);
  });

  it('reads graceful restart: defaults, per-peer opt-out, restart deferral', () => {
    const f = parseSpeakerFile(`
asNumber: 65000
routerId: 127.0.0.10
gracefulRestart: { restartTime: 30 }
peers:
  - { address: 127.0.0.11, asNumber: 65000 }
  - { address: 127.0.0.12, asNumber: 65000, gracefulRestart: false }
`);
    expect(f.peers[0]?.gracefulRestart).toEqual({ restartTime: 30, staleTime: 360, forwardingPreserved: true });
    expect(f.peers[1]?.gracefulRestart).toBeUndefined();
    expect(f.speaker.restartDeferralTime).toBe(60);
    expect(problemsOf('asNumber: 1\nrouterId: 1.1.1.1\ngracefulRestart: { restartTime: 5000 }')).toEqual(['gracefulRestart.restartTime: must be <= 4095']);
  });

  it('reports every problem at once, prefixed with the file', () => {
    try {
      parseSpeakerFile('asNumber: 0\nrouterId: x', 'my.yaml');
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(/^my\.yaml: asNumber: .*; routerId: /);
    }
  });

  it('parses plain and dotted AS numbers', () => {
    expect(parseAsn(64512)).toBe(64512);
    expect(parseAsn('64512')).toBe(64512);
    expect(parseAsn('1.10')).toBe(65546);
    expect(parseAsn('65535.65535')).toBe(4294967295);
    expect(parseAsn('65536.0')).toBeUndefined();
    expect(parseAsn(0)).toBeUndefined();
  });

  it('canonicalises prefixes and IPv6 text (RFC 5952)', () => {
    expect(parsePrefix('10.244.0.0/16')).toEqual({ family: 'ipv4', address: '10.244.0.0', length: 16 });
    expect(parsePrefix('0.0.0.0/0')).toEqual({ family: 'ipv4', address: '0.0.0.0', length: 0 });
    expect(parsePrefix('2001:0db8:0000::/32')).toEqual({ family: 'ipv6', address: '2001:db8::', length: 32 });
    expect(parsePrefix('2001:db8::1/64')).toBe('host bits set');
    expect(canonicalIpv6('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(canonicalIpv6('::ffff:1.2.3.4')).toBe('::ffff:102:304');
  });
});
