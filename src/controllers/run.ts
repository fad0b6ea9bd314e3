// The controllers process, assembled in one place (calico-kube-controllers: kube-controllers/pkg/kubecontrollers/run.go).
// `runControllers(config, deps)`:
// 1. reads KubeControllersConfiguration `default`, creating it with the defaults when absent (config.ts);
// 2. serves /liveness and /readiness (health port) and /metrics (prometheusMetricsPort, 9094; 0 = off);
// 3. campaigns for leadership when an election is given (datastore/lease.ts); only the leader runs the loops, and a
//    leader that loses its lease stops them at once and campaigns again;
// 4. as leader, keeps one datastore cache (IPAM blocks, pools, Calico Nodes, ClusterInformation: one watch per kind,
//    shared by every loop) and runs a pass after each batch of changes and every period: IPAM GC (ipam-gc.ts +
//    ipam-gc-apply.ts) and, in etcd mode, the node deleter and label sync (node-sync.ts).
// A pass is skipped while the cache is not in sync or ClusterInformation says the datastore is not ready (Calico skips
// its sync while `datastoreReady` is false, e.g. during a migration).
//
// Everything outside is in ControllersDeps (clock, datastore, the Kubernetes API port, the election), so a test runs
// the whole process on fakes.
import { NAMESPACE_PROFILE_PREFIX } from '../api/k8s';
import type { ClusterInformationSpec } from '../api/kind-cluster-information';
import type { CalicoNode } from '../api/kind-node';
import { DatastoreCache, type Datastore, type LeaseElection, type Leadership } from '../datastore';
import { IpamAllocator } from '../ipam';
import type { StoredBlock, StoredPool } from '../ipam/ipam-store';
import type { Clock, TimerHandle } from '../lib/clock';
import { describeError } from '../lib/errors';
import type { Logger } from '../lib/logger';
import { effectiveConfig, ensureControllersConfiguration, withEnabledControllers, type ControllersEffectiveConfig } from './config';
import { GC_STATUS_PATH, gcStatusReport, type GcStatusNotLeader, type GcStatusReport } from './gc-status';
import { serveRoutes, type Route, type Served } from './http';
import { EMPTY_GC_STATE, reconcileIpamGc, type GcCandidate, type GcSnapshot, type GcState, type KubeNodeRef, type PodLookup } from './ipam-gc';
import { applyGcPlan } from './ipam-gc-apply';
import type { KubePort } from './kube-port';
import { ControllersMetrics } from './metrics';
import { applySyncActions, reconcileK8sSync } from './k8s-sync';
import { applyNodeActions, kubeNodeNameOf, reconcileNodeDeletes, reconcileNodeLabels, type KubeNodeInfo } from './node-sync';
import { planRouteReflectors, type RouteReflectorConfig } from './route-reflectors';
import { applyRouteReflectorPlan, RouteReflectorError } from './route-reflectors-apply';
import { routeReflectorConfig } from './route-reflectors-config';

export interface ControllersConfig {
  readonly datastoreType: 'etcdv3' | 'kubernetes';
  /** This replica's name in the election (the pod name). */
  readonly identity: string;
  /** /liveness and /readiness; absent: not served. */
  readonly health?: { readonly host: string; readonly port: number };
  readonly metricsHost: string;
  /** Overrides prometheusMetricsPort (tests use 0 for "any free port"; undefined: the configuration's). */
  readonly metricsPort?: number;
  /** How long changes are batched before a pass (default 1 s). */
  readonly batchMs?: number;
  /** The process environment: ENABLED_CONTROLLERS and ROUTE_REFLECTORS_* override the configuration resource. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface ControllersDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly store: Datastore;
  /** Absent: no Kubernetes API (only the route-reflector controller can run; ENABLED_CONTROLLERS=routereflector). */
  readonly kube?: KubePort;
  /** Absent: this replica leads unconditionally (a single replica, as kube-controllers runs). */
  readonly election?: LeaseElection;
}

export interface RunningControllers {
  readonly config: ControllersEffectiveConfig;
  readonly metricsPort: number | undefined;
  readonly healthPort: number | undefined;
  isLeader(): boolean;
  /** The last GC pass's candidates (for status and tests). */
  candidates(): readonly GcCandidate[];
  /** The route reflectors the last pass chose (empty when the feature is off). */
  reflectors(): readonly string[];
  /** Runs one pass now (as leader) and resolves when it is done. */
  runPass(): Promise<void>;
  stop(): Promise<void>;
}

export const CONTROLLERS_CACHE_KINDS = ['IPAMBlock', 'IPPool', 'Node', 'ClusterInformation'] as const;

