// The Loc-RIB (RFC 4271 §3.2, §9.1): for every prefix, the candidate paths of all sources and the result of the
// decision process over them. The candidates of one source together are that source's Adj-RIB-In after import
// policy, so no second per-peer table is kept: a peer's routes are found by a scan (session down, queries), which
// trades a rare O(table) walk for one entry less per route. Attribute references are counted here.
//
// Storage is columnar, planned for a million routes: a prefix is an entry id of the family's PrefixIndex, a path is
// an id of the PathPool (attribute-set id, source id, next path of the same prefix, stale flag, receive time, all in
// typed arrays), and per entry the first path, the best path and the deciding step are typed-array columns. No object
// is kept per route; Path and Dest objects are made only for queries and for a decision between two or more paths.
//
// Every change returns the entry id when the prefix's best path or multipath set changed (UNCHANGED / ABSENT
// otherwise), so callers batch the prefixes of one UPDATE and hand only those to the Adj-RIBs-Out. An entry whose
// last path goes keeps its id until commit(), which the caller runs once the Adj-RIBs-Out have withdrawn it.
import type { Family, PathAttributes, Prefix } from '../packet/types';
import { AttrInterner } from './attr-intern';
import { decide } from './decision';
import { STEP_NAMES, type DecisionOptions, type StepName } from './decision-steps';
import type { Path, PathSource } from './path';
import { grownFloat64, grownInt32, grownUint8 } from '../../lib/typed-arrays';
import { PrefixIndex } from './prefix-index';
import { entryPrefix, familyWidth, loadKey } from './prefix-words';

const FAMILIES: readonly Family[] = ['ipv4', 'ipv6'];

/** remove(): the source had no path for the prefix. */
export const ABSENT = -2;
/** set() / remove(): the best path and multipath set stayed as they were. */
export const UNCHANGED = -1;

const STEP_INDEX = new Map<StepName, number>(STEP_NAMES.map((n, i) => [n, i] as const));
const ONLY_PATH = STEP_INDEX.get('only-path') as number;

/** A prefix as queries see it (made on demand, not stored). */
export interface Dest {
  readonly prefix: Prefix;
  /** One entry per source. */
  readonly paths: Path[];
  readonly best: Path | undefined;
  readonly step: StepName;
  /** ECMP set when it has more than the best path (undefined = the best alone). */
  readonly multipath: readonly Path[] | undefined;
}

export function multipathOf(dest: Dest): readonly Path[] {
  return dest.multipath ?? (dest.best === undefined ? [] : [dest.best]);
}

/** Paths of every prefix, as columns indexed by path id; ids are reused after release. */
class PathPool {
  attr = new Int32Array(64);
  src = new Int32Array(64);
  next = new Int32Array(64);
  stale = new Uint8Array(64);
  time = new Float64Array(64);
  private top = 0;
  private readonly free: number[] = [];

  alloc(): number {
    const reused = this.free.pop();
    if (reused !== undefined) return reused;
    if (this.top === this.attr.length) {
      const n = this.attr.length * 2;
      this.attr = grownInt32(this.attr, n);
      this.src = grownInt32(this.src, n);
      this.next = grownInt32(this.next, n, -1);
      this.stale = grownUint8(this.stale, n);
      this.time = grownFloat64(this.time, n);
    }
    return this.top++;
  }

  release(id: number): void {
    this.free.push(id);
  }
}

/** One family's prefixes: the index and the per-entry columns. */
class FamilyTable {
  readonly index: PrefixIndex;
  /** First path of the entry (-1: none left). */
  first = new Int32Array(0);
  /** Best path (-1: no usable path). */
  best = new Int32Array(0);
  step = new Uint8Array(0);
  /** Multipath sets of more than one path, by entry. */
  readonly multipath = new Map<number, readonly number[]>();
  /** Entries with at least one path. */
  live = 0;
  /** Entries whose last path went since the last commit. */
  emptied: number[] = [];

  constructor(readonly family: Family) {
    this.index = new PrefixIndex(familyWidth(family));
  }

