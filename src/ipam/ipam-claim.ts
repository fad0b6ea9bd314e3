// Claiming a block for a host, Calico's three steps: (1) a BlockAffinity in state `pending`, (2) create the IPAMBlock
// with affinity host:<node> (create is atomic, so exactly one claimant of a CIDR wins), (3) confirm the affinity. The
// block is the source of truth for ownership; the affinity is the host's index of its blocks. A claimant that loses
// step 2 removes its pending affinity. A crash between steps leaves a pending affinity that the next claim (or
// assignment) of the same host completes.
import type { AffinityState, BlockAffinity } from '../api/kind-block-affinity';
import { blockNameForCidr } from '../api/kind-ipam-block';
import { cidrsOverlap, formatCidr, parseCidr, type Cidr } from '../lib/ip';
import { newBlockSpec } from './block-ordinals';
import { isEmpty } from './block-query';
import { retry, retryOnConflict } from '../datastore/cas';
import { initialSequence, ipamCas, isAlreadyExists, isConflict, isNotFound, type IpamContext } from './ipam-context';
import { affinityName, affinityResource, blockResource, getOrUndefined, hostAffinity, KIND_AFFINITY, KIND_BLOCK, listBlocks, type StoredBlock, type StoredAffinity } from './ipam-store';

/** Steps 1-3. True when the host owns the block afterwards; false when another host won it. */
export async function claimBlock(ctx: IpamContext, host: string, cidr: Cidr): Promise<boolean> {
  const text = formatCidr(cidr);
  if (!(await pendingAffinity(ctx, host, text))) return false;
  const spec = newBlockSpec(cidr, hostAffinity(host), initialSequence(ctx), new Date(ctx.clock.now()).toISOString());
  try {
    await ctx.store.create(blockResource(spec));
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    const existing = await getOrUndefined<StoredBlock>(ctx.store, KIND_BLOCK, blockNameForCidr(text));
    if (existing?.spec.affinity !== hostAffinity(host)) {
      await deleteAffinity(ctx, host, text);
      return false;
    }
  }
  // Blocks of one pool never overlap (one grid); a block of another size (an overlapping pool, a changed blockSize)
  // created at the same moment could. Both claimants see each other here and back off, so no address has two blocks.
  const overlapping = (await listBlocks(ctx.store, cidr.family)).filter((b) => b.spec.cidr !== text && cidrsOverlap(parseCidr(b.spec.cidr), cidr));
  if (overlapping.length > 0) {
    ctx.log.warn('claimed block overlaps another; backing off', { block: text, other: overlapping.map((b) => b.spec.cidr) });
    // A block that already holds addresses stays (its addresses are valid); `ipam check` reports the overlap.
    if (!(await deleteEmptyBlock(ctx, text))) return true;
    await deleteAffinity(ctx, host, text);
    return false;
  }
  await setAffinityState(ctx, host, text, 'confirmed');
  return true;
}

/** Step 1: create the pending affinity, or reuse ours. False when ours is being deleted. */
async function pendingAffinity(ctx: IpamContext, host: string, cidr: string): Promise<boolean> {
  try {
    await ctx.store.create(affinityResource(host, cidr, 'pending'));
    return true;
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  const existing = await getOrUndefined<StoredAffinity>(ctx.store, KIND_AFFINITY, affinityName(host, cidr));
  if (existing === undefined) return pendingAffinity(ctx, host, cidr);
  return existing.spec.state !== 'pendingDeletion' && existing.spec.node === host && existing.spec.cidr === cidr;
}

export async function setAffinityState(ctx: IpamContext, host: string, cidr: string, state: AffinityState): Promise<BlockAffinity | undefined> {
  return ipamCas(ctx, `BlockAffinity ${affinityName(host, cidr)}`, async () => {
    const current = await getOrUndefined<StoredAffinity>(ctx.store, KIND_AFFINITY, affinityName(host, cidr));
    if (current === undefined) return undefined;
    if (current.spec.state === state) return current;
    try {
      return await ctx.store.update<BlockAffinity>({ ...current, spec: { ...current.spec, state } });
    } catch (err) {
      return retryOnConflict(err);
    }
  });
}

export async function deleteAffinity(ctx: IpamContext, host: string, cidr: string): Promise<void> {
  try {
    await ctx.store.delete(KIND_AFFINITY, affinityName(host, cidr));
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/** Deletes the block only while it is empty (CAS on its resourceVersion). True when it is gone. */
export async function deleteEmptyBlock(ctx: IpamContext, cidr: string): Promise<boolean> {
  return ipamCas(ctx, `IPAMBlock ${cidr}`, async () => {
    const blk = await getOrUndefined<StoredBlock>(ctx.store, KIND_BLOCK, blockNameForCidr(cidr));
    if (blk === undefined) return true;
    if (!isEmpty(blk.spec)) return false;
    try {
      await ctx.store.delete(KIND_BLOCK, blk.metadata.name, undefined, { resourceVersion: blk.metadata.resourceVersion });
      return true;
    } catch (err) {
      if (!isConflict(err) && !isNotFound(err)) throw err;
      return retry(err);
    }
  });
}
