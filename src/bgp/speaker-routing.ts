// The routing half of the speaker: the Loc-RIB shared by all sessions, the locally originated routes as one more
// source in it, and per session its PathSource, export cache and Adj-RIB-Out. It implements the sessions'
// PeerRouting: an UPDATE in is applied to the Loc-RIB as one batch, and the prefixes whose best path changed are
// staged on every Established session's Adj-RIB-Out and flushed as packed UPDATEs, once per received UPDATE.
//
// Graceful restart (RFC 4724), both roles:
// - helper: a session with a peer that advertised the capability ends without a NOTIFICATION: its routes stay, marked
//   stale, for the peer's restart time; when it comes back they are replaced as it re-sends them, and what is left
//   of a family at its End-of-RIB (or when our stale time runs out) is deleted;
// - restarting speaker: while `restarting`, OPENs carry the R bit and no routes are sent until every peer with
//   graceful restart configured has sent End-of-RIB for its families (or the deferral timer fires); then each
//   session gets its table and End-of-RIB.
import net from 'node:net';
import type { Clock, TimerHandle } from '../lib/clock';
import type { Logger } from '../lib/logger';
import { describeError } from '../lib/errors';
import type { CodecOptions, DecodedUpdate, Family, PathAttributes, Prefix } from './packet/types';
import { AdjRibOut } from './rib/adj-rib-out';
import type { DecisionOptions, StepName } from './rib/decision-steps';
import { ExportCache, type ExportTarget } from './rib/export-policy';
import type { ImportContext } from './rib/import-checks';
import { LocRib, multipathOf } from './rib/loc-rib';
import { makeSource, type Path, type PathSource } from './rib/path';
import { prefixText } from './rib/prefix-words';
import { applyUpdate, changeCount, emptyChanges, type ChangeSet, type ImportPolicy } from './rib/rib-update';
import { compileFilter, type CompiledFilter } from './rib/filter-bgp';
import type { FilterRule } from './rib/filter-rule';
import type { PeerPolicy } from './rib/peer-policy';
import type { Peer, PeerRouting, RouteCounts, SessionEnd, SessionInfo } from './session/peer';
import { afiFamily, familyAfi } from './session/peer-config';
import { encodeMessage } from './packet/message';
import { Origin, RouteRefreshSubtype, Safi } from './packet/constants';

const FAMILIES: readonly Family[] = ['ipv4', 'ipv6'];
/** Prefixes passed on at a time when a source's routes are removed in bulk (session down, stale flush). */
const REMOVAL_BATCH = 4096;

/** A route this speaker originates. */
export interface LocalRoute {
  readonly prefix: Prefix;
  /** Next hop to advertise; default: our address on each session ("next hop self"). */
  readonly nextHop?: string;
  readonly communities?: readonly number[];
  readonly largeCommunities?: ReadonlyArray<readonly [number, number, number]>;
  readonly med?: number;
  /** LOCAL_PREF towards iBGP peers (default 100); never sent to eBGP peers (RFC 4271 §5.1.5). */
  readonly localPref?: number;
  /** The kernel route this route stands for (a workload's cali* device), for BGPFilter `interface` rules. */
  readonly interface?: string;
  /** That kernel route's priority (metric), for BGPFilter `priority` rules. */
  readonly priority?: number;
}

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

/**
 * What sessions with the same outbound policy share (an update group): the export filters, the attribute objects
 * their operations made and the export cache, so that an attribute set is filtered, rewritten and (with the codec
 * options shared too) encoded once for all of them. Each session keeps its own Adj-RIB-Out, and split horizon (never
 * back to the session a route came from) is decided per session before the group's cache is asked.
 */
