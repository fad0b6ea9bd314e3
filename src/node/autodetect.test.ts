import { autodetectAddress, parseAutodetectMethod, type InterfaceAddresses } from './autodetect';

const IFACES: InterfaceAddresses[] = [
  { name: 'lo', up: true, addresses: ['127.0.0.1/8', '::1/128'] },
  { name: 'docker0', up: true, addresses: ['172.17.0.1/16'] },
  { name: 'cali1234567890a', up: true, addresses: ['169.254.1.1/32'] },
  { name: 'ens33', up: true, addresses: ['fe80::1/64', '10.0.0.12/24', 'fd00::12/64'] },
  { name: 'ens34', up: true, addresses: ['192.168.10.5/24'] },
  { name: 'ens35', up: false, addresses: ['192.168.20.5/24'] },
];

describe('autodetectAddress', () => {
  const cases: Array<{ method: string; family?: 4 | 6; want: string }> = [
    { method: '', want: '10.0.0.12/24' },
    { method: 'first-found', family: 6, want: 'fd00::12/64' },
    { method: 'interface=ens34,ens33', want: '192.168.10.5/24' },
    { method: 'interface=ens3.*', want: '10.0.0.12/24' },
    { method: 'skip-interface=ens33', want: '192.168.10.5/24' },
    { method: 'cidr=192.168.0.0/16', want: '192.168.10.5/24' },
    { method: 'cidr=10.9.0.0/16, 10.0.0.0/8', want: '10.0.0.12/24' },
  ];
  it.each(cases)('method "$method"', async ({ method, family, want }) => {
    expect(await autodetectAddress(parseAutodetectMethod(method), IFACES, family ?? 4)).toBe(want);
  });

  it('can-reach uses the source address of the route towards the destination', async () => {
    const reach = jest.fn(async () => '192.168.10.5');
    expect(await autodetectAddress(parseAutodetectMethod('can-reach=8.8.8.8'), IFACES, 4, reach)).toBe('192.168.10.5/24');
    expect(reach).toHaveBeenCalledWith('8.8.8.8');
  });

  it('never picks a down interface or an excluded one, and says what it tried when nothing fits', async () => {
    await expect(autodetectAddress(parseAutodetectMethod('interface=ens35'), IFACES)).rejects.toThrow('no IPv4 address found by interface=ens35 on interfaces lo, docker0');
    await expect(autodetectAddress(parseAutodetectMethod('cidr=172.16.0.0/12'), IFACES.slice(1, 2).map((i) => ({ ...i, up: false })))).rejects.toThrow(/no IPv4 address found by cidr=172.16.0.0\/12/);
  });
});

describe('parseAutodetectMethod', () => {
  it.each([
    ['bogus=1', 'IP_AUTODETECTION_METHOD: unknown method "bogus"'],
    ['interface=', 'IP_AUTODETECTION_METHOD: "interface=" needs a value after "="'],
    ['interface=([', 'IP_AUTODETECTION_METHOD: interface: "([" is not a regular expression'],
    ['cidr=10.0.0.0/99', 'IP_AUTODETECTION_METHOD: cidr: "10.0.0.0/99" is not a CIDR'],
  ])('%s is rejected naming the variable', (text, msg) => {
    expect(() => parseAutodetectMethod(text)).toThrow(msg);
  });
});
