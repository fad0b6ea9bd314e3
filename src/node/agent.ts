// The node agent's loop (`gingham node run`, one per node): on every change of the cluster's resources or of the BGP
// speaker's best paths (debounced), run the pure calculation (node/calc/node-calc.ts) over the resources and hand
// each result to its owner, which applies only the difference: the speaker adds/removes/changes single peers and
// replaces its local routes; the dataplane façade (felix/dataplane.ts) writes only changed routes, tunnels and NAT.
// The routes of the best paths, whose number grows with the cluster (100,000 is not unusual), are not recomputed
// each round: the agent records which prefixes changed and BgpRoutes (node/calc/bgp-routes.ts) recomputes those,
// and the route table diffs only the keys that moved. A pod starting costs its own route, not the table's size.
//
//   DatastoreCache --onUpdates--> schedule --> computeNode --peers, exports--> speaker
//   speaker best paths --changed prefixes--> schedule --> BgpRoutes --+--desired state--> dataplane.applyRouting
//   DatastoreCache --policy kinds--> feedPolicy, schedulePolicy --> dataplane.applyPolicy --> nft
//
// Besides the loop it allocates the tunnel addresses through IPAM (the Node update comes back through the cache),
// writes the pod MTU file for the CNI plugin, and holds kernel route deletions back after start until BGP has settled.
//
// Policy is incremental and has its own loop: the cache's per-kind changes of the policy kinds go straight to the
// dataplane's policy calculation (node/policy-feed.ts), and a policy round (debounced like the routes, retried on its
// own) writes only what they changed. It never waits for a route apply, so the CNI ADD waiting for a new pod's policy
// (node/cni-serve.ts) is not held up by a large BGP table converging. No round of either loop runs before the cache
// is in sync, so a restarting agent's first nft transaction is computed from the whole cluster: until then the tables
// the previous agent left keep enforcing its rules (the table owner adopts them without flushing).
//
// Owns: its subscriptions, the speaker (recreated only when this node's AS, router ID or cluster ID changes), the
// dataplane it is given (started and closed with the agent), and its timers. close() releases them; kernel routes stay
// (a restarting agent must not withdraw the dataplane: the next agent adopts them). The cache and the IPAM allocator
// belong to the process (node/run.ts).
import fs from 'node:fs';
import path from 'node:path';
import type { BGPConfiguration } from '../api/kind-bgp-configuration';
import type { BGPFilter } from '../api/kind-bgp-filter';
import type { BGPPeer } from '../api/kind-bgp-peer';
import type { IPAMBlock } from '../api/kind-ipam-block';
import type { IPPool } from '../api/kind-ippool';
import type { CalicoNode } from '../api/kind-node';
import type { WorkloadEndpoint } from '../api/kind-workload-endpoint';
import type { Datastore, DatastoreCache } from '../datastore';
import type { Dataplane } from '../felix/dataplane';
import type { IpamAllocator } from '../ipam';
import type { Clock, TimerHandle } from '../lib/clock';
import { CoalescedRuns } from '../lib/coalesced-runs';
import { describeError, hasErrno, InUseError } from '../lib/errors';
import type { Logger } from '../lib/logger';
import { GRACEFUL_RESTART_DEFAULTS, type Speaker, type SpeakerConfig, type SpeakerStatus } from '../bgp/speaker';
import type { DesiredPeer, PeerComputation } from './bgp-peers';
import { BgpRoutes, type BestPathHops } from './calc/bgp-routes';
import { computeNode, type NodeCalcOutput, type NodeResources } from './calc/node-calc';
import { NODE_CALC_KINDS, POLICY_KINDS } from './calc/kinds';
import { feedPolicy } from './policy-feed';
import { ProblemLog } from './problem-log';
import { ensureTunnelAddress } from './tunnel-addr';

const CALC_KINDS: ReadonlySet<string> = new Set(NODE_CALC_KINDS);

/** How many best paths' routes one round recomputes at most (40-120 ms of work on a busy 2-vCPU machine). */
const BGP_PREFIXES_PER_ROUND = 2000;

