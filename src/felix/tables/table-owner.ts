// The owner of one Gingham nftables table (`ip gingham` or `ip6 gingham`): a reconcile loop over table objects.
// - sync(desired): diff the desired objects against what this owner last applied and write only the difference
//   as ONE `nft -f -` transaction (atomic: all or nothing). Chains whose rules changed are flushed and refilled;
//   new set and map members are added inside a repeated declaration, and a set or map that lost members is
//   flushed and refilled (big hash sets: `delete element`), since nft's element commands first load every
//   interval set's elements; objects no longer wanted are deleted after everything referring to them.
// - Start-up adopts an existing table: nothing is flushed up front, so a restarted agent keeps enforcing the last
//   rules; the first sync rewrites every object in place within one transaction (the kube-router approach).
// - verify(): `nft -j list table` compared with the kernel's own rendering of what was applied; objects changed
//   or removed by hand, or added to the table, are rewritten by the next sync (Felix re-reads its tables every
//   NftablesRefreshInterval for the same reason).
// - Counters (per-rule counters, named by their RuleRef) are declared and deleted, never flushed or rewritten: a
//   chain re-rendered, a full rewrite or an agent restart leaves their values alone; only a counter no longer
//   used by any rule is deleted (and starts from zero if it is used again).
// - A refused transaction raises NftError naming the table and the failing line; nothing was applied, the
//   previous rules keep working, and the next sync retries with a full rewrite.

import { bodyLines, deleteElementLines, objectKey, type NftObject, type RenderedTable } from './nft-render';
import { failingLine, NftError, type NftRunner } from './nft-command';

export interface SyncResult {
  /** False when nothing differed and no transaction ran. */
  readonly applied: boolean;
  readonly lines: number;
  readonly changedObjects: number;
}

interface Applied {
  readonly obj: NftObject;
  /** Canonical JSON of the object as the kernel lists it, recorded at the first verify after it was applied. */
  kernel?: string;
}

type JsonObj = Record<string, unknown>;

/** A sync's statements, the objects it changes, those it leaves in the kernel for collect(), and whether it
 * deleted every retired object itself. */
interface Plan {
  readonly lines: string[];
  readonly changed: Set<string>;
  readonly retire?: readonly string[];
  readonly collected?: boolean;
}

/** Hash sets up to this size are rewritten rather than given `delete element` (measured, BENCHMARKS.md). */
const REWRITE_MAX = 1000;

/** Retired objects beyond this many are deleted by the sync itself rather than left to collect(). */
const RETIRED_MAX = 1000;

/** The kernel's listing of a table, per object key, in a canonical JSON form (handles dropped). */
export function canonicalListing(json: string, table: string): Map<string, string> {
  const parsed = JSON.parse(json) as { nftables?: JsonObj[] };
  const rules = new Map<string, unknown[]>();
  const out = new Map<string, string>();
  const sortJson = (elems: unknown[]): string => JSON.stringify(elems.map((e) => JSON.stringify(e)).sort());
  for (const item of parsed.nftables ?? []) {
    const chain = item.chain as JsonObj | undefined;
    const set = item.set as JsonObj | undefined;
    const map = item.map as JsonObj | undefined;
    const rule = item.rule as JsonObj | undefined;
    const counter = item.counter as JsonObj | undefined;
    // A counter's values move with every packet: only its presence is compared.
    if (counter && counter.table === table) out.set(objectKey('counter', String(counter.name)), '');
    else if (chain && chain.table === table) rules.set(String(chain.name), []);
    else if (set && set.table === table) out.set(objectKey('set', String(set.name)), sortJson((set.elem as unknown[]) ?? []));
    else if (map && map.table === table) out.set(objectKey('map', String(map.name)), sortJson((map.elem as unknown[]) ?? []));
    else if (rule && rule.table === table) rules.get(String(rule.chain))?.push({ expr: rule.expr, comment: rule.comment });
  }
  for (const [name, list] of rules) out.set(objectKey('chain', name), JSON.stringify(list));
  return out;
}

export class NftTableOwner {
  private applied = new Map<string, Applied>();
  /**
   * Objects no longer wanted that a sync left in the kernel: nothing desired refers to them, so they do not affect
   * packets. Deleting a chain or a set makes the kernel's commit wait (about 13 ms here, BENCHMARKS.md), so a sync
   * leaves that to collect(), a second transaction after the one that enforces the change. One wanted again is
   * written anew.
   */
  private retired = new Map<string, NftObject>();
  /** False until a sync succeeded (start-up) or after a failure: the next sync rewrites every object. */
  private inSync = false;
  private lastDesired?: RenderedTable;

  constructor(
    private readonly runner: NftRunner,
    readonly family: 'ip' | 'ip6',
    readonly table = 'gingham',
  ) {}

