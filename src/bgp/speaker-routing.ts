// The routing half of the speaker: the Loc-RIB shared by all sessions, the locally originated routes as one more
// source in it (local-routes.ts), and per session its PathSource, export group (export-groups.ts) and Adj-RIB-Out.
// It implements the sessions' PeerRouting: an UPDATE in is applied to the Loc-RIB as one batch, and the prefixes
// whose best path changed are staged on every Established session's Adj-RIB-Out and flushed as packed UPDATEs, once
// per received UPDATE (the fan-out). Graceful restart in both roles is graceful-restart.ts; route refresh (RFC 2918,
// RFC 7313) and the maximum-prefix limit (RFC 4486) stay here, where the sessions' RIB state is.
import type { Clock } from '../lib/clock';
import type { Logger } from '../lib/logger';
import { describeError } from '../lib/errors';
import type { CodecOptions, DecodedUpdate, Family, PathAttributes, Prefix } from './packet/types';
import { AdjRibOut } from './rib/adj-rib-out';
import type { DecisionOptions, StepName } from './rib/decision-steps';
import type { ImportContext } from './rib/import-checks';
import { LocRib, multipathOf } from './rib/loc-rib';
import { makeSource, type Path, type PathSource } from './rib/path';
import { applyUpdate, changeCount, emptyChanges, type ChangeSet, type ImportPolicy } from './rib/rib-update';
import { compileRules } from './rib/filter-bgp';
import type { PeerPolicy } from './rib/peer-policy';
import type { Peer, PeerRouting, RouteCounts, SessionEnd, SessionInfo } from './session/peer';
import { familyAfi } from './session/peer-config';
import { encodeMessage } from './packet/message';
import { RouteRefreshSubtype, Safi } from './packet/constants';
import { ExportGroups, exportTarget, type ExportGroup } from './export-groups';
import { GracefulRestart } from './graceful-restart';
import { LocalRoutes, type LocalRoute } from './local-routes';

export { normalizeAddress } from './export-groups';
export type { LocalRoute } from './local-routes';

const FAMILIES: readonly Family[] = ['ipv4', 'ipv6'];
/** Prefixes passed on at a time when a source's routes are removed in bulk (session down, stale flush). */
const REMOVAL_BATCH = 4096;

export interface RoutingConfig {
  readonly asn: number;
  readonly routerId: string;
  /** RFC 4456 CLUSTER_ID; default the router ID. */
  readonly clusterId?: string;
  readonly alwaysCompareMed?: boolean;
  /** Start as a restarting speaker (RFC 4724 §4.1): defer our routes for at most this many seconds. */
  readonly restartDeferralTime?: number;
}

/** One best-path change, as subscribers see it. */
export interface BestPathChange {
  readonly prefix: Prefix;
  /** Absent: no route to the prefix any more. */
  readonly best?: Path;
  readonly step?: StepName;
  /** ECMP set, the best first. */
  readonly multipath: readonly Path[];
}

interface SessionRib {
  readonly peer: Peer;
  readonly source: PathSource;
  readonly info: SessionInfo;
  /** info.codec, or an equal options object shared by the group's sessions (encodings are reused by identity). */
  readonly codec: CodecOptions;
  group: ExportGroup;
  readonly out: AdjRibOut;
  /** Families whose End-of-RIB the peer has sent on this session. */
  readonly eor: Set<Family>;
  /** The peer went over its maximum prefix count; the session is being closed. */
  overLimit?: boolean;
}

export class SpeakerRouting implements PeerRouting {
  readonly rib: LocRib;
  readonly localSource: PathSource;
  private readonly sessions = new Map<Peer, SessionRib>();
  /** Each peer's routing policy (the session layer knows nothing of it). */
  private readonly policies = new WeakMap<Peer, PeerPolicy>();
  private readonly listeners = new Set<(changes: readonly BestPathChange[]) => void>();
  private nextSourceId = 1;
  private readonly clusterId: string;
  private readonly local: LocalRoutes;
  private readonly exports: ExportGroups;
  private readonly restart: GracefulRestart;
  /** Import filters compiled once per policy object (null: the policy has none). */
  private readonly importPolicies = new WeakMap<PeerPolicy, ImportPolicy | null>();

