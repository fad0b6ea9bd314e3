// The allocator on the memory backend: sources in order (affine, claim, borrow), limits and their errors, pool
// filters, assignIp, guarded releases, host affinity release, configuration, injected CAS conflicts and failures,
// and concurrent hosts. Every test ends with the `ipam check` logic finding nothing wrong where that must hold.
import { ConflictError, UnavailableError } from '../datastore/errors';
import { MemoryDatastore } from '../datastore/memory/memory-datastore';
import { API_VERSION, type StoredResource } from '../datastore/types';
import { blockNameForCidr } from '../api/kind-ipam-block';
import { parseCidr } from '../lib/ip';
import { newBlockSpec } from './block-ordinals';
import { FakeClock } from '../lib/fake-clock';
import { EMPTY_BLOCK_RECLAIM_AGE_MS } from './allocator';
import { IpamAllocator, IpamErrorCode, isIpamError } from './index';
import { checkIpam, loadIpamSnapshot } from './ipam-check';
import type { StoredBlock } from './ipam-store';

const noWait = (): Promise<void> => Promise.resolve();

function res(kind: string, name: string, spec: unknown, labels?: Record<string, string>): StoredResource {
  return { apiVersion: API_VERSION, kind, metadata: { name, ...(labels ? { labels } : {}) }, spec };
}

async function setup(pools: Array<[string, string, number?, Record<string, unknown>?]> = [['p4', '10.244.0.0/24', 26]], nodes: Array<[string, Record<string, string>?]> = [['n1'], ['n2'], ['n3']]) {
  const store = new MemoryDatastore();
  for (const [name, cidr, blockSize, extra] of pools) await store.create(res('IPPool', name, { cidr, blockSize, ...(extra ?? {}) }));
  for (const [name, labels] of nodes) await store.create(res('Node', name, {}, labels));
  const ipam = new IpamAllocator(store, { backoff: noWait });
  return { store, ipam };
}

async function blocks(store: MemoryDatastore): Promise<StoredBlock[]> {
  return (await store.list<StoredBlock>('IPAMBlock')).items;
}

async function expectClean(store: MemoryDatastore): Promise<void> {
  const r = checkIpam(await loadIpamSnapshot(store));
  expect(r.problems).toEqual([]);
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (err) {
    return isIpamError(err) ? err.code : `other: ${String(err)}`;
  }
}

async function messageOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (err) {
    return (err as Error).message;
  }
}