/** Calico's GC period: leakGracePeriod / 2, or 5 min when the grace period is 0 (ipam.go NewIPAMController). */
export function gcPeriodMs(cfg: ControllersEffectiveConfig): number {
  return cfg.leakGracePeriodMs > 0 ? cfg.leakGracePeriodMs / 2 : 5 * 60_000;
}

class LeaderLoops {
  private gcState: GcState = EMPTY_GC_STATE;
  private lastCandidates: readonly GcCandidate[] = [];
  /** The last GC pass as `ipam gc status` shows it (undefined before the first pass). */
  gcStatus: GcStatusReport | undefined;
  lastReflectors: readonly string[] = [];
  private timer: TimerHandle | undefined;
  private timerDue = 0;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  lastError: string | undefined;

  constructor(
    private readonly cfg: ControllersConfig,
    private readonly eff: ControllersEffectiveConfig,
    private readonly rr: RouteReflectorConfig,
    private readonly deps: ControllersDeps,
    private readonly cache: DatastoreCache,
    private readonly metrics: ControllersMetrics | undefined,
    private readonly log: Logger,
  ) {}

  get candidates(): readonly GcCandidate[] {
    return this.lastCandidates;
  }

  start(): void {
    this.cache.subscribe({ onUpdates: () => this.schedule(this.cfg.batchMs ?? 1000), onInSync: () => this.schedule(0) });
    void this.cache.start().catch((err: unknown) => this.log.error('datastore cache failed', { error: describeError(err) }));
  }

  /** Schedules a pass in ms; an earlier request replaces a later one (a change must not wait for the periodic pass). */
  private schedule(ms: number): void {
    if (this.stopped) return;
    const due = this.deps.clock.now() + ms;
    if (this.timer !== undefined && this.timerDue <= due) return;
    this.timer?.cancel();
    this.timerDue = due;
    this.timer = this.deps.clock.setTimeout(() => {
      this.timer = undefined;
      void this.pass();
    }, ms);
  }

  /** One pass; concurrent requests fold into one more pass after it. */
  pass(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.passOnce()
      .catch((err: unknown) => {
        this.lastError = describeError(err);
        this.log.warn('controllers pass failed; retried next period', { error: this.lastError });
      })
      .finally(() => {
        this.running = undefined;
        if (this.stopped) return;
        if (this.again) {
          this.again = false;
          this.schedule(0);
        } else this.schedule(gcPeriodMs(this.eff));
      });
    return this.running;
  }

  private async passOnce(): Promise<void> {
    if (!this.cache.inSync) return;
    const info = this.cache.get<{ apiVersion: 'projectcalico.org/v3'; kind: string; metadata: { name: string }; spec?: ClusterInformationSpec }>('ClusterInformation', 'default');
    if (info?.spec?.datastoreReady === false) {
      this.log.info('datastore is not ready (ClusterInformation datastoreReady=false): skipping this pass');
      return;
    }
    const kube = this.deps.kube;
    const calicoNodes = this.cache.list<CalicoNode>('Node');
    const kubeNodes = kube === undefined ? undefined : await kube.listNodes();
    let rrFailure: unknown;
    if (this.rr.enabled) await this.routeReflectors(calicoNodes, kubeNodes).catch((err: unknown) => (rrFailure = err));
    if (kube !== undefined && kubeNodes !== undefined) await this.kubeControllers(kube, calicoNodes, kubeNodes);
    if (rrFailure !== undefined) throw rrFailure;
    this.lastError = undefined;
  }