  constructor(
    private readonly cfg: RoutingConfig,
    private readonly log: Logger,
    private readonly clock: Clock,
    /** True when some configured peer is a route-reflector client (this speaker is a reflector). */
    private readonly isReflector: () => boolean,
    /** The configured peers with graceful restart (whose End-of-RIB a restart waits for). */
    private readonly restartPeers: () => Iterable<Peer> = () => [],
  ) {
    this.clusterId = cfg.clusterId ?? cfg.routerId;
    this.rib = new LocRib(this.decisionOptions());
    this.localSource = makeSource({ id: 0, name: 'local', kind: 'local', address: '', routerId: cfg.routerId, asn: cfg.asn, rrClient: false });
    this.local = new LocalRoutes(this.rib, this.localSource);
    this.exports = new ExportGroups(this.rib, this.local, { routerId: cfg.routerId, clusterId: this.clusterId });
    this.restart = new GracefulRestart(
      {
        session: (peer) => this.sessions.get(peer),
        markStale: (source, families) => this.rib.markStale(source, families),
        removeStale: (source, families) => this.removeStale(source, families),
        sourceGone: (source) => {
          if (![...this.sessions.values()].some((x) => x.source === source)) this.exports.dropSource(source.id);
        },
        sendTables: () => {
          for (const x of this.sessions.values()) this.sendTable(x);
        },
      },
      clock,
      log,
      cfg.restartDeferralTime,
      restartPeers,
    );
  }

  /** RFC 4724 §4.1: we restarted and hold our routes back until the peers' End-of-RIB markers. */
  get restarting(): boolean {
    return this.restart.restarting;
  }

  private decisionOptions(): DecisionOptions {
    return { localAsn: this.cfg.asn, alwaysCompareMed: this.cfg.alwaysCompareMed ?? false };
  }

  // ---------------------------------------------------------------- PeerRouting

  private now(): number {
    return this.clock.now();
  }

  sessionUp(peer: Peer, info: SessionInfo): void {
    this.dropSession(peer);
    const cfg = peer.config;
    const kept = this.restart.resume(peer, info, this.policyOf(peer).routeReflectorClient ?? false);
    const source = kept ?? makeSource({
      id: this.nextSourceId++,
      name: cfg.name,
      kind: cfg.asn === cfg.localAsn ? 'internal' : 'external',
      address: cfg.address,
      routerId: info.peerRouterId,
      asn: cfg.asn,
      rrClient: this.policyOf(peer).routeReflectorClient ?? false,
    });
    const s: SessionRib = {
      peer,
      source,
      info,
      codec: this.exports.sharedCodec(info.codec),
      group: this.joinGroup(peer, info),
      out: new AdjRibOut(this.rib),
      eor: new Set(),
    };
    this.sessions.set(peer, s);
    if (this.restarting) {
      this.restart.checkDone(); // the table goes out when the restart ends
      return;
    }
    this.sendTable(s);
  }

  /** RFC 4271 §9.2: the whole Adj-RIB-Out to a new session, then End-of-RIB per family (RFC 4724 §2; sent even
   * without graceful restart, as BIRD and FRR do). */
  private sendTable(s: SessionRib): void {
    this.resync(s);
    for (const f of s.info.families) s.out.endOfRib(f);
    this.flush(s);
  }

  sessionDown(peer: Peer, end: SessionEnd = { notification: true }): void {
    const s = this.sessions.get(peer);
    if (s === undefined) return;
    this.sessions.delete(peer);
    this.exports.leave(s.group);
    const keep = this.restart.familiesToKeep(peer, s.info, end.notification);
    const drop = FAMILIES.filter((f) => !keep.includes(f));
    const n = this.removeSourceRoutes(s.source, false, drop);
    if (keep.length > 0) {
      this.restart.retain(peer, s.source, s.info, keep);
    } else {
      this.restart.flush(peer.config.address, 'session ended');
      this.exports.dropSource(s.source.id);
    }
    this.log.debug(`session with ${peer.config.name} down: ${n} routes withdrawn`);
  }

