// Read-only questions about one block: how many addresses are in use, who holds an ordinal (handle, attributes,
// sequence number), which ordinals a handle holds. Pure.
import type { AllocationAttribute, IPAMBlockSpec } from '../api/kind-ipam-block';
import { parseSeq } from './block-ordinals';

export interface OrdinalOwner {
  readonly ordinal: number;
  /** Absent for an allocation recorded without a handle (Calico allows it; `ipam check` reports it). */
  readonly handleId: string | undefined;
  readonly attrs: Readonly<Record<string, string>>;
  /** The block's sequence number when this ordinal was assigned: pass it to a guarded release. */
  readonly sequenceNumber: bigint;
}

export function inUseCount(spec: IPAMBlockSpec): number {
  let n = 0;
  for (const a of spec.allocations) if (a !== null && a !== undefined) n++;
  return n;
}

export function isEmpty(spec: IPAMBlockSpec): boolean {
  return inUseCount(spec) === 0;
}

export function freeCount(spec: IPAMBlockSpec): number {
  return spec.unallocated.length;
}

function attributeOf(spec: IPAMBlockSpec, index: number | null | undefined): AllocationAttribute | undefined {
  if (index === null || index === undefined) return undefined;
  return spec.attributes[index] ?? {};
}

/** Who holds `ordinal`; undefined when it is free. */
export function ownerOf(spec: IPAMBlockSpec, ordinal: number): OrdinalOwner | undefined {
  const attr = attributeOf(spec, spec.allocations[ordinal]);
  if (attr === undefined) return undefined;
  return {
    ordinal,
    handleId: attr.handle_id || undefined,
    attrs: attr.secondary ?? {},
    sequenceNumber: parseSeq(spec.sequenceNumberForAllocation?.[String(ordinal)]),
  };
}

/** Every allocated ordinal with its owner, in ordinal order. */
export function allocatedOrdinals(spec: IPAMBlockSpec): OrdinalOwner[] {
  const out: OrdinalOwner[] = [];
  spec.allocations.forEach((_, i) => {
    const o = ownerOf(spec, i);
    if (o) out.push(o);
  });
  return out;
}

/** Ordinals held by `handleId`. */
export function ordinalsOfHandle(spec: IPAMBlockSpec, handleId: string): number[] {
  return allocatedOrdinals(spec)
    .filter((o) => o.handleId === handleId)
    .map((o) => o.ordinal);
}

/** Handle -> number of ordinals it holds here (allocations without a handle are left out). */
export function countsByHandle(spec: IPAMBlockSpec): Map<string, number> {
  const m = new Map<string, number>();
  for (const o of allocatedOrdinals(spec)) if (o.handleId !== undefined) m.set(o.handleId, (m.get(o.handleId) ?? 0) + 1);
  return m;
}

/** "host:n1" -> "n1"; undefined for no affinity or a virtual one. */
export function affinityHost(spec: Pick<IPAMBlockSpec, 'affinity'>): string | undefined {
  return spec.affinity?.startsWith('host:') ? spec.affinity.slice(5) : undefined;
}
