// Graceful restart (RFC 4724), both roles, for the routing side (speaker-routing.ts drives it from the sessions'
// PeerRouting calls):
// - helper: a session with a peer that advertised the capability ends without a NOTIFICATION: its routes stay, marked
//   stale, for the peer's restart time; when it comes back they are replaced as it re-sends them, and what is left
//   of a family at its End-of-RIB (or when our stale time runs out) is deleted;
// - restarting speaker: while `restarting`, OPENs carry the R bit and no routes are sent until every peer with
//   graceful restart configured has sent End-of-RIB for its families (or the deferral timer fires); then each
//   session gets its table and End-of-RIB.
import type { Clock, TimerHandle } from '../lib/clock';
import type { Logger } from '../lib/logger';
import type { Family } from './packet/types';
import type { PathSource } from './rib/path';
import type { Peer, SessionInfo } from './session/peer';
import { afiFamily } from './session/peer-config';

const FAMILIES: readonly Family[] = ['ipv4', 'ipv6'];
/** BIRD's default stale time when a peer has none configured. */
const DEFAULT_STALE_TIME = 360;

/** A restarting peer's routes kept as stale (RFC 4724 §4.2). */
interface StaleRoutes {
  readonly source: PathSource;
  families: Family[];
  timer: TimerHandle;
}

/** What graceful restart needs of the routing side. */
export interface RestartHost {
  /** The Established session's state for the peer, if any. */
  session(peer: Peer): { readonly source: PathSource; readonly info: SessionInfo; readonly eor: ReadonlySet<Family> } | undefined;
  /** Marks the source's routes of the families stale; returns how many. */
  markStale(source: PathSource, families: readonly Family[]): number;
  /** Removes the source's stale routes of the families and passes the changes on. */
  removeStale(source: PathSource, families: readonly Family[]): void;
  /** The source's routes are all gone and no session uses it: caches may forget it. */
  sourceGone(source: PathSource): void;
  /** The restart is over: send every session its table and End-of-RIB. */
  sendTables(): void;
}

export class GracefulRestart {
  private readonly stale = new Map<string, StaleRoutes>();
  private deferTimer: TimerHandle | undefined;
  private deferring: boolean;

  constructor(
    private readonly host: RestartHost,
    private readonly clock: Clock,
    private readonly log: Logger,
    /** Start as a restarting speaker (RFC 4724 §4.1): defer our routes for at most this many seconds. */
    deferralTime: number | undefined,
    /** The configured peers with graceful restart (whose End-of-RIB a restart waits for). */
    private readonly restartPeers: () => Iterable<Peer>,
  ) {
    this.deferring = deferralTime !== undefined && deferralTime > 0;
    if (this.deferring) this.deferTimer = clock.setTimeout(() => this.endRestart('deferral timer expired'), (deferralTime ?? 0) * 1000);
  }

  /** RFC 4724 §4.1: we restarted and hold our routes back until the peers' End-of-RIB markers. */
  get restarting(): boolean {
    return this.deferring;
  }

  /** The families whose routes we keep stale when this session ends (none after a NOTIFICATION or without GR). */
  familiesToKeep(peer: Peer, info: SessionInfo, notification: boolean): Family[] {
    const gr = info.peerGracefulRestart;
    if (notification || gr === undefined || peer.config.gracefulRestart === undefined || gr.restartTime === 0) return [];
    const out: Family[] = [];
    for (const f of gr.families) {
      const fam = afiFamily(f.afi, f.safi);
      if (fam !== undefined && info.families.has(fam) && !out.includes(fam)) out.push(fam);
    }
    return out;
  }