  /**
   * Removes a source's routes (all, or the stale ones) and passes the changes on in batches of at most
   * REMOVAL_BATCH prefixes, so that a full table going away needs no change set and no UPDATE queue of its size.
   */
  private removeSourceRoutes(source: PathSource, onlyStale: boolean, families: readonly Family[]): number {
    let changes = emptyChanges();
    const n = this.rib.removeSource(
      source,
      (f, id) => {
        changes[f].add(id);
        if (changeCount(changes) >= REMOVAL_BATCH) {
          this.fanOut(changes);
          changes = emptyChanges();
        }
      },
      onlyStale,
      families,
    );
    this.fanOut(changes);
    return n;
  }

  private removeStale(source: PathSource, families: readonly Family[]): void {
    const n = this.removeSourceRoutes(source, true, families);
    if (n > 0) this.log.info(`removed ${n} stale routes of ${source.name} (${families.join(', ')})`);
  }

  /** Deletes every stale route held for the peer at `address` (the peer was removed). */
  flushStale(address: string, why: string): void {
    this.restart.flush(address, why);
  }

  /** Cancels timers (speaker shutdown). */
  close(): void {
    this.restart.close();
  }

  update(peer: Peer, decoded: DecodedUpdate): void {
    const s = this.sessions.get(peer);
    if (s === undefined || s.overLimit === true) return;
    const changes = emptyChanges();
    const r = applyUpdate(
      this.rib,
      s.source,
      decoded.message,
      { ctx: this.importContext(peer), now: this.now(), treatAsWithdraw: decoded.handling === 'treat-as-withdraw', policy: this.importPolicy(peer) },
      changes,
    );
    if (r.rejected !== undefined) this.log.debug(`UPDATE from ${peer.config.name} dropped as withdraw: ${r.rejected}`);
    const max = this.policyOf(peer).maxPrefixes;
    if (max !== undefined && this.rib.count(s.source, 'ipv4') + this.rib.count(s.source, 'ipv6') > max.limit) {
      // RFC 4486 §4: the session goes. Its routes go now, this UPDATE's with them, so nothing of it is passed on;
      // what the UPDATE withdrew is passed on (the same change set); later UPDATEs before the close are ignored.
      peer.closeForMaxPrefixes(max.limit, max.restartDelay);
      s.overLimit = true;
      this.rib.removeSource(s.source, (f, id) => changes[f].add(id));
    }
    this.fanOut(changes);
  }

  endOfRib(peer: Peer, family: Family): void {
    this.log.debug(`End-of-RIB for ${family} from ${peer.config.name}`);
    const s = this.sessions.get(peer);
    if (s === undefined) return;
    s.eor.add(family);
    this.restart.endOfRib(peer, s.source, family);
  }

  refreshRequested(peer: Peer, family: Family): void {
    const s = this.sessions.get(peer);
    if (s === undefined || this.restarting) return;
    s.out.restage(family);
    if (s.info.enhancedRouteRefresh !== true) {
      this.flush(s);
      return;
    }
    // RFC 7313 §4: the re-advertisement goes between BoRR and EoRR. They travel in the UPDATE queue, so they stay in
    // order with the routes (control messages would overtake queued UPDATEs).
    const marker = (subtype: number): Buffer => encodeMessage({ type: 'route-refresh', afi: familyAfi(family), safi: Safi.Unicast, subtype }, s.codec);
    let msgs: Buffer[];
    try {
      msgs = s.out.flush(s.codec, s.info.maxMessageLength);
    } catch (err) {
      this.log.error(`cannot encode UPDATE for ${peer.config.name}: ${describeError(err)}`);
      return;
    }
    peer.sendUpdates([marker(RouteRefreshSubtype.BeginningOfRouteRefresh), ...msgs, marker(RouteRefreshSubtype.EndOfRouteRefresh)]);
  }

