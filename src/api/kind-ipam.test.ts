import { blockNameForCidr } from './kind-ipam-block';
import { applyDefaults } from './resource';
import { make, problemsOf } from './testing';

type Case = { name: string; resName?: string; spec: unknown; want: string[] };

function block(cidr: string, allocated: Record<number, number>, attributes: number): Record<string, unknown> {
  const size = 2 ** (32 - Number(cidr.split('/')[1]));
  const allocations = Array.from({ length: size }, (_, i) => allocated[i] ?? null);
  return {
    cidr,
    affinity: 'host:node1',
    allocations,
    unallocated: allocations.flatMap((a, i) => (a === null ? [i] : [])),
    attributes: Array.from({ length: attributes }, (_, i) => ({ handle_id: `k8s-pod-network.c${i}`, secondary: { node: 'node1' } })),
    strictAffinity: false,
    sequenceNumber: 1,
  };
}

describe('IPAMBlock validation', () => {
  const cases: Case[] = [
    { name: 'empty /30 block', spec: block('10.0.0.0/30', {}, 0), want: [] },
    { name: 'two allocations', spec: block('10.0.0.0/30', { 0: 0, 2: 1 }, 2), want: [] },
    { name: 'allocation points past attributes', spec: block('10.0.0.0/30', { 1: 3 }, 1), want: ['spec.allocations[1]: must be null or the index of an entry in spec.attributes'] },
    { name: 'wrong allocations length', spec: { ...block('10.0.0.0/30', {}, 0), allocations: [null], unallocated: [0] }, want: ['spec.allocations: must have one entry per address (4)'] },
    { name: 'unallocated names an allocated ordinal', spec: { ...block('10.0.0.0/30', { 0: 0 }, 1), unallocated: [0, 1, 2, 3] }, want: ['spec.unallocated[0]: ordinal 0 is allocated'] },
    { name: 'unallocated out of range', spec: { ...block('10.0.0.0/30', {}, 0), unallocated: [0, 1, 2, 3, 4] }, want: ['spec.unallocated[4]: must be an ordinal between 0 and 3'] },
    { name: 'bad affinity', spec: { ...block('10.0.0.0/30', {}, 0), affinity: 'node1' }, want: ['spec.affinity: must be "host:<node>" or "virtual:<name>"'] },
    { name: 'unmasked cidr', spec: block('10.0.0.1/30', {}, 0), want: ['spec.cidr: must be in canonical form 10.0.0.0/30'] },
  ];
  it.each(cases)('$name', ({ spec, want }) => {
    expect(problemsOf(make('IPAMBlock', '10-0-0-0-30', spec))).toEqual(want);
  });

  it('names a block after its CIDR as Calico does', () => {
    expect(blockNameForCidr('10.244.0.0/26')).toBe('10-244-0-0-26');
    expect(blockNameForCidr('fd00::/122')).toBe('fd00---122');
  });
});

describe('BlockAffinity', () => {
  const cases: Case[] = [
    { name: 'confirmed host affinity', spec: { state: 'confirmed', node: 'node1', cidr: '10.244.0.0/26', deleted: false }, want: [] },
    { name: 'bad state', spec: { state: 'done', node: 'node1', cidr: '10.244.0.0/26' }, want: ['spec.state: must be one of pending, confirmed, pendingDeletion'] },
    { name: 'node required', spec: { state: 'pending', cidr: '10.244.0.0/26' }, want: ['spec.node: is required'] },
    { name: 'v1 string deleted is rejected in v3 form', spec: { state: 'pending', node: 'n', cidr: '10.244.0.0/26', deleted: 'false' }, want: ['spec.deleted: must be true or false'] },
  ];
  it.each(cases)('$name', ({ spec, want }) => {
    expect(problemsOf(make('BlockAffinity', 'node1-10-244-0-0-26', spec))).toEqual(want);
  });

  it('defaults the type to host', () => {
    expect(applyDefaults(make('BlockAffinity', 'a', { state: 'pending', node: 'n', cidr: '10.0.0.0/26' })).spec).toMatchObject({ type: 'host' });
  });
});

describe('IPAMHandle', () => {
  const cases: Case[] = [
    { name: 'pod handle', spec: { handleID: 'k8s-pod-network.abc', block: { '10.244.0.0/26': 1 } }, want: [] },
    { name: 'handle id required', spec: { handleID: '', block: {} }, want: ['spec.handleID: is required'] },
    { name: 'block key must be a CIDR', spec: { handleID: 'h', block: { '10.244.0.0': 1 } }, want: ['spec.block.10.244.0.0: "10.244.0.0" is not a valid CIDR'] },
    { name: 'negative count', spec: { handleID: 'h', block: { '10.244.0.0/26': -1 } }, want: ['spec.block.10.244.0.0/26: count must not be negative'] },
  ];
  it.each(cases)('$name', ({ spec, want }) => {
    expect(problemsOf(make('IPAMHandle', 'k8s-pod-network.abc', spec))).toEqual(want);
  });
});

describe('IPAMConfiguration', () => {
  const cases: Case[] = [
    { name: 'defaults alone are valid', spec: undefined, want: [] },
    { name: 'strict with a block limit', spec: { strictAffinity: true, maxBlocksPerHost: 4, autoAllocateBlocks: true }, want: [] },
    { name: 'name must be default', resName: 'other', spec: undefined, want: ['metadata.name: must be "default"'] },
    { name: 'no strict and no auto-allocate', spec: { strictAffinity: false, autoAllocateBlocks: false }, want: ['spec.autoAllocateBlocks: cannot be false while spec.strictAffinity is false'] },
    { name: 'block limit needs strict affinity', spec: { strictAffinity: false, autoAllocateBlocks: true, maxBlocksPerHost: 3 }, want: ['spec.maxBlocksPerHost: requires spec.strictAffinity to be true'] },
    { name: 'cooldown range', spec: { strictAffinity: false, autoAllocateBlocks: true, ipCooldownSeconds: 1201 }, want: ['spec.ipCooldownSeconds: must be between 0 and 1200'] },
  ];
  it.each(cases)('$name', ({ resName, spec, want }) => {
    expect(problemsOf(make('IPAMConfiguration', resName ?? 'default', spec))).toEqual(want);
  });

  it('defaults strictAffinity false and autoAllocateBlocks true', () => {
    expect(applyDefaults(make('IPAMConfiguration', 'default')).spec).toEqual({ strictAffinity: false, autoAllocateBlocks: true });
    expect(applyDefaults(make('IPAMConfiguration', 'default', { strictAffinity: true })).spec).toEqual({ strictAffinity: true, autoAllocateBlocks: true });
  });
});
