// IPAMHandle bookkeeping: how many addresses a handle holds in each block, so release by handle visits only those
// blocks. Each change is a compare-and-swap (create when absent, delete when the last count drops to zero).
import { retry } from '../datastore/cas';
import { ipamCas, isAlreadyExists, isConflict, isNotFound, type IpamContext } from './ipam-context';
import { getOrUndefined, handleResource, KIND_HANDLE, type StoredHandle } from './ipam-store';

/** Adds `delta` (may be negative) to the handle's count for `block`; drops zero entries and an empty handle. */
export async function adjustHandle(ctx: IpamContext, handleId: string, block: string, delta: number): Promise<void> {
  // A new handle (one CNI ADD) is the common case: try to create it straight away, saving a read.
  if (delta > 0) {
    try {
      await ctx.store.create(handleResource(handleId, { [block]: delta }));
      return;
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
  }
  await setHandleCounts(ctx, handleId, (counts) => {
    counts[block] = (counts[block] ?? 0) + delta;
  });
}

/** Forgets the handle's entries for these blocks (after they were emptied of it). */
export async function dropHandleBlocks(ctx: IpamContext, handleId: string, blocks: readonly string[], known?: StoredHandle): Promise<void> {
  await setHandleCounts(
    ctx,
    handleId,
    (counts) => {
      for (const b of blocks) delete counts[b];
    },
    known,
  );
}

async function setHandleCounts(ctx: IpamContext, handleId: string, change: (counts: Record<string, number>) => void, known?: StoredHandle): Promise<void> {
  return ipamCas(ctx, `IPAMHandle ${handleId}`, async (attempt) => {
    // A handle the caller just read serves the first attempt (CAS on its resourceVersion catches any change since).
    const current = attempt === 1 && known !== undefined ? known : await getOrUndefined<StoredHandle>(ctx.store, KIND_HANDLE, handleId);
    const counts: Record<string, number> = current && !current.spec.deleted ? { ...current.spec.block } : {};
    change(counts);
    for (const [k, v] of Object.entries(counts)) if (!(v > 0)) delete counts[k];
    const empty = Object.keys(counts).length === 0;
    try {
      if (current === undefined) {
        if (!empty) await ctx.store.create(handleResource(handleId, counts));
      } else if (empty) {
        await ctx.store.delete(KIND_HANDLE, handleId, undefined, { resourceVersion: current.metadata.resourceVersion });
      } else {
        const next = handleResource(handleId, counts);
        await ctx.store.update({ ...next, metadata: { ...current.metadata } });
      }
      return undefined;
    } catch (err) {
      if (!isConflict(err) && !isAlreadyExists(err) && !isNotFound(err)) throw err;
      return retry(err);
    }
  });
}
