import { parseResult, renderResult, type CniResult } from './cni-result';
import { versionResult } from './cni-version';

const result: CniResult = {
  interfaces: [{ name: 'cali1234567890a', mac: 'ee:ee:ee:ee:ee:ee' }, { name: 'eth0', mac: '0a:58:0a:f4:00:05', sandbox: '/var/run/netns/p' }],
  ips: [
    { address: '10.244.0.5/32', interface: 1 },
    { address: 'fd00::5/128', interface: 1 },
  ],
  routes: [{ dst: '0.0.0.0/0', gw: '169.254.1.1' }],
  dns: {},
};

describe('renderResult', () => {
  const cases: Array<{ version: string; ips: unknown[] }> = [
    {
      version: '1.0.0',
      ips: [
        { address: '10.244.0.5/32', interface: 1 },
        { address: 'fd00::5/128', interface: 1 },
      ],
    },
    {
      version: '0.4.0',
      ips: [
        { version: '4', address: '10.244.0.5/32', interface: 1 },
        { version: '6', address: 'fd00::5/128', interface: 1 },
      ],
    },
    {
      version: '0.3.1',
      ips: [
        { version: '4', address: '10.244.0.5/32', interface: 1 },
        { version: '6', address: 'fd00::5/128', interface: 1 },
      ],
    },
  ];
  it.each(cases)('renders the $version shape', ({ version, ips }) => {
    expect(renderResult(result, version)).toEqual({
      cniVersion: version,
      interfaces: [
        { name: 'cali1234567890a', mac: 'ee:ee:ee:ee:ee:ee' },
        { name: 'eth0', mac: '0a:58:0a:f4:00:05', sandbox: '/var/run/netns/p' },
      ],
      ips,
      routes: [{ dst: '0.0.0.0/0', gw: '169.254.1.1' }],
      dns: {},
    });
  });

  it('omits interfaces and interface indexes for an IPAM plugin', () => {
    const r = renderResult(result, '1.0.0', { ipamOnly: true });
    expect(r.interfaces).toBeUndefined();
    expect(r.ips).toEqual([{ address: '10.244.0.5/32' }, { address: 'fd00::5/128' }]);
  });

  it('round-trips through parseResult in every version', () => {
    for (const v of ['0.3.0', '0.3.1', '0.4.0', '1.0.0']) expect(parseResult(JSON.parse(JSON.stringify(renderResult(result, v))))).toEqual(result);
  });

  it('parses host-local output (0.4.0 with version and gateway)', () => {
    const r = parseResult({ cniVersion: '0.4.0', ips: [{ version: '4', address: '10.85.3.2/24', gateway: '10.85.3.1' }], dns: {} });
    expect(r.ips).toEqual([{ address: '10.85.3.2/24', gateway: '10.85.3.1' }]);
  });

  it('names the field of a malformed result', () => {
    expect(() => parseResult({ ips: [{ address: 'nope' }] }, 'host-local result')).toThrow('host-local result.ips[0].address');
  });
});

describe('versionResult', () => {
  it('lists the supported versions in the 1.0.0 shape', () => {
    expect(versionResult()).toEqual({ cniVersion: '1.0.0', supportedVersions: ['0.3.0', '0.3.1', '0.4.0', '1.0.0'] });
  });
});