describe('autoAssign', () => {
  test('claims a block for the host (pending -> block -> confirmed) and fills it before claiming another', async () => {
    const { store, ipam } = await setup();
    const r = await ipam.autoAssign({ handleId: 'h1', hostname: 'n1', num4: 2, attrs: { node: 'n1' } });
    expect(r.ipv4).toHaveLength(2);
    expect(r.ipv4[0]).toMatch(/^10\.244\.0\.\d+\/32$/);
    const [b] = await blocks(store);
    expect(b?.spec.affinity).toBe('host:n1');
    const affs = (await store.list('BlockAffinity')).items;
    expect(affs.map((a) => (a.spec as { state: string }).state)).toEqual(['confirmed']);
    const r2 = await ipam.autoAssign({ handleId: 'h2', hostname: 'n1', num4: 62 });
    expect(r2.assigned.every((a) => a.block === b?.spec.cidr)).toBe(true);
    expect(await blocks(store)).toHaveLength(1);
    const r3 = await ipam.autoAssign({ handleId: 'h3', hostname: 'n1', num4: 1 });
    expect(r3.assigned[0]?.block).not.toBe(b?.spec.cidr);
    expect(await blocks(store)).toHaveLength(2);
    await expectClean(store);
  });

  test('different hosts get different blocks', async () => {
    const { store, ipam } = await setup();
    const a = await ipam.autoAssign({ handleId: 'h1', hostname: 'n1', num4: 1 });
    const b = await ipam.autoAssign({ handleId: 'h2', hostname: 'n2', num4: 1 });
    expect(a.assigned[0]?.block).not.toBe(b.assigned[0]?.block);
    expect((await blocks(store)).map((x) => x.spec.affinity).sort()).toEqual(['host:n1', 'host:n2']);
  });

  test('dual stack: both families, from their own pools', async () => {
    const { ipam } = await setup([['p4', '10.244.0.0/24', 26], ['p6', 'fd00:10::/120', 122]]);
    const r = await ipam.autoAssign({ handleId: 'h', hostname: 'n1', num4: 1, num6: 1 });
    expect(r.ipv4[0]).toMatch(/\/32$/);
    expect(r.ipv6[0]).toMatch(/^fd00:10::[0-9a-f]+\/128$/);
  });

  test('all or nothing: a request larger than the pool keeps nothing and says which pool is full', async () => {
    const { store, ipam } = await setup([['p4', '10.244.0.0/26', 26]]);
    const msg = await messageOf(ipam.autoAssign({ handleId: 'h', hostname: 'n1', num4: 65 }));
    expect(msg).toContain('pool 10.244.0.0/26 has no free blocks');
    expect(msg).toContain('found 64 of 65');
    expect((await blocks(store)).every((b) => b.spec.allocations.every((a) => a === null))).toBe(true);
    expect((await store.list('IPAMHandle')).items).toEqual([]);
    await expectClean(store);
  });

  test('a dual-stack request whose IPv6 half fails releases its IPv4 half', async () => {
    const { store, ipam } = await setup([['p4', '10.244.0.0/24', 26]]);
    expect(await codeOf(ipam.autoAssign({ handleId: 'h', hostname: 'n1', num4: 1, num6: 1 }))).toBe(IpamErrorCode.NoPools);
    expect((await blocks(store)).flatMap((b) => b.spec.allocations.filter((a) => a !== null))).toEqual([]);
  });

  test('borrows from another host\'s block when strictAffinity is false', async () => {
    const { store, ipam } = await setup([['p4', '10.244.0.0/26', 26]]);
    await ipam.autoAssign({ handleId: 'h1', hostname: 'n1', num4: 1 });
    const r = await ipam.autoAssign({ handleId: 'h2', hostname: 'n2', num4: 3 });
    expect(r.ipv4).toHaveLength(3);
    const info = await ipam.getAssignmentAttributes(r.ipv4[0] ?? '');
    expect(info?.blockAffinity).toBe('host:n1');
    await expectClean(store);
  });

  test('strictAffinity=true forbids borrowing, with a message naming the setting', async () => {
    const { ipam } = await setup([['p4', '10.244.0.0/26', 26]]);
    await ipam.setConfig({ strictAffinity: true });
    await ipam.autoAssign({ handleId: 'h1', hostname: 'n1', num4: 1 });
    const msg = await messageOf(ipam.autoAssign({ handleId: 'h2', hostname: 'n2', num4: 1 }));
    expect(msg).toMatch(/^pool 10\.244\.0\.0\/26 has no free blocks and strictAffinity=true forbids borrowing/);
  });

  test('maxBlocksPerHost: the node stops claiming and the error names the node and the limit', async () => {
    const { ipam } = await setup([['p4', '10.244.0.0/24', 26]]);
    await ipam.setConfig({ strictAffinity: true, maxBlocksPerHost: 1 });
    await ipam.autoAssign({ handleId: 'h1', hostname: 'n1', num4: 64 });
    const err = ipam.autoAssign({ handleId: 'h2', hostname: 'n1', num4: 1 });
    expect(await messageOf(err)).toMatch(/^node n1 reached maxBlocksPerHost=1: its blocks are full and strictAffinity=true forbids borrowing/);
    expect(await codeOf(ipam.autoAssign({ handleId: 'h2', hostname: 'n1', num4: 1 }))).toBe(IpamErrorCode.BlockLimit);
    // Another node is not affected.
    expect((await ipam.autoAssign({ handleId: 'h3', hostname: 'n2', num4: 1 })).ipv4).toHaveLength(1);
  });

  test('maxBlocksPerHost 0 means 20', async () => {
    const { store, ipam } = await setup([['p4', '10.244.0.0/16', 30]]);
    await ipam.setConfig({ strictAffinity: true });
    expect((await ipam.getConfig()).effectiveMaxBlocksPerHost).toBe(20);
    await ipam.autoAssign({ handleId: 'h1', hostname: 'n1', num4: 80 });
    expect(await blocks(store)).toHaveLength(20);
    expect(await messageOf(ipam.autoAssign({ handleId: 'h2', hostname: 'n1', num4: 1 }))).toContain('node n1 reached maxBlocksPerHost=20');
  });

  test('pools filtered by disabled, allowedUses and nodeSelector; the error lists why each was skipped', async () => {
    const { ipam } = await setup(
      [
        ['off', '10.1.0.0/24', 26, { disabled: true }],
        ['tunnel', '10.2.0.0/24', 26, { allowedUses: ['Tunnel'] }],
        ['zone-b', '10.3.0.0/24', 26, { nodeSelector: "zone == 'b'" }],
        ['zone-a', '10.4.0.0/24', 26, { nodeSelector: "zone == 'a'" }],
      ],
      [['n1', { zone: 'a' }], ['n2', { zone: 'c' }]],
    );
    const r = await ipam.autoAssign({ handleId: 'h1', hostname: 'n1', num4: 1 });
    expect(r.ipv4[0]).toMatch(/^10\.4\./);
    const t = await ipam.autoAssign({ handleId: 't1', hostname: 'n2', num4: 1, intendedUse: 'Tunnel' });
    expect(t.ipv4[0]).toMatch(/^10\.2\./);
    const msg = await messageOf(ipam.autoAssign({ handleId: 'h2', hostname: 'n2', num4: 1 }));
    expect(msg).toContain('no IPv4 pool can serve node n2 for Workload');
    expect(msg).toContain('pool off (10.1.0.0/24) is disabled');
    expect(msg).toContain('pool tunnel (10.2.0.0/24) allows only Tunnel');
    expect(msg).toContain('pool zone-b (10.3.0.0/24) nodeSelector "zone == \'b\'" does not select node n2');
    expect(await codeOf(ipam.autoAssign({ handleId: 'h3', hostname: 'ghost', num4: 1 }))).toBe(IpamErrorCode.NodeNotFound);
  });

  test('requested pools, by name or CIDR; an unknown one is an error', async () => {
    const { ipam } = await setup([['a', '10.1.0.0/24', 26], ['b', '10.2.0.0/24', 26]]);
    expect((await ipam.autoAssign({ handleId: 'h1', hostname: 'n1', num4: 1, pools: ['b'] })).ipv4[0]).toMatch(/^10\.2\./);
    expect((await ipam.autoAssign({ handleId: 'h2', hostname: 'n1', num4: 1, pools: ['10.1.0.0/24'] })).ipv4[0]).toMatch(/^10\.1\./);
    expect(await messageOf(ipam.autoAssign({ handleId: 'h3', hostname: 'n1', num4: 1, pools: ['nope'] }))).toBe('requested pool nope does not exist');
    // A dual-stack request naming only IPv4 pools: the IPv6 half has no pool, and the message says so.
    expect(await messageOf(ipam.autoAssign({ handleId: 'h4', hostname: 'n1', num4: 1, num6: 1, pools: ['a'] }))).toBe('no IPv6 pool of the requested pools (a) can serve node n1 for Workload: none of them is an IPv6 pool');
  });

  test('bad requests are rejected with the field named', async () => {
    const { ipam } = await setup();
    expect(await messageOf(ipam.autoAssign({ handleId: '', hostname: 'n1', num4: 1 }))).toMatch(/^handleId must be/);
    expect(await messageOf(ipam.autoAssign({ handleId: 'a/b', hostname: 'n1', num4: 1 }))).toMatch(/^handleId must be/);
    expect(await messageOf(ipam.autoAssign({ handleId: 'h', hostname: 'n1', num4: -1 }))).toMatch(/^num4 must be/);
    expect(await messageOf(ipam.autoAssign({ handleId: 'h', hostname: 'n1' }))).toMatch(/num4 or num6/);
  });
});