  /** The controllers that read the Kubernetes API: node deleter and label sync (etcd), policy sync (etcd), IPAM GC. */
  private async kubeControllers(kube: KubePort, calicoNodes: readonly CalicoNode[], kubeNodes: readonly KubeNodeInfo[]): Promise<void> {
    const etcd = this.cfg.datastoreType === 'etcdv3';
    const pods = this.eff.nodeController ? await kube.listPods() : [];

    if (etcd && this.eff.nodeController) {
      const actions = [...reconcileNodeDeletes(calicoNodes, kubeNodes), ...(this.eff.syncLabels ? reconcileNodeLabels(calicoNodes, kubeNodes) : [])];
      if (actions.length > 0) await applyNodeActions(actions, { store: this.deps.store, getKubeNode: (n) => kube.getNode(n), logger: this.log });
    }
    if (etcd) await this.syncPolicyObjects(kube);
    if (!this.eff.nodeController) return;

    const alive = new Set(kubeNodes.map((n) => n.name));
    const podMap = new Map(pods.map((p) => [`${p.namespace}/${p.name}`, p.pod]));
    const byCalicoName = new Map(calicoNodes.map((n) => [n.metadata.name, n]));
    const snap: GcSnapshot = {
      blocks: this.cache.list<StoredBlock>('IPAMBlock').map((b) => ({ name: b.metadata.name, resourceVersion: b.metadata.resourceVersion, spec: b.spec })),
      pools: this.cache.list<StoredPool>('IPPool').map((p) => ({ name: p.metadata.name, cidr: p.spec.cidr })),
      kubeNodeOf: (cnode): KubeNodeRef => {
        if (!etcd) return { kind: 'kubernetes', name: cnode };
        const n = byCalicoName.get(cnode);
        if (n === undefined) return { kind: 'none' };
        const k = kubeNodeNameOf(n);
        return k === undefined ? { kind: 'not-kubernetes' } : { kind: 'kubernetes', name: k };
      },
      kubeNodeExists: (k) => alive.has(k),
      // A listed snapshot: a pod that is not in it is NotFound (the re-validation before release reads it again).
      lookupPod: (ns, name): PodLookup => podMap.get(`${ns}/${name}`) ?? 'not-found',
    };
    const now = this.deps.clock.now();
    const plan = reconcileIpamGc(snap, this.gcState, now, { leakGracePeriodMs: this.eff.leakGracePeriodMs });
    this.gcState = plan.state;
    this.lastCandidates = plan.candidates;
    this.gcStatus = gcStatusReport({ at: now, candidates: plan.candidates, emptyBlocks: plan.emptyBlocks }, this.eff.leakGracePeriodMs);
    this.metrics?.observeIpam(snap, plan.candidates);
    if (plan.releases.length + plan.blockReleases.length + plan.nodeReleases.length === 0) return;
    const ipam = new IpamAllocator(this.deps.store);
    const result = await applyGcPlan(plan, snap, {
      store: this.deps.store,
      ipam,
      fresh: {
        lookupPod: (ns, name) => kube.getPod(ns, name),
        kubeNodeExists: async (n) => (await kube.getNode(n).catch(() => ({ name: n, labels: {} }))) !== undefined,
      },
      logger: this.log,
    });
    if (result.resurrected.length > 0) {
      const leakedAt = new Map(this.gcState.leakedAt);
      for (const a of result.resurrected) leakedAt.delete(a.id);
      this.gcState = { ...this.gcState, leakedAt };
    }
    this.metrics?.reclaimed(result.released);
    this.gcStatus = gcStatusReport({ at: now, candidates: plan.candidates, emptyBlocks: plan.emptyBlocks, applied: result }, this.eff.leakGracePeriodMs);
  }

  /** etcd mode: NetworkPolicies, Namespaces, ServiceAccounts into Calico objects (k8s-sync.ts), each controller as configured. */
  private async syncPolicyObjects(kube: KubePort): Promise<void> {
    const list = kube.listPolicyObjects?.bind(kube);
    if (list === undefined || !(this.eff.policyController || this.eff.namespaceController || this.eff.serviceAccountController)) return;
    const [k8s, nps, profiles] = await Promise.all([list(), this.deps.store.list('NetworkPolicy'), this.deps.store.list('Profile')]);
    const actions = reconcileK8sSync(
      {
        networkPolicies: this.eff.policyController ? k8s.networkPolicies : [],
        namespaces: this.eff.namespaceController ? k8s.namespaces : [],
        serviceAccounts: this.eff.serviceAccountController ? k8s.serviceAccounts : [],
      },
      // A disabled controller's objects are left as they are: it sees none of them.
      {
        networkPolicies: this.eff.policyController ? nps.items : [],
        profiles: profiles.items.filter((p) => (p.metadata.name.startsWith(NAMESPACE_PROFILE_PREFIX) ? this.eff.namespaceController : this.eff.serviceAccountController)),
      },
    );
    if (actions.length > 0) await applySyncActions(this.deps.store, actions, this.log);
  }

  /** Automatic route reflectors (route-reflectors.ts): readiness from Kubernetes when there is a Kubernetes API. */
  private async routeReflectors(calicoNodes: readonly CalicoNode[], kubeNodes: readonly KubeNodeInfo[] | undefined): Promise<void> {
    const byKube = new Map((kubeNodes ?? []).map((k) => [k.name, k]));
    const readiness = (n: CalicoNode): boolean | undefined => {
      if (kubeNodes === undefined) return undefined;
      const kname = this.cfg.datastoreType === 'etcdv3' ? kubeNodeNameOf(n) : n.metadata.name;
      if (kname === undefined) return undefined; // not a Kubernetes node: nothing known
      const k = byKube.get(kname);
      return k === undefined ? false : k.ready;
    };
    const plan = planRouteReflectors(calicoNodes.map((node) => ({ node, ready: readiness(node) })), this.rr);
    this.lastReflectors = plan.reflectors;
    const r = await applyRouteReflectorPlan(plan, this.rr, { store: this.deps.store, logger: this.log });
    if (r.failed.length > 0) throw new RouteReflectorError(`route reflectors: ${r.failed.join(', ')} failed (retried next pass)`);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
    await this.running;
  }
}