type AgentTimer = 'recompute' | 'retry' | 'policy' | 'policy-retry' | 'settle';

export interface AgentDeps {
  readonly store: Datastore;
  /**
   * The process's resource cache, watching at least NODE_CALC_KINDS (node/calc/kinds.ts), and POLICY_KINDS when the dataplane has a policy part. Shared: the agent subscribes
   * and starts it (start() is shared by every caller) but does not close it; its owner does.
   */
  readonly cache: DatastoreCache;
  /** The process's IPAM allocator (tunnel addresses). */
  readonly ipam: IpamAllocator;
  /** The kernel's owner; the agent starts it, applies to it and closes it. */
  readonly dataplane: Dataplane;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Builds a speaker (production: TCP; tests: an in-memory network). The agent starts and closes it. */
  readonly newSpeaker: (cfg: SpeakerConfig) => Speaker;
  /** Called once the agent cannot go on after start (its BGP port taken by another process); the process should exit. */
  readonly onFatal?: (err: unknown) => void;
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
   * Coalesce bursts of policy changes into one nft transaction. Default 10 ms: short, because a CNI ADD waits for its
   * endpoint's policy (and a transaction carries only what changed, so batching buys little), and while a
   * transaction runs the changes that arrive are coalesced into the next one anyway.
   */
  readonly policyDebounceMs?: number;
  /**
   * After start, keep kernel routes that are no longer computed until every BGP session has been Established for a
   * moment, or this long at most (a restarted agent must not withdraw routes it has not relearned yet). Default: the
   * graceful-restart time (120 s), as BIRD keeps a restarting peer's routes for its restart time (proto/bgp/bgp.c
   * bgp_graceful_restart_timeout) before it deletes them.
   */
  readonly startupHoldMs?: number;
  /** Where the pod MTU (host MTU minus the overhead of the encapsulations in use) is written for the CNI plugin. */
  readonly mtuFile?: string;
  /** After the dataplane asked for a retry (nft refused a transaction), apply again this much later. Default 1 s. */
  readonly retryMs?: number;
}

export interface AgentPeerStatus {
  readonly peer: DesiredPeer;
  readonly state: string;
  readonly since: number;
  readonly lastError?: string;
}

export class NodeAgent {
  private readonly log: Logger;
  private speaker: Speaker | undefined;
  private speakerKey = '';
  private unsubscribe: (() => void) | undefined;
  private unsubscribeCache: (() => void) | undefined;
  /** The PeerConfig last given to the speaker, as JSON, by address. */
  private readonly applied = new Map<string, string>();
  private desired: PeerComputation = { peers: [], problems: [] };
  /** One-shot timers by what they are for: at most one of each pending; close() cancels them. */
  private readonly timers = new Map<AgentTimer, TimerHandle>();
  /** The route loop's runs (stopped by close() or a fatal failure) and the policy loop's. */
  private readonly routeRuns = new CoalescedRuns(() => this.routeRun(), () => this.closed || this.fatal !== undefined);
  private readonly policyRuns = new CoalescedRuns(() => this.policyRun(), () => this.closed);
  private closed = false;
  /** Warnings about lasting problems: each logged once while it lasts, again if it comes back. */
  private readonly problems = new ProblemLog();
  /** Best paths learned over BGP: prefix -> the next hops of the equal-cost set (best first). */
  private readonly bestPaths = new Map<string, BestPathHops>();
  /** The kernel routes of bestPaths, kept incrementally; the prefixes changed since they were last brought up to date. */
  private readonly bgpRoutes = new BgpRoutes();
  private changedPrefixes: Set<string> | 'all' = 'all';
  /** The policy loop: its own debounce, runs and retries, so policy never waits for a route apply. */
  private readonly policyProblems = new ProblemLog();
  private readonly startedAt: number;
  private holding = true;
  private started = false;
  /** A failure the agent cannot run with (InUseError of the BGP port). */
  private fatal: unknown;
  private settledSince: number | undefined;
  private writtenMtu: number | undefined;