  /** The entry for the prefix in index.key, created (with no paths) if absent. */
  entry(len: number): number {
    const before = this.index.size;
    const id = this.index.findOrInsert(len);
    if (this.index.size === before) return id;
    const cap = this.index.capacity;
    if (this.first.length < cap) {
      this.first = grownInt32(this.first, cap, -1);
      this.best = grownInt32(this.best, cap, -1);
      this.step = grownUint8(this.step, cap);
    }
    this.first[id] = -1;
    this.best[id] = -1;
    this.step[id] = 0;
    return id;
  }
}

export class LocRib {
  readonly interner = new AttrInterner();
  private readonly tables: Record<Family, FamilyTable> = { ipv4: new FamilyTable('ipv4'), ipv6: new FamilyTable('ipv6') };
  private readonly pool = new PathPool();
  private readonly counts = new Map<number, Record<Family, number>>();
  /** The sources that have paths here, by id. */
  private readonly sources = new Map<number, PathSource>();

  constructor(private opts: DecisionOptions) {}

  setOptions(opts: DecisionOptions): void {
    this.opts = opts;
  }

  /** Prefixes with at least one path. */
  size(family: Family): number {
    return this.tables[family].live;
  }

  /** The family's prefix index (entry ids, addresses, NLRI encoding). */
  index(family: Family): PrefixIndex {
    return this.tables[family].index;
  }

  /** Entry id of the prefix, or -1. */
  find(prefix: Prefix): number {
    const t = this.tables[prefix.family];
    const len = loadKey(t.index, prefix);
    return len < 0 ? -1 : t.index.find(len);
  }

  /** Ids of the entries that have paths, in id order (a snapshot: safe to change the RIB while going through it). */
  entryIds(family: Family): number[] {
    const t = this.tables[family];
    const out: number[] = [];
    for (let id = 0; id < t.index.limit; id++) if (t.index.has(id) && t.first[id] !== -1) out.push(id);
    return out;
  }

  prefixOf(family: Family, id: number): Prefix {
    return entryPrefix(this.tables[family].index, family, id);
  }

  /** Best path id of the entry, -1 when there is none. */
  bestPath(family: Family, id: number): number {
    const t = this.tables[family];
    return id >= 0 && id < t.best.length ? (t.best[id] as number) : -1;
  }

  pathAttrs(pathId: number): PathAttributes {
    return this.interner.attrs(this.pool.attr[pathId] as number);
  }

  pathSource(pathId: number): PathSource {
    return this.sources.get(this.pool.src[pathId] as number) as PathSource;
  }

  /** The attributes of `source`'s path for the prefix, if it has one. */
  attrsOf(prefix: Prefix, source: PathSource): PathAttributes | undefined {
    const id = this.find(prefix);
    if (id < 0) return undefined;
    const pool = this.pool;
    for (let p = this.tables[prefix.family].first[id] as number; p !== -1; p = pool.next[p] as number) {
      if (pool.src[p] === source.id) return this.pathAttrs(p);
    }
    return undefined;
  }

  /** Number of paths a source has in the table (its Adj-RIB-In size). */
  count(source: PathSource, family: Family): number {
    return this.counts.get(source.id)?.[family] ?? 0;
  }

  private bump(source: PathSource, family: Family, d: number): void {
    let c = this.counts.get(source.id);
    if (c === undefined) {
      this.counts.set(source.id, (c = { ipv4: 0, ipv6: 0 }));
      this.sources.set(source.id, source);
    }
    c[family] += d;
    if (c.ipv4 === 0 && c.ipv6 === 0) {
      this.counts.delete(source.id);
      this.sources.delete(source.id);
    }
  }