  refreshMarker(peer: Peer, family: Family, marker: 'begin' | 'end'): void {
    const s = this.sessions.get(peer);
    if (s === undefined || this.restart.staleSource(peer.config.address) !== undefined) return; // a graceful restart owns the stale marks
    // RFC 7313 §4: at BoRR the routes of the family are marked stale; what is still stale at EoRR was not re-sent.
    if (marker === 'begin') this.rib.markStale(s.source, [family]);
    else this.removeStale(s.source, [family]);
  }

  counts(peer: Peer): RouteCounts {
    const s = this.sessions.get(peer);
    if (s === undefined) return { received: { ipv4: 0, ipv6: 0 }, sent: { ipv4: 0, ipv6: 0 } };
    return {
      received: { ipv4: this.rib.count(s.source, 'ipv4'), ipv6: this.rib.count(s.source, 'ipv6') },
      sent: { ipv4: s.out.size('ipv4'), ipv6: s.out.size('ipv6') },
    };
  }

  // ---------------------------------------------------------------- the façade's operations

  /** Desired state of the locally originated routes: absent from `routes` means withdrawn; empty withdraws all. */
  setLocalRoutes(routes: readonly LocalRoute[]): void {
    const changes = emptyChanges();
    this.local.set(routes, this.now(), changes);
    this.fanOut(changes);
  }

  localRoutes(): LocalRoute[] {
    return this.local.list();
  }

  policyOf(peer: Peer): PeerPolicy {
    return this.policies.get(peer) ?? {};
  }

  /**
   * Sets a peer's routing policy; on a change, a live session's exports are rebuilt and the difference sent (new
   * import policy applies to the routes the peer sends from now on: the speaker asks it to re-send them).
   */
  setPolicy(peer: Peer, policy: PeerPolicy): void {
    const before = this.policies.get(peer);
    this.policies.set(peer, policy);
    if (before !== undefined) this.policyChanged(peer);
  }

  /** A peer's export policy changed without a reset: rebuild its exports and send the difference. */
  private policyChanged(peer: Peer): void {
    const s = this.sessions.get(peer);
    if (s === undefined || this.restarting) return;
    const before = s.group;
    s.group = this.joinGroup(peer, s.info);
    this.exports.leave(before);
    this.resync(s);
    this.flush(s);
  }

