import { ValidationError } from './errors';
import type { IPPool } from './kind-ippool';
import { applyDefaults, validateResource } from './resource';
import { make, problemsOf } from './testing';

describe('IPPool defaults', () => {
  const cases: Array<{ name: string; spec: Record<string, unknown>; want: Record<string, unknown> }> = [
    {
      name: 'IPv4 pool gets block 26, Never modes, all(), Workload+Tunnel',
      spec: { cidr: '10.244.0.0/16' },
      want: { cidr: '10.244.0.0/16', blockSize: 26, ipipMode: 'Never', vxlanMode: 'Never', nodeSelector: 'all()', allowedUses: ['Workload', 'Tunnel'] },
    },
    {
      name: 'IPv6 pool gets block 122 and canonical text',
      spec: { cidr: 'FD00:0:0::/48' },
      want: { cidr: 'fd00::/48', blockSize: 122, ipipMode: 'Never', vxlanMode: 'Never', nodeSelector: 'all()', allowedUses: ['Workload', 'Tunnel'] },
    },
    {
      name: 'explicit values are kept',
      spec: { cidr: '10.244.0.0/16', blockSize: 24, ipipMode: 'CrossSubnet', nodeSelector: 'zone == "a"', allowedUses: ['Tunnel'] },
      want: { cidr: '10.244.0.0/16', blockSize: 24, ipipMode: 'CrossSubnet', vxlanMode: 'Never', nodeSelector: 'zone == "a"', allowedUses: ['Tunnel'] },
    },
    {
      name: 'host bits are not silently masked (validation reports them)',
      spec: { cidr: '10.244.1.0/16' },
      want: { cidr: '10.244.1.0/16', blockSize: 26, ipipMode: 'Never', vxlanMode: 'Never', nodeSelector: 'all()', allowedUses: ['Workload', 'Tunnel'] },
    },
  ];
  it.each(cases)('$name', ({ spec, want }) => {
    const input = make('IPPool', 'p', spec);
    const out = applyDefaults(input);
    expect(out.spec).toEqual(want);
    expect(input.spec).toEqual(spec); // the input is not mutated
  });
});

describe('IPPool validation', () => {
  const cases: Array<{ name: string; spec: Record<string, unknown>; want: string[] }> = [
    { name: 'minimal IPv4 pool', spec: { cidr: '10.244.0.0/16' }, want: [] },
    { name: 'minimal IPv6 pool', spec: { cidr: 'fd00:10:244::/64' }, want: [] },
    { name: 'IPv6 VXLAN pool', spec: { cidr: 'fd00::/64', vxlanMode: 'Always' }, want: [] },
    { name: 'block size 20 and 32 are the IPv4 limits', spec: { cidr: '10.0.0.0/8', blockSize: 20 }, want: [] },
    { name: 'missing cidr', spec: {}, want: ['spec.cidr: is required'] },
    { name: 'bad cidr', spec: { cidr: '10.244.0.0/33' }, want: ['spec.cidr: "10.244.0.0/33" is not a valid CIDR'] },
    { name: 'host bits set', spec: { cidr: '10.244.1.7/16' }, want: ['spec.cidr: must be in canonical form 10.244.0.0/16'] },
    { name: 'link-local', spec: { cidr: '169.254.0.0/16' }, want: ['spec.cidr: must not overlap the link-local range'] },
    { name: 'IPv4 block too small', spec: { cidr: '10.0.0.0/8', blockSize: 19 }, want: ['spec.blockSize: must be between 20 and 32 for IPv4'] },
    { name: 'IPv4 block too big', spec: { cidr: '10.0.0.0/8', blockSize: 33 }, want: ['spec.blockSize: must be between 20 and 32 for IPv4'] },
    { name: 'IPv6 block range', spec: { cidr: 'fd00::/64', blockSize: 112 }, want: ['spec.blockSize: must be between 116 and 128 for IPv6'] },
    { name: 'block larger than pool', spec: { cidr: '10.0.0.0/28', blockSize: 26 }, want: ["spec.blockSize: must not be smaller than the pool's prefix length /28"] },
    { name: 'bad ipipMode', spec: { cidr: '10.0.0.0/16', ipipMode: 'always' }, want: ['spec.ipipMode: must be one of Always, CrossSubnet, Never'] },
    { name: 'bad vxlanMode', spec: { cidr: '10.0.0.0/16', vxlanMode: 'Sometimes' }, want: ['spec.vxlanMode: must be one of Always, CrossSubnet, Never'] },
    {
      name: 'IPIP and VXLAN together',
      spec: { cidr: '10.0.0.0/16', ipipMode: 'Always', vxlanMode: 'CrossSubnet' },
      want: ['spec.vxlanMode: cannot be enabled together with spec.ipipMode'],
    },
    { name: 'IPIP on IPv6', spec: { cidr: 'fd00::/64', ipipMode: 'Always' }, want: ['spec.ipipMode: IPIP is not supported on an IPv6 pool; must be Never'] },
    { name: 'bad nodeSelector', spec: { cidr: '10.0.0.0/16', nodeSelector: 'a ==' }, want: ['spec.nodeSelector: invalid selector: expected a quoted string at column 5'] },
    { name: 'bad allowed use', spec: { cidr: '10.0.0.0/16', allowedUses: ['Pods'] }, want: ['spec.allowedUses[0]: must be one of Workload, Tunnel, LoadBalancer'] },
    {
      name: 'LoadBalancer is exclusive and without encapsulation',
      spec: { cidr: '10.0.0.0/16', allowedUses: ['LoadBalancer', 'Workload'], ipipMode: 'Always' },
      want: ['spec.allowedUses: LoadBalancer cannot be combined with other uses', 'spec.allowedUses: a LoadBalancer pool cannot use IPIP or VXLAN'],
    },
    {
      name: 'LoadBalancer needs nodeSelector all()',
      spec: { cidr: '10.0.0.0/16', allowedUses: ['LoadBalancer'], nodeSelector: 'has(x)' },
      want: ['spec.nodeSelector: must be all() for a LoadBalancer pool'],
    },
    { name: 'APIv1 field', spec: { cidr: '10.0.0.0/16', ipip: { enabled: true } }, want: ['spec.ipip: must not be set (APIv1 field; use spec.ipipMode)'] },
    { name: 'wrong type', spec: { cidr: '10.0.0.0/16', natOutgoing: 'yes please' }, want: ['spec.natOutgoing: must be true or false'] },
    { name: 'unknown field', spec: { cidr: '10.0.0.0/16', blockSzie: 24 }, want: ['spec.blockSzie: unknown field (did you mean blockSize?)'] },
  ];
  it.each(cases)('$name', ({ spec, want }) => {
    expect(problemsOf(make('IPPool', 'default-ipv4-ippool', spec))).toEqual(want);
  });

  it('formats the error as kind, name, field and rule', () => {
    const pool = applyDefaults(make('IPPool', 'default-ipv4-ippool', { cidr: '10.0.0.0/8', blockSize: 19 }) as IPPool);
    expect(() => validateResource(pool)).toThrow(
      new ValidationError('IPPool', 'default-ipv4-ippool', [{ path: 'spec.blockSize', rule: 'must be between 20 and 32 for IPv4' }]),
    );
    expect(() => validateResource(pool)).toThrow('IPPool default-ipv4-ippool: spec.blockSize: must be between 20 and 32 for IPv4');
  });
});