  /**
   * Adds or replaces the path of `source` for `prefix`; `attrs` should come from this.interner (it is
   * interned again if no route holds it any more). Returns the entry id
   * when the best path or multipath set changed (a changed best or multipath path counts), else UNCHANGED.
   */
  set(prefix: Prefix, source: PathSource, attrs: PathAttributes, now: number): number {
    const family = prefix.family;
    const t = this.tables[family];
    const len = loadKey(t.index, prefix);
    if (len < 0) throw new Error(`LocRib: bad ${family} prefix ${prefix.address}/${prefix.length}`);
    // An object interned earlier may have been forgotten since (no route held it): intern it again.
    let aid = this.interner.idOf(attrs);
    if (aid < 0) aid = this.interner.idOf(this.interner.intern(attrs));
    const id = t.entry(len);
    const pool = this.pool;
    this.interner.retainId(aid);
    let p = t.first[id] as number;
    while (p !== -1 && pool.src[p] !== source.id) p = pool.next[p] as number;
    if (p !== -1) {
      this.interner.releaseId(pool.attr[p] as number);
    } else {
      p = pool.alloc();
      pool.src[p] = source.id;
      pool.next[p] = t.first[id] as number;
      if (t.first[id] === -1) t.live++;
      t.first[id] = p;
      this.bump(source, family, 1);
    }
    pool.attr[p] = aid;
    pool.time[p] = now;
    pool.stale[p] = 0;
    // Fast path: the prefix only one source has, and every next hop counts as resolvable: no decision to run.
    if (pool.next[p] === -1 && t.first[id] === p && this.opts.resolvable === undefined) {
      t.best[id] = p;
      t.step[id] = ONLY_PATH;
      t.multipath.delete(id);
      return id;
    }
    return this.redecide(t, id, p) ? id : UNCHANGED;
  }

  /** Removes the path of `source` for the prefix: ABSENT if it had none, the entry id when the best path or multipath set changed, else UNCHANGED. */
  remove(prefix: Prefix, source: PathSource): number {
    const t = this.tables[prefix.family];
    const len = loadKey(t.index, prefix);
    if (len < 0) return ABSENT;
    const id = t.index.find(len);
    if (id < 0) return ABSENT;
    return this.removeAt(t, id, source.id);
  }

  private removeAt(t: FamilyTable, id: number, sourceId: number): number {
    const pool = this.pool;
    let prev = -1;
    let p = t.first[id] as number;
    while (p !== -1 && pool.src[p] !== sourceId) {
      prev = p;
      p = pool.next[p] as number;
    }
    if (p === -1) return ABSENT;
    const next = pool.next[p] as number;
    if (prev === -1) t.first[id] = next;
    else pool.next[prev] = next;
    this.bump(this.sources.get(sourceId) as PathSource, t.family, -1);
    this.interner.releaseId(pool.attr[p] as number);
    pool.release(p);
    if (t.first[id] === -1) {
      t.live--;
      t.emptied.push(id);
      const had = t.best[id] !== -1;
      t.best[id] = -1;
      t.step[id] = 0;
      t.multipath.delete(id);
      return had ? id : UNCHANGED;
    }
    const wasBest = t.best[id] === p || (t.multipath.get(id)?.includes(p) ?? false);
    return this.redecide(t, id, -1) || wasBest ? id : UNCHANGED;
  }

  /** Frees the entries left without paths. Run after the Adj-RIBs-Out have been given the batch's changes. */
  commit(): void {
    for (const family of FAMILIES) {
      const t = this.tables[family];
      if (t.emptied.length === 0) continue;
      for (const id of t.emptied) if (t.index.has(id) && t.first[id] === -1) t.index.delete(id);
      t.emptied = [];
    }
  }

  /**
   * Removes every path of `source` in `families` (default both), optionally only the stale ones; calls `changed` with
   * each entry whose best path changed. `changed` may commit() (to bound a batch): the scan tolerates it.
   */
  removeSource(source: PathSource, changed: (family: Family, id: number) => void, onlyStale = false, families: readonly Family[] = FAMILIES): number {
    const pool = this.pool;
    return this.scanSource(source, families, (t, family, id, p) => {
      if (onlyStale && pool.stale[p] === 0) return false;
      const r = this.removeAt(t, id, source.id);
      if (r >= 0) changed(family, r);
      return true;
    });
  }

  /** Marks every path of `source` in `families` stale (RFC 4724 helper); they stay in use. */
  markStale(source: PathSource, families: readonly Family[] = FAMILIES): number {
    const pool = this.pool;
    let n = 0;
    this.scanSource(source, families, (_t, _family, _id, first) => {
      for (let p = first; p !== -1; p = pool.next[p] as number) {
        if (pool.src[p] !== source.id) continue;
        pool.stale[p] = 1;
        n++;
      }
      return true;
    });
    return n;
  }

