// Interning of path attribute sets: one frozen object per distinct set, shared by every route that carries it, with a
// reference count so that sets no route uses any more are forgotten. Sharing is what lets the Adj-RIB-Out pack all
// prefixes of one set into the same UPDATEs (it groups by object identity) and keeps a million routes with one set
// at one attribute object. The key is built once per set per UPDATE, never per prefix.
import type { AsPathSegment, PathAttributes } from '../packet/types';

interface Entry {
  readonly key: string;
  readonly attrs: PathAttributes;
  /** Small integer handle (the RIB's typed arrays store this, not the object); reused after the set is forgotten. */
  readonly id: number;
  refs: number;
}

function segText(segs: readonly AsPathSegment[]): string {
  let s = '';
  for (const g of segs) s += `${g.type[0]}${g.type.length}:${g.asns.join(',')};`;
  return s;
}

/** A text that is equal for two attribute sets exactly when they carry the same attributes (MP_* excluded). */
export function attributesKey(a: PathAttributes): string {
  const parts: string[] = [
    a.origin === undefined ? '' : String(a.origin),
    a.asPath === undefined ? '-' : segText(a.asPath),
    a.nextHop ?? '',
    a.med === undefined ? '' : String(a.med),
    a.localPref === undefined ? '' : String(a.localPref),
    a.atomicAggregate === true ? '1' : '',
    a.aggregator === undefined ? '' : `${a.aggregator.asn}@${a.aggregator.address}`,
    a.communities === undefined ? '' : a.communities.join(','),
    a.originatorId ?? '',
    a.clusterList === undefined ? '' : a.clusterList.join(','),
    a.extendedCommunities === undefined ? '' : a.extendedCommunities.map((b) => b.toString('hex')).join(','),
    a.largeCommunities === undefined ? '' : a.largeCommunities.map((c) => c.join(':')).join(','),
    a.unknown === undefined ? '' : a.unknown.map((u) => `${u.flags}.${u.typeCode}.${u.value.toString('hex')}`).join(','),
    a.mpReach?.linkLocalNextHop ?? '',
  ];
  return parts.join('|');
}

export class AttrInterner {
  private readonly byKey = new Map<string, Entry>();
  private readonly byAttrs = new Map<PathAttributes, Entry>();
  private readonly byId: Array<Entry | undefined> = [];
  private readonly freeIds: number[] = [];

  get size(): number {
    return this.byKey.size;
  }

  /** The shared object for `a`'s set (created with no references if new). `a` itself must not change afterwards. */
  intern(a: PathAttributes): PathAttributes {
    const known = this.byAttrs.get(a);
    if (known !== undefined) return known.attrs;
    const key = attributesKey(a);
    let e = this.byKey.get(key);
    if (e === undefined) {
      const id = this.freeIds.pop() ?? this.byId.length;
      e = { key, attrs: Object.freeze(a), id, refs: 0 };
      this.byKey.set(key, e);
      this.byAttrs.set(e.attrs, e);
      this.byId[id] = e;
    }
    return e.attrs;
  }

  /** The id of an interned set (see intern); -1 for an object that is not one. */
  idOf(a: PathAttributes): number {
    return this.byAttrs.get(a)?.id ?? -1;
  }

  /** The set with this id. Throws for an id not in use: a caller holding a stale id is a bug. */
  attrs(id: number): PathAttributes {
    const e = this.byId[id];
    if (e === undefined) throw new Error(`attribute set ${id} is not interned`);
    return e.attrs;
  }

  retainId(id: number): void {
    const e = this.byId[id];
    if (e !== undefined) e.refs++;
  }

  releaseId(id: number): void {
    const e = this.byId[id];
    if (e === undefined) return;
    e.refs--;
    if (e.refs <= 0) this.forget(e);
  }

  retain(a: PathAttributes): void {
    const e = this.byAttrs.get(a);
    if (e !== undefined) e.refs++;
  }

  release(a: PathAttributes): void {
    const e = this.byAttrs.get(a);
    if (e === undefined) return;
    e.refs--;
    if (e.refs <= 0) this.forget(e);
  }

  /** Forgets `a` if no route holds it (after an UPDATE whose prefixes were all rejected). */
  dropIfUnused(a: PathAttributes): void {
    const e = this.byAttrs.get(a);
    if (e !== undefined && e.refs <= 0) this.forget(e);
  }

  refs(a: PathAttributes): number {
    return this.byAttrs.get(a)?.refs ?? 0;
  }

  private forget(e: Entry): void {
    this.byKey.delete(e.key);
    this.byAttrs.delete(e.attrs);
    this.byId[e.id] = undefined;
    this.freeIds.push(e.id);
  }
}
