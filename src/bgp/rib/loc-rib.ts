// The Loc-RIB (RFC 4271 §3.2, §9.1): for every prefix, the candidate paths of all sources and the result of the
// decision process over them. The candidates of one source together are that source's Adj-RIB-In after import
// policy, so no second per-peer table is kept: a peer's routes are found by a scan (session down, queries), which
// trades a rare O(table) walk for one map entry less per route. Attribute references are counted here.
//
// Every change returns whether the prefix's best path or multipath set changed, so callers batch the prefixes of one
// UPDATE and hand only those to the Adj-RIBs-Out.
import type { Family, PathAttributes, Prefix } from '../packet/types';
import { AttrInterner } from './attr-intern';
import { decide } from './decision';
import type { DecisionOptions, StepName } from './decision-steps';
import type { Path, PathSource } from './path';
import type { PrefixKey } from './prefix-key';

const FAMILIES: readonly Family[] = ['ipv4', 'ipv6'];

export interface Dest {
  readonly prefix: Prefix;
  /** One entry per source. */
  paths: Path[];
  best: Path | undefined;
  step: StepName;
  /** ECMP set when it has more than the best path (undefined = the best alone: saves an array per prefix). */
  multipath: readonly Path[] | undefined;
}

export function multipathOf(dest: Dest): readonly Path[] {
  return dest.multipath ?? (dest.best === undefined ? [] : [dest.best]);
}

function sameList(a: readonly Path[] | undefined, b: readonly Path[] | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class LocRib {
  readonly interner = new AttrInterner();
  private readonly tables: Record<Family, Map<PrefixKey, Dest>> = { ipv4: new Map(), ipv6: new Map() };
  private readonly counts = new Map<number, Record<Family, number>>();

  constructor(private opts: DecisionOptions) {}

  setOptions(opts: DecisionOptions): void {
    this.opts = opts;
  }

  size(family: Family): number {
    return this.tables[family].size;
  }

  get(family: Family, key: PrefixKey): Dest | undefined {
    return this.tables[family].get(key);
  }

  entries(family: Family): IterableIterator<[PrefixKey, Dest]> {
    return this.tables[family].entries();
  }

  /** Number of paths a source has in the table (its Adj-RIB-In size). */
  count(source: PathSource, family: Family): number {
    return this.counts.get(source.id)?.[family] ?? 0;
  }

  private bump(source: PathSource, family: Family, d: number): void {
    let c = this.counts.get(source.id);
    if (c === undefined) this.counts.set(source.id, (c = { ipv4: 0, ipv6: 0 }));
    c[family] += d;
    if (c.ipv4 === 0 && c.ipv6 === 0) this.counts.delete(source.id);
  }

  /** Adds or replaces the path of `source` for `prefix`. `attrs` must come from this.interner. */
  set(key: PrefixKey, prefix: Prefix, source: PathSource, attrs: PathAttributes, now: number): boolean {
    const table = this.tables[prefix.family];
    const path: Path = { prefix, attrs, source, receivedAt: now, stale: false };
    this.interner.retain(attrs);
    let dest = table.get(key);
    if (dest === undefined) {
      // Fast path for the common case of a prefix only one source has: no decision to run.
      dest = { prefix, paths: [path], best: path, step: 'only-path', multipath: undefined };
      if (this.opts.resolvable !== undefined && !this.opts.resolvable(path)) this.redecide(dest);
      table.set(key, dest);
      this.bump(source, prefix.family, 1);
      return dest.best !== undefined;
    }
    const i = dest.paths.findIndex((p) => p.source === source);
    if (i >= 0) {
      this.interner.release((dest.paths[i] as Path).attrs);
      dest.paths[i] = path;
    } else {
      dest.paths.push(path);
      this.bump(source, prefix.family, 1);
    }
    return this.redecide(dest);
  }

  /** Removes the path of `source` for the prefix: 'absent' if it had none, 'changed' when the best path or multipath set changed. */
  remove(family: Family, key: PrefixKey, source: PathSource): 'absent' | 'removed' | 'changed' {
    const table = this.tables[family];
    const dest = table.get(key);
    if (dest === undefined) return 'absent';
    const i = dest.paths.findIndex((p) => p.source === source);
    if (i < 0) return 'absent';
    this.interner.release((dest.paths[i] as Path).attrs);
    dest.paths.splice(i, 1);
    this.bump(source, family, -1);
    if (dest.paths.length === 0) {
      table.delete(key);
      return dest.best !== undefined ? 'changed' : 'removed';
    }
    return this.redecide(dest) ? 'changed' : 'removed';
  }

  /**
   * Removes every path of `source` in `families` (default both), optionally only the stale ones; calls `changed` for
   * each prefix whose best path changed.
   */
  removeSource(source: PathSource, changed: (family: Family, key: PrefixKey) => void, onlyStale = false, families: readonly Family[] = FAMILIES): number {
    let n = 0;
    for (const family of families) {
      if (this.count(source, family) === 0) continue;
      for (const [key, dest] of this.tables[family]) {
        const p = dest.paths.find((x) => x.source === source);
        if (p === undefined || (onlyStale && !p.stale)) continue;
        n++;
        if (this.remove(family, key, source) === 'changed') changed(family, key);
      }
    }
    return n;
  }

  /** Marks every path of `source` in `families` stale (RFC 4724 helper); they stay in use. */
  markStale(source: PathSource, families: readonly Family[] = FAMILIES): number {
    let n = 0;
    for (const family of families) {
      if (this.count(source, family) === 0) continue;
      for (const dest of this.tables[family].values()) {
        for (const p of dest.paths) {
          if (p.source === source) {
            p.stale = true;
            n++;
          }
        }
      }
    }
    return n;
  }

  /** The paths of one source (its Adj-RIB-In). */
  *pathsOf(source: PathSource, family: Family): IterableIterator<Path> {
    if (this.count(source, family) === 0) return;
    for (const dest of this.tables[family].values()) {
      for (const p of dest.paths) if (p.source === source) yield p;
    }
  }

  /** Re-runs the decision for every prefix (decision options changed); calls `changed` where the result moved. */
  redecideAll(changed: (family: Family, key: PrefixKey) => void): void {
    for (const family of ['ipv4', 'ipv6'] as const) {
      for (const [key, dest] of this.tables[family]) if (this.redecide(dest)) changed(family, key);
    }
  }

  private redecide(dest: Dest): boolean {
    const before = dest.best;
    const beforeMp = dest.multipath;
    const d = decide(dest.paths, this.opts);
    dest.best = d.best;
    dest.step = d.step;
    const mp = d.multipath.length > 1 ? d.multipath : undefined;
    dest.multipath = mp;
    return before !== d.best || !sameList(beforeMp, mp);
  }
}
