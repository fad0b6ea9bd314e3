// Utilisation of pools and blocks (what `gingham ipam show` prints and what IPAM metrics would export), and the
// borrowed addresses: those whose node attribute names another node than the block's owner. Pure.
import { cidrContains, cidrSize, parseCidr, tryParseCidr } from '../lib/ip';
import { addressAt, blockCidr } from './block-ordinals';
import { affinityHost, allocatedOrdinals, inUseCount } from './block-query';
import type { StoredBlock, StoredPool } from './ipam-store';

export interface Usage {
  readonly cidr: string;
  readonly total: bigint;
  readonly inUse: bigint;
  readonly free: bigint;
}

export interface PoolUsage extends Usage {
  readonly name: string;
  readonly blocks: Usage[];
}

function blockUsage(b: StoredBlock): Usage {
  const total = BigInt(b.spec.allocations.length);
  const inUse = BigInt(inUseCount(b.spec));
  return { cidr: b.spec.cidr, total, inUse, free: total - inUse };
}

/** Pools in the given order, each with its blocks (sorted by CIDR text, as calicoctl prints them). */
export function poolUsage(pools: readonly StoredPool[], blocks: readonly StoredBlock[]): PoolUsage[] {
  return pools.map((p) => {
    const cidr = parseCidr(p.spec.cidr);
    const mine = blocks.filter((b) => {
      const c = tryParseCidr(b.spec.cidr);
      return c !== undefined && cidrContains(cidr, c);
    });
    const usages = mine.map(blockUsage).sort((a, b) => (a.cidr < b.cidr ? -1 : a.cidr > b.cidr ? 1 : 0));
    const total = cidrSize(cidr);
    const inUse = usages.reduce((n, u) => n + u.inUse, 0n);
    return { name: p.metadata.name, cidr: p.spec.cidr, total, inUse, free: total - inUse, blocks: usages };
  });
}

/** Blocks inside no pool (a pool deleted while its blocks held addresses). */
export function blocksOutsidePools(pools: readonly StoredPool[], blocks: readonly StoredBlock[]): Usage[] {
  const cidrs = pools.map((p) => parseCidr(p.spec.cidr));
  return blocks.filter((b) => !cidrs.some((c) => cidrContains(c, blockCidr(b.spec)))).map(blockUsage);
}

export interface BorrowedIp {
  readonly ip: string;
  readonly borrowingNode: string;
  readonly block: string;
  readonly blockOwner: string;
  readonly type: string;
  readonly allocatedTo: string;
}

export function borrowedIps(blocks: readonly StoredBlock[]): BorrowedIp[] {
  const out: BorrowedIp[] = [];
  for (const b of blocks) {
    const owner = affinityHost(b.spec);
    if (owner === undefined) continue;
    const cidr = blockCidr(b.spec);
    for (const o of allocatedOrdinals(b.spec)) {
      const node = o.attrs['node'];
      if (node === undefined || node === owner) continue;
      const pod = o.attrs['pod'];
      out.push({
        ip: addressAt(cidr, o.ordinal),
        borrowingNode: node,
        block: b.spec.cidr,
        blockOwner: owner,
        type: o.attrs['type'] ?? (pod ? 'pod' : ''),
        allocatedTo: pod ? `${o.attrs['namespace'] ?? ''}/${pod}` : (o.handleId ?? ''),
      });
    }
  }
  return out;
}
