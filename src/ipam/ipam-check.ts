// The consistency check behind `gingham ipam check` (calicoctl ipam check, plus the overlap and orphan checks Calico's
// users asked for): given a snapshot of pools, blocks, handles, affinities, nodes and workload endpoints, list every
// problem. Pure: loadIpamSnapshot is the only part that reads the datastore.
//
// Problem kinds:
//   leaked-ip              allocated to a pod (attrs namespace + pod) but no WorkloadEndpoint has the address
//   in-use-unallocated     a WorkloadEndpoint has an address that no block has allocated
//   duplicate-ip           two WorkloadEndpoints have the same address
//   missing-handle         allocated to a handle with no IPAMHandle
//   allocated-without-handle
//   handle-count-mismatch  the IPAMHandle's count for a block differs from what the block holds for it
//   handle-without-ips     an IPAMHandle that holds no address at all
//   outside-pool           an allocated address in no IPPool
//   overlapping-blocks     two blocks share addresses
//   invalid-block          a block whose stored bookkeeping is incoherent (lengths, FIFO vs allocations)
//   orphaned-block         a block affine to a node that does not exist (only when nodes are known)
//   affinity-without-block a confirmed BlockAffinity whose block is missing or owned by someone else
//   pending-affinity       a BlockAffinity left `pending` by a claim that did not finish (the block create failed, or
//                          the claimant stopped); the node's next assignment settles it as Calico's
//                          getBlockFromAffinity does: claims the missing block, confirms it, or deletes it as stale
import type { WorkloadEndpoint } from '../api/kind-workload-endpoint';
import { ipamBlockKind } from '../api/kind-ipam-block';
import { Problems } from '../api/errors';
import type { Datastore } from '../datastore/datastore';
import { cidrLast, formatIp, tryParseCidr, type Cidr } from '../lib/ip';
import { addressAt, blockCidr } from './block-ordinals';
import { affinityHost, allocatedOrdinals, countsByHandle } from './block-query';
import { poolContaining } from './ipam-pools';
import { hostAffinity, KIND_AFFINITY, KIND_HANDLE, KIND_NODE, listBlocks, listPools, type StoredAffinity, type StoredBlock, type StoredHandle, type StoredPool } from './ipam-store';

export type IpamProblemKind =
  | 'leaked-ip'
  | 'in-use-unallocated'
  | 'duplicate-ip'
  | 'missing-handle'
  | 'allocated-without-handle'
  | 'handle-count-mismatch'
  | 'handle-without-ips'
  | 'outside-pool'
  | 'overlapping-blocks'
  | 'invalid-block'
  | 'orphaned-block'
  | 'affinity-without-block'
  | 'pending-affinity';

export interface IpamProblem {
  readonly kind: IpamProblemKind;
  readonly detail: string;
  readonly ip?: string;
  readonly block?: string;
  readonly handle?: string;
}

export interface IpamSnapshot {
  readonly pools: readonly StoredPool[];
  readonly blocks: readonly StoredBlock[];
  readonly handles: readonly StoredHandle[];
  readonly affinities: readonly StoredAffinity[];
  /** Node names; undefined when not known (then orphaned blocks are not checked). */
  readonly nodes?: readonly string[];
  /** undefined when not known (then leaks and in-use-unallocated are not checked). */
  readonly workloadEndpoints?: readonly WorkloadEndpoint[];
}

export interface AllocationRecord {
  readonly ip: string;
  readonly block: string;
  readonly handle: string | undefined;
  readonly attrs: Readonly<Record<string, string>>;
  readonly node: string | undefined;
}

export interface IpamCheckResult {
  readonly problems: IpamProblem[];
  readonly allocations: AllocationRecord[];
  /** Allocations per node (the block's node for affine blocks, else the attrs' node). */
  readonly perNode: ReadonlyMap<string, number>;
}

function addressOf(ipNetwork: string): string | undefined {
  const c = tryParseCidr(ipNetwork);
  return c ? formatIp({ family: c.family, value: c.addr }) : undefined;
}

