// The node agent's core loop (`gingham node run`, one per node): the cluster's resources and the BGP speaker's best
// paths in; BGP sessions, exported prefixes, kernel routes and tunnel devices out. Everything is recomputed from the
// whole state on every change (debounced), and each output is handed over as a desired state whose owner applies only
// the difference: the speaker adds/removes/changes single peers, the route table writes only changed routes.
//
//   datastore --watch--> ResourceCache --computePeers--> speaker.setPeer/removePeer
//                                      --own blocks, local workload /32s--> speaker.setLocalRoutes
//   speaker best paths + cache --calculateDataplane--> RouteTable + tunnel devices --netlink--> kernel
//
// Owns: the cache (its watches), the speaker (recreated only when this node's AS, router ID or cluster ID changes),
// the route table and tunnel devices, and its debounce timer. close() releases them all; kernel routes stay (a
// restarting agent must not withdraw the dataplane: the next agent adopts them).
import fs from 'node:fs';
import path from 'node:path';
import type { BGPConfiguration } from '../api/kind-bgp-configuration';
import type { BGPPeer } from '../api/kind-bgp-peer';
import type { BGPFilter } from '../api/kind-bgp-filter';
import type { IPAMBlock } from '../api/kind-ipam-block';
import type { IPPool } from '../api/kind-ippool';
import type { CalicoNode } from '../api/kind-node';
import type { WorkloadEndpoint } from '../api/kind-workload-endpoint';
import type { Datastore } from '../datastore';
import type { Clock, TimerHandle } from '../lib/clock';
import { cidrContains, parseCidr, parseIpOrCidr, tryParseCidr } from '../lib/ip';
import type { Logger } from '../lib/logger';
import { defaultMetric, type Netlink } from '../netlink/netlink';
import type { Speaker, SpeakerConfig, LocalRoute } from '../bgp/speaker';
import { GRACEFUL_RESTART_DEFAULTS, PEER_DEFAULTS, type PeerConfig, type PeerFilters } from '../bgp/session/peer-config';
import { calculateDataplane, type CalcBgpRoute } from '../felix/calc-routes';
import { RouteTable } from '../felix/route-table';
import { ensureVxlanDevice, IpipDevice, IPIP_OVERHEAD, syncVxlanPeers, VXLAN_OVERHEAD } from '../felix/tunnels';
import { NatOutgoing, type CommandRunner } from '../felix/nat-outgoing';
import { vxlanMacForNode } from '../felix/vxlan-mac';
import { computePeers, type DesiredPeer, type PeerComputation } from './bgp-peers';
import type { NodeMetrics } from './metrics';
import { ResourceCache } from './resource-cache';
import { ensureTunnelAddress } from './tunnel-addr';
import { IpamAllocator } from '../ipam';
import { describeError } from '../lib/errors';

export const WATCHED_KINDS = ['Node', 'BGPPeer', 'BGPConfiguration', 'BGPFilter', 'IPPool', 'IPAMBlock', 'WorkloadEndpoint'] as const;

export interface AgentDeps {
  readonly store: Datastore;
  readonly netlink: Netlink;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Builds a speaker (production: TCP; tests: an in-memory network). The agent starts and closes it. */
  readonly newSpeaker: (cfg: SpeakerConfig) => Speaker;
  /** Runs iptables for NAT outgoing; absent: NAT outgoing is not programmed (tests of routing alone). */
  readonly runCommand?: CommandRunner;
  /** Route programming and resync durations go here when set. */
  readonly metrics?: NodeMetrics;
}

export interface AgentConfig {
  readonly nodeName: string;
  /** The interface holding the node address: direct routes and vxlan.calico's parent. */
  readonly parentInterface: string;
  /** MTU of the parent interface; tunnels get it minus their overhead. Default 1500. */
  readonly hostMtu?: number;
  /** Coalesce bursts of changes into one recomputation. Default 100 ms. */
  readonly debounceMs?: number;
  /**
   * After start, keep kernel routes that are no longer computed until every BGP session has been Established for a
   * moment, or this long at most (a restarted agent must not withdraw routes it has not relearned yet). Default 30 s.
   */
  readonly startupHoldMs?: number;
  /** Where the pod MTU (host MTU minus the overhead of the encapsulations in use) is written for the CNI plugin. */
  readonly mtuFile?: string;
}