  constructor(
    private readonly cfg: AgentConfig,
    private readonly deps: AgentDeps,
  ) {
    this.log = deps.logger.child('node');
    this.startedAt = deps.clock.now();
  }

  /** A policy rule that could not be converted (and fails closed): said once per distinct message. */
  private readonly warnPolicy = (message: string): void => this.once(`policy-conversion ${message}`, () => this.log.warn(message));

  async start(): Promise<void> {
    this.hold();
    const policy = this.deps.dataplane.policy;
    this.unsubscribeCache = this.deps.cache.subscribe({
      onUpdates: (kind, updates) => {
        if (policy !== undefined && feedPolicy(policy, kind, updates, this.warnPolicy)) this.schedulePolicy();
        if (CALC_KINDS.has(kind)) this.schedule();
      },
    });
    // A cache started by someone else already holds resources it will not replay.
    if (policy !== undefined) {
      for (const kind of POLICY_KINDS) {
        const items = this.deps.cache.list(kind).map((object) => ({ type: 'set' as const, key: '', object }));
        if (items.length > 0) feedPolicy(policy, kind, items, this.warnPolicy);
      }
    }
    await this.deps.cache.start();
    this.deps.dataplane.start();
    await this.recompute();
    if (this.fatal !== undefined) throw this.fatal;
    await this.applyPolicy();
    this.started = true;
  }

  /** Keeps stale kernel routes until every session is back (checkSettled) or the graceful-restart time has passed. */
  private hold(): void {
    this.holding = true;
    this.settledSince = undefined;
    this.deps.dataplane.deferRouteDeletesUntil(this.deps.clock.now() + (this.cfg.startupHoldMs ?? GRACEFUL_RESTART_DEFAULTS.restartTime * 1000));
  }

  /** Runs a recomputation now (tests, and after start); concurrent calls coalesce. */
  recompute(): Promise<void> {
    return this.routeRuns.run();
  }

  private async routeRun(): Promise<void> {
    try {
      await this.recomputeOnce();
    } catch (err) {
      if (err === this.fatal) {
        if (this.started) this.deps.onFatal?.(err);
        return;
      }
      this.log.error(`recomputation failed: ${describeError(err)}`);
    }
  }

  /** Programs the policy now (tests, and after start); concurrent calls coalesce. */
  applyPolicy(): Promise<void> {
    return this.policyRuns.run();
  }

  private async policyRun(): Promise<void> {
    try {
      await this.policyRound();
    } catch (err) {
      this.log.error(`policy programming failed: ${describeError(err)}`);
    } finally {
      this.policyProblems.endRound();
    }
  }

  /** Calls fn after ms, unless a timer for the same purpose is pending already (or the agent is closed). */
  private after(which: AgentTimer, ms: number, fn: () => void): void {
    if (this.closed || this.timers.has(which)) return;
    this.timers.set(
      which,
      this.deps.clock.setTimeout(() => {
        this.timers.delete(which);
        fn();
      }, ms),
    );
  }

  private schedulePolicy(): void {
    this.after('policy', this.cfg.policyDebounceMs ?? 10, () => void this.applyPolicy());
  }

  private async policyRound(): Promise<void> {
    // As the routes: nothing is programmed from part of the cluster.
    if (!this.deps.cache.inSync) return;
    const problems = await this.deps.dataplane.applyPolicy();
    for (const p of problems) this.policyProblems.report(p.key, () => this.log.error(p.message));
    if (problems.some((p) => p.retry)) this.after('policy-retry', this.cfg.retryMs ?? 1000, () => this.schedulePolicy());
  }

  private schedule(): void {
    this.after('recompute', this.cfg.debounceMs ?? 100, () => void this.recompute());
  }

  private async recomputeOnce(): Promise<void> {
    // Before the first full listing the calculation would see part of the cluster (and withdraw the rest).
    if (!this.deps.cache.inSync) return;
    try {
      await this.recomputeRound();
    } finally {
      this.problems.endRound();
    }
  }