  /** Applies the difference between `desired` and what is programmed; throws NftError if nft refuses. */
  async sync(desired: RenderedTable): Promise<SyncResult> {
    this.lastDesired = desired;
    const full = !this.inSync;
    const existing = full ? await this.listObjects() : undefined;
    const plan: Plan = full ? this.fullScript(desired, existing ?? new Map()) : this.deltaScript(desired);
    const { lines, changed, retire = [], collected = false } = plan;
    const script = [`add table ${this.family} ${this.table}`, ...lines];
    if (lines.length > 0) {
      const res = await this.runner.run(['-f', '-'], script.join('\n') + '\n');
      if (res.code !== 0) {
        this.inSync = false;
        const line = failingLine(res.stderr);
        throw new NftError('NftApplyFailed', `${this.family} ${this.table}`, line, line !== undefined ? script[line - 1] : undefined, res.stderr);
      }
    }
    const next = new Map<string, Applied>();
    for (const [k, obj] of desired.objects) {
      const prev = this.applied.get(k);
      next.set(k, prev && !changed.has(k) ? prev : { obj });
      this.retired.delete(k);
    }
    if (full) this.retired.clear();
    for (const k of retire) {
      const a = this.applied.get(k);
      if (a) this.retired.set(k, a.obj);
    }
    if (collected) this.retired.clear();
    this.applied = next;
    this.inSync = true;
    return lines.length > 0 ? { applied: true, lines: script.length, changedObjects: changed.size } : { applied: false, lines: 0, changedObjects: 0 };
  }

  /** Deletes the objects syncs retired, in one transaction; returns how many. Throws NftError if nft refuses. */
  async collect(): Promise<number> {
    if (!this.inSync || this.retired.size === 0) return 0;
    const script = [`add table ${this.family} ${this.table}`, ...this.deletionLines([...this.retired.values()])];
    const res = await this.runner.run(['-f', '-'], script.join('\n') + '\n');
    if (res.code !== 0) {
      this.inSync = false;
      const line = failingLine(res.stderr);
      throw new NftError('NftApplyFailed', `${this.family} ${this.table}`, line, line !== undefined ? script[line - 1] : undefined, res.stderr);
    }
    const n = this.retired.size;
    this.retired.clear();
    return n;
  }

  /** Flushes every object first (dropping references between them), then deletes chains, then sets and maps. */
  private deletionLines(objs: readonly Pick<NftObject, 'kind' | 'name'>[]): string[] {
    const flush = objs.filter((o) => o.kind !== 'counter').map((o) => `flush ${this.ref(o)}`);
    const chains = objs.filter((o) => o.kind === 'chain').map((o) => `delete ${this.ref(o)}`);
    const others = objs.filter((o) => o.kind !== 'chain').map((o) => `delete ${this.ref(o)}`);
    return [...flush, ...chains, ...others];
  }

  /**
   * Reads the table back and compares it with what was applied; returns the keys of objects found tampered with
   * (changed, missing, or not ours). They are rewritten by the next sync; `repair` runs that sync now.
   */
  async verify(repair = true): Promise<string[]> {
    const listing = await this.listCanonical();
    const tampered: string[] = [];
    if (!listing) {
      this.retired.clear();
      if (this.applied.size > 0) {
        this.inSync = false;
        tampered.push('table');
      }
    } else {
      for (const [k, a] of this.applied) {
        const now = listing.get(k);
        if (now === undefined) tampered.push(k);
        else if (a.kernel === undefined) a.kernel = now;
        else if (a.kernel !== now) tampered.push(k);
      }
      for (const k of listing.keys()) if (!this.applied.has(k) && !this.retired.has(k)) tampered.push(k);
      // A retired object someone deleted by hand needs no collecting.
      for (const k of this.retired.keys()) if (!listing.has(k)) this.retired.delete(k);
      // Rewrite in place: dropping the record makes the next delta treat the object as unknown.
      for (const k of tampered) this.applied.delete(k);
      if (tampered.length > 0) this.inSync = false;
    }
    if (tampered.length > 0 && repair && this.lastDesired) await this.sync(this.lastDesired);
    return tampered;
  }

  private async listRaw(): Promise<string | undefined> {
    const res = await this.runner.run(['-j', 'list', 'table', this.family, this.table]);
    if (res.code !== 0) {
      if (/No such file or directory/.test(res.stderr)) return undefined;
      throw new NftError('NftListFailed', `${this.family} ${this.table}`, undefined, undefined, res.stderr);
    }
    return res.stdout;
  }

  private async listCanonical(): Promise<Map<string, string> | undefined> {
    const raw = await this.listRaw();
    return raw === undefined ? undefined : canonicalListing(raw, this.table);
  }

  /** Object keys in the table now (start-up adoption, and recovery after a failure or tampering). */
  private async listObjects(): Promise<Map<string, string>> {
    return (await this.listCanonical()) ?? new Map();
  }

  private qualified(decl: string): string {
    return decl.replace(/^(\w+) /, `$1 ${this.family} ${this.table} `);
  }

  private ref(o: Pick<NftObject, 'kind' | 'name'>): string {
    return `${o.kind} ${this.family} ${this.table} ${o.name}`;
  }

