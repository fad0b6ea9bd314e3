// The compare-and-swap loops over one block: read it, apply a pure block operation, write it back with the read
// resourceVersion, and on Conflict read again (bounded). Handle counts are adjusted only after the block write
// succeeded; if that adjustment fails the block change is undone, so an address is never held without its handle
// knowing (except across a process crash between the two writes, which `ipam check` reports and release by handle
// repairs). An emptied block without affinity is deleted rather than left as an orphan.
import { blockNameForCidr, type IPAMBlock, type IPAMBlockSpec } from '../api/kind-ipam-block';
import { assignFromBlock, type AllocationOwner, type BlockAssignment } from './block-assign';
import { addressAt, blockCidr, formatSeq, hostCidr, ipAtOrdinal } from './block-ordinals';
import { isEmpty } from './block-query';
import { releaseOrdinals, type BlockRelease, type OrdinalRelease } from './block-release';
import { retry, type CasRetry } from '../datastore/cas';
import { ipamCas, isConflict, isNotFound, type IpamContext } from './ipam-context';
import { adjustHandle } from './ipam-handles';
import { getOrUndefined, KIND_BLOCK, type StoredBlock } from './ipam-store';
import type { AssignedIp } from './ipam-types';
import { describeError } from '../lib/errors';

export type BlockFilter = (block: StoredBlock) => boolean;

/** The addresses an assignment in the block (as it was before the assignment) handed out. */
export function assignedIps(spec: IPAMBlockSpec, a: Pick<BlockAssignment, 'ordinals' | 'sequenceNumber'>): AssignedIp[] {
  const cidr = blockCidr(spec);
  return a.ordinals.map((o) => ({
    address: addressAt(cidr, o),
    cidr: hostCidr(ipAtOrdinal(cidr, o)),
    family: cidr.family,
    block: spec.cidr,
    sequenceNumber: String(formatSeq(a.sequenceNumber)),
  }));
}

/**
 * Writes `operation`'s result to the block. `accept` is checked on every fresh read (e.g. "still affine to me");
 * undefined result = block absent, not accepted, or nothing to do.
 */
export async function assignInBlock(
  ctx: IpamContext,
  cidr: string,
  owner: AllocationOwner,
  operation: (spec: IPAMBlockSpec) => BlockAssignment,
  accept: BlockFilter = () => true,
  prefetched?: StoredBlock,
): Promise<AssignedIp[]> {
  const name = blockNameForCidr(cidr);
  return ipamCas(ctx, `IPAMBlock ${cidr}`, async (attempt) => {
    // The caller's fresh read serves the first attempt; a Conflict means it was stale, so later attempts re-read.
    const blk = attempt === 1 && prefetched !== undefined ? prefetched : await getOrUndefined<StoredBlock>(ctx.store, KIND_BLOCK, name);
    if (blk === undefined || blk.spec.deleted || !accept(blk)) return [];
    const a = operation(blk.spec);
    if (a.ordinals.length === 0) return [];
    try {
      await ctx.store.update<IPAMBlock>({ ...blk, spec: a.spec });
    } catch (err) {
      if (isConflict(err)) return retry(err);
      if (isNotFound(err)) return [];
      throw err;
    }
    try {
      await adjustHandle(ctx, owner.handleId, blk.spec.cidr, a.ordinals.length);
    } catch (err) {
      ctx.log.warn('handle update failed; undoing the block assignment', { handle: owner.handleId, block: cidr, error: describeError(err) });
      await releaseInBlock(ctx, cidr, a.ordinals.map((o) => ({ ordinal: o, handleId: owner.handleId, sequenceNumber: a.sequenceNumber })), { adjustHandles: false });
      throw err;
    }
    return assignedIps(blk.spec, a);
  });
}

/** The next `num` free addresses of the block. */
export function assignNext(ctx: IpamContext, cidr: string, num: number, owner: AllocationOwner, accept?: BlockFilter, prefetched?: StoredBlock): Promise<AssignedIp[]> {
  return assignInBlock(ctx, cidr, owner, (spec) => assignFromBlock(spec, num, owner), accept, prefetched);
}

export interface ReleaseInBlockOptions {
  /** Decrement the handles of the released ordinals (default true). */
  readonly adjustHandles?: boolean;
}

export interface BlockReleaseOutcome {
  readonly cidr: string;
  readonly released: Array<{ address: string; handleId: string | undefined }>;
  readonly notAllocated: string[];
  readonly mismatched: string[];
}

/** Releases ordinals of one block, with handle and sequence-number guards (block-release.ts). */
export async function releaseInBlock(
  ctx: IpamContext,
  cidr: string,
  requests: readonly OrdinalRelease[] | ((spec: IPAMBlockSpec) => readonly OrdinalRelease[]),
  opts: ReleaseInBlockOptions = {},
): Promise<BlockReleaseOutcome> {
  const name = blockNameForCidr(cidr);
  return ipamCas(ctx, `IPAMBlock ${cidr}`, async (): Promise<BlockReleaseOutcome | CasRetry> => {
    const blk = await getOrUndefined<StoredBlock>(ctx.store, KIND_BLOCK, name);
    if (blk === undefined || blk.spec.deleted) {
      const reqs = typeof requests === 'function' ? [] : requests;
      const c = blockCidr({ cidr });
      return { cidr, released: [], notAllocated: reqs.map((r) => addressAt(c, r.ordinal)), mismatched: [] };
    }
    const reqs = typeof requests === 'function' ? requests(blk.spec) : requests;
    const r: BlockRelease = releaseOrdinals(blk.spec, reqs);
    const c = blockCidr(blk.spec);
    const outcome: BlockReleaseOutcome = {
      cidr: blk.spec.cidr,
      released: r.released.map((x) => ({ address: addressAt(c, x.ordinal), handleId: x.handleId })),
      notAllocated: r.notAllocated.map((o) => addressAt(c, o)),
      mismatched: r.mismatched.map((o) => addressAt(c, o)),
    };
    if (r.released.length === 0) return outcome;
    try {
      if (isEmpty(r.spec) && !r.spec.affinity) {
        await ctx.store.delete(KIND_BLOCK, name, undefined, { resourceVersion: blk.metadata.resourceVersion });
      } else {
        await ctx.store.update<IPAMBlock>({ ...blk, spec: r.spec });
      }
    } catch (err) {
      if (isConflict(err) || isNotFound(err)) return retry(err);
      throw err;
    }
    if (opts.adjustHandles !== false) {
      const perHandle = new Map<string, number>();
      for (const x of r.released) if (x.handleId !== undefined) perHandle.set(x.handleId, (perHandle.get(x.handleId) ?? 0) + 1);
      for (const [h, n] of perHandle) await adjustHandle(ctx, h, blk.spec.cidr, -n);
    }
    return outcome;
  });
}