  subscribe(listener: (changes: readonly BestPathChange[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The peer's current source: its session's, or the one whose routes are kept stale while it restarts. */
  sourceOf(peer: Peer): PathSource | undefined {
    return this.sessions.get(peer)?.source ?? this.restart.staleSource(peer.config.address);
  }

  advertised(peer: Peer, family: Family): Array<{ prefix: Prefix; attributes: PathAttributes }> {
    const s = this.sessions.get(peer);
    if (s === undefined) return [];
    const out: Array<{ prefix: Prefix; attributes: PathAttributes }> = [];
    for (const id of s.out.ids(family)) {
      const attributes = s.out.get(family, id);
      if (attributes !== undefined) out.push({ prefix: this.rib.prefixOf(family, id), attributes });
    }
    return out;
  }

  // ---------------------------------------------------------------- internals

  /** The export group of a session with this peer's outbound policy. */
  private joinGroup(peer: Peer, info: SessionInfo): ExportGroup {
    return this.exports.join(exportTarget(peer.config, this.policyOf(peer), info.localAddress), this.policyOf(peer));
  }

  private importContext(peer: Peer): ImportContext {
    const cfg = peer.config;
    return {
      localAsns: cfg.localAsn === this.cfg.asn ? [this.cfg.asn] : [this.cfg.asn, cfg.localAsn],
      allowOwnAs: this.policyOf(peer).allowOwnAs ?? 0,
      routerId: this.cfg.routerId,
      clusterId: this.clusterId,
      isReflector: this.isReflector() || this.cfg.clusterId !== undefined,
    };
  }

  private dropSession(peer: Peer): void {
    if (this.sessions.has(peer)) this.sessionDown(peer, { notification: true });
  }

  /** The peer's import filters as an ImportPolicy (undefined without any), compiled once per configuration. */
  private importPolicy(peer: Peer): ImportPolicy | undefined {
    const cfg = this.policyOf(peer);
    const known = this.importPolicies.get(cfg);
    if (known !== undefined) return known ?? undefined;
    const v4 = compileRules(cfg.filters?.importV4);
    const v6 = compileRules(cfg.filters?.importV6);
    const policy: ImportPolicy | undefined =
      v4 === undefined && v6 === undefined
        ? undefined
        : (prefix, attrs, source) => {
            const f = prefix.family === 'ipv4' ? v4 : v6;
            if (f === undefined) return attrs;
            const v = f({ prefix, attrs, source });
            return v.accept ? v.attrs : undefined;
          };
    this.importPolicies.set(cfg, policy ?? null);
    return policy;
  }

  /** What the session should carry for the entry: its best path through the export filter and rules, or undefined. */
  private exportOf(s: SessionRib, family: Family, id: number): PathAttributes | undefined {
    const best = this.rib.bestPath(family, id);
    if (best < 0) return undefined;
    const attrs = this.rib.pathAttrs(best);
    const source = this.rib.pathSource(best);
    // Never back to the session it came from (BIRD "reject our routes"; the receiver would drop it by AS loop or
    // ORIGINATOR_ID anyway). Decided here because the export cache is shared by the group.
    if (source.id === s.source.id) return undefined;
    return this.exports.attributesFor(s.group, family, id, attrs, source);
  }

  /** Stages the whole table against what the session has (withdrawing what it should no longer have). */
  private resync(s: SessionRib): void {
    for (const f of FAMILIES) {
      if (!s.info.families.has(f)) continue;
      for (const id of this.rib.entryIds(f)) s.out.stage(f, id, this.exportOf(s, f, id));
      const gone: number[] = [];
      for (const id of s.out.ids(f)) if (this.rib.bestPath(f, id) < 0) gone.push(id);
      for (const id of gone) s.out.stage(f, id, undefined);
    }
  }

  private flush(s: SessionRib): void {
    if (!s.out.pending) return;
    let msgs: Buffer[];
    try {
      msgs = s.out.flush(s.codec, s.info.maxMessageLength);
    } catch (err) {
      this.log.error(`cannot encode UPDATE for ${s.peer.config.name}: ${describeError(err)}`);
      return;
    }
    s.peer.sendUpdates(msgs);
  }

  /** Hands the changed prefixes to every session and to subscribers. */
  private fanOut(changes: ChangeSet): void {
    if (changeCount(changes) === 0) {
      this.rib.commit();
      return;
    }
    for (const s of this.restarting ? [] : this.sessions.values()) {
      for (const f of FAMILIES) {
        if (!s.info.families.has(f)) continue;
        for (const id of changes[f]) s.out.stage(f, id, this.exportOf(s, f, id));
      }
      this.flush(s);
    }
    if (this.listeners.size > 0) this.notify(changes);
    // Every Adj-RIB-Out has withdrawn the entries left without paths: their ids may go.
    this.rib.commit();
  }

  private notify(changes: ChangeSet): void {
    const list: BestPathChange[] = [];
    for (const f of FAMILIES) {
      for (const id of changes[f]) {
        const dest = this.rib.dest(f, id);
        if (dest?.best === undefined) list.push({ prefix: dest?.prefix ?? this.rib.prefixOf(f, id), multipath: [] });
        else list.push({ prefix: dest.prefix, best: dest.best, step: dest.step, multipath: multipathOf(dest) });
      }
    }
    for (const l of this.listeners) {
      try {
        l(list);
      } catch (err) {
        this.log.error(`best-path subscriber failed: ${describeError(err)}`);
      }
    }
  }
}
