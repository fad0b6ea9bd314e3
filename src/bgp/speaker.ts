// The BGP speaker façade: the one object the node agent, `gingham bgp run` and the tests talk to. It owns the
// listening socket, the set of peers (added, removed or changed one at a time without touching the others), the
// routing (speaker-routing.ts: Loc-RIB, local routes as desired state, Adj-RIBs-Out), best-path subscriptions, and
// status/RIB queries.
import type { Clock } from '../lib/clock';
import type { Logger } from '../lib/logger';
import type { Family, PathAttributes } from './packet/types';
import { stepTitle, type StepName } from './rib/decision-steps';
import type { Path } from './rib/path';
import { prefixText } from './rib/prefix-words';
import { SpeakerRouting, normalizeAddress, type BestPathChange, type LocalRoute } from './speaker-routing';
import { Peer, type PeerStatus } from './session/peer';
import { sessionNeedsReset, type SessionConfig } from './session/peer-config';
import type { BgpSocket, Listener, Transport } from './session/transport';
import { importPolicyChanged, PEER_POLICY_FIELDS, reflectorRoleChanged, type PeerPolicy } from './rib/peer-policy';

export { tcpListener, type Listener } from './session/transport';
export { normalizeAddress, type BestPathChange, type LocalRoute } from './speaker-routing';
export { GRACEFUL_RESTART_DEFAULTS, PEER_DEFAULTS, type GracefulRestartConfig, type SessionConfig } from './session/peer-config';
export type { PeerPolicy } from './rib/peer-policy';
export type { FilterRule, PeerFilters } from './rib/filter-rule';

/** One peer as the façade takes it: the session's settings and the routing policy, split apart by setPeer. */
export type PeerConfig = SessionConfig & PeerPolicy;

function splitPeerConfig(cfg: PeerConfig): { session: SessionConfig; policy: PeerPolicy } {
  const session: Record<string, unknown> = { ...cfg };
  const policy: Record<string, unknown> = {};
  for (const k of PEER_POLICY_FIELDS) {
    if (cfg[k] !== undefined) policy[k] = cfg[k];
    delete session[k];
  }
  return { session: session as unknown as SessionConfig, policy: policy as PeerPolicy };
}

export interface SpeakerConfig {
  readonly asn: number;
  readonly routerId: string;
  readonly listen?: { readonly address: string; readonly port: number };
  /** RFC 4456 CLUSTER_ID when this speaker reflects routes; default the router ID. */
  readonly clusterId?: string;
  /** Compare MED between routes from different neighbouring ASes (default false, as RFC 4271). */
  readonly alwaysCompareMed?: boolean;
  /**
   * Start as a restarting speaker (RFC 4724 §4.1): OPENs carry the R bit and our routes wait for the End-of-RIB of
   * every peer with graceful restart configured, at most this many seconds.
   */
  readonly restartDeferralTime?: number;
}

export interface SpeakerDeps {
  readonly clock: Clock;
  readonly transport: Transport;
  readonly listener: Listener;
  readonly logger: Logger;
}

export interface SpeakerStatus {
  readonly asn: number;
  readonly routerId: string;
  readonly clusterId?: string;
  readonly listen?: { readonly address: string; readonly port: number };
  readonly peers: readonly PeerStatus[];
}

export interface RouteView {
  /** The peer's name, or "local" for routes this speaker originates. */
  readonly peer: string;
  readonly family: Family;
  readonly prefix: string;
  readonly attributes: PathAttributes;
  readonly receivedAt: number;
  /** This path is the prefix's best path in the Loc-RIB. */
  readonly best: boolean;
  /** For the best path: the decision step that chose it, and its title ("LOCAL_PREF"). */
  readonly step?: StepName;
  readonly decidedBy?: string;
  /** Number of equal-cost paths (ECMP set) for the prefix, when this is the best path. */
  readonly multipath?: number;
  readonly stale: boolean;
}