describe('assignIp', () => {
  test('claims the block for the host, then refuses a second owner', async () => {
    const { store, ipam } = await setup();
    const a = await ipam.assignIp({ ip: '10.244.0.77', handleId: 'h1', hostname: 'n1' });
    expect(a).toMatchObject({ address: '10.244.0.77', cidr: '10.244.0.77/32', block: '10.244.0.64/26' });
    expect((await blocks(store))[0]?.spec.affinity).toBe('host:n1');
    expect(await messageOf(ipam.assignIp({ ip: '10.244.0.77/32', handleId: 'h2', hostname: 'n2' }))).toBe('10.244.0.77 is already allocated to handle h1');
    expect(await codeOf(ipam.assignIp({ ip: '10.9.9.9', handleId: 'h2', hostname: 'n2' }))).toBe(IpamErrorCode.NotAssignable);
    // autoAssign on n1 skips the taken ordinal.
    const r = await ipam.autoAssign({ handleId: 'h3', hostname: 'n1', num4: 64 - 1 });
    expect(r.ipv4).not.toContain('10.244.0.77/32');
    await expectClean(store);
  });

  test('strictAffinity: another node\'s block is off limits', async () => {
    const { ipam } = await setup();
    await ipam.setConfig({ strictAffinity: true });
    await ipam.assignIp({ ip: '10.244.0.1', handleId: 'h1', hostname: 'n1' });
    expect(await messageOf(ipam.assignIp({ ip: '10.244.0.2', handleId: 'h2', hostname: 'n2' }))).toContain('strictAffinity=true forbids node n2');
  });
});