export async function runControllers(cfg: ControllersConfig, deps: ControllersDeps): Promise<RunningControllers> {
  const log = deps.logger.child('controllers');
  const stored = await ensureControllersConfiguration(deps.store);
  const env = cfg.env ?? {};
  const eff = withEnabledControllers(effectiveConfig(stored.spec), env['ENABLED_CONTROLLERS']);
  const rrSection = (stored.spec as { routeReflector?: unknown } | undefined)?.routeReflector;
  const rrBase = routeReflectorConfig(rrSection, env);
  const rr = eff.routeReflectorController === undefined ? rrBase : { ...rrBase, enabled: eff.routeReflectorController };
  if (rr.enabled) log.info('automatic route reflectors', { perZone: rr.perZone, zoneLabel: rr.zoneLabel, nodeSelector: rr.nodeSelector, clusterID: rr.clusterID });
  const metricsPort = cfg.metricsPort ?? eff.prometheusMetricsPort;
  const metrics = cfg.metricsPort === undefined && eff.prometheusMetricsPort === 0 ? undefined : new ControllersMetrics();

  let loops: LeaderLoops | undefined;
  let cache: DatastoreCache | undefined;
  let leadership: Leadership | undefined;
  let stopped = false;

  const lead = async (): Promise<void> => {
    cache = new DatastoreCache(deps.store, CONTROLLERS_CACHE_KINDS, (err) => log.warn('cache listener failed', { error: describeError(err) }));
    loops = new LeaderLoops(cfg, eff, rr, deps, cache, metrics, log);
    metrics?.setLeader(true);
    log.info('leading: controllers started', { identity: cfg.identity });
    loops.start();
  };
  const follow = async (why: string): Promise<void> => {
    metrics?.setLeader(false);
    const l = loops;
    const c = cache;
    loops = undefined;
    cache = undefined;
    await l?.stop();
    await c?.close();
    log.warn('no longer leading: controllers stopped', { reason: why });
  };
  const campaign = (election: LeaseElection): void => {
    void election.campaign(cfg.identity).then(
      async (l) => {
        if (stopped) return void (await l.resign());
        leadership = l;
        await lead();
        const why = await l.lost;
        leadership = undefined;
        await follow(why);
        if (!stopped) campaign(election);
      },
      (err: unknown) => {
        if (!stopped) log.error('leader election failed', { error: describeError(err) });
      },
    );
  };
  if (deps.election) {
    metrics?.setLeader(false);
    campaign(deps.election);
  } else await lead();

  // `ipam gc status` reads this from the leader (a follower says it does not lead; 503 before the first pass).
  const gcStatusRoute: Route = async () => {
    const report: GcStatusReport | GcStatusNotLeader | undefined = loops === undefined ? { leader: false, identity: cfg.identity } : loops.gcStatus;
    if (report === undefined) return { code: 503, type: 'application/json', body: `${JSON.stringify({ error: 'no garbage-collection pass yet' })}\n` };
    return { code: 200, type: 'application/json', body: `${JSON.stringify(report)}\n` };
  };
  const servers: Served[] = [];
  if (metrics !== undefined) {
    servers.push(
      await serveRoutes(cfg.metricsHost, metricsPort, {
        '/metrics': async () => ({ code: 200, type: metrics.registry.contentType, body: await metrics.text() }),
        [GC_STATUS_PATH]: gcStatusRoute,
      }),
    );
  }
  const metricsServed = servers[0]?.port;
  let healthPort: number | undefined;
  if (cfg.health !== undefined && eff.healthChecks) {
    const readiness = async (): Promise<{ code: number; type: string; body: string }> => {
      const why = loops === undefined ? undefined : !cache?.inSync ? 'datastore cache not in sync' : loops.lastError;
      return why === undefined ? { code: 200, type: 'text/plain', body: 'ready\n' } : { code: 503, type: 'text/plain', body: `gingham controllers not ready: ${why}\n` };
    };
    const h = await serveRoutes(cfg.health.host, cfg.health.port, {
      '/liveness': async () => ({ code: 200, type: 'text/plain', body: 'live\n' }),
      '/readiness': readiness,
      [GC_STATUS_PATH]: gcStatusRoute,
    });
    servers.push(h);
    healthPort = h.port;
  }

  return {
    config: eff,
    metricsPort: metricsServed,
    healthPort,
    isLeader: () => loops !== undefined,
    candidates: () => loops?.candidates ?? [],
    reflectors: () => loops?.lastReflectors ?? [],
    runPass: async () => {
      await loops?.pass();
    },
    async stop(): Promise<void> {
      stopped = true;
      await Promise.all(servers.map((s) => s.close()));
      await leadership?.resign();
      await deps.election?.close();
      if (loops !== undefined) await follow('stopping');
    },
  };
}
