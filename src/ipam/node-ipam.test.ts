import { DatastoreCache } from '../datastore/cache';
import type { Datastore } from '../datastore/datastore';
import { atomicStore } from '../datastore/testing/atomic-memory';
import { API_VERSION } from '../datastore/types';
import { nullLogger } from '../lib/logger';
import { IpamAllocator } from './allocator';
import { checkIpam, loadIpamSnapshot } from './ipam-check';
import type { AutoAssignRequest } from './ipam-types';
import { NodeIpam } from './node-ipam';

const KINDS = ['IPAMBlock', 'IPAMHandle', 'BlockAffinity', 'IPPool', 'Node'];

const req = (id: string, num6 = 0): AutoAssignRequest => ({ handleId: `net.${id}`, hostname: 'n1', num4: 1, num6, attrs: { pod: id }, pools: [] });

async function settle(cache: DatastoreCache, store: Datastore, kind: string, n: number): Promise<void> {
  for (let i = 0; i < 200 && cache.list(kind).length !== n; i++) await new Promise((r) => setTimeout(r, 5));
  expect(cache.list(kind)).toHaveLength(n);
  void store;
}

describe('NodeIpam', () => {
  let env: ReturnType<typeof atomicStore>;
  let cache: DatastoreCache;
  let allocator: IpamAllocator;
  let ipam: NodeIpam;

  beforeEach(async () => {
    env = atomicStore();
    await env.store.create({ apiVersion: API_VERSION, kind: 'IPPool', metadata: { name: 'p4' }, spec: { cidr: '10.9.0.0/16', blockSize: 26, nodeSelector: 'all()' } });
    await env.store.create({ apiVersion: API_VERSION, kind: 'IPPool', metadata: { name: 'p6' }, spec: { cidr: 'fd09::/112', blockSize: 122, nodeSelector: 'all()' } });
    await env.store.create({ apiVersion: API_VERSION, kind: 'Node', metadata: { name: 'n1' }, spec: {} });
    allocator = new IpamAllocator(env.store);
    // The node's first blocks, claimed the slow way (as the first pod on a node does).
    await allocator.autoAssign({ handleId: 'seed', hostname: 'n1', num4: 1, num6: 1 });
    await allocator.releaseByHandle('seed');
    cache = new DatastoreCache(env.store, KINDS);
    await cache.start();
    ipam = new NodeIpam({ store: env.store, cache, fallback: allocator, log: nullLogger });
  });
  afterEach(async () => {
    await cache.close();
  });

  it('coalesces concurrent allocations on one block into one commit: the block and every handle together', async () => {
    const got = await Promise.all(Array.from({ length: 10 }, (_, i) => ipam.assign(req(`c${i}`))));
    const addrs = got.flatMap((g) => g.ipv4);
    expect(new Set(addrs).size).toBe(10);
    expect(env.commits).toHaveLength(1);
    expect(env.commits[0]!.filter((o) => o.op === 'create')).toHaveLength(10);
    expect(env.commits[0]!.filter((o) => o.op === 'update')).toHaveLength(1);
    expect(checkIpam(await loadIpamSnapshot(env.store)).problems).toEqual([]);
    expect(ipam.addressesOf('net.c3')).toEqual(got[3]!.ipv4);
  });

  it('serves the next batch from its own last write before the cache catches up, and a repeated request from the handle', async () => {
    const a = await ipam.assign(req('a', 1));
    const b = await ipam.assign(req('b'));
    expect(a.ipv6).toHaveLength(1);
    expect(b.ipv4[0]).not.toBe(a.ipv4[0]);
    expect(env.commits).toHaveLength(2);
    expect(await ipam.assign(req('a', 1))).toEqual(a);
    expect(env.commits).toHaveLength(2);
  });

  it('releases block and handle in one commit; nothing left behind', async () => {
    const a = await ipam.assign(req('a', 1));
    await ipam.releaseByHandle('net.a');
    expect(env.commits).toHaveLength(2);
    const del = env.commits[1]!;
    expect(del.map((o) => o.op).sort()).toEqual(['delete', 'update', 'update']);
    expect(ipam.addressesOf('net.a')).toEqual([]);
    const check = checkIpam(await loadIpamSnapshot(env.store));
    expect(check.problems).toEqual([]);
    expect(check.allocations.map((x) => x.ip)).not.toContain(a.ipv4[0]!.split('/')[0]);
  });

  it('a block changed behind its cache: the commit loses, is re-read and planned again, without a duplicate', async () => {
    await cache.close(); // the cache stops following the store: every later read of it is stale
    const other = await allocator.autoAssign({ handleId: 'elsewhere', hostname: 'n1', num4: 1 });
    const mine = await ipam.assign(req('x'));
    expect(mine.ipv4[0]).not.toBe(other.ipv4[0]);
    expect(env.commits).toHaveLength(2);
    expect(checkIpam(await loadIpamSnapshot(env.store)).problems).toEqual([]);
  });

  it('without a free affine block, the full allocator claims one', async () => {
    const many = await Promise.all(Array.from({ length: 70 }, (_, i) => ipam.assign(req(`m${i}`))));
    expect(new Set(many.flatMap((g) => g.ipv4)).size).toBe(70);
    await settle(cache, env.store, 'IPAMBlock', 3);
    expect(checkIpam(await loadIpamSnapshot(env.store)).problems).toEqual([]);
  });
});
