// The route table: one kernel routing table reconciled to a desired state, as Felix's routetable does it. The owner
// (the dataplane façade, for the node agent) hands it the desired routes in two parts: a small set replaced whole with
// setRoutes() (workloads, blackholes, VXLAN), and a large one it follows incrementally with setSource() (the routes
// learned over BGP, a VersionedMap whose change log says which keys moved). apply() diffs only the keys that changed
// since the last apply (route-diff.ts; Felix's route_table.go likewise applies per-route deltas to the interfaces
// marked for a delta update) against a cache of the kernel, and writes only the difference: deletions first, then
// adds/replaces, each failed operation retried once.
// So one pod's route costs one key's work with 100,000 routes in the table. Keys left unsettled (pending on a missing
// link, in conflict with a foreign route, kept for a grace period, deletions deferred, failures) stay dirty.
//
// The safety net is the full resync, as Felix's periodic one: it re-reads the kernel and compares every key, so a
// route someone deleted or changed by hand comes back and any drift between the cache and the kernel is corrected. It
// runs periodically, after any failed write, and whenever the incremental path cannot be trusted (a new source, a
// source whose change log no longer reaches back to our last read).
//
// Owns: the desired small set, its read position in the source, a cache of the kernel's state between resyncs, the
// dirty keys, when each link first appeared (for the grace period), and its timers (resync, retry, grace expiry):
// close() cancels them. Must not: touch a route whose protocol is not ours, or any other table than its own.
import type { Clock, TimerHandle } from '../lib/clock';
import type { Logger } from '../lib/logger';
import { NetlinkError, isNotFound } from '../netlink/netlink-error';
import {
  GINGHAM_ROUTE_PROTOCOL,
  TABLE_MAIN,
  defaultMetric,
  defaultScope,
  describeRoute,
  routeKey,
  type Netlink,
  type Route,
  type RouteInfo,
  type RouteOp,
} from '../netlink/netlink';
import { parseCidr } from '../netlink/addr';
import { diffRoutes, type LinkSeen, type PendingRoute } from './route-diff';
import { describeError } from '../lib/errors';
import type { VersionedMapReader } from '../lib/versioned-map';

export interface RouteTableOptions {
  readonly netlink: Netlink;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Routing table id; default main (254). */
  readonly table?: number;
  /** rtm_protocol stamped on every route we write, and the only one we delete. Default GINGHAM_ROUTE_PROTOCOL. */
  readonly protocol?: number;
  /** Full resync period (Felix's RouteRefreshInterval); default 90 s. 0 disables. */
  readonly resyncIntervalMs?: number;
  /** How long a route of ours on a link that just appeared survives not being desired; default 10 s. */
  readonly interfaceGraceMs?: number;
  /** Delay before retrying after a failure or while routes are pending; default 1 s. */
  readonly retryDelayMs?: number;
  /** Keys diffed and written per slice of an apply, the thread being yielded between slices; default 2000. */
  readonly keysPerSlice?: number;
}

export interface RouteFailure {
  readonly op: RouteOp['op'];
  readonly route: Route;
  readonly error: Error;
}

export interface ApplyResult {
  readonly deleted: number;
  readonly written: number;
  readonly pending: readonly PendingRoute[];
  readonly conflicts: ReadonlyArray<{ readonly route: Route; readonly existing: RouteInfo }>;
  readonly failures: readonly RouteFailure[];
  /** Whether this apply re-read the kernel's routes (and so compared every key). */
  readonly resynced: boolean;
  /** How many keys this apply compared (every key at a full diff, the changed ones otherwise). */
  readonly examined: number;
}

/**
 * Routes the table follows incrementally: keyed by routeKey() of the route (table and protocol unset: they are the
 * table's), read again only where the change log says a key changed.
 */
export type RouteSource = VersionedMapReader<string, Route>;

/** What one apply did so far (it works through its keys in slices). */
interface Pass {
  deleted: number;
  written: number;
  pending: PendingRoute[];
  conflicts: Array<{ readonly route: Route; readonly existing: RouteInfo }>;
  failures: RouteFailure[];
  graceUntil?: number;
}

/** What the kernel will report for a route we just wrote (fields route-diff compares). */
function asInfo(r: Route, protocol: number, table: number): RouteInfo {
  const family = parseCidr(r.dst).family;
  return { ...r, family, table, protocol, type: r.type ?? 'unicast', scope: r.scope ?? defaultScope(r), metric: r.metric ?? defaultMetric(family), onlink: r.onlink ?? false };
}

export class RouteTable {
  private readonly nl: Netlink;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly table: number;
  private readonly protocol: number;
  private readonly resyncMs: number;
  private readonly graceMs: number;
  private readonly retryMs: number;
  private readonly sliceKeys: number;