describe('release', () => {
  test('by IP, guarded by handle and sequence number; free addresses reported, not thrown', async () => {
    const { store, ipam } = await setup();
    const r = await ipam.autoAssign({ handleId: 'h1', hostname: 'n1', num4: 3 });
    const [a, b, c] = r.assigned;
    if (!a || !b || !c) throw new Error('expected 3');
    const out = await ipam.releaseIps([
      { ip: a.address, sequenceNumber: a.sequenceNumber },
      { ip: b.address, sequenceNumber: '1' },
      { ip: c.address, handleId: 'someone-else' },
      '10.244.0.250',
      '10.99.0.1',
    ]);
    expect(out.released).toEqual([a.address]);
    expect(out.mismatched.sort()).toEqual([b.address, c.address].sort());
    expect(out.notAllocated.sort()).toEqual(['10.244.0.250', '10.99.0.1'].sort());
    expect(await ipam.ipsByHandle('h1')).toEqual([b.address, c.address]);
    expect((await store.get<StoredResource>('IPAMHandle', 'h1')).spec).toMatchObject({ block: { [a.block]: 2 } });
    await expectClean(store);
  });

  test('by handle: every address, handle deleted, idempotent', async () => {
    const { store, ipam } = await setup([['p4', '10.244.0.0/24', 28]]);
    const r = await ipam.autoAssign({ handleId: 'h1', hostname: 'n1', num4: 20 });
    expect(new Set(r.assigned.map((x) => x.block)).size).toBe(2);
    expect((await ipam.releaseByHandle('h1')).sort()).toEqual(r.assigned.map((x) => x.address).sort());
    expect(await ipam.releaseByHandle('h1')).toEqual([]);
    await expect(store.get('IPAMHandle', 'h1')).rejects.toThrow(/not found/);
    await expectClean(store);
  });

  test('by handle recovers addresses whose handle write was lost', async () => {
    const { store, ipam } = await setup();
    const r = await ipam.autoAssign({ handleId: 'h1', hostname: 'n1', num4: 2 });
    await store.delete('IPAMHandle', 'h1');
    expect(checkIpam(await loadIpamSnapshot(store)).problems.map((p) => p.kind)).toEqual(['missing-handle', 'missing-handle']);
    expect((await ipam.releaseByHandle('h1')).sort()).toEqual(r.assigned.map((x) => x.address).sort());
    await expectClean(store);
  });

  test('host affinities: empty blocks deleted, non-empty blocks unaffined and borrowable, then deleted when emptied', async () => {
    const { store, ipam } = await setup([['p4', '10.244.0.0/24', 26]]);
    const keep = await ipam.autoAssign({ handleId: 'keep', hostname: 'n1', num4: 1 });
    const gone = await ipam.autoAssign({ handleId: 'gone', hostname: 'n1', num4: 64 });
    await ipam.releaseByHandle('gone');
    const emptyBlock = gone.assigned.find((a) => a.block !== keep.assigned[0]?.block)?.block;
    const out = await ipam.releaseHostAffinities('n1');
    expect(out.unaffinedBlocks).toEqual([keep.assigned[0]?.block]);
    expect(out.deletedBlocks).toEqual([emptyBlock]);
    expect((await store.list('BlockAffinity')).items).toEqual([]);
    const [b] = await blocks(store);
    expect(b?.spec.affinity).toBeUndefined();
    // Borrowable by another node (non-strict), and gone once its last address is released.
    await store.delete('Node', 'n1');
    const borrowed = await ipam.autoAssign({ handleId: 'b', hostname: 'n2', num4: 1 });
    expect(borrowed.assigned[0]?.block).not.toBe(b?.spec.cidr); // n2 claims its own block first
    await ipam.releaseByHandle('keep');
    expect((await blocks(store)).map((x) => x.spec.cidr)).toEqual([borrowed.assigned[0]?.block]);
    await expectClean(store);
  });
});

