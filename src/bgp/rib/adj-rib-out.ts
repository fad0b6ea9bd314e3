// Adj-RIB-Out (RFC 4271 §3.2): what one session has been given, by Loc-RIB entry id, as the id of the attribute
// object sent (a typed array: 4 octets per prefix, no object per route). Changes are staged (one call per changed
// entry, with the attributes wanted or undefined) and turned into UPDATE messages by flush(): withdrawals first, then
// one run of UPDATEs per attribute object, each packed with as many prefixes as fit (RFC 4271 §9.2: "a BGP speaker
// ... SHOULD ... [combine] several routes with the same attributes in one UPDATE"), the NLRI written straight from
// the prefix index. Attribute objects are compared by identity: the ExportCache hands out one object per distinct
// output set, and each distinct object gets a small id here, counted by the prefixes that use it.
//
// Entry ids belong to the Loc-RIB: an entry is freed only after every Adj-RIB-Out has been staged its withdrawal and
// flushed (LocRib.commit after the fan-out), so an id here never outlives its prefix.
import { encodeNlriUpdates, endOfRib, type NlriList } from '../packet/update-encode';
import type { CodecOptions, Family, PathAttributes } from '../packet/types';
import { grownInt32, grownUint8 } from '../../lib/typed-arrays';
import type { PrefixIndex } from './prefix-index';
import { entryWireLength, writeEntry } from './prefix-words';

const FAMILIES: readonly Family[] = ['ipv4', 'ipv6'];

/** Where the entry ids' prefixes are (the Loc-RIB's indexes). */
export interface EntryIndexes {
  index(family: Family): PrefixIndex;
}

class FamilyOut {
  /** Attribute id + 1 of what the session carries for each entry; 0 = nothing. */
  sent = new Int32Array(0);
  count = 0;
  /** Entries staged since the last flush, each once (see queued). */
  pending: number[] = [];
  queued = new Uint8Array(0);

  grow(id: number): void {
    if (id < this.sent.length) return;
    let n = Math.max(64, this.sent.length);
    while (n <= id) n *= 2;
    this.sent = grownInt32(this.sent, n);
    this.queued = grownUint8(this.queued, n);
  }
}

function entryList(index: PrefixIndex, ids: readonly number[]): NlriList {
  return {
    length: ids.length,
    wireLength: (i, addPath) => entryWireLength(index, ids[i] as number, addPath),
    write: (out, off, i, addPath) => writeEntry(index, ids[i] as number, out, off, addPath),
  };
}

export class AdjRibOut {
  private readonly fam: Record<Family, FamilyOut> = { ipv4: new FamilyOut(), ipv6: new FamilyOut() };
  private eor: Family[] = [];
  /** Attribute objects in use, by id; ids are reused when no prefix uses the object any more. */
  private readonly attrIds = new Map<PathAttributes, number>();
  private readonly byId: Array<PathAttributes | undefined> = [];
  private readonly refs: number[] = [];
  private readonly freeIds: number[] = [];

  constructor(private readonly rib: EntryIndexes) {}

  size(family: Family): number {
    return this.fam[family].count;
  }

  /** The attributes the session carries for the entry, if any. */
  get(family: Family, id: number): PathAttributes | undefined {
    const v = this.fam[family].sent[id] ?? 0;
    return v === 0 ? undefined : this.byId[v - 1];
  }

  /** Entry ids the session carries. */
  *ids(family: Family): IterableIterator<number> {
    const f = this.fam[family];
    for (let id = 0; id < f.sent.length; id++) if (f.sent[id] !== 0) yield id;
  }

  /** Forgets everything (a new session starts from nothing). */
  reset(): void {
    for (const family of FAMILIES) this.fam[family] = new FamilyOut();
    this.eor = [];
    this.attrIds.clear();
    this.byId.length = 0;
    this.refs.length = 0;
    this.freeIds.length = 0;
  }

