import { formatAsnDotted, isPrivateAsn, parseAsn } from './asn';

describe('parseAsn', () => {
  const cases: Array<{ input: unknown; want: number | undefined }> = [
    { input: 64512, want: 64512 },
    { input: '64512', want: 64512 },
    { input: 63400, want: 63400 },
    { input: '1.10', want: 65546 },
    { input: '0.65535', want: 65535 },
    { input: '65535.65535', want: 4294967295 },
    { input: '65536.0', want: undefined },
    { input: 4294967295, want: 4294967295 },
    { input: 4294967296, want: undefined },
    { input: '4294967296', want: undefined },
    { input: -1, want: undefined },
    { input: 1.5, want: undefined },
    { input: '1.2.3', want: undefined },
    { input: 'AS64512', want: undefined },
    { input: '', want: undefined },
    { input: true, want: undefined },
  ];
  it.each(cases)('$input', ({ input, want }) => expect(parseAsn(input)).toBe(want));
});

describe('asn helpers', () => {
  it('formats dotted and detects private ranges', () => {
    expect(formatAsnDotted(65546)).toBe('1.10');
    expect(formatAsnDotted(64512)).toBe('64512');
    expect(isPrivateAsn(64512)).toBe(true);
    expect(isPrivateAsn(63400)).toBe(false);
    expect(isPrivateAsn(4200000000)).toBe(true);
  });
});
