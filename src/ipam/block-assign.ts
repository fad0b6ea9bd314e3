// Assigning addresses inside one block: the next free ordinals from the head of the FIFO (so a released address is
// reused last, not first: a late packet or a stale DNS entry for a dead pod does not reach its successor), or one
// named ordinal. Every assignment bumps the block's sequence number and stamps it on the ordinal, so a release that
// carries an old sequence number cannot free an address someone else got since (ABA). Pure: returns a new spec.
import type { IPAMBlockSpec } from '../api/kind-ipam-block';
import { copySpec, formatSeq, parseSeq } from './block-ordinals';
import { ownerOf, type OrdinalOwner } from './block-query';

export interface AllocationOwner {
  readonly handleId: string;
  readonly attrs: Readonly<Record<string, string>>;
}

export interface BlockAssignment {
  readonly spec: IPAMBlockSpec;
  readonly ordinals: number[];
  /** The sequence number stamped on these ordinals. */
  readonly sequenceNumber: bigint;
}

function sameAttrs(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>>): boolean {
  const ak = Object.keys(a ?? {}).sort();
  const bk = Object.keys(b).sort();
  return ak.length === bk.length && ak.every((k, i) => k === bk[i] && (a ?? {})[k] === b[k]);
}

/** Index of the attribute entry for owner, appending one when none matches (Calico shares entries between ordinals). */
function attributeIndex(spec: IPAMBlockSpec, owner: AllocationOwner): number {
  const i = spec.attributes.findIndex((a) => (a.handle_id ?? '') === owner.handleId && sameAttrs(a.secondary, owner.attrs) && !a.releasedAt);
  if (i >= 0) return i;
  spec.attributes.push({ handle_id: owner.handleId, secondary: { ...owner.attrs } });
  return spec.attributes.length - 1;
}

function stamp(spec: IPAMBlockSpec, ordinals: readonly number[], owner: AllocationOwner): bigint {
  const seq = parseSeq(spec.sequenceNumber) + 1n;
  spec.sequenceNumber = formatSeq(seq);
  const idx = attributeIndex(spec, owner);
  const perOrdinal = (spec.sequenceNumberForAllocation ??= {});
  for (const o of ordinals) {
    spec.allocations[o] = idx;
    perOrdinal[String(o)] = formatSeq(seq);
  }
  return seq;
}

/**
 * Up to `num` addresses from the head of the free list; `skip` leaves reserved ordinals in place (they keep their
 * position). Fewer (possibly none) when the block runs out.
 */
export function assignFromBlock(
  spec: IPAMBlockSpec,
  num: number,
  owner: AllocationOwner,
  skip: (ordinal: number) => boolean = () => false,
): BlockAssignment {
  const next = copySpec(spec);
  const taken: number[] = [];
  const kept: number[] = [];
  for (const o of next.unallocated) {
    if (taken.length < num && !skip(o) && (next.allocations[o] === null || next.allocations[o] === undefined)) taken.push(o);
    else kept.push(o);
  }
  if (taken.length === 0) return { spec, ordinals: [], sequenceNumber: parseSeq(spec.sequenceNumber) };
  next.unallocated = kept;
  const seq = stamp(next, taken, owner);
  return { spec: next, ordinals: taken, sequenceNumber: seq };
}

export type OrdinalAssignment = { readonly ok: true; readonly assignment: BlockAssignment } | { readonly ok: false; readonly holder: OrdinalOwner };

/** Assigns exactly `ordinal`, or says who already holds it. */
export function assignOrdinal(spec: IPAMBlockSpec, ordinal: number, owner: AllocationOwner): OrdinalAssignment {
  if (!Number.isInteger(ordinal) || ordinal < 0 || ordinal >= spec.allocations.length) {
    throw new RangeError(`ordinal ${ordinal} is outside block ${spec.cidr}`);
  }
  const holder = ownerOf(spec, ordinal);
  if (holder) return { ok: false, holder };
  const next = copySpec(spec);
  next.unallocated = next.unallocated.filter((o) => o !== ordinal);
  const seq = stamp(next, [ordinal], owner);
  return { ok: true, assignment: { spec: next, ordinals: [ordinal], sequenceNumber: seq } };
}
