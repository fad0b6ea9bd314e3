// Text forms of communities (RFC 1997 names, "ASN:value"), extended (RFC 4360) and large (RFC 8092) communities.
import { formatCommunity, parseCommunity } from './attr-communities';
import { formatExtendedCommunity } from './attr-extended-communities';
import { formatLargeCommunity } from './attr-large-community';

describe('community text', () => {
  const formats: Array<{ n: number; text: string }> = [
    { n: 0xfde80064, text: '65000:100' },
    { n: 0, text: '0:0' },
    { n: 0xffffff01, text: 'NO_EXPORT' },
    { n: 0xffffff02, text: 'NO_ADVERTISE' },
    { n: 0xffff0000, text: 'GRACEFUL_SHUTDOWN' },
    { n: 0xffffffff, text: '65535:65535' },
  ];
  it.each(formats)('formatCommunity($n) = $text', ({ n, text }) => {
    expect(formatCommunity(n)).toBe(text);
    expect(parseCommunity(text)).toBe(n);
  });

  const parses: Array<{ text: string; want: number | undefined }> = [
    { text: 'no-export', want: 0xffffff01 },
    { text: 'no_export_subconfed', want: 0xffffff03 },
    { text: 'blackhole', want: 0xffff029a },
    { text: '65536:1', want: undefined },
    { text: '1:65536', want: undefined },
    { text: '1:', want: undefined },
    { text: 'x:1', want: undefined },
    { text: 'not-a-community', want: undefined },
  ];
  it.each(parses)('parseCommunity($text)', ({ text, want }) => expect(parseCommunity(text)).toBe(want));

  it('formats extended and large communities', () => {
    expect(formatExtendedCommunity(Buffer.from('0002fde800000064', 'hex'))).toBe('rt:65000:100');
    expect(formatExtendedCommunity(Buffer.from('0103c00002010007', 'hex'))).toBe('ro:192.0.2.1:7');
    expect(formatExtendedCommunity(Buffer.from('0202fa56ea000001', 'hex'))).toBe('rt:4200000000:1');
    expect(formatExtendedCommunity(Buffer.from('030c000000000008', 'hex'))).toBe('0x030c000000000008');
    expect(formatLargeCommunity([65000, 1, 2])).toBe('65000:1:2');
  });
});