describe('configuration', () => {
  test('defaults, set, and the API\'s cross-field rule', async () => {
    const { ipam } = await setup();
    expect(await ipam.getConfig()).toEqual({ strictAffinity: false, maxBlocksPerHost: 0, effectiveMaxBlocksPerHost: 20, autoAllocateBlocks: true });
    expect(await messageOf(ipam.setConfig({ maxBlocksPerHost: 5 }))).toBe('IPAMConfiguration: spec.maxBlocksPerHost: requires spec.strictAffinity to be true');
    expect(await ipam.setConfig({ strictAffinity: true, maxBlocksPerHost: 5 })).toMatchObject({ strictAffinity: true, maxBlocksPerHost: 5, effectiveMaxBlocksPerHost: 5 });
    expect(await ipam.getConfig()).toMatchObject({ maxBlocksPerHost: 5 });
  });

  test('autoAllocateBlocks=false with strict affinity: a node without blocks gets a clear error', async () => {
    const { ipam } = await setup();
    await ipam.setConfig({ strictAffinity: true, autoAllocateBlocks: false });
    expect(await codeOf(ipam.autoAssign({ handleId: 'h', hostname: 'n1', num4: 1 }))).toBe(IpamErrorCode.NoAffineSpace);
  });
});

describe('compare-and-swap under injected conflicts and failures', () => {
  const conflict = (kind: string) => new ConflictError(kind, 'x', undefined, '1', '2');

  test('block and handle writes that lose a race are retried', async () => {
    const { store, ipam } = await setup();
    await ipam.autoAssign({ handleId: 'h0', hostname: 'n1', num4: 1 });
    for (let i = 0; i < 5; i++) store.failNext('update', conflict('IPAMBlock'), { kind: 'IPAMBlock' });
    store.failNext('update', conflict('IPAMHandle'), { kind: 'IPAMHandle' });
    const r = await ipam.autoAssign({ handleId: 'h0', hostname: 'n1', num4: 2 });
    expect(r.ipv4).toHaveLength(2);
    expect((await store.get<StoredResource>('IPAMHandle', 'h0')).spec).toMatchObject({ block: { [r.assigned[0]?.block ?? '']: 3 } });
    await expectClean(store);
  });

  test('a conflict on every attempt ends in Contention, with nothing assigned', async () => {
    const { store } = await setup();
    const ipam = new IpamAllocator(store, { backoff: noWait, maxAttempts: 3 });
    await ipam.autoAssign({ handleId: 'h0', hostname: 'n1', num4: 1 });
    for (let i = 0; i < 3; i++) store.failNext('update', conflict('IPAMBlock'), { kind: 'IPAMBlock' });
    const msg = await messageOf(ipam.autoAssign({ handleId: 'h1', hostname: 'n1', num4: 1 }));
    expect(msg).toMatch(/^IPAMBlock 10\.244\.0\.\d+\/26: gave up after 3 attempts/);
    expect(await ipam.ipsByHandle('h1')).toEqual([]);
    // The shared loop (datastore/cas.ts) keeps the last lost race as the cause.
    for (let i = 0; i < 3; i++) store.failNext('update', conflict('IPAMBlock'), { kind: 'IPAMBlock' });
    const err = await ipam.autoAssign({ handleId: 'h1', hostname: 'n1', num4: 1 }).catch((e: unknown) => e);
    expect(isIpamError(err, IpamErrorCode.Contention)).toBe(true);
    expect((err as Error).cause).toBeInstanceOf(ConflictError);
    expect(await ipam.ipsByHandle('h1')).toEqual([]);
    await expectClean(store);
  });

  test('a failed handle write undoes the block assignment', async () => {
    const { store, ipam } = await setup();
    store.failNext('create', new UnavailableError('create', 'IPAMHandle', 'h1', undefined, 'injected'), { kind: 'IPAMHandle' });
    await expect(ipam.autoAssign({ handleId: 'h1', hostname: 'n1', num4: 2 })).rejects.toThrow(/injected/);
    expect((await blocks(store)).flatMap((b) => b.spec.allocations.filter((a) => a !== null))).toEqual([]);
    await expectClean(store);
  });

  test('a claim that loses the block create to another host backs off and removes its pending affinity', async () => {
    const { store, ipam } = await setup([['p4', '10.244.0.0/25', 26]]);
    // n2 already owns the block n1's generator tries first: n1 must end up in the other block.
    const first = (await ipam.autoAssign({ handleId: 'probe', hostname: 'n1', num4: 1 })).assigned[0]?.block ?? '';
    await ipam.releaseByHandle('probe');
    await ipam.releaseHostAffinities('n1');
    await store.create(res('IPAMBlock', blockNameForCidr(first), newBlockSpec(parseCidr(first), 'host:n2', 1n)));
    const r = await ipam.autoAssign({ handleId: 'h1', hostname: 'n1', num4: 1 });
    expect(r.assigned[0]?.block).not.toBe(first);
    const affs = (await store.list<StoredResource>('BlockAffinity')).items.map((a) => (a.spec as { cidr: string }).cidr);
    expect(affs).toEqual([r.assigned[0]?.block]);
  });
});