interface ExportGroup {
  readonly key: string;
  readonly cache: ExportCache;
  readonly exportFilter: Record<Family, CompiledFilter | undefined>;
  readonly filtered: WeakMap<PathAttributes, Map<number, PathAttributes>>;
  members: number;
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

function compiled(rules: readonly FilterRule[] | undefined): CompiledFilter | undefined {
  return rules === undefined || rules.length === 0 ? undefined : compileFilter(rules);
}

/** A restarting peer's routes kept as stale (RFC 4724 §4.2), by peer address. */
interface StaleRoutes {
  readonly source: PathSource;
  families: Family[];
  timer: TimerHandle;
}

/** Strips "::ffff:" from IPv4-mapped IPv6 addresses as node reports them on dual-stack sockets. */
export function normalizeAddress(addr: string): string {
  return addr.startsWith('::ffff:') && net.isIPv4(addr.slice(7)) ? addr.slice(7) : addr;
}

function localAttributes(r: LocalRoute): PathAttributes {
  const a: { -readonly [K in keyof PathAttributes]: PathAttributes[K] } = { origin: Origin.Igp, asPath: [] };
  if (r.nextHop !== undefined) a.nextHop = r.nextHop;
  if (r.med !== undefined) a.med = r.med;
  if (r.localPref !== undefined) a.localPref = r.localPref;
  if (r.communities !== undefined && r.communities.length > 0) a.communities = r.communities;
  if (r.largeCommunities !== undefined && r.largeCommunities.length > 0) a.largeCommunities = r.largeCommunities;
  return a;
}

export class SpeakerRouting implements PeerRouting {
  readonly rib: LocRib;
  readonly localSource: PathSource;
  private readonly sessions = new Map<Peer, SessionRib>();
  /** Each peer's routing policy (the session layer knows nothing of it). */
  private readonly policies = new WeakMap<Peer, PeerPolicy>();
  private local: Record<Family, Map<string, LocalRoute>> = { ipv4: new Map(), ipv6: new Map() };
  private readonly listeners = new Set<(changes: readonly BestPathChange[]) => void>();
  private nextSourceId = 1;
  private readonly clusterId: string;
  private readonly stale = new Map<string, StaleRoutes>();
  private deferTimer: TimerHandle | undefined;
  /** RFC 4724 §4.1: we restarted and hold our routes back until the peers' End-of-RIB markers. */
  restarting: boolean;

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
    this.restarting = cfg.restartDeferralTime !== undefined && cfg.restartDeferralTime > 0;
    if (this.restarting) {
      this.deferTimer = clock.setTimeout(() => this.endRestart('deferral timer expired'), (cfg.restartDeferralTime ?? 0) * 1000);
    }
    this.rib = new LocRib(this.decisionOptions());
    this.localSource = makeSource({ id: 0, name: 'local', kind: 'local', address: '', routerId: cfg.routerId, asn: cfg.asn, rrClient: false });
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
    const kept = this.resumeStale(peer, info);
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
      codec: this.sharedCodec(info.codec),
      group: this.joinGroup(peer, info),
      out: new AdjRibOut(this.rib),
      eor: new Set(),
    };
    this.sessions.set(peer, s);
    if (this.restarting) {
      this.checkRestartDone(); // the table goes out when the restart ends
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
    this.leaveGroup(s.group);
    const keep = end.notification ? [] : this.restartFamilies(peer, s.info);
    const drop = FAMILIES.filter((f) => !keep.includes(f));
    const n = this.removeSourceRoutes(s.source, false, drop);
    if (keep.length > 0) {
      // RFC 4724 §4.2: "the Receiving Speaker MUST retain the routes received from the Restarting Speaker for all
      // the address families that were previously received in the Graceful Restart Capability and MUST mark them
      // as stale routing information", for the peer's Restart Time.
      const marked = this.rib.markStale(s.source, keep);
      const restartTime = s.info.peerGracefulRestart?.restartTime ?? 0;
      const timer = this.clock.setTimeout(() => this.flushStale(peer.config.address, 'restart time expired'), restartTime * 1000);
      this.stale.set(peer.config.address, { source: s.source, families: keep, timer });
      this.log.info(`${peer.config.name} went down without NOTIFICATION: keeping ${marked} routes stale for ${restartTime}s (graceful restart)`);
    } else {
      this.flushStale(peer.config.address, 'session ended');
      for (const g of this.groups.values()) g.cache.dropSource(s.source.id);
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

  /** The families whose routes we keep stale when this session ends without NOTIFICATION (none if GR is not in use). */
  private restartFamilies(peer: Peer, info: SessionInfo): Family[] {
    const gr = info.peerGracefulRestart;
    if (gr === undefined || peer.config.gracefulRestart === undefined || gr.restartTime === 0) return [];
    const out: Family[] = [];
    for (const f of gr.families) {
      const fam = afiFamily(f.afi, f.safi);
      if (fam !== undefined && info.families.has(fam) && !out.includes(fam)) out.push(fam);
    }
    return out;
  }

  /**
   * A peer whose routes we hold stale is back: keep its PathSource (so re-sent routes replace the stale ones) for
   * the families it still preserves, and wait for its End-of-RIB at most our stale time.
   */
  private resumeStale(peer: Peer, info: SessionInfo): PathSource | undefined {
    const st = this.stale.get(peer.config.address);
    if (st === undefined) return undefined;
    st.timer.cancel();
    if (st.source.routerId !== info.peerRouterId || st.source.rrClient !== (this.policyOf(peer).routeReflectorClient ?? false)) {
      this.flushStale(peer.config.address, 'peer came back as a different speaker');
      return undefined;
    }
    // RFC 4724 §4.2: "If the Graceful Restart Capability is not received in the re-established session, or if the
    // Forwarding State bit for a family is not set, the Receiving Speaker MUST immediately remove all the stale
    // routes from the peer that it is retaining for that address family."
    const preserved = new Set<Family>();
    for (const f of info.peerGracefulRestart?.families ?? []) {
      const fam = afiFamily(f.afi, f.safi);
      if (fam !== undefined && f.forwardingPreserved) preserved.add(fam);
    }
    const gone = st.families.filter((f) => !preserved.has(f));
    if (gone.length > 0) this.removeStale(st.source, gone);
    st.families = st.families.filter((f) => preserved.has(f));
    const staleTime = peer.config.gracefulRestart?.staleTime ?? 360;
    if (st.families.length === 0) this.stale.delete(peer.config.address);
    else st.timer = this.clock.setTimeout(() => this.flushStale(peer.config.address, 'stale time expired before End-of-RIB'), staleTime * 1000);
    return st.source;
  }

  private removeStale(source: PathSource, families: readonly Family[]): void {
    const n = this.removeSourceRoutes(source, true, families);
    if (n > 0) this.log.info(`removed ${n} stale routes of ${source.name} (${families.join(', ')})`);
  }

  /** Deletes every stale route held for the peer at `address`. */
  flushStale(address: string, why: string): void {
    const st = this.stale.get(address);
    if (st === undefined) return;
    this.stale.delete(address);
    st.timer.cancel();
    this.log.debug(`flushing stale routes of ${address}: ${why}`);
    this.removeStale(st.source, FAMILIES);
    if (![...this.sessions.values()].some((s) => s.source === st.source)) {
      for (const g of this.groups.values()) g.cache.dropSource(st.source.id);
    }
  }

  /** The restart is over (every waited-for End-of-RIB arrived, or the timer fired): send each session its table. */
  private endRestart(why: string): void {
    if (!this.restarting) return;
    this.restarting = false;
    this.deferTimer?.cancel();
    this.deferTimer = undefined;
    this.log.info(`graceful restart finished (${why}): sending routes`);
    for (const s of this.sessions.values()) this.sendTable(s);
  }

  private checkRestartDone(): void {
    if (!this.restarting) return;
    for (const peer of this.restartPeers()) {
      const s = this.sessions.get(peer);
      if (s === undefined) return;
      // RFC 4724 §3: a peer whose OPEN has the R bit restarted too; we "MUST NOT wait for the End-of-RIB marker".
      if (s.info.peerGracefulRestart?.restarting === true) continue;
      for (const f of s.info.families) if (!s.eor.has(f)) return;
    }
    this.endRestart('End-of-RIB received from every peer');
  }

  /** Cancels timers (speaker shutdown). */
  close(): void {
    this.deferTimer?.cancel();
    for (const st of this.stale.values()) st.timer.cancel();
    this.stale.clear();
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
    const st = this.stale.get(peer.config.address);
    if (st !== undefined && st.source === s.source && st.families.includes(family)) {
      // RFC 4724 §4.2: on End-of-RIB the Receiving Speaker "MUST immediately remove all the routes from the peer
      // that are still marked as stale" for the family.
      st.families = st.families.filter((f) => f !== family);
      if (st.families.length === 0) {
        st.timer.cancel();
        this.stale.delete(peer.config.address);
      }
      this.removeStale(s.source, [family]);
    }
    this.checkRestartDone();
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
    if (s === undefined || this.stale.has(peer.config.address)) return; // a graceful restart owns the stale marks
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
    const next: Record<Family, Map<string, LocalRoute>> = { ipv4: new Map(), ipv6: new Map() };
    for (const r of routes) next[r.prefix.family].set(prefixText(r.prefix), r);
    const changes = emptyChanges();
    const src = this.localSource;
    for (const f of FAMILIES) {
      for (const [key, r] of this.local[f]) {
        if (next[f].has(key)) continue;
        const c = this.rib.remove(r.prefix, src);
        if (c >= 0) changes[f].add(c);
      }
      for (const [key, r] of next[f]) {
        const attrs = this.rib.interner.intern(localAttributes(r));
        const old = this.local[f].get(key);
        if (old !== undefined && this.rib.attrsOf(r.prefix, src) === attrs) {
          // Same route; a new kernel interface or priority may still change what export filters let through.
          const id = old.interface !== r.interface || old.priority !== r.priority ? this.rib.find(r.prefix) : -1;
          if (id >= 0) changes[f].add(id);
          continue;
        }
        const c = this.rib.set(r.prefix, src, attrs, this.now());
        if (c >= 0) changes[f].add(c);
      }
    }
    this.local = next;
    this.fanOut(changes);
  }

  localRoutes(): LocalRoute[] {
    return [...this.local.ipv4.values(), ...this.local.ipv6.values()];
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
    this.leaveGroup(before);
    this.resync(s);
    this.flush(s);
  }

  subscribe(listener: (changes: readonly BestPathChange[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The peer's current source: its session's, or the one whose routes are kept stale while it restarts. */
  sourceOf(peer: Peer): PathSource | undefined {
    return this.sessions.get(peer)?.source ?? this.stale.get(peer.config.address)?.source;
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

  private readonly groups = new Map<string, ExportGroup>();
  private readonly codecs = new Map<string, CodecOptions>();

  /** The export group of a session with this peer's outbound policy (created on first use). */
  private joinGroup(peer: Peer, info: SessionInfo): ExportGroup {
    const cfg = this.policyOf(peer);
    const target = this.target(peer, info);
    const key = JSON.stringify([target.kind, target.rrClient, target.localAsn, target.nextHopMode, target.selfAddress.ipv4 ?? '', target.selfAddress.ipv6 ?? '', cfg.filters?.exportV4 ?? [], cfg.filters?.exportV6 ?? []]);
    let g = this.groups.get(key);
    if (g === undefined) {
      g = {
        key,
        cache: new ExportCache(target, this.identity()),
        exportFilter: { ipv4: compiled(cfg.filters?.exportV4), ipv6: compiled(cfg.filters?.exportV6) },
        filtered: new WeakMap(),
        members: 0,
      };
      this.groups.set(key, g);
    }
    g.members++;
    return g;
  }

  private leaveGroup(g: ExportGroup): void {
    g.members--;
    if (g.members <= 0) this.groups.delete(g.key);
  }

  /** One options object per distinct negotiated codec (the encoder reuses attribute encodings by object identity). */
  private sharedCodec(c: CodecOptions): CodecOptions {
    const key = JSON.stringify([c.fourOctetAs, c.extendedMessage, [...c.addPath].sort(), c.internal]);
    let known = this.codecs.get(key);
    if (known === undefined) this.codecs.set(key, (known = c));
    return known;
  }

  private identity(): { routerId: string; clusterId: string } {
    return { routerId: this.cfg.routerId, clusterId: this.clusterId };
  }

  /** The export target of a session with this peer; split horizon is per session (exportOf), so it names none. */
  private target(peer: Peer, info: SessionInfo): ExportTarget {
    const cfg = peer.config;
    const policy = this.policyOf(peer);
    const local = normalizeAddress(info.localAddress);
    return {
      sourceId: -1,
      kind: cfg.asn === cfg.localAsn ? 'internal' : 'external',
      rrClient: policy.routeReflectorClient ?? false,
      localAsn: cfg.localAsn,
      nextHopMode: policy.nextHopMode ?? 'auto',
      selfAddress: { ipv4: net.isIPv4(local) ? local : undefined, ipv6: net.isIPv6(local) ? local : undefined },
    };
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

  private readonly importPolicies = new WeakMap<object, ImportPolicy | null>();

  /** The peer's import filters as an ImportPolicy (undefined without any), compiled once per configuration. */
  private importPolicy(peer: Peer): ImportPolicy | undefined {
    const cfg = this.policyOf(peer);
    const known = this.importPolicies.get(cfg);
    if (known !== undefined) return known ?? undefined;
    const v4 = compiled(cfg.filters?.importV4);
    const v6 = compiled(cfg.filters?.importV6);
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
    const g = s.group;
    const filter = g.exportFilter[family];
    if (filter === undefined) return g.cache.attributesFor(family, attrs, source);
    // Calico BGPFilter export rules run on the route before the BGP rewrite (as BIRD's export filter does).
    const prefix = this.rib.prefixOf(family, id);
    const kernel = source.kind === 'local' ? this.local[family].get(prefixText(prefix)) : undefined;
    const v = filter({ prefix, attrs, source, ...(kernel ? { kernel } : {}) });
    if (!v.accept) return undefined;
    if (v.attrs === attrs) return g.cache.attributesFor(family, attrs, source);
    let byRule = g.filtered.get(attrs);
    if (byRule === undefined) g.filtered.set(attrs, (byRule = new Map()));
    let out = byRule.get(v.rule);
    if (out === undefined) byRule.set(v.rule, (out = v.attrs));
    return g.cache.attributesFor(family, out, source);
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
