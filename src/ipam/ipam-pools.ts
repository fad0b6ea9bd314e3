// Which pools may serve one request: the requested ones (by name or CIDR) or all, minus disabled pools, pools whose
// allowedUses exclude the intended use, and pools whose nodeSelector does not select the node. When none is left the
// error lists every pool with the reason it was excluded, so the operator sees what to change.
import type { CalicoNode } from '../api/kind-node';
import { compileSelector } from '../api/selector';
import type { Datastore } from '../datastore/datastore';
import { canonicalCidr, cidrContains, parseCidr, tryParseCidr, type Cidr, type IpAddr } from '../lib/ip';
import { IpamError, IpamErrorCode, invalidRequest } from './ipam-errors';
import { getOrUndefined, KIND_NODE, listPools, type StoredPool } from './ipam-store';
import type { IntendedUse } from './ipam-types';

export interface UsablePool {
  readonly name: string;
  readonly cidr: Cidr;
  /** Canonical text of the pool CIDR. */
  readonly cidrText: string;
  readonly blockSize: number;
}

export interface PoolQuery {
  readonly family: 4 | 6;
  readonly host: string;
  readonly requested?: readonly string[];
  readonly intendedUse: IntendedUse;
}

const ALL = 'all()';

function familyName(f: 4 | 6): string {
  return f === 4 ? 'IPv4' : 'IPv6';
}

function matchesRequest(pool: StoredPool, wanted: string): boolean {
  if (pool.metadata.name === wanted) return true;
  const c = tryParseCidr(wanted);
  return c !== undefined && canonicalCidr(wanted) === canonicalCidr(pool.spec.cidr);
}

const isSelective = (p: StoredPool): boolean => (p.spec.nodeSelector ?? ALL).trim() !== ALL && !p.spec.disabled;

export async function usablePools(store: Datastore, q: PoolQuery): Promise<UsablePool[]> {
  const everyFamily = await listPools(store);
  // The node's labels are fetched only if some pool's selector needs them.
  const node = everyFamily.some(isSelective) ? await getOrUndefined<CalicoNode>(store, KIND_NODE, q.host) : undefined;
  return choosePools(everyFamily, q, node === undefined ? undefined : { ...(node.metadata.labels ?? {}) });
}

/**
 * The pools of `everyFamily` that may serve the query, given the node's labels (undefined: the node does not exist).
 * Pure: the allocator reads the pools from the datastore, the node agent from its watch cache.
 */
export function choosePools(everyFamily: readonly StoredPool[], q: PoolQuery, nodeLabels: Record<string, string> | undefined): UsablePool[] {
  const all = everyFamily.filter((p) => parseCidr(p.spec.cidr).family === q.family);
  let candidates = all;
  if (q.requested && q.requested.length > 0) {
    // A dual-stack request lists both families' pools: a name or CIDR is wrong only if no pool of any family has it.
    const unknown = q.requested.filter((r) => !everyFamily.some((p) => matchesRequest(p, r)));
    if (unknown.length > 0) throw invalidRequest(`requested pool ${unknown.join(', ')} does not exist`);
    candidates = all.filter((p) => q.requested?.some((r) => matchesRequest(p, r)));
  }
  const selective = candidates.find(isSelective);
  if (selective !== undefined && nodeLabels === undefined) {
    throw new IpamError(IpamErrorCode.NodeNotFound, `node ${q.host} not found: pool ${selective.metadata.name} selects nodes by label; create the Node resource (gingham node run does) first`);
  }
  const labels = nodeLabels ?? {};
  const reasons: string[] = [];
  const out: UsablePool[] = [];
  for (const p of candidates) {
    const id = `pool ${p.metadata.name} (${p.spec.cidr})`;
    const uses = p.spec.allowedUses && p.spec.allowedUses.length > 0 ? p.spec.allowedUses : ['Workload', 'Tunnel'];
    if (p.spec.disabled) reasons.push(`${id} is disabled`);
    else if (!uses.includes(q.intendedUse)) reasons.push(`${id} allows only ${uses.join(', ')}`);
    else if (!compileSelector(p.spec.nodeSelector ?? ALL).matches(labels)) reasons.push(`${id} nodeSelector "${p.spec.nodeSelector}" does not select node ${q.host}`);
    else {
      const cidr = parseCidr(p.spec.cidr);
      const blockSize = p.spec.blockSize ?? (q.family === 4 ? 26 : 122);
      out.push({ name: p.metadata.name, cidr, cidrText: canonicalCidr(p.spec.cidr), blockSize: Math.max(blockSize, cidr.prefixLen) });
    }
  }
  if (out.length === 0) {
    const scope = q.requested && q.requested.length > 0 ? `of the requested pools (${q.requested.join(', ')})` : '';
    const none = scope ? `: none of them is an ${familyName(q.family)} pool` : `: none exists; create an ${familyName(q.family)} IPPool`;
    const detail = reasons.length > 0 ? `: ${reasons.join('; ')}` : none;
    throw new IpamError(IpamErrorCode.NoPools, `no ${familyName(q.family)} pool ${scope ? scope + ' ' : ''}can serve node ${q.host} for ${q.intendedUse}${detail}`.replace(/ +/g, ' '));
  }
  return out;
}

/** The pool holding `ip` (an address or a block), if any. */
export function poolContaining<P extends { spec: { cidr: string } }>(pools: readonly P[], ip: Cidr | IpAddr): P | undefined {
  return pools.find((p) => {
    const c = tryParseCidr(p.spec.cidr);
    return c !== undefined && cidrContains(c, ip);
  });
}