export interface AgentPeerStatus {
  readonly peer: DesiredPeer;
  readonly state: string;
  readonly since: number;
  readonly lastError?: string;
}

const familyOf = (prefix: string): 'ipv4' | 'ipv6' => (prefix.includes(':') ? 'ipv6' : 'ipv4');

function toPrefix(cidr: string): LocalRoute['prefix'] {
  const [address, len] = cidr.split('/') as [string, string];
  return { family: familyOf(address), address, length: Number(len) };
}

export class NodeAgent {
  private readonly log: Logger;
  private readonly cache: ResourceCache;
  private readonly routes: RouteTable;
  private readonly ipip: IpipDevice;
  private speaker: Speaker | undefined;
  private speakerKey = '';
  private unsubscribe: (() => void) | undefined;
  private readonly applied = new Map<string, string>();
  private desired: PeerComputation = { peers: [], problems: [] };
  private timer: TimerHandle | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;
  private readonly reported = new Set<string>();
  /** IPv4 best paths learned over BGP: prefix -> the next hops of the equal-cost set (best first). */
  private readonly bgpPaths = new Map<string, string[]>();
  private readonly startedAt: number;
  private readonly ipam: IpamAllocator;
  private holding = true;
  private settledSince: number | undefined;
  private settleTimer: TimerHandle | undefined;
  private readonly nat: NatOutgoing | undefined;

  constructor(
    private readonly cfg: AgentConfig,
    private readonly deps: AgentDeps,
  ) {
    this.log = deps.logger.child('node');
    this.cache = new ResourceCache(deps.store, WATCHED_KINDS, () => this.schedule());
    this.routes = new RouteTable({ netlink: deps.netlink, clock: deps.clock, logger: deps.logger });
    this.ipip = new IpipDevice(deps.netlink, deps.logger);
    this.startedAt = deps.clock.now();
    this.ipam = new IpamAllocator(deps.store);
    this.nat = deps.runCommand ? new NatOutgoing(deps.runCommand) : undefined;
  }

  async start(): Promise<void> {
    this.routes.deferDeletesUntil(this.deps.clock.now() + (this.cfg.startupHoldMs ?? 30_000));
    await this.cache.start();
    this.routes.start();
    await this.recompute();
  }