  /** The set replaced whole by setRoutes(), stamped with our table and protocol; it overrides the source per key. */
  private desired = new Map<string, Route>();
  private source: RouteSource | undefined;
  /** Where we last read the source's change log. */
  private sourceCursor = 0;
  /** Source routes this returns false for are left out (the façade: routes through a tunnel device that failed). */
  private sourceFilter: ((r: Route) => boolean) | undefined;
  /** The kernel's routes of our table by key, as of the last resync plus what we wrote since; undefined: re-read. */
  private cache: Map<string, RouteInfo> | undefined;
  /** Keys whose desired or kernel state may differ since the last apply, or that were left unsettled. */
  private dirty = new Set<string>();
  /** The next apply compares every key (a new source or filter, a source change log we cannot follow). */
  private compareAll = true;
  private readonly links = new Map<string, LinkSeen>();
  private linksScanned = false;
  private running: Promise<ApplyResult> | undefined;
  private rerun = false;
  private readonly timers = new Map<'resync' | 'retry' | 'grace', TimerHandle>();
  private readonly reported = new Set<string>();
  private closed = false;
  private deferDeletes = 0;

  constructor(opts: RouteTableOptions) {
    this.nl = opts.netlink;
    this.clock = opts.clock;
    this.log = opts.logger.child('felix.routetable');
    this.table = opts.table ?? TABLE_MAIN;
    this.protocol = opts.protocol ?? GINGHAM_ROUTE_PROTOCOL;
    this.resyncMs = opts.resyncIntervalMs ?? 90_000;
    this.graceMs = opts.interfaceGraceMs ?? 10_000;
    this.retryMs = opts.retryDelayMs ?? 1000;
    this.sliceKeys = opts.keysPerSlice ?? 2000;
  }

  /**
   * Replaces the small desired set (the routes not in the source). A route of ours that is absent from `routes` and
   * from the source is deleted at the next apply (after its link's grace period); with no source an empty list
   * removes every route of ours. Table and protocol are this table's; a route naming another table is a caller error.
   * Only keys whose route changed become dirty.
   */
  setRoutes(routes: readonly Route[]): void {
    const next = new Map<string, Route>();
    for (const r of routes) {
      if (r.table !== undefined && r.table !== this.table) throw new Error(`route table ${this.table}: ${describeRoute(r)} belongs to table ${r.table}`);
      const route: Route = { ...r, table: this.table, protocol: this.protocol };
      const key = routeKey(route);
      if (next.has(key)) throw new Error(`route table ${this.table}: two desired routes for ${r.dst} metric ${r.metric ?? 'default'}`);
      next.set(key, route);
      const before = this.desired.get(key);
      if (before === undefined || JSON.stringify(before) !== JSON.stringify(route)) this.dirty.add(key);
    }
    for (const key of this.desired.keys()) if (!next.has(key)) this.dirty.add(key);
    this.desired = next;
  }

  /**
   * Follows `source` (undefined: none) for every key setRoutes() does not hold; `filter`, when given, leaves out the
   * source routes it returns false for. A different source or filter (!==) makes the next apply compare every key;
   * the same ones cost nothing here: apply() reads the source's change log.
   */
  setSource(source: RouteSource | undefined, filter?: (r: Route) => boolean): void {
    if (source === this.source && filter === this.sourceFilter) return;
    this.source = source;
    this.sourceFilter = filter;
    this.sourceCursor = source?.cursor ?? 0;
    this.compareAll = true;
  }

  /** The desired route of a key: the small set's, else the source's (stamped with our table and protocol). */
  private desiredOf(key: string): Route | undefined {
    const own = this.desired.get(key);
    if (own !== undefined) return own;
    const r = this.source?.get(key);
    if (r === undefined || (this.sourceFilter !== undefined && !this.sourceFilter(r))) return undefined;
    return { ...r, table: this.table, protocol: this.protocol };
  }

  desiredRoutes(): Route[] {
    const keys = new Set([...this.desired.keys(), ...(this.source?.keys() ?? [])]);
    return [...keys].map((k) => this.desiredOf(k)).filter((r): r is Route => r !== undefined);
  }

  /**
   * Deletes nothing before clock time `until` (0: from now on). A restarting agent uses it so that routes it has not
   * learned again yet (BGP still converging) stay in the kernel meanwhile; additions and changes go ahead.
   */
  deferDeletesUntil(until: number): void {
    this.deferDeletes = until;
  }

  /** Makes the next apply re-read the kernel instead of trusting the cache. */
  markResync(): void {
    this.cache = undefined;
  }

  /** Starts the periodic resync (each one re-reads the kernel and applies). */
  start(): void {
    this.scheduleResync();
  }

