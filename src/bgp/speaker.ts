// The BGP speaker façade: the one object the node agent, `gingham bgp run` and the tests talk to. It owns the
// listening socket, the set of peers (added, removed or changed one at a time without touching the others), the set
// of locally originated routes (desired state), and status/RIB queries. Routing between peers (Loc-RIB, best path,
// reflection) belongs to the rib issue; here received routes are kept per peer in its Adj-RIB-In.
import net from 'node:net';
import type { Clock } from '../lib/clock';
import type { Logger } from '../lib/logger';
import type { Family, PathAttributes, Prefix } from './packet/types';
import { Origin } from './packet/constants';
import { prefixText as prefixKey } from './rib/prefix-key';
import type { ReceivedRoute } from './rib/adj-rib-in';
import { Peer, needsReset, type ExportContext, type OutRoute, type PeerStatus, type RouteSource } from './session/peer';
import type { PeerConfig } from './session/peer-config';
import type { BgpSocket, Listener, Transport } from './session/transport';

export { tcpListener, type Listener } from './session/transport';

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
}

export interface SpeakerConfig {
  readonly asn: number;
  readonly routerId: string;
  readonly listen?: { readonly address: string; readonly port: number };
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
  readonly listen?: { readonly address: string; readonly port: number };
  readonly peers: readonly PeerStatus[];
}

export interface RouteView {
  readonly peer: string;
  readonly family: Family;
  readonly prefix: string;
  readonly attributes: PathAttributes;
  readonly receivedAt: number;
}

/** Strips "::ffff:" from IPv4-mapped IPv6 addresses as node reports them on dual-stack sockets. */
export function normalizeAddress(addr: string): string {
  return addr.startsWith('::ffff:') && net.isIPv4(addr.slice(7)) ? addr.slice(7) : addr;
}

export class Speaker implements RouteSource {
  private readonly peers = new Map<string, Peer>();
  private local = new Map<string, LocalRoute>();
  private server: { close(): Promise<void> } | undefined;
  private readonly log: Logger;
  private closed = false;

  constructor(
    private readonly cfg: SpeakerConfig,
    private readonly deps: SpeakerDeps,
  ) {
    this.log = deps.logger.child('bgp');
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
      this.log.warn(`refused connection from unconfigured address ${remote}`);
      socket.destroy();
      return;
    }
    peer.acceptInbound(socket);
  }

  /** Adds a peer, or changes one: only a change that affects the OPEN resets that peer's session. */
  setPeer(cfg: PeerConfig): void {
    const existing = this.peers.get(cfg.address);
    if (existing !== undefined) {
      if (!needsReset(existing.config, cfg)) {
        existing.updateConfig(cfg);
        existing.exportsChanged();
        return;
      }
      existing.stop('peer configuration changed');
      this.peers.delete(cfg.address);
    }
    const peer = new Peer(cfg, { clock: this.deps.clock, transport: this.deps.transport, logger: this.deps.logger, routes: this });
    this.peers.set(cfg.address, peer);
    if (!this.closed) peer.start();
  }

  removePeer(address: string, message = 'peer de-configured'): boolean {
    const peer = this.peers.get(address);
    if (peer === undefined) return false;
    peer.stop(message);
    this.peers.delete(address);
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
    const next = new Map<string, LocalRoute>();
    for (const r of routes) next.set(prefixKey(r.prefix), r);
    this.local = next;
    this.attrCache.clear();
    for (const peer of this.peers.values()) peer.exportsChanged();
  }

  localRoutes(): LocalRoute[] {
    return [...this.local.values()];
  }

  // Attribute objects are interned per distinct set, so every prefix with the same attributes shares one object and
  // the session packs them into the same UPDATEs.
  private readonly attrCache = new Map<string, PathAttributes>();

  private intern(key: string, make: () => PathAttributes): PathAttributes {
    let a = this.attrCache.get(key);
    if (a === undefined) {
      a = make();
      this.attrCache.set(key, a);
    }
    return a;
  }

  /** RouteSource: the attributes of our local routes as one peer should receive them. */
  routesFor(ctx: ExportContext): ReadonlyMap<string, OutRoute> {
    const out = new Map<string, OutRoute>();
    const localAddr = normalizeAddress(ctx.localAddress);
    for (const [key, r] of this.local) {
      if (!ctx.families.has(r.prefix.family)) continue;
      const nextHop = r.nextHop ?? (r.prefix.family === 'ipv4' ? (net.isIPv4(localAddr) ? localAddr : undefined) : net.isIPv6(localAddr) ? localAddr : undefined);
      if (nextHop === undefined) {
        this.log.warn(`not advertising ${key} to ${ctx.peer.name}: no ${r.prefix.family} next hop on this session (set nextHop)`);
        continue;
      }
      const attrKey = JSON.stringify([r.prefix.family, ctx.internal, ctx.peer.localAsn, nextHop, r.communities, r.largeCommunities, r.med, r.localPref]);
      const attributes = this.intern(attrKey, () => ({
        origin: Origin.Igp,
        // RFC 4271 §5.1.2: towards an internal peer our own routes carry an empty AS_PATH; towards an external
        // peer we prepend our AS.
        asPath: ctx.internal ? [] : [{ type: 'sequence', asns: [ctx.peer.localAsn] }],
        // IPv4 routes carry NEXT_HOP; IPv6 ones carry their next hop in MP_REACH_NLRI (RFC 4760 §3), whose NLRI
        // the encoder fills in per UPDATE.
        ...(r.prefix.family === 'ipv4' ? { nextHop } : { mpReach: { afi: 2, safi: 1, nextHop, nlri: [] } }),
        ...(r.med !== undefined ? { med: r.med } : {}),
        ...(ctx.internal ? { localPref: r.localPref ?? 100 } : {}),
        ...(r.communities !== undefined && r.communities.length > 0 ? { communities: r.communities } : {}),
        ...(r.largeCommunities !== undefined && r.largeCommunities.length > 0 ? { largeCommunities: r.largeCommunities } : {}),
      }));
      out.set(key, { prefix: r.prefix, attributes });
    }
    return out;
  }

  status(): SpeakerStatus {
    return {
      asn: this.cfg.asn,
      routerId: this.cfg.routerId,
      listen: this.cfg.listen,
      peers: [...this.peers.values()].map((p) => p.status()),
    };
  }

  /** Routes received from one peer (by address or name), or from all. */
  receivedRoutes(peer?: string, family?: Family): RouteView[] {
    const out: RouteView[] = [];
    for (const p of this.peers.values()) {
      if (peer !== undefined && p.config.address !== peer && p.config.name !== peer) continue;
      for (const fam of family ? [family] : (['ipv4', 'ipv6'] as Family[])) {
        for (const r of p.adjRib.routes(fam)) out.push(view(p.config.name, r));
      }
    }
    return out;
  }

  /** Stops every session with Cease / Administrative Shutdown and closes the listener. */
  async close(message = 'speaker shutting down'): Promise<void> {
    this.closed = true;
    for (const p of this.peers.values()) p.stop(message);
    const server = this.server;
    this.server = undefined;
    if (server !== undefined) await server.close();
  }
}

function view(peer: string, r: ReceivedRoute): RouteView {
  return { peer, family: r.prefix.family, prefix: `${r.prefix.address}/${r.prefix.length}`, attributes: r.attributes, receivedAt: r.receivedAt };
}