export class Speaker {
  private readonly peers = new Map<string, Peer>();
  private readonly routing: SpeakerRouting;
  private server: { close(): Promise<void> } | undefined;
  private readonly log: Logger;
  private closed = false;

  constructor(
    private readonly cfg: SpeakerConfig,
    private readonly deps: SpeakerDeps,
  ) {
    this.log = deps.logger.child('bgp');
    this.routing = new SpeakerRouting(
      cfg,
      deps.logger.child('bgp.rib'),
      deps.clock,
      () => this.hasReflectorClients(),
      () => [...this.peers.values()].filter((p) => p.config.gracefulRestart !== undefined),
    );
  }

  private hasReflectorClients(): boolean {
    for (const p of this.peers.values()) if (this.routing.policyOf(p).routeReflectorClient === true) return true;
    return false;
  }

  /** Binds the listening socket (if configured). Peers can be added before or after. */
  async start(): Promise<void> {
    if (this.cfg.listen !== undefined) {
      const { address, port } = this.cfg.listen;
      this.server = await this.deps.listener.listen(address, port, (socket) => this.onInbound(socket));
      this.log.info(`listening on ${address}:${port}`, { asn: this.cfg.asn, routerId: this.cfg.routerId });
    }
  }

  private onInbound(socket: BgpSocket): void {
    const remote = normalizeAddress(socket.remoteAddress ?? '');
    const peer = this.peers.get(remote);
    if (peer === undefined) {
      // RFC 4271 §8.2.1.1 leaves unconfigured peers to local policy: we refuse them.
      this.log.info(`refused connection from ${remote}:${socket.remotePort ?? 0}: not a configured peer`);
      socket.destroy();
      return;
    }
    peer.acceptInbound(socket);
  }

  /**
   * Adds a peer, or changes one. Only a change of the session's settings (what the OPEN, the timers and the
   * transport need: sessionNeedsReset) or of the peer's reflector-client role resets that peer's session. A change
   * of routing policy keeps it: new import policy (allowOwnAs, import filters) asks the peer to re-send its routes
   * (ROUTE-REFRESH, RFC 2918), new export policy (nextHopMode, export filters) sends the difference. Only a peer that
   * did not negotiate route refresh is reset for new import policy, as there is no other way to see its routes again.
   */
  setPeer(cfg: PeerConfig): void {
    const { session, policy } = splitPeerConfig(cfg);
    const existing = this.peers.get(cfg.address);
    if (existing !== undefined) {
      const before = this.routing.policyOf(existing);
      if (!sessionNeedsReset(existing.config, session) && !reflectorRoleChanged(before, policy)) {
        existing.updateConfig(session);
        this.routing.setPolicy(existing, policy);
        if (importPolicyChanged(before, policy) && existing.session() !== undefined && !existing.requestRefresh()) {
          existing.stop('import policy changed and the peer cannot refresh');
          this.peers.delete(cfg.address);
          this.startPeer(session, policy);
        }
        return;
      }
      existing.stop('peer configuration changed');
      this.peers.delete(cfg.address);
    }
    this.startPeer(session, policy);
  }

  private startPeer(session: SessionConfig, policy: PeerPolicy): void {
    const peer = new Peer(session, {
      clock: this.deps.clock,
      transport: this.deps.transport,
      logger: this.deps.logger,
      routing: this.routing,
      restarting: () => this.routing.restarting,
    });
    this.routing.setPolicy(peer, policy);
    this.peers.set(session.address, peer);
    if (!this.closed) peer.start();
  }

  removePeer(address: string, message = 'peer de-configured'): boolean {
    const peer = this.peers.get(address);
    if (peer === undefined) return false;
    peer.stop(message);
    this.peers.delete(address);
    // A removed peer's routes kept stale for its graceful restart must not outlive it (GoBGP #1939).
    this.routing.flushStale(address, 'peer removed');
    return true;
  }

  peerAddresses(): string[] {
    return [...this.peers.keys()];
  }