  /**
   * Brings the kernel to the desired state. Calls made while one runs are coalesced into one more run after it, which
   * resolves every caller with the later result.
   */
  apply(): Promise<ApplyResult> {
    if (this.running !== undefined) {
      this.rerun = true;
      return this.running;
    }
    const run = this.applyOnce().finally(() => {
      this.running = undefined;
    });
    this.running = run;
    return run;
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
  }

  /** The keys to compare now: the dirty ones (and the source's changes), or every key when the cache was re-read. */
  private takeDirty(cache: ReadonlyMap<string, RouteInfo>, resynced: boolean): Set<string> {
    const source = this.source;
    if (source !== undefined) {
      const changes = source.changesSince(this.sourceCursor);
      if (changes === undefined) this.compareAll = true;
      else for (const k of changes) this.dirty.add(k);
      this.sourceCursor = source.cursor;
    }
    const keys = this.dirty;
    this.dirty = new Set();
    if (resynced || this.compareAll) {
      // Every key: what we want, and what the kernel holds (a key no longer desired anywhere is among the kernel's,
      // or it was unsettled and so already dirty).
      for (const k of this.desired.keys()) keys.add(k);
      if (source !== undefined) for (const k of source.keys()) keys.add(k);
      for (const k of cache.keys()) keys.add(k);
      this.compareAll = false;
    }
    return keys;
  }

  private async applyOnce(): Promise<ApplyResult> {
    this.rerun = false;
    const resynced = this.cache === undefined;
    const gone = await this.scanLinks();
    const cache = this.cache ?? (await this.readKernel());
    this.cache = cache;
    this.forgetRoutesVia(cache, gone);
    const now = this.clock.now();
    // Taken after the awaits above and before the first write: a change arriving while this apply writes stays dirty
    // for the next one.
    const keys = [...this.takeDirty(cache, resynced)];
    const pass: Pass = { deleted: 0, written: 0, pending: [], conflicts: [], failures: [] };
    // In slices, yielding between them: a full resync of 100,000 keys, or a large batch of best paths, must not hold
    // the process's one thread (the CNI service, the policy loop, BGP keepalives) for the whole diff.
    for (let i = 0; i < keys.length; i += this.sliceKeys) {
      if (i > 0) await new Promise<void>((r) => setImmediate(r));
      await this.applyKeys(keys.slice(i, i + this.sliceKeys), cache, now, pass);
    }
    const { deleted, written, pending, conflicts, failures } = pass;

    this.report(pending, conflicts, failures);
    // After a failure the cache may be wrong about what the kernel holds: the next apply re-reads it (a full diff).
    if (failures.length > 0) this.markResync();
    if (failures.length > 0 || pending.length > 0) this.schedule('retry', this.retryMs);
    if (pass.graceUntil !== undefined) this.schedule('grace', Math.max(0, pass.graceUntil - now));
    const result: ApplyResult = { deleted, written, pending, conflicts, failures, resynced, examined: keys.length };
    if (this.rerun && !this.closed) return this.applyOnce();
    return result;
  }

  /** Diffs `keys` and writes the difference, deletions first; adds what happened to `pass`. */
  private async applyKeys(keys: readonly string[], cache: Map<string, RouteInfo>, now: number, pass: Pass): Promise<void> {
    const diff = diffRoutes({ keys, desired: (k) => this.desiredOf(k), observed: cache, links: this.links, protocol: this.protocol, now, graceMs: this.graceMs });
    for (const k of diff.recheck) this.dirty.add(k);
    pass.pending.push(...diff.pending);
    pass.conflicts.push(...diff.conflicts);
    if (diff.graceUntil !== undefined) pass.graceUntil = Math.min(pass.graceUntil ?? Infinity, diff.graceUntil);
    const deferring = now < this.deferDeletes;
    if (deferring && diff.deletes.length > 0) {
      this.schedule('grace', this.deferDeletes - now);
      for (const r of diff.deletes) this.dirty.add(routeKey(r));
    }
    // Deletions first: a destination moving from one link to another must not briefly have two routes, and freeing
    // a key before writing lets a changed metric land.
    for (const [route, err] of await this.run(deferring ? [] : diff.deletes.map((route) => ({ op: 'delete' as const, route })))) {
      if (err === undefined || isNotFound(err)) {
        cache.delete(routeKey(route));
        pass.deleted++;
      } else pass.failures.push({ op: 'delete', route, error: err });
    }
    for (const [route, err] of await this.run(diff.writes.map((route) => ({ op: 'replace' as const, route })))) {
      if (err === undefined) {
        cache.set(routeKey(route), asInfo(route, this.protocol, this.table));
        pass.written++;
      } else if (err instanceof NetlinkError && err.errno === 'ENODEV') {
        pass.pending.push({ route, reason: `its link went away (${err.message})` });
        this.dirty.add(routeKey(route));
      } else pass.failures.push({ op: 'replace', route, error: err });
    }
  }

