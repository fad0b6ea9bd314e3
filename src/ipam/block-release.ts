// Releasing addresses inside one block: by ordinal (optionally guarded by the handle and by the sequence number the
// caller read, so a stale release never frees an address that was reassigned since) or every ordinal of a handle.
// Freed ordinals go to the tail of the FIFO; attribute entries nobody references any more are dropped and the
// allocation indices renumbered, so a block's size stays bounded by what it holds. Pure: returns a new spec.
import type { IPAMBlockSpec } from '../api/kind-ipam-block';
import { copySpec, formatSeq, parseSeq } from './block-ordinals';
import { ownerOf } from './block-query';

export interface OrdinalRelease {
  readonly ordinal: number;
  /** When set, release only if the ordinal is held by this handle (else counted as a mismatch). */
  readonly handleId?: string;
  /** When set, release only if the ordinal was assigned at this sequence number (else a mismatch). */
  readonly sequenceNumber?: bigint;
}

export interface BlockRelease {
  readonly spec: IPAMBlockSpec;
  /** Ordinals freed, with the handle that held each (undefined for a handle-less allocation). */
  readonly released: ReadonlyArray<{ readonly ordinal: number; readonly handleId: string | undefined }>;
  readonly notAllocated: number[];
  /** Held, but by another handle or since another assignment: kept. */
  readonly mismatched: number[];
}

/** Drops attribute entries no allocation points at and renumbers the allocations (Calico deleteAttributes). */
function compactAttributes(spec: IPAMBlockSpec): void {
  const used = new Set<number>();
  for (const a of spec.allocations) if (a !== null && a !== undefined) used.add(a);
  const remap = new Map<number, number>();
  const kept: IPAMBlockSpec['attributes'] = [];
  spec.attributes.forEach((attr, i) => {
    if (!used.has(i)) return;
    remap.set(i, kept.length);
    kept.push(attr);
  });
  spec.attributes = kept;
  spec.allocations = spec.allocations.map((a) => (a === null || a === undefined ? null : (remap.get(a) ?? null)));
}

export function releaseOrdinals(spec: IPAMBlockSpec, requests: readonly OrdinalRelease[]): BlockRelease {
  const released: Array<{ ordinal: number; handleId: string | undefined }> = [];
  const notAllocated: number[] = [];
  const mismatched: number[] = [];
  const seen = new Set<number>();
  for (const r of requests) {
    if (seen.has(r.ordinal)) continue;
    seen.add(r.ordinal);
    const holder = r.ordinal >= 0 && r.ordinal < spec.allocations.length ? ownerOf(spec, r.ordinal) : undefined;
    if (!holder) notAllocated.push(r.ordinal);
    else if (r.handleId !== undefined && holder.handleId !== r.handleId) mismatched.push(r.ordinal);
    else if (r.sequenceNumber !== undefined && holder.sequenceNumber !== r.sequenceNumber) mismatched.push(r.ordinal);
    else released.push({ ordinal: r.ordinal, handleId: holder.handleId });
  }
  if (released.length === 0) return { spec, released, notAllocated, mismatched };
  const next = copySpec(spec);
  const perOrdinal = next.sequenceNumberForAllocation ?? {};
  for (const { ordinal } of released) {
    next.allocations[ordinal] = null;
    next.unallocated.push(ordinal);
    delete perOrdinal[String(ordinal)];
  }
  next.sequenceNumberForAllocation = perOrdinal;
  next.sequenceNumber = formatSeq(parseSeq(next.sequenceNumber) + 1n);
  compactAttributes(next);
  return { spec: next, released, notAllocated, mismatched };
}

/** Every ordinal held by handleId. */
export function releaseHandle(spec: IPAMBlockSpec, handleId: string): BlockRelease {
  const ordinals: OrdinalRelease[] = [];
  spec.allocations.forEach((_, i) => {
    if (ownerOf(spec, i)?.handleId === handleId) ordinals.push({ ordinal: i, handleId });
  });
  return releaseOrdinals(spec, ordinals);
}