describe('ipam check', () => {
  test('an address allocated to a pod without a workload endpoint is a leak; with the endpoint it is not', async () => {
    const { store, ipam } = await setup();
    const r = await ipam.autoAssign({ handleId: 'k8s-pod-network.c1', hostname: 'n1', num4: 1, attrs: { pod: 'p', namespace: 'ns', node: 'n1' } });
    expect(checkIpam(await loadIpamSnapshot(store)).problems.map((p) => p.kind)).toEqual(['leaked-ip']);
    const wep: StoredResource = { apiVersion: API_VERSION, kind: 'WorkloadEndpoint', metadata: { name: 'n1-k8s-p-eth0', namespace: 'ns' }, spec: { interfaceName: 'cali1', ipNetworks: r.ipv4 } };
    await store.create(wep);
    await expectClean(store);
    await store.create({ ...wep, metadata: { name: 'n1-k8s-q-eth0', namespace: 'ns' }, spec: { interfaceName: 'cali2', ipNetworks: [...r.ipv4, '10.244.9.9/32'] } });
    expect(checkIpam(await loadIpamSnapshot(store)).problems.map((p) => p.kind).sort()).toEqual(['duplicate-ip', 'in-use-unallocated']);
  });
});

describe('reclaiming empty blocks of other nodes', () => {
  test('a full pool: an empty block claimed over a minute ago by another node is taken over, a fresh one is not', async () => {
    const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
    const store = new MemoryDatastore({ clock });
    await store.create(res('IPPool', 'p', { cidr: '10.244.0.0/26', blockSize: 26 }));
    const ipam = new IpamAllocator(store, { backoff: noWait, clock });
    await ipam.setConfig({ strictAffinity: true });
    await ipam.autoAssign({ handleId: 'h1', hostname: 'dead-node', num4: 1 });
    await ipam.releaseByHandle('h1');
    clock.advance(30_000);
    expect(await messageOf(ipam.autoAssign({ handleId: 'h2', hostname: 'n2', num4: 1 }))).toMatch(/^pool 10\.244\.0\.0\/26 has no free blocks/);
    clock.advance(EMPTY_BLOCK_RECLAIM_AGE_MS);
    const r = await ipam.autoAssign({ handleId: 'h2', hostname: 'n2', num4: 1 });
    expect(r.assigned[0]?.block).toBe('10.244.0.0/26');
    expect((await blocks(store)).map((b) => b.spec.affinity)).toEqual(['host:n2']);
    expect((await store.list<StoredResource>('BlockAffinity')).items.map((a) => a.metadata.name)).toEqual(['n2-10-244-0-0-26']);
  });

  test('a block that is not empty is never taken over', async () => {
    const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
    const store = new MemoryDatastore({ clock });
    await store.create(res('IPPool', 'p', { cidr: '10.244.0.0/26', blockSize: 26 }));
    const ipam = new IpamAllocator(store, { backoff: noWait, clock });
    await ipam.setConfig({ strictAffinity: true });
    await ipam.autoAssign({ handleId: 'h1', hostname: 'n1', num4: 1 });
    clock.advance(10 * EMPTY_BLOCK_RECLAIM_AGE_MS);
    expect(await codeOf(ipam.autoAssign({ handleId: 'h2', hostname: 'n2', num4: 1 }))).toBe(IpamErrorCode.PoolExhausted);
    expect((await blocks(store)).map((b) => b.spec.affinity)).toEqual(['host:n1']);
  });
});