  /**
   * RFC 4724 §4.2: "the Receiving Speaker MUST retain the routes received from the Restarting Speaker for all the
   * address families that were previously received in the Graceful Restart Capability and MUST mark them as stale
   * routing information", for the peer's Restart Time.
   */
  retain(peer: Peer, source: PathSource, info: SessionInfo, families: Family[]): void {
    const marked = this.host.markStale(source, families);
    const restartTime = info.peerGracefulRestart?.restartTime ?? 0;
    const timer = this.clock.setTimeout(() => this.flush(peer.config.address, 'restart time expired'), restartTime * 1000);
    this.stale.set(peer.config.address, { source, families, timer });
    this.log.info(`${peer.config.name} went down without NOTIFICATION: keeping ${marked} routes stale for ${restartTime}s (graceful restart)`);
  }

  /**
   * A peer whose routes we hold stale is back: keep its PathSource (so re-sent routes replace the stale ones) for
   * the families it still preserves, and wait for its End-of-RIB at most our stale time.
   */
  resume(peer: Peer, info: SessionInfo, rrClient: boolean): PathSource | undefined {
    const st = this.stale.get(peer.config.address);
    if (st === undefined) return undefined;
    st.timer.cancel();
    if (st.source.routerId !== info.peerRouterId || st.source.rrClient !== rrClient) {
      this.flush(peer.config.address, 'peer came back as a different speaker');
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
    if (gone.length > 0) this.host.removeStale(st.source, gone);
    st.families = st.families.filter((f) => preserved.has(f));
    const staleTime = peer.config.gracefulRestart?.staleTime ?? DEFAULT_STALE_TIME;
    if (st.families.length === 0) this.stale.delete(peer.config.address);
    else st.timer = this.clock.setTimeout(() => this.flush(peer.config.address, 'stale time expired before End-of-RIB'), staleTime * 1000);
    return st.source;
  }

  /** Deletes every stale route held for the peer at `address`. */
  flush(address: string, why: string): void {
    const st = this.stale.get(address);
    if (st === undefined) return;
    this.stale.delete(address);
    st.timer.cancel();
    this.log.debug(`flushing stale routes of ${address}: ${why}`);
    this.host.removeStale(st.source, FAMILIES);
    this.host.sourceGone(st.source);
  }

  /** The source whose routes are held stale for the peer at `address`, if any. */
  staleSource(address: string): PathSource | undefined {
    return this.stale.get(address)?.source;
  }

  /** The peer sent End-of-RIB for the family on its session with `source`. */
  endOfRib(peer: Peer, source: PathSource, family: Family): void {
    const st = this.stale.get(peer.config.address);
    if (st !== undefined && st.source === source && st.families.includes(family)) {
      // RFC 4724 §4.2: on End-of-RIB the Receiving Speaker "MUST immediately remove all the routes from the peer
      // that are still marked as stale" for the family.
      st.families = st.families.filter((f) => f !== family);
      if (st.families.length === 0) {
        st.timer.cancel();
        this.stale.delete(peer.config.address);
      }
      this.host.removeStale(source, [family]);
    }
    this.checkDone();
  }

  /** While restarting: ends the restart once every waited-for peer is up and has sent End-of-RIB. */
  checkDone(): void {
    if (!this.deferring) return;
    for (const peer of this.restartPeers()) {
      const s = this.host.session(peer);
      if (s === undefined) return;
      // RFC 4724 §3: a peer whose OPEN has the R bit restarted too; we "MUST NOT wait for the End-of-RIB marker".
      if (s.info.peerGracefulRestart?.restarting === true) continue;
      for (const f of s.info.families) if (!s.eor.has(f)) return;
    }
    this.endRestart('End-of-RIB received from every peer');
  }

  private endRestart(why: string): void {
    if (!this.deferring) return;
    this.deferring = false;
    this.deferTimer?.cancel();
    this.deferTimer = undefined;
    this.log.info(`graceful restart finished (${why}): sending routes`);
    this.host.sendTables();
  }

  /** Cancels timers (speaker shutdown). */
  close(): void {
    this.deferTimer?.cancel();
    for (const st of this.stale.values()) st.timer.cancel();
    this.stale.clear();
  }
}
