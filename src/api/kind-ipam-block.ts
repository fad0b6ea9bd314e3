// IPAMBlock: one block of a pool, its affinity and which ordinals are allocated to which handle. The allocator in
// src/ipam owns the block maths; this file owns the stored shape and the checks that a stored block is coherent.

import { cidrSize } from '../lib/ip';
import { checkCidr, checkRequired } from './checks';
import type { Problems } from './errors';
import { clone, type KindInfo, type Resource } from './meta';
import { any, arr, bool, f, int, intOrStr, map, obj, str } from './schema';

export interface AllocationAttribute {
  handle_id?: string;
  secondary?: Record<string, string>;
  alternateOwnerAttrs?: Record<string, string>;
  releasedAt?: string;
}

export interface IPAMBlockSpec {
  cidr: string;
  /** "host:<node>" or "virtual:<name>"; absent when the block has no affinity. */
  affinity?: string;
  affinityClaimTime?: string;
  strictAffinity?: boolean;
  /** Index = ordinal in the block; value = index into attributes; null = free. */
  allocations: Array<number | null>;
  /** Free ordinals in the order they will be handed out. */
  unallocated: number[];
  attributes: AllocationAttribute[];
  /** uint64 in Calico (initialised from UnixNano), so it may arrive as a string to keep its precision. */
  sequenceNumber?: number | string;
  sequenceNumberForAllocation?: Record<string, number | string>;
  deleted?: boolean;
}

export type IPAMBlock = Resource<'IPAMBlock', IPAMBlockSpec>;

const specShape = obj([
  f('cidr', str, true),
  f('affinity', str, true),
  f('affinityClaimTime', str),
  f('strictAffinity', bool, true),
  f('allocations', arr(any), true),
  f('unallocated', arr(int), true),
  f('attributes', arr(obj([f('handle_id', str, true), f('secondary', map(str), true), f('alternateOwnerAttrs', map(str)), f('releasedAt', str)])), true),
  f('sequenceNumber', intOrStr, true),
  f('sequenceNumberForAllocation', map(intOrStr)),
  f('deleted', bool, true),
]);

/** Calico's object name for a block: the CIDR with ".", ":" and "/" replaced by "-" ("10-0-0-0-26"). */
export function blockNameForCidr(cidr: string): string {
  return cidr.replace(/[.:/]/g, '-');
}

function validate(res: IPAMBlock, p: Problems): void {
  const s = res.spec;
  if (!s) {
    p.add('spec', 'is required');
    return;
  }
  if (!checkRequired(p, 'spec.cidr', s.cidr)) return;
  const cidr = checkCidr(p, 'spec.cidr', s.cidr, true);
  if (s.affinity !== undefined && s.affinity !== '' && !/^(host|virtual):.+$/.test(s.affinity)) {
    p.add('spec.affinity', 'must be "host:<node>" or "virtual:<name>"');
  }
  if (!cidr) return;
  const size = cidrSize(cidr);
  if (size > 65536n) {
    p.add('spec.cidr', 'a block holds at most 65536 addresses');
    return;
  }
  const n = Number(size);
  const allocations = s.allocations ?? [];
  const attributes = s.attributes ?? [];
  if (allocations.length !== n) p.add('spec.allocations', `must have one entry per address (${n})`);
  allocations.forEach((a, i) => {
    if (a !== null && (!Number.isInteger(a) || a < 0 || a >= attributes.length)) {
      p.add(`spec.allocations[${i}]`, 'must be null or the index of an entry in spec.attributes');
    }
  });
  const seen = new Set<number>();
  (s.unallocated ?? []).forEach((o, i) => {
    if (o < 0 || o >= n) p.add(`spec.unallocated[${i}]`, `must be an ordinal between 0 and ${n - 1}`);
    else if (seen.has(o)) p.add(`spec.unallocated[${i}]`, `ordinal ${o} is listed twice`);
    else if (allocations[o] !== null && allocations[o] !== undefined) p.add(`spec.unallocated[${i}]`, `ordinal ${o} is allocated`);
    seen.add(o);
  });
}

export const ipamBlockKind: KindInfo<IPAMBlock> = {
  kind: 'IPAMBlock',
  plural: 'ipamblocks',
  aliases: ['ipamblock'],
  namespaced: false,
  specShape,
  defaults: (res) => clone(res),
  validate,
};
