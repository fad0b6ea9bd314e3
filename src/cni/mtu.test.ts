import { resolveMtu } from './mtu';

describe('resolveMtu', () => {
  const files = new Map([
    ['/m/ok', '1410\n'],
    ['/m/bad', 'jumbo'],
  ]);
  const read = (p: string): string | undefined => files.get(p);
  it.each([
    { name: 'configuration wins', conf: 1400, file: '/m/ok', want: 1400 },
    { name: 'file when 0', conf: 0, file: '/m/ok', want: 1410 },
    { name: 'default without a file', conf: 0, file: '/m/none', want: 1500 },
  ])('$name', ({ conf, file, want }) => expect(resolveMtu(conf, file, read)).toBe(want));
  it('names a file that does not hold an MTU', () => {
    expect(() => resolveMtu(0, '/m/bad', read)).toThrow('MTU file /m/bad holds "jumbo"');
  });
});