  private resources(): NodeResources {
    const c = this.deps.cache;
    return {
      nodes: c.list<CalicoNode>('Node'),
      bgpPeers: c.list<BGPPeer>('BGPPeer'),
      bgpConfigs: c.list<BGPConfiguration>('BGPConfiguration'),
      bgpFilters: c.list<BGPFilter>('BGPFilter'),
      pools: c.list<IPPool>('IPPool'),
      blocks: c.list<IPAMBlock>('IPAMBlock'),
      workloads: c.list<WorkloadEndpoint>('WorkloadEndpoint'),
    };
  }

  private calculate(resources: NodeResources): NodeCalcOutput {
    return computeNode({ nodeName: this.cfg.nodeName, parentInterface: this.cfg.parentInterface, hostMtu: this.cfg.hostMtu ?? 1500, resources });
  }

  private async recomputeRound(): Promise<void> {
    const resources = this.resources();
    let out = this.calculate(resources);
    this.desired = out.peering;
    await this.syncTunnelAddresses(resources);
    // A new speaker starts with no best paths: the dataplane must not be computed from the old one's.
    if (await this.ensureSpeaker()) out = this.calculate(resources);
    for (const p of out.problems) this.once(p.key, () => this.log.warn(p.message));
    this.syncPeers(out.speakerPeers);
    this.checkSettled();
    if (this.speaker !== undefined && out.peering.local !== undefined) this.speaker.setLocalRoutes(out.exports);
    this.writeMtu(out.podMtu);
    this.updateBgpRoutes(out);
    const result = await this.deps.dataplane.applyRouting({ ...out.dataplane, routeSource: this.bgpRoutes.routes });
    for (const p of result.problems) this.once(p.key, () => this.log.error(p.message));
    if (result.problems.some((p) => p.retry)) this.after('retry', this.cfg.retryMs ?? 1000, () => this.schedule());
  }

  /**
   * Recomputes the routes of the best paths that changed (all of them when their inputs did: BgpRoutes decides), at
   * most BGP_PREFIXES_PER_ROUND in one round: the rest go to the next round, run at once, so that a table converging
   * does not hold the thread (the CNI service, the policy loop) for seconds at a time.
   */
  private updateBgpRoutes(out: NodeCalcOutput): void {
    const changed = this.changedPrefixes;
    this.changedPrefixes = new Set();
    let left: string[];
    try {
      left = this.bgpRoutes.update(out.bgpRoutes, this.bestPaths, changed, BGP_PREFIXES_PER_ROUND);
    } catch (err) {
      this.changedPrefixes = 'all';
      throw err;
    }
    if (left.length > 0) {
      for (const p of left) this.changedPrefixes.add(p);
      this.after('recompute', 0, () => void this.recompute());
    }
    for (const p of this.bgpRoutes.problems()) this.once(p.key, () => this.log.warn(p.message));
  }

  /** Ends the start-up hold once every started session has been Established for 2 s (they have sent their tables). */
  private checkSettled(): void {
    if (!this.holding) return;
    const sessions = this.sessions();
    const allUp = sessions.every((p) => p.state === 'Established');
    const now = this.deps.clock.now();
    if (!allUp) {
      this.settledSince = undefined;
      return;
    }
    this.settledSince ??= now;
    if (now - this.settledSince >= 2000) {
      this.holding = false;
      this.deps.dataplane.deferRouteDeletesUntil(0);
      this.log.info('BGP settled: stale routes may now be removed');
    } else this.after('settle', 2000 - (now - this.settledSince), () => this.schedule());
  }

  /** VXLAN / IPIP tunnel addresses from IPAM while a pool needs them (the Node update comes back through the watch). */
  private async syncTunnelAddresses(r: NodeResources): Promise<void> {
    const self = r.nodes.find((n) => n.metadata.name === this.cfg.nodeName);
    if (self === undefined) return;
    for (const kind of ['vxlan', 'ipip'] as const) {
      try {
        await ensureTunnelAddress(this.deps.store, this.deps.ipam, self, r.pools, kind);
      } catch (err) {
        this.once(`tunnel-address ${kind}`, () => this.log.warn(`cannot allocate the ${kind} tunnel address: ${describeError(err)}`));
      }
    }
  }