  /**
   * Every desired object rewritten in place, everything else in the table deleted, in one transaction: chains and
   * maps are flushed first (dropping references), then declared, filled, and stale objects deleted last.
   */
  private fullScript(desired: RenderedTable, existing: Map<string, string>): { lines: string[]; changed: Set<string> } {
    const flush: string[] = [];
    const declare: string[] = [];
    const fillSets: string[] = [];
    const fillChains: string[] = [];
    const fillMaps: string[] = [];
    const del: string[] = [];
    const recreate: string[] = [];
    for (const k of existing.keys()) {
      const [kind, ...rest] = k.split(':');
      const name = rest.join(':');
      // A counter kept is declared again (a no-op), so its values survive an agent restart and a full rewrite.
      if (kind !== 'counter') flush.push(`flush ${kind} ${this.family} ${this.table} ${name}`);
      if (!desired.objects.has(k)) del.push(`delete ${kind} ${this.family} ${this.table} ${name}`);
      // A set's type and flags cannot change in place (a table left by another version): once every chain is
      // flushed nothing refers to it, so it is deleted and declared again within the same transaction.
      else if (kind === 'set') recreate.push(`delete set ${this.family} ${this.table} ${name}`);
    }
    for (const o of desired.objects.values()) {
      declare.push(`add ${this.qualified(o.decl)}`);
      const lines = bodyLines(desired, o, o.body);
      (o.kind === 'set' ? fillSets : o.kind === 'chain' ? fillChains : fillMaps).push(...lines);
    }
    // Delete chains before sets they may reference (all were flushed above).
    del.sort((a, b) => Number(b.startsWith('delete chain')) - Number(a.startsWith('delete chain')));
    return { lines: [...flush, ...recreate, ...declare, ...fillSets, ...fillChains, ...fillMaps, ...del], changed: new Set(desired.objects.keys()) };
  }

  private deltaScript(desired: RenderedTable): Plan {
    const flush: string[] = [];
    const removeElems: string[] = [];
    const declare: string[] = [];
    const fillSets: string[] = [];
    const fillChains: string[] = [];
    const fillMaps: string[] = [];
    const changed = new Set<string>();
    for (const [k, o] of desired.objects) {
      // A retired object wanted again is declared and filled as a new one: declaring an existing object is a no-op,
      // and the kernel's copy is not trusted (another owner of the table may have deleted it meanwhile).
      const prev = this.applied.get(k)?.obj;
      const fill = o.kind === 'set' ? fillSets : o.kind === 'chain' ? fillChains : fillMaps;
      if (!prev) {
        declare.push(`add ${this.qualified(o.decl)}`);
        if (o.kind !== 'counter') flush.push(`flush ${this.ref(o)}`);
        fill.push(...bodyLines(desired, o, o.body));
        changed.add(k);
        continue;
      }
      if (prev === o || (prev.decl === o.decl && prev.body.length === o.body.length && prev.body.every((l, i) => l === o.body[i]))) continue;
      changed.add(k);
      if (o.kind === 'chain' || prev.decl !== o.decl) {
        flush.push(`flush ${this.ref(o)}`);
        fill.push(...bodyLines(desired, o, o.body));
        continue;
      }
      const after = new Set(o.body);
      const removed = prev.body.filter((e) => !after.has(e));
      const before = new Set(prev.body);
      const added = o.body.filter((e) => !before.has(e));
      if (removed.length === 0) fill.push(...bodyLines(desired, o, added));
      else if (o.kind === 'set' && !o.decl.includes('flags interval') && o.body.length > REWRITE_MAX) {
        // A big hash set: `delete element` costs nft's cache fetch of the interval sets once, less than a rewrite.
        removeElems.push(...deleteElementLines(desired, o, removed));
        fill.push(...bodyLines(desired, o, added));
      } else {
        // Rewritten whole: a map (a changed entry is a new verdict for a key), an interval set (merged intervals
        // split and join), a small hash set; cheaper than nft's cache fetch for `delete element`.
        flush.push(`flush ${this.ref(o)}`);
        fill.push(...bodyLines(desired, o, o.body));
      }
    }
    const retire = [...this.applied.keys()].filter((k) => !desired.objects.has(k));
    for (const k of retire) changed.add(k);
    // Too many left behind: this sync deletes them all (nothing desired refers to them any more).
    const collected = this.retired.size + retire.length > RETIRED_MAX;
    const gone: NftObject[] = [];
    if (collected) {
      for (const k of retire) gone.push((this.applied.get(k) as Applied).obj);
      for (const [k, o] of this.retired) if (!desired.objects.has(k)) gone.push(o);
    }
    // A new object's declaration must precede the flush that makes re-creating it idempotent.
    const lines = [...declare, ...flush, ...removeElems, ...fillSets, ...fillChains, ...fillMaps, ...this.deletionLines(gone)];
    return { lines, changed, retire, collected };
  }
}
