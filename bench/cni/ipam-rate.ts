// IPAM throughput through the node agent's path (ipam/node-ipam.ts: plans from the watch cache, one compare-and-swap
// transaction per batch), the same objects the CNI service builds (node/cni-serve.ts), on a real etcd on loopback,
// with many requests in flight so batching works; then the project's `ipam check` on what was written (0 problems
// or the bench fails). In the same run, for comparison, the allocator a standalone plugin uses (ipam/allocator.ts:
// one read-modify-write per request). One node, one IPPool with /26 blocks (each new block is claimed through the
// allocator, as in the agent). A node may hold 20 blocks (1,280 addresses), so the agent's path runs in rounds of
// at most 1,000: allocate, check, release, check; the first round claims the blocks, later ones reuse them (an
// emptied affine block stays with its node).
//   npm run bench:cni:ipam -- [allocations per round] [in flight] [rounds] [old-path allocations]
import { DatastoreCache } from '../../src/datastore/cache';
import { countRequests } from '../../src/datastore/counting';
import { EtcdDatastore } from '../../src/datastore/etcd/etcd-datastore';
import { API_VERSION } from '../../src/datastore/types';
import { runCheck } from '../../src/cli/ipam-check';
import { IpamAllocator } from '../../src/ipam';
import { NodeIpam } from '../../src/ipam/node-ipam';
import { nullLogger } from '../../src/lib/logger';
import { CNI_CACHE_KINDS } from '../../src/node/cni-serve';
import { startEtcd } from '../../e2e/lib/etcd';
import { elapsedMs, loadText, pool, runBench, summary } from './stats';

const NODE = 'bench-node';

interface Path {
  assign(handleId: string): Promise<unknown>;
  release(handleId: string): Promise<unknown>;
}

async function measure(name: string, p: Path, count: () => number, n: number, width: number, prefix: string, check: () => Promise<number>): Promise<string> {
  const ids = Array.from({ length: n }, (_, i) => `${prefix}.${i}`);
  const r0 = count();
  const [wall, lat] = await elapsedMs(() => pool(ids, width, async (id) => (await elapsedMs(() => p.assign(id)))[0]));
  const reqs = (count() - r0) / n;
  const problems = await check();
  if (problems !== 0) throw new Error(`ipam check found ${problems} problems after ${name}'s allocations`);
  const [relWall] = await elapsedMs(() => pool(ids, width, (id) => p.release(id)));
  const after = await check();
  if (after !== 0) throw new Error(`ipam check found ${after} problems after ${name}'s releases`);
  const s = summary(lat);
  return `| ${name} | ${n} | ${width} | ${Math.round((n / wall) * 1000)} | ${s.p50.toFixed(0)} | ${s.p99.toFixed(0)} | ${reqs.toFixed(2)} | ${Math.round((n / relWall) * 1000)} | ${problems} / ${after} |`;
}

async function main(): Promise<void> {
  const n = Number(process.argv[3] ?? 1000);
  const width = Number(process.argv[4] ?? 100);
  const rounds = Number(process.argv[5] ?? 3);
  const nOld = Number(process.argv[6] ?? 300);
  const etcd = await startEtcd();
  const store = new EtcdDatastore({ endpoints: [etcd.endpoint] });
  const cache = new DatastoreCache(store, CNI_CACHE_KINDS);
  try {
    await store.create({ apiVersion: API_VERSION, kind: 'IPPool', metadata: { name: 'bench' }, spec: { cidr: '10.128.0.0/12', blockSize: 26, nodeSelector: 'all()' } });
    await store.create({ apiVersion: API_VERSION, kind: 'Node', metadata: { name: NODE }, spec: {} });
    await cache.start();
    const counted = countRequests(store);
    const nodeIpam = new NodeIpam({ store: counted.store, cache, fallback: new IpamAllocator(counted.store), log: nullLogger });
    const allocator = new IpamAllocator(counted.store);
    const req = (handleId: string) => ({ handleId, hostname: NODE, num4: 1, attrs: { node: NODE, pod: handleId } });
    const check = async (): Promise<number> => (await runCheck(store, {}, Date.now())).problems;
    const lines = [`Load average at the start: ${loadText()}.`, '', '| path | allocations | in flight | allocations/s | p50 ms | p99 ms | datastore requests per allocation | releases/s | ipam check problems (after allocating / after releasing) |', '|---|---|---|---|---|---|---|---|---|'];
    // Warm-up: the node's first block claimed, the etcd client connected.
    await nodeIpam.assign(req('warm'));
    for (let r = 1; r <= rounds; r++) {
      lines.push(await measure(`agent (node-ipam, batched), round ${r}`, { assign: (id) => nodeIpam.assign(req(id)), release: (id) => nodeIpam.releaseByHandle(id) }, counted.count, n, width, `agent${r}`, check));
      process.stderr.write(`${lines[lines.length - 1]}\n`);
    }
    lines.push(await measure('allocator (standalone plugin)', { assign: (id) => allocator.autoAssign(req(id)), release: (id) => allocator.releaseByHandle(id) }, counted.count, nOld, width, 'old', check));
    lines.push('', `Load average at the end: ${loadText()}.`);
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    await cache.close();
    await store.close();
    await etcd.stop();
  }
}

runBench(main);