export function checkIpam(s: IpamSnapshot): IpamCheckResult {
  const problems: IpamProblem[] = [];
  const allocations: AllocationRecord[] = [];
  const perNode = new Map<string, number>();
  const handles = new Map(s.handles.filter((h) => !h.spec.deleted).map((h) => [h.spec.handleID || h.metadata.name, h]));
  const actual = new Map<string, Map<string, number>>(); // handle -> block -> count
  const nodes = s.nodes ? new Set(s.nodes) : undefined;

  const parsed: Array<{ b: StoredBlock; cidr: Cidr }> = [];
  for (const b of s.blocks) {
    const p = new Problems();
    ipamBlockKind.validate(b, p);
    const c = tryParseCidr(b.spec.cidr);
    if (!p.empty || !c) {
      problems.push({ kind: 'invalid-block', block: b.spec.cidr, detail: `block ${b.spec.cidr}: ${p.list.map((x) => `${x.path} ${x.rule}`).join('; ')}` });
      continue;
    }
    const free = new Set(b.spec.unallocated);
    const lost = b.spec.allocations.flatMap((a, i) => ((a === null || a === undefined) && !free.has(i) ? [i] : []));
    if (lost.length > 0) {
      problems.push({ kind: 'invalid-block', block: b.spec.cidr, detail: `block ${b.spec.cidr}: ${lost.length} free ordinal(s) missing from spec.unallocated (never handed out again), first ${lost[0]}` });
    }
    parsed.push({ b, cidr: c });
  }
  // Sorted by family and start address: a later block overlaps x exactly when it starts at or before x's last address.
  const sorted = [...parsed].sort((x, y) => x.cidr.family - y.cidr.family || (x.cidr.addr < y.cidr.addr ? -1 : x.cidr.addr > y.cidr.addr ? 1 : 0));
  for (let i = 0; i < sorted.length; i++) {
    const x = sorted[i];
    if (x === undefined) continue;
    const last = cidrLast(x.cidr).value;
    for (let j = i + 1; j < sorted.length; j++) {
      const y = sorted[j];
      if (y === undefined || y.cidr.family !== x.cidr.family || y.cidr.addr > last) break;
      problems.push({ kind: 'overlapping-blocks', block: x.b.spec.cidr, detail: `blocks ${x.b.spec.cidr} and ${y.b.spec.cidr} overlap` });
    }
  }

  for (const { b } of parsed) {
    const cidr = blockCidr(b.spec);
    const owner = affinityHost(b.spec);
    if (owner !== undefined && nodes !== undefined && !nodes.has(owner)) {
      problems.push({ kind: 'orphaned-block', block: b.spec.cidr, detail: `block ${b.spec.cidr} is affine to node ${owner}, which does not exist; release it with gingham ipam release --node ${owner}` });
    }
    const inPool = poolContaining(s.pools, cidr) !== undefined;
    for (const o of allocatedOrdinals(b.spec)) {
      const ip = addressAt(cidr, o.ordinal);
      const node = owner ?? o.attrs['node'];
      allocations.push({ ip, block: b.spec.cidr, handle: o.handleId, attrs: o.attrs, node });
      if (node !== undefined) perNode.set(node, (perNode.get(node) ?? 0) + 1);
      if (!inPool) problems.push({ kind: 'outside-pool', ip, block: b.spec.cidr, detail: `${ip} (block ${b.spec.cidr}) is in no IP pool` });
      if (o.handleId === undefined) problems.push({ kind: 'allocated-without-handle', ip, block: b.spec.cidr, detail: `${ip} is allocated without a handle` });
      else if (!handles.has(o.handleId)) problems.push({ kind: 'missing-handle', ip, block: b.spec.cidr, handle: o.handleId, detail: `${ip} is allocated to handle ${o.handleId}, which has no IPAMHandle` });
    }
    for (const [h, n] of countsByHandle(b.spec)) {
      const m = actual.get(h) ?? new Map<string, number>();
      m.set(b.spec.cidr, n);
      actual.set(h, m);
    }
  }

  for (const [id, h] of handles) {
    const have = actual.get(id) ?? new Map<string, number>();
    const total = [...have.values()].reduce((a, n) => a + n, 0);
    if (total === 0) {
      problems.push({ kind: 'handle-without-ips', handle: id, detail: `handle ${id} holds no address` });
      continue;
    }
    const blocks = new Set([...Object.keys(h.spec.block ?? {}), ...have.keys()]);
    for (const blk of blocks) {
      const said = h.spec.block?.[blk] ?? 0;
      const is = have.get(blk) ?? 0;
      if (said !== is) problems.push({ kind: 'handle-count-mismatch', handle: id, block: blk, detail: `handle ${id} records ${said} address(es) in block ${blk}, the block holds ${is}` });
    }
  }

  for (const a of s.affinities) {
    if (a.spec.state === 'pending') {
      const b = s.blocks.find((x) => x.spec.cidr === a.spec.cidr);
      const next =
        b === undefined
          ? 'the block does not exist; the node\'s next assignment claims it again'
          : b.spec.affinity === hostAffinity(a.spec.node)
            ? 'the block is affine to it; the node\'s next assignment confirms the affinity'
            : `the block is affine to ${b.spec.affinity ?? 'no node'}; the node's next assignment deletes this stale affinity`;
      problems.push({ kind: 'pending-affinity', block: a.spec.cidr, detail: `node ${a.spec.node} has a pending affinity for block ${a.spec.cidr} (a claim that did not finish): ${next}` });
      continue;
    }
    if (a.spec.state !== 'confirmed') continue;
    const b = s.blocks.find((x) => x.spec.cidr === a.spec.cidr);
    if (b === undefined || b.spec.affinity !== hostAffinity(a.spec.node)) {
      problems.push({ kind: 'affinity-without-block', block: a.spec.cidr, detail: `node ${a.spec.node} has a confirmed affinity for block ${a.spec.cidr}, but the block ${b ? `is affine to ${b.spec.affinity ?? 'no node'}` : 'does not exist'}` });
    }
  }

  if (s.workloadEndpoints !== undefined) {
    const wepByIp = new Map<string, string>();
    for (const w of s.workloadEndpoints) {
      const id = `${w.metadata.namespace ?? ''}/${w.metadata.name}`;
      for (const n of w.spec?.ipNetworks ?? []) {
        const ip = addressOf(n);
        if (ip === undefined) continue;
        const other = wepByIp.get(ip);
        if (other !== undefined) problems.push({ kind: 'duplicate-ip', ip, detail: `${ip} is used by workload endpoints ${other} and ${id}` });
        wepByIp.set(ip, id);
      }
    }
    const allocated = new Set(allocations.map((a) => a.ip));
    for (const [ip, id] of wepByIp) {
      if (!allocated.has(ip)) problems.push({ kind: 'in-use-unallocated', ip, detail: `${ip} is used by workload endpoint ${id} but not allocated in IPAM` });
    }
    for (const a of allocations) {
      if (a.attrs['namespace'] && a.attrs['pod'] && !wepByIp.has(a.ip)) {
        problems.push({ kind: 'leaked-ip', ip: a.ip, block: a.block, ...(a.handle ? { handle: a.handle } : {}), detail: `${a.ip} is allocated to pod ${a.attrs['namespace']}/${a.attrs['pod']} (handle ${a.handle ?? 'none'}), which has no workload endpoint with it` });
      }
    }
  }
  return { problems, allocations, perNode };
}

async function listOrUndefined<T>(load: () => Promise<T>): Promise<T | undefined> {
  try {
    return await load();
  } catch {
    return undefined;
  }
}

/** Everything checkIpam needs, read from the datastore. Nodes and workload endpoints are optional (a backend may refuse). */
export async function loadIpamSnapshot(store: Datastore): Promise<IpamSnapshot> {
  const [pools, blocks, handles, affinities] = await Promise.all([
    listPools(store),
    listBlocks(store),
    store.list<StoredHandle>(KIND_HANDLE).then((r) => r.items.filter((h) => h.spec !== undefined)),
    store.list<StoredAffinity>(KIND_AFFINITY).then((r) => r.items.filter((a) => a.spec !== undefined && !a.spec.deleted)),
  ]);
  const nodes = await listOrUndefined(async () => (await store.list(KIND_NODE)).items.map((n) => n.metadata.name));
  const workloadEndpoints = await listOrUndefined(async () => (await store.list<WorkloadEndpoint>('WorkloadEndpoint')).items);
  return { pools, blocks, handles, affinities, ...(nodes ? { nodes } : {}), ...(workloadEndpoints ? { workloadEndpoints } : {}) };
}