  /** Runs a recomputation now (tests, and after start); concurrent calls coalesce. */
  recompute(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await this.recomputeOnce();
        } catch (err) {
          this.log.error(`recomputation failed: ${describeError(err)}`);
        }
      } while (this.again && !this.closed);
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private schedule(): void {
    if (this.closed || this.timer !== undefined) return;
    this.timer = this.deps.clock.setTimeout(() => {
      this.timer = undefined;
      void this.recompute();
    }, this.cfg.debounceMs ?? 100);
  }

  private async recomputeOnce(): Promise<void> {
    const nodes = this.cache.list<CalicoNode>('Node');
    const pools = this.cache.list<IPPool>('IPPool');
    const blocks = this.cache.list<IPAMBlock>('IPAMBlock');
    const weps = this.cache.list<WorkloadEndpoint>('WorkloadEndpoint').filter((w) => w.spec?.node === this.cfg.nodeName);
    this.desired = computePeers({ nodeName: this.cfg.nodeName, nodes, peers: this.cache.list<BGPPeer>('BGPPeer'), configs: this.cache.list<BGPConfiguration>('BGPConfiguration') });
    for (const p of this.desired.problems) this.once(p, () => this.log.warn(p));
    if (this.desired.reason) this.once(this.desired.reason, () => this.log.warn(`no BGP: ${this.desired.reason}`));

    await this.syncTunnelAddresses(nodes, pools);
    await this.syncSpeaker();
    this.checkSettled();
    this.syncExports(pools, blocks, weps);
    await this.syncDataplane(nodes, pools, blocks, weps);
  }

  /** Ends the start-up hold once every started session has been Established for 2 s (they have sent their tables). */
  private checkSettled(): void {
    if (!this.holding) return;
    const sessions = this.speaker?.status().peers ?? [];
    const allUp = sessions.every((p) => p.state === 'Established');
    const now = this.deps.clock.now();
    if (!allUp) {
      this.settledSince = undefined;
      return;
    }
    this.settledSince ??= now;
    if (now - this.settledSince >= 2000) {
      this.holding = false;
      this.routes.deferDeletesUntil(0);
      this.log.info('BGP settled: stale routes may now be removed');
    } else if (this.settleTimer === undefined) {
      this.settleTimer = this.deps.clock.setTimeout(() => {
        this.settleTimer = undefined;
        this.schedule();
      }, 2000 - (now - this.settledSince));
    }
  }

  /** VXLAN / IPIP tunnel addresses from IPAM while a pool needs them (the Node update comes back through the watch). */
  private async syncTunnelAddresses(nodes: readonly CalicoNode[], pools: readonly IPPool[]): Promise<void> {
    const self = nodes.find((n) => n.metadata.name === this.cfg.nodeName);
    if (self === undefined) return;
    for (const kind of ['vxlan', 'ipip'] as const) {
      try {
        await ensureTunnelAddress(this.deps.store, this.ipam, self, pools, kind);
      } catch (err) {
        this.once(`tun ${kind} ${String(err)}`, () => this.log.warn(`cannot allocate the ${kind} tunnel address: ${describeError(err)}`));
      }
    }
  }

  private async syncSpeaker(): Promise<void> {
    const local = this.desired.local;
    if (local === undefined) return;
    const key = JSON.stringify([local.asn, local.routerId, local.clusterId, local.address, local.listenPort]);
    if (this.speaker === undefined || key !== this.speakerKey) {
      if (this.speaker !== undefined) {
        this.log.info('this node\'s BGP identity changed: restarting the speaker');
        this.unsubscribe?.();
        await this.speaker.close('BGP identity changed');
      }
      this.applied.clear();
      this.speakerKey = key;
      const speaker = this.deps.newSpeaker({ asn: local.asn, routerId: local.routerId, listen: { address: local.address, port: local.listenPort }, ...(local.clusterId ? { clusterId: local.clusterId } : {}) });
      this.speaker = speaker;
      await speaker.start();
      this.bgpPaths.clear();
      this.unsubscribe = speaker.subscribe((changes) => {
        for (const c of changes) {
          if (c.prefix.family !== 'ipv4') continue;
          const key = `${c.prefix.address}/${c.prefix.length}`;
          const paths = c.best === undefined ? [] : c.multipath.length > 0 ? c.multipath : [c.best];
          // Routes we originate are not next hops; the dataplane has them from the blocks and workloads.
          const hops = [...new Set(paths.filter((p) => p.source.kind !== 'local' && p.attrs.nextHop !== undefined).map((p) => p.attrs.nextHop as string))];
          if (hops.length === 0) this.bgpPaths.delete(key);
          else this.bgpPaths.set(key, hops);
        }
        this.schedule();
      });
    }
    const speaker = this.speaker;
    const filterSpecs = new Map(this.cache.list<BGPFilter>('BGPFilter').map((f) => [f.metadata.name, f.spec ?? {}]));
    const filtersOf = (p: DesiredPeer): PeerFilters | undefined => {
      if (p.filters.length === 0) return undefined;
      // A peer's BGPFilters apply in the order listed: their rules are concatenated per direction and family.
      const out: Record<'importV4' | 'importV6' | 'exportV4' | 'exportV6', NonNullable<PeerFilters['importV4']>[number][]> = { importV4: [], importV6: [], exportV4: [], exportV6: [] };
      for (const name of p.filters) {
        const spec = filterSpecs.get(name);
        if (spec === undefined) {
          this.once(`nofilter ${p.address} ${name}`, () => this.log.warn(`BGP session ${p.name}: BGPFilter ${name} does not exist (ignored until it does)`));
          continue;
        }
        for (const k of ['importV4', 'importV6', 'exportV4', 'exportV6'] as const) out[k].push(...(spec[k] ?? []));
      }
      return out;
    };
    const want = new Map<string, PeerConfig>();
    for (const p of this.desired.peers) {
      if (p.notStarted !== undefined) {
        this.once(`ns ${p.address}`, () => this.log.warn(`not starting BGP session ${p.name} to ${p.address}: ${p.notStarted}`));
        continue;
      }
      want.set(p.address, {
        name: p.name,
        address: p.address,
        port: p.port,
        asn: p.asn,
        localAsn: p.localAsn,
        routerId: local.routerId,
        ...(p.localAddress !== undefined ? { localAddress: p.localAddress } : {}),
        passive: p.passive,
        holdTime: PEER_DEFAULTS.holdTime,
        ...(p.keepaliveTime !== undefined ? { keepaliveTime: p.keepaliveTime } : {}),
        connectRetryTime: PEER_DEFAULTS.connectRetryTime,
        families: ['ipv4'],
        extendedMessage: true,
        routeReflectorClient: p.routeReflectorClient,
        ...(p.nextHopMode !== undefined ? { nextHopMode: p.nextHopMode } : {}),
        ...(p.allowOwnAs !== undefined ? { allowOwnAs: p.allowOwnAs } : {}),
        ...(filtersOf(p) !== undefined ? { filters: filtersOf(p) } : {}),
        // Calico's BIRD runs graceful restart on every session; maxRestartTime sets how long peers keep our routes.
        gracefulRestart: { ...GRACEFUL_RESTART_DEFAULTS, ...(p.maxRestartTime !== undefined ? { restartTime: p.maxRestartTime } : {}) },
      });
    }
    for (const address of speaker.peerAddresses()) {
      if (!want.has(address)) {
        speaker.removePeer(address, 'peering removed from the configuration');
        this.applied.delete(address);
      }
    }
    for (const [address, pc] of want) {
      const text = JSON.stringify(pc);
      if (this.applied.get(address) === text) continue;
      speaker.setPeer(pc);
      this.applied.set(address, text);
    }
  }

  /**
   * What this node advertises: its confirmed blocks, and /32s of its workloads that live in other nodes' blocks
   * (borrowed), both only inside enabled pools that allow BGP export. Never anything outside the pools.
   */
  private syncExports(pools: readonly IPPool[], blocks: readonly IPAMBlock[], weps: readonly WorkloadEndpoint[]): void {
    const local = this.desired.local;
    if (this.speaker === undefined || local === undefined) return;
    const exportable = pools.filter((p) => !p.spec?.disabled && !p.spec?.disableBGPExport).map((p) => tryParseCidr(p.spec?.cidr ?? '')).filter((c) => c !== undefined);
    const inPools = (cidr: string): boolean => exportable.some((p) => cidrContains(p, parseIpOrCidr(cidr)));
    const own = blocks.filter((b) => b.spec?.affinity === `host:${this.cfg.nodeName}` && inPools(b.spec.cidr)).map((b) => b.spec?.cidr as string);
    const ownCidrs = own.map((c) => parseCidr(c));
    const routes: LocalRoute[] = own.map((cidr) => ({ prefix: toPrefix(cidr), nextHop: local.address }));
    for (const w of weps) {
      for (const net of w.spec?.ipNetworks ?? []) {
        const c = parseIpOrCidr(net);
        if (c.family !== 4 || ownCidrs.some((b) => cidrContains(b, c)) || !inPools(net)) continue;
        // The kernel route it stands for (felix/calc-routes.ts programs it on the pod's device, default metric), for
        // BGPFilter `interface` and `priority` rules.
        routes.push({ prefix: toPrefix(`${net.split('/')[0]}/32`), nextHop: local.address, interface: w.spec?.interfaceName, priority: defaultMetric(4) });
      }
    }
    // The service ranges of BGPConfiguration default, as Calico advertises them (every node announces the whole
    // ranges; kube-proxy on the node that receives the traffic forwards it).
    const bgp = this.cache.list<BGPConfiguration>('BGPConfiguration').find((c) => c.metadata.name === 'default')?.spec;
    const services = [...(bgp?.serviceClusterIPs ?? []), ...(bgp?.serviceExternalIPs ?? []), ...(bgp?.serviceLoadBalancerIPs ?? [])];
    for (const { cidr } of services) {
      const c = tryParseCidr(cidr);
      if (c?.family === 4) routes.push({ prefix: toPrefix(`${cidr.split('/')[0]}/${c.prefixLen}`), nextHop: local.address });
    }
    this.speaker.setLocalRoutes(routes);
  }

  private async syncDataplane(nodes: readonly CalicoNode[], pools: readonly IPPool[], blocks: readonly IPAMBlock[], weps: readonly WorkloadEndpoint[]): Promise<void> {
    // Service ranges other nodes advertise are not for this node's kernel (Calico's /rejectcidrs): kube-proxy here
    // handles service addresses itself.
    const bgp = this.cache.list<BGPConfiguration>('BGPConfiguration').find((c) => c.metadata.name === 'default')?.spec;
    const rejected = [...(bgp?.serviceClusterIPs ?? []), ...(bgp?.serviceExternalIPs ?? []), ...(bgp?.serviceLoadBalancerIPs ?? [])]
      .map(({ cidr }) => tryParseCidr(cidr))
      .filter((c) => c !== undefined);
    const bgpRoutes: CalcBgpRoute[] = [...this.bgpPaths]
      .filter(([prefix]) => !rejected.some((r) => cidrContains(r, parseIpOrCidr(prefix))))
      .map(([prefix, nextHops]) => ({ prefix, nextHops }));
    const want = calculateDataplane({
      nodeName: this.cfg.nodeName,
      nodes: nodes.map((n) => ({
        name: n.metadata.name,
        ...(n.spec?.bgp?.ipv4Address ? { ipv4Address: n.spec.bgp.ipv4Address } : {}),
        ...(n.spec?.ipv4VXLANTunnelAddr ? { ipv4VXLANTunnelAddr: n.spec.ipv4VXLANTunnelAddr } : {}),
        ...(n.spec?.vxlanTunnelMACAddr ? { vxlanTunnelMACAddr: n.spec.vxlanTunnelMACAddr } : {}),
      })),
      pools: pools.map((p) => ({ cidr: p.spec?.cidr ?? '', ...(p.spec?.ipipMode ? { ipipMode: p.spec.ipipMode } : {}), ...(p.spec?.vxlanMode ? { vxlanMode: p.spec.vxlanMode } : {}), ...(p.spec?.disabled ? { disabled: true } : {}) })),
      blocks: blocks.map((b) => ({ cidr: b.spec?.cidr ?? '', ...(b.spec?.affinity?.startsWith('host:') ? { node: b.spec.affinity.slice(5) } : {}) })),
      workloads: weps.map((w) => ({ interfaceName: w.spec?.interfaceName ?? '', ipNetworks: w.spec?.ipNetworks ?? [] })),
      bgpRoutes,
      parentInterface: this.cfg.parentInterface,
    });
    for (const p of want.problems) this.once(`dp ${p.prefix} ${p.reason}`, () => this.log.warn(`not routing ${p.prefix}: ${p.reason}`));

    const mtu = this.cfg.hostMtu ?? 1500;
    this.writeMtu(mtu - (want.needsVxlan ? VXLAN_OVERHEAD : want.needsIpip ? IPIP_OVERHEAD : 0));
    const self = nodes.find((n) => n.metadata.name === this.cfg.nodeName);
    let routes = want.routes;
    if (want.needsIpip) {
      const state = await this.ipip.ensure({ ...(self?.spec?.bgp?.ipv4IPIPTunnelAddr ? { tunnelAddress: self.spec.bgp.ipv4IPIPTunnelAddr } : {}), mtu: mtu - IPIP_OVERHEAD });
      // Without tunl0 the kernel refuses every route through it: leave those out rather than retry them forever.
      if (!state.ok) routes = routes.filter((r) => r.linkName !== 'tunl0' && !(r.multipath ?? []).some((h) => h.linkName === 'tunl0'));
    } else await this.ipip.disable();
    if (want.needsVxlan && self?.spec?.bgp?.ipv4Address) {
      await ensureVxlanDevice(this.deps.netlink, {
        parent: this.cfg.parentInterface,
        localAddress: self.spec.bgp.ipv4Address.split('/')[0] as string,
        mac: self.spec.vxlanTunnelMACAddr ?? vxlanMacForNode(this.cfg.nodeName),
        ...(self.spec.ipv4VXLANTunnelAddr ? { tunnelAddress: self.spec.ipv4VXLANTunnelAddr } : {}),
        mtu: mtu - VXLAN_OVERHEAD,
      });
      // The remote VTEPs: without their permanent ARP and FDB entries nothing leaves through vxlan.calico (learning is off).
      await syncVxlanPeers(this.deps.netlink, want.vxlanNeighbours, want.vxlanFdb);
    }
    this.routes.setRoutes(routes);
    const t0 = this.deps.clock.now();
    const applied = await this.routes.apply();
    this.deps.metrics?.observeApply((this.deps.clock.now() - t0) / 1000, applied.resynced, applied.failures.length);
    if (this.nat) {
      try {
        await this.nat.apply(pools.map((p) => ({ cidr: p.spec?.cidr ?? '', ...(p.spec?.natOutgoing ? { natOutgoing: true } : {}), ...(p.spec?.disabled ? { disabled: true } : {}) })));
      } catch (err) {
        this.once(`nat ${String(err)}`, () => this.log.error(describeError(err)));
      }
    }
  }

  private writtenMtu: number | undefined;

  /** The pod MTU for the CNI plugin (Felix writes /var/lib/calico/mtu the same way), written when it changes. */
  private writeMtu(podMtu: number): void {
    if (this.cfg.mtuFile === undefined || podMtu === this.writtenMtu) return;
    try {
      fs.mkdirSync(path.dirname(this.cfg.mtuFile), { recursive: true });
      fs.writeFileSync(`${this.cfg.mtuFile}.tmp`, `${podMtu}\n`);
      fs.renameSync(`${this.cfg.mtuFile}.tmp`, this.cfg.mtuFile);
      this.writtenMtu = podMtu;
      this.log.info(`pod MTU ${podMtu} written to ${this.cfg.mtuFile}`);
    } catch (err) {
      this.once(`mtu ${String(err)}`, () => this.log.warn(`cannot write ${this.cfg.mtuFile}: ${describeError(err)}`));
    }
  }

  private once(key: string, log: () => void): void {
    if (this.reported.has(key)) return;
    this.reported.add(key);
    log();
  }

  /** Every configured peering with its session state, for `gingham node status`. */
  peerStatus(): AgentPeerStatus[] {
    const sessions = new Map((this.speaker?.status().peers ?? []).map((s) => [s.address, s]));
    return this.desired.peers.map((peer) => {
      const s = sessions.get(peer.address);
      return { peer, state: s?.state ?? 'Idle', since: s?.since ?? this.startedAt, ...(s?.lastError ? { lastError: s.lastError } : {}) };
    });
  }

  speakerInstance(): Speaker | undefined {
    return this.speaker;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.timer?.cancel();
    this.timer = undefined;
    this.settleTimer?.cancel();
    await this.running;
    await this.cache.close();
    this.routes.close();
    this.unsubscribe?.();
    // A stopping agent is usually a restarting one (a DaemonSet rollout): leave the sessions without a NOTIFICATION so
    // the peers keep this node's routes under graceful restart until the next agent is back.
    await this.speaker?.close('gingham node agent stopping', { gracefulRestart: true });
  }
}