  /**
   * Calls `visit` with each entry holding a path of `source` (`p`: the first of its path slots there) and counts the
   * visits that returned true. Stops a family's scan once the source has no path left in it,
   * so `visit` may remove the path it is given.
   */
  private scanSource(
    source: PathSource,
    families: readonly Family[],
    visit: (t: FamilyTable, family: Family, id: number, p: number) => boolean,
  ): number {
    let n = 0;
    const pool = this.pool;
    for (const family of families) {
      if (this.count(source, family) === 0) continue;
      const t = this.tables[family];
      for (let id = 0; id < t.index.limit; id++) {
        if (!t.index.has(id)) continue;
        let p = t.first[id] as number;
        while (p !== -1 && pool.src[p] !== source.id) p = pool.next[p] as number;
        if (p !== -1 && visit(t, family, id, p)) n++;
        if (this.count(source, family) === 0) break;
      }
    }
    return n;
  }

  /** The paths of one source (its Adj-RIB-In). */
  *pathsOf(source: PathSource, family: Family): IterableIterator<Path> {
    if (this.count(source, family) === 0) return;
    const t = this.tables[family];
    const pool = this.pool;
    for (const id of this.entryIds(family)) {
      for (let p = t.first[id] as number; p !== -1; p = pool.next[p] as number) {
        if (pool.src[p] === source.id) yield this.pathView(this.prefixOf(family, id), p);
      }
    }
  }

  /** The prefix with its paths and decision, or undefined when no source has it. */
  lookup(prefix: Prefix): Dest | undefined {
    const id = this.find(prefix);
    return id < 0 ? undefined : this.dest(prefix.family, id);
  }

  /** The entry as a Dest (undefined for an entry without paths). */
  dest(family: Family, id: number): Dest | undefined {
    const t = this.tables[family];
    if (!t.index.has(id) || t.first[id] === -1) return undefined;
    const prefix = this.prefixOf(family, id);
    const paths: Path[] = [];
    const byId = new Map<number, Path>();
    for (let p = t.first[id] as number; p !== -1; p = this.pool.next[p] as number) {
      const v = this.pathView(prefix, p);
      paths.push(v);
      byId.set(p, v);
    }
    const mp = t.multipath.get(id);
    return {
      prefix,
      paths,
      best: t.best[id] === -1 ? undefined : byId.get(t.best[id] as number),
      step: STEP_NAMES[t.step[id] as number] as StepName,
      multipath: mp === undefined ? undefined : mp.map((p) => byId.get(p) as Path),
    };
  }

  /** Every prefix that has paths, as Dests (for queries: makes objects). */
  *dests(family: Family): IterableIterator<Dest> {
    for (const id of this.entryIds(family)) {
      const d = this.dest(family, id);
      if (d !== undefined) yield d;
    }
  }

  private pathView(prefix: Prefix, p: number): Path {
    const pool = this.pool;
    return { prefix, attrs: this.pathAttrs(p), source: this.pathSource(p), receivedAt: pool.time[p] as number, stale: pool.stale[p] === 1 };
  }

  /**
   * Runs the decision for the entry. True when the best path or the multipath set changed, or when `touched` (a path
   * whose attributes were just replaced) is the best or in the multipath set.
   */
  private redecide(t: FamilyTable, id: number, touched: number): boolean {
    const pool = this.pool;
    const beforeBest = t.best[id] as number;
    const beforeMp = t.multipath.get(id);
    const prefix = this.prefixOf(t.family, id);
    const ids: number[] = [];
    const views: Path[] = [];
    for (let p = t.first[id] as number; p !== -1; p = pool.next[p] as number) {
      ids.push(p);
      views.push(this.pathView(prefix, p));
    }
    const d = decide(views, this.opts);
    const best = d.best === undefined ? -1 : (ids[views.indexOf(d.best)] as number);
    t.best[id] = best;
    t.step[id] = STEP_INDEX.get(d.step) ?? 0;
    let mp: number[] | undefined;
    if (d.multipath.length > 1) mp = d.multipath.map((v) => ids[views.indexOf(v)] as number);
    if (mp === undefined) t.multipath.delete(id);
    else t.multipath.set(id, mp);
    if (beforeBest !== best) return true;
    if ((beforeMp?.length ?? 0) !== (mp?.length ?? 0)) return true;
    if (beforeMp !== undefined && mp !== undefined && beforeMp.some((p, i) => mp?.[i] !== p)) return true;
    return touched !== -1 && (touched === best || (mp?.includes(touched) ?? false));
  }
}
