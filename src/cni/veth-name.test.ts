import { vethNameForWorkload } from './veth-name';

describe('vethNameForWorkload', () => {
  // Expected values: `printf '<ns>.<pod>' | sha1sum`, first 11 hex digits (Calico VethNameForWorkload).
  const cases = [
    { ns: 'default', pod: 'nginx', want: 'calic440f455693' },
    { ns: 'kube-system', pod: 'coredns-7db6d8ff4d-abcde', want: 'calif90c21019df' },
  ];
  it.each(cases)('$ns/$pod -> $want', ({ ns, pod, want }) => {
    expect(vethNameForWorkload(ns, pod)).toBe(want);
    expect(want).toHaveLength(15);
  });

  it('uses the configured prefix', () => {
    expect(vethNameForWorkload('default', 'nginx', 'gh')).toBe('ghc440f455693');
  });
});