  /** The session should carry `attrs` for the entry (undefined: not at all). Nothing is queued when that is already so. */
  stage(family: Family, id: number, attrs: PathAttributes | undefined): void {
    const f = this.fam[family];
    f.grow(id);
    const had = f.sent[id] as number;
    // Unchanged (the common case of a resync) costs one lookup: no reference taken and given back.
    const known = attrs === undefined ? -1 : (this.attrIds.get(attrs) ?? -2);
    if (had === known + 1) return;
    const want = attrs === undefined ? 0 : this.acquire(attrs) + 1;
    if (had !== 0) this.release(had - 1);
    else f.count++;
    if (want === 0) f.count--;
    f.sent[id] = want;
    if (f.queued[id] === 0) {
      f.queued[id] = 1;
      f.pending.push(id);
    }
  }

  /** Re-queues everything already advertised for a family (ROUTE-REFRESH from the peer, RFC 2918 §4). */
  restage(family: Family): void {
    const f = this.fam[family];
    for (let id = 0; id < f.sent.length; id++) {
      if (f.sent[id] !== 0 && f.queued[id] === 0) {
        f.queued[id] = 1;
        f.pending.push(id);
      }
    }
  }

  /** Queues an End-of-RIB marker for the family after the pending routes (RFC 4724 §2). */
  endOfRib(family: Family): void {
    this.eor.push(family);
  }

  get pending(): boolean {
    return this.fam.ipv4.pending.length > 0 || this.fam.ipv6.pending.length > 0 || this.eor.length > 0;
  }

  /**
   * The UPDATE messages for everything staged since the last flush. The queue is emptied even when encoding throws
   * (an attribute set that cannot be encoded must not wedge the session's later updates).
   */
  flush(opts: CodecOptions, maxMessageLength: number): Buffer[] {
    const out: Buffer[] = [];
    const eor = this.eor;
    this.eor = [];
    const work: Array<{ family: Family; withdrawn: number[]; groups: Map<number, number[]> }> = [];
    for (const family of FAMILIES) {
      const f = this.fam[family];
      if (f.pending.length === 0) continue;
      const withdrawn: number[] = [];
      const groups = new Map<number, number[]>();
      for (const id of f.pending) {
        f.queued[id] = 0;
        const v = f.sent[id] as number;
        if (v === 0) {
          withdrawn.push(id);
          continue;
        }
        let list = groups.get(v);
        if (list === undefined) groups.set(v, (list = []));
        list.push(id);
      }
      f.pending = [];
      work.push({ family, withdrawn, groups });
    }
    // A withdrawal sent after an announcement of the same prefix in one flush would be wrong; each entry is pending
    // once, so a prefix is either withdrawn or announced here, and withdrawals go first (as RFC 4271 §9.2 orders them).
    for (const w of work) {
      const index = this.rib.index(w.family);
      if (w.withdrawn.length > 0) out.push(...encodeNlriUpdates(w.family, undefined, entryList(index, w.withdrawn), opts, maxMessageLength));
    }
    for (const w of work) {
      const index = this.rib.index(w.family);
      for (const [v, ids] of w.groups) {
        out.push(...encodeNlriUpdates(w.family, this.byId[v - 1], entryList(index, ids), opts, maxMessageLength));
      }
    }
    for (const family of eor) out.push(endOfRib(family, opts));
    return out;
  }

  private acquire(attrs: PathAttributes): number {
    let id = this.attrIds.get(attrs);
    if (id === undefined) {
      id = this.freeIds.pop() ?? this.byId.length;
      this.attrIds.set(attrs, id);
      this.byId[id] = attrs;
      this.refs[id] = 0;
    }
    this.refs[id] = (this.refs[id] ?? 0) + 1;
    return id;
  }

  private release(id: number): void {
    const n = (this.refs[id] ?? 0) - 1;
    this.refs[id] = n;
    if (n > 0) return;
    const attrs = this.byId[id];
    if (attrs !== undefined) this.attrIds.delete(attrs);
    this.byId[id] = undefined;
    this.freeIds.push(id);
  }
}
