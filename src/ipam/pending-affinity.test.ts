// A BlockAffinity left `pending` by a claim that did not finish: `ipam check` reports it, and the node's next
// assignment settles it as Calico's getBlockFromAffinity does (claim the missing block, confirm, or delete as stale).
import { blockNameForCidr } from '../api/kind-ipam-block';
import { InvalidError } from '../datastore/errors';
import { MemoryDatastore } from '../datastore/memory/memory-datastore';
import { API_VERSION, type StoredResource } from '../datastore/types';
import { parseCidr } from '../lib/ip';
import { newBlockSpec } from './block-ordinals';
import { IpamAllocator } from './index';
import { checkIpam, loadIpamSnapshot } from './ipam-check';

const res = (kind: string, name: string, spec: unknown): StoredResource => ({ apiVersion: API_VERSION, kind, metadata: { name }, spec });

async function setup(): Promise<{ store: MemoryDatastore; ipam: IpamAllocator }> {
  const store = new MemoryDatastore();
  await store.create(res('IPPool', 'p4', { cidr: '10.244.0.0/24', blockSize: 26 }));
  for (const n of ['n1', 'n2']) await store.create(res('Node', n, {}));
  return { store, ipam: new IpamAllocator(store, { backoff: () => Promise.resolve() }) };
}

async function problems(store: MemoryDatastore): Promise<string[]> {
  return checkIpam(await loadIpamSnapshot(store)).problems.map((p) => `${p.kind}: ${p.detail}`);
}

async function affinities(store: MemoryDatastore): Promise<Array<{ node: string; cidr: string; state: string }>> {
  return (await store.list<StoredResource>('BlockAffinity')).items.map((a) => a.spec as { node: string; cidr: string; state: string }).map(({ node, cidr, state }) => ({ node, cidr, state }));
}

describe('a pending block affinity', () => {
  it('left by a block create the server refused: reported, then the next assignment claims the block and confirms it', async () => {
    const { store, ipam } = await setup();
    // What a cluster with Calico's CRDs did to every block write before defect 2 was fixed.
    store.failNext('create', new InvalidError('IPAMBlock', '10-244-0-0-26', 'spec.sequenceNumber in body must be of type integer'), { kind: 'IPAMBlock' });
    await expect(ipam.autoAssign({ handleId: 'h1', hostname: 'n1', num4: 1 })).rejects.toThrow(/sequenceNumber/);
    const [left] = await affinities(store);
    expect(left?.state).toBe('pending');
    expect(await problems(store)).toEqual([
      `pending-affinity: node n1 has a pending affinity for block ${left?.cidr} (a claim that did not finish): the block does not exist; the node's next assignment claims it again`,
    ]);
    const r = await ipam.autoAssign({ handleId: 'h1', hostname: 'n1', num4: 1 });
    expect(r.assigned[0]?.block).toBe(left?.cidr);
    expect(await affinities(store)).toEqual([{ node: 'n1', cidr: left?.cidr, state: 'confirmed' }]);
    expect(await problems(store)).toEqual([]);
  });

  it('whose block is this node\'s: reported, then confirmed by the next assignment', async () => {
    const { store, ipam } = await setup();
    await store.create(res('IPAMBlock', blockNameForCidr('10.244.0.0/26'), newBlockSpec(parseCidr('10.244.0.0/26'), 'host:n1', 1n)));
    await store.create(res('BlockAffinity', 'n1-10-244-0-0-26', { node: 'n1', cidr: '10.244.0.0/26', state: 'pending', deleted: false }));
    expect(await problems(store)).toEqual(['pending-affinity: node n1 has a pending affinity for block 10.244.0.0/26 (a claim that did not finish): the block is affine to it; the node\'s next assignment confirms the affinity']);
    const r = await ipam.autoAssign({ handleId: 'h1', hostname: 'n1', num4: 1 });
    expect(r.assigned[0]?.block).toBe('10.244.0.0/26');
    expect(await affinities(store)).toEqual([{ node: 'n1', cidr: '10.244.0.0/26', state: 'confirmed' }]);
    expect(await problems(store)).toEqual([]);
  });

  it('whose block another node won: reported, then deleted as stale by the next assignment', async () => {
    const { store, ipam } = await setup();
    await store.create(res('IPAMBlock', blockNameForCidr('10.244.0.0/26'), newBlockSpec(parseCidr('10.244.0.0/26'), 'host:n2', 1n)));
    await store.create(res('BlockAffinity', 'n2-10-244-0-0-26', { node: 'n2', cidr: '10.244.0.0/26', state: 'confirmed', deleted: false }));
    await store.create(res('BlockAffinity', 'n1-10-244-0-0-26', { node: 'n1', cidr: '10.244.0.0/26', state: 'pending', deleted: false }));
    expect(await problems(store)).toEqual(['pending-affinity: node n1 has a pending affinity for block 10.244.0.0/26 (a claim that did not finish): the block is affine to host:n2; the node\'s next assignment deletes this stale affinity']);
    const r = await ipam.autoAssign({ handleId: 'h1', hostname: 'n1', num4: 1 });
    expect(r.assigned[0]?.block).not.toBe('10.244.0.0/26');
    expect((await affinities(store)).filter((a) => a.cidr === '10.244.0.0/26')).toEqual([{ node: 'n2', cidr: '10.244.0.0/26', state: 'confirmed' }]);
    expect(await problems(store)).toEqual([]);
  });
});