describe('overlapping blocks', () => {
  test('a claim skips every candidate that overlaps an existing block of another size (a changed blockSize)', async () => {
    const { store, ipam } = await setup([['p4', '10.244.0.0/23', 26]]);
    // A /24 block left from when the pool had blockSize 24 covers half of the /26 grid.
    await store.create(res('IPAMBlock', blockNameForCidr('10.244.0.0/24'), newBlockSpec(parseCidr('10.244.0.0/24'), 'host:n3', 1n)));
    for (const host of ['n1', 'n2']) await ipam.autoAssign({ handleId: `h-${host}`, hostname: host, num4: 64 });
    const cidrs = (await blocks(store)).map((b) => b.spec.cidr).sort();
    expect(cidrs.filter((c) => c.endsWith('/26')).every((c) => c.startsWith('10.244.1.'))).toBe(true);
    expect(checkIpam(await loadIpamSnapshot(store)).problems.filter((p) => p.kind === 'overlapping-blocks')).toEqual([]);
  });

  test('ipam check reports overlapping blocks', async () => {
    const { store } = await setup();
    await store.create(res('IPAMBlock', blockNameForCidr('10.244.0.0/24'), newBlockSpec(parseCidr('10.244.0.0/24'), undefined, 1n)));
    await store.create(res('IPAMBlock', blockNameForCidr('10.244.0.64/26'), newBlockSpec(parseCidr('10.244.0.64/26'), undefined, 1n)));
    await store.create(res('IPAMBlock', blockNameForCidr('10.244.1.0/26'), newBlockSpec(parseCidr('10.244.1.0/26'), undefined, 1n)));
    expect(checkIpam(await loadIpamSnapshot(store)).problems.map((p) => p.detail)).toEqual(['blocks 10.244.0.0/24 and 10.244.0.64/26 overlap']);
  });
});

describe('concurrency on one store', () => {
  test('10 hosts x 3 concurrent workers x 10 requests: no duplicate address, check clean; release half; again', async () => {
    const hosts = Array.from({ length: 10 }, (_, i) => `n${i}`);
    const { store, ipam } = await setup([['p4', '10.244.0.0/22', 28]], hosts.map((h) => [h] as [string]));
    const held = new Map<string, string[]>();
    const worker = async (host: string, w: number, round: number): Promise<void> => {
      for (let k = 0; k < 10; k++) {
        const handleId = `${host}-r${round}-w${w}-${k}`;
        held.set(handleId, (await ipam.autoAssign({ handleId, hostname: host, num4: 2 })).ipv4);
      }
    };
    await Promise.all(hosts.flatMap((h) => [0, 1, 2].map((w) => worker(h, w, 0))));
    const all = [...held.values()].flat();
    expect(all).toHaveLength(600);
    expect(new Set(all).size).toBe(600);
    await expectClean(store);
    const release = [...held.keys()].filter((_, i) => i % 2 === 0);
    await Promise.all(release.map((h) => ipam.releaseByHandle(h)));
    for (const h of release) held.delete(h);
    await Promise.all(hosts.map((h) => worker(h, 9, 1)));
    const again = [...held.values()].flat();
    expect(new Set(again).size).toBe(again.length);
    expect(again).toHaveLength(500);
    await expectClean(store);
  });
});