  /**
   * Replaces the set of locally originated routes (desired state): a prefix absent from `routes` is withdrawn from
   * every peer; an empty list withdraws everything. Peers receive only the difference.
   */
  setLocalRoutes(routes: readonly LocalRoute[]): void {
    this.routing.setLocalRoutes(routes);
  }

  localRoutes(): LocalRoute[] {
    return this.routing.localRoutes();
  }

  /** Calls `listener` with the prefixes whose best path (or ECMP set) changed, once per batch. Returns an unsubscribe. */
  subscribe(listener: (changes: readonly BestPathChange[]) => void): () => void {
    return this.routing.subscribe(listener);
  }

  status(): SpeakerStatus {
    return {
      asn: this.cfg.asn,
      routerId: this.cfg.routerId,
      clusterId: this.cfg.clusterId,
      listen: this.cfg.listen,
      peers: [...this.peers.values()].map((p) => p.status()),
    };
  }

  private matches(p: Peer, peer: string | undefined): boolean {
    return peer === undefined || p.config.address === peer || p.config.name === peer;
  }

  /** Routes received from one peer (by address or name), or from all: their Adj-RIBs-In, with the best path marked. */
  receivedRoutes(peer?: string, family?: Family): RouteView[] {
    const out: RouteView[] = [];
    for (const p of this.peers.values()) {
      if (!this.matches(p, peer)) continue;
      const src = this.routing.sourceOf(p);
      if (src === undefined) continue;
      for (const fam of family ? [family] : (['ipv4', 'ipv6'] as Family[])) {
        for (const r of this.routing.rib.pathsOf(src, fam)) out.push(this.view(p.config.name, r));
      }
    }
    return out;
  }

  /** The Loc-RIB: the best path of every prefix (local routes included), with the step that chose it. */
  bestRoutes(family?: Family): RouteView[] {
    const out: RouteView[] = [];
    for (const fam of family ? [family] : (['ipv4', 'ipv6'] as Family[])) {
      for (const dest of this.routing.rib.dests(fam)) {
        if (dest.best !== undefined) out.push(this.view(dest.best.source.name, dest.best));
      }
    }
    return out;
  }

  /** What one peer's session has been sent (its Adj-RIB-Out). */
  advertisedRoutes(peer: string, family?: Family): Array<{ prefix: string; attributes: PathAttributes }> {
    const out: Array<{ prefix: string; attributes: PathAttributes }> = [];
    for (const p of this.peers.values()) {
      if (!this.matches(p, peer)) continue;
      for (const fam of family ? [family] : (['ipv4', 'ipv6'] as Family[])) {
        for (const r of this.routing.advertised(p, fam)) out.push({ prefix: prefixText(r.prefix), attributes: r.attributes });
      }
    }
    return out;
  }

  private view(peer: string, r: Path): RouteView {
    const dest = this.routing.rib.lookup(r.prefix);
    const best = dest?.best?.source === r.source;
    return {
      peer,
      family: r.prefix.family,
      prefix: prefixText(r.prefix),
      attributes: r.attrs,
      receivedAt: r.receivedAt,
      best,
      ...(best && dest !== undefined ? { step: dest.step, decidedBy: stepTitle(dest.step), multipath: dest.multipath?.length ?? 1 } : {}),
      stale: r.stale,
    };
  }

  /**
   * Stops every session and closes the listener. By default each session ends with Cease / Administrative Shutdown
   * and `message`. With `gracefulRestart`, sessions configured for graceful restart are closed without a
   * NOTIFICATION instead, so peers that negotiated it keep our routes while this speaker restarts (RFC 4724 §4.2).
   */
  async close(message = 'speaker shutting down', opts: { gracefulRestart?: boolean } = {}): Promise<void> {
    this.closed = true;
    for (const p of this.peers.values()) {
      if (opts.gracefulRestart === true && p.config.gracefulRestart !== undefined) p.abandon();
      else p.stop(message);
    }
    this.routing.close();
    const server = this.server;
    this.server = undefined;
    if (server !== undefined) await server.close();
  }
}