  /**
   * The kernel drops the routes through a link that went away: so does the cache, and their keys become dirty (a
   * desired one becomes pending until its link is back).
   */
  private forgetRoutesVia(cache: Map<string, RouteInfo>, indexes: ReadonlySet<number>): void {
    if (indexes.size === 0) return;
    for (const [key, r] of cache) {
      if ((r.linkIndex !== undefined && indexes.has(r.linkIndex)) || (r.multipath ?? []).some((h) => h.linkIndex !== undefined && indexes.has(h.linkIndex))) {
        cache.delete(key);
        this.dirty.add(key);
      }
    }
  }

  /** Runs ops as one batch, then each failed one once more on its own; returns the final error (if any) per op. */
  private async run(ops: readonly RouteOp[]): Promise<Array<[Route, Error | undefined]>> {
    if (ops.length === 0) return [];
    const first = await this.nl.routeBatch(ops);
    const out: Array<[Route, Error | undefined]> = [];
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i] as RouteOp;
      const res = first[i];
      if (res === undefined || res.ok) {
        out.push([op.route, undefined]);
        continue;
      }
      if (op.op === 'delete' && isNotFound(res.error)) {
        out.push([op.route, res.error]);
        continue;
      }
      const [retry] = await this.nl.routeBatch([op]);
      out.push([op.route, retry === undefined || retry.ok ? undefined : retry.error]);
    }
    return out;
  }

  /** Updates the links we know; returns the indexes of links that went away (or were recreated with a new one). */
  private async scanLinks(): Promise<Set<number>> {
    const now = this.clock.now();
    const seen = new Set<string>();
    const gone = new Set<number>();
    for (const l of await this.nl.listLinks()) {
      seen.add(l.name);
      const known = this.links.get(l.name);
      // Links present at our first look are old: a restart must not treat every workload as just created. A link
      // whose index changed was deleted and recreated: it is new again.
      if (known === undefined || known.index !== l.index) {
        if (known !== undefined) gone.add(known.index);
        this.links.set(l.name, { index: l.index, appearedAt: this.linksScanned ? now : -Infinity });
      }
    }
    for (const [name, l] of [...this.links]) {
      if (seen.has(name)) continue;
      this.links.delete(name);
      gone.add(l.index);
    }
    this.linksScanned = true;
    return gone;
  }

  private async readKernel(): Promise<Map<string, RouteInfo>> {
    const routes = await this.nl.listRoutes({ table: this.table });
    const out = new Map<string, RouteInfo>();
    for (const r of routes) out.set(routeKey(r), r);
    return out;
  }

  /** Logs each pending route, conflict and failure once per distinct problem, not at every retry. */
  private report(pending: readonly PendingRoute[], conflicts: ApplyResult['conflicts'], failures: readonly RouteFailure[]): void {
    const now = new Set<string>();
    const once = (key: string, log: () => void): void => {
      now.add(key);
      if (!this.reported.has(key)) log();
    };
    for (const p of pending) once(`p ${routeKey(p.route)} ${p.reason}`, () => this.log.debug(`route ${describeRoute(p.route)} pending: ${p.reason}`));
    for (const c of conflicts)
      once(`c ${routeKey(c.route)} ${c.existing.protocol}`, () =>
        this.log.warn(`not programming ${describeRoute(c.route)}: the kernel holds ${describeRoute(c.existing)} with protocol ${c.existing.protocol}, which is not ours; leaving it`),
      );
    // Keyed by the failure's errno, never its text: a message that varies must not make one failure look like many.
    for (const f of failures) once(`f ${f.op} ${routeKey(f.route)} ${f.error instanceof NetlinkError ? f.error.errno : f.error.name}`, () => this.log.warn(`route ${f.op} failed twice: ${f.error.message}`));
    this.reported.clear();
    for (const k of now) this.reported.add(k);
  }

  private schedule(which: 'retry' | 'grace', ms: number): void {
    if (this.closed || this.timers.has(which)) return;
    this.timers.set(
      which,
      this.clock.setTimeout(() => {
        this.timers.delete(which);
        void this.apply().catch((err: unknown) => this.onBackgroundError(err));
      }, ms),
    );
  }

  private scheduleResync(): void {
    if (this.closed || this.resyncMs <= 0) return;
    this.timers.get('resync')?.cancel();
    this.timers.set(
      'resync',
      this.clock.setTimeout(() => {
        this.timers.delete('resync');
        this.markResync();
        void this.apply()
          .catch((err: unknown) => this.onBackgroundError(err))
          .finally(() => this.scheduleResync());
      }, this.resyncMs),
    );
  }

  private onBackgroundError(err: unknown): void {
    this.log.warn(`route table ${this.table}: apply failed: ${describeError(err)}`);
    this.markResync();
    this.schedule('retry', this.retryMs);
  }
}