  /** Creates the speaker, or recreates it when this node's BGP identity changed. True when a new one was started. */
  private async ensureSpeaker(): Promise<boolean> {
    const local = this.desired.local;
    if (local === undefined) return false;
    const key = JSON.stringify([local.asn, local.routerId, local.clusterId, local.address, local.listenPort]);
    if (this.speaker !== undefined && key === this.speakerKey) return false;
    if (this.speaker !== undefined) {
      // As a SIGTERM restart: leave without a NOTIFICATION so peers keep our routes (RFC 4724 helpers), and keep the
      // kernel routes learned so far until the new speaker's sessions are back.
      this.log.info("this node's BGP identity changed: restarting the speaker (routes kept until its sessions are back)");
      this.unsubscribe?.();
      await this.speaker.close('BGP identity changed', { gracefulRestart: true });
      this.hold();
    }
    this.applied.clear();
    this.speakerKey = key;
    const speaker = this.deps.newSpeaker({ asn: local.asn, routerId: local.routerId, listen: { address: local.address, port: local.listenPort }, ...(local.clusterId ? { clusterId: local.clusterId } : {}) });
    this.speaker = speaker;
    try {
      await speaker.start();
    } catch (err) {
      // Another process holds the BGP port: running on without a speaker would show invented Idle sessions while that
      // process does the routing. Fatal: start() rejects, and later onFatal is called.
      this.speaker = undefined;
      this.speakerKey = '';
      this.fatal = hasErrno(err, 'EADDRINUSE') ? new InUseError(`BGP port ${local.address}:${local.listenPort}`, { cause: err }) : err;
      throw this.fatal;
    }
    this.bestPaths.clear();
    this.changedPrefixes = 'all';
    this.unsubscribe = speaker.subscribe((changes) => {
      for (const c of changes) {
        const key = `${c.prefix.address}/${c.prefix.length}`;
        if (this.changedPrefixes !== 'all') this.changedPrefixes.add(key);
        const paths = c.best === undefined ? [] : c.multipath.length > 0 ? c.multipath : [c.best];
        // Routes we originate are not next hops; the dataplane has them from the blocks and workloads.
        const hops = [...new Set(paths.filter((p) => p.source.kind !== 'local' && p.attrs.nextHop !== undefined).map((p) => p.attrs.nextHop as string))];
        if (hops.length === 0) this.bestPaths.delete(key);
        else this.bestPaths.set(key, { family: c.prefix.family, nextHops: hops });
      }
      this.schedule();
    });
    return true;
  }

  /** Hands the speaker the peers that changed, removes those no longer wanted. */
  private syncPeers(want: NodeCalcOutput['speakerPeers']): void {
    const speaker = this.speaker;
    if (speaker === undefined || this.desired.local === undefined) return;
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
      this.once('mtu-file', () => this.log.warn(`cannot write ${this.cfg.mtuFile}: ${describeError(err)}`));
    }
  }

  private once(key: string, log: () => void): void {
    this.problems.report(key, log);
  }

  /** The speaker's sessions (empty before this node has a BGP identity). */
  sessions(): SpeakerStatus['peers'] {
    return this.speaker?.status().peers ?? [];
  }

  /** Every configured peering with its session state, for `gingham node status`. */
  peerStatus(): AgentPeerStatus[] {
    const sessions = new Map(this.sessions().map((s) => [s.address, s]));
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
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
    await this.routeRuns.current;
    await this.policyRuns.current;
    this.unsubscribeCache?.();
    this.deps.dataplane.close();
    this.unsubscribe?.();
    // A stopping agent is usually a restarting one (a DaemonSet rollout): leave the sessions without a NOTIFICATION so
    // the peers keep this node's routes under graceful restart until the next agent is back.
    await this.speaker?.close('gingham node agent stopping', { gracefulRestart: true });
  }
}
