// The dataplane façade (Felix's InternalDataplane, felix/dataplane/linux/int_dataplane.go, in miniature): the one
// object the node agent hands the kernel's desired state to. It owns the route table, the tunnel devices (tunl0,
// vxlan.calico and its remote VTEP entries) and NAT outgoing, and brings them to a DataplaneDesired in
// applyRouting(): tunnels first (a route through tunl0 or vxlan.calico needs its device), then routes, then NAT. The
// routes come in two parts: a small set replaced whole, and the BGP routes as a source the route table follows by its
// change log, so the work per apply follows what changed.
//
// Policy (felix/policy-dataplane.ts) is fed incrementally by the caller through `policy` (one set/delete per changed
// resource, as the syncer delivers them) and programmed by applyPolicy(): one nft transaction per family with only
// what changed. The two are independent (the agent runs each when its inputs change; Felix's int_dataplane applies
// policy and routes from separate managers too); apply() runs both, routing first. A periodic verify (Felix's NftablesRefreshInterval, felix/config/config_params.go) reads the tables back and
// repairs objects changed by hand; verify and apply never run at once (one queue).
//
// Problems that last (a failing iptables-restore, nft refusing a transaction) are returned with a stable key for the
// caller to report once; a refused policy transaction leaves the previous rules in the kernel (nft -f is atomic) and
// asks the caller to retry. Route failures are reported by the route table itself.
//
// Owns: the route table (its timers), the IPIP device state, NAT outgoing's last input, the policy verify timer.
// close() stops the timers; kernel state stays (a restarting agent adopts it, policy tables included).
import { describeError } from '../lib/errors';
import type { Clock, TimerHandle } from '../lib/clock';
import type { Logger } from '../lib/logger';
import type { FdbEntry, Neighbour, Netlink, Route } from '../netlink/netlink';
import { IPIP_DEVICE } from './calc-routes';
import type { CommandRunner } from '../lib/command-runner';
import { NatOutgoing, type NatPool } from './nat-outgoing';
import type { PolicyDataplane } from './policy-dataplane';
import { RouteTable, type ApplyResult, type RouteSource } from './route-table';
import { NftError } from './tables/nft-command';
import { ensureVxlanDevice, IpipDevice, syncVxlanPeers, type IpipDeviceSpec, type VxlanDeviceSpec } from './tunnels';

export interface DataplaneDesired {
  /** Every route of ours in the main table that is not in `routeSource` (a route here wins over the source's). */
  readonly routes: readonly Route[];
  /**
   * The routes learned over BGP, which grow with the cluster: followed incrementally by the route table (its change
   * log says which keys to diff). Absent: none.
   */
  readonly routeSource?: RouteSource;
  /** tunl0 with this address and MTU; absent: IPIP is unused (tunl0 stays but loses our address). */
  readonly ipip?: IpipDeviceSpec;
  /** vxlan.calico and the permanent ARP and FDB entries of the remote VTEPs; absent: left as it is. */
  readonly vxlan?: {
    readonly device: VxlanDeviceSpec;
    readonly neighbours: readonly Neighbour[];
    readonly fdb: readonly FdbEntry[];
  };
  /** The pools NAT outgoing is computed from (IPv4 pools only are used). */
  readonly natPools: readonly NatPool[];
}

export interface DataplaneDeps {
  readonly netlink: Netlink;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Runs iptables for NAT outgoing; absent: NAT outgoing is not programmed (tests of routing alone). */
  readonly runCommand?: CommandRunner;
  /** Told how long each route apply took, whether it re-read the kernel, and how many writes failed. */
  readonly metrics?: { observeApply(seconds: number, resynced: boolean, failures: number): void };
  /** The policy dataplane, fed by the caller; absent: no policy is enforced (tests of routing alone). */
  readonly policy?: PolicyDataplane;
  /** How often the policy tables are read back and repaired. Default 90 s (Felix's NftablesRefreshInterval). */
  readonly policyVerifyMs?: number;
}

export interface DataplaneProblem {
  /** Names the problem (never an error's text), for reporting it once while it lasts. */
  readonly key: string;
  readonly message: string;
  /** The caller should apply again soon (nothing changed in the kernel; the next attempt may succeed). */
  readonly retry?: boolean;
}

export interface DataplaneApplyResult {
  readonly routes: ApplyResult;
  readonly problems: readonly DataplaneProblem[];
}

/** Whether a route leaves through tunl0 (directly or by one of its next hops). */
const throughIpip = (r: Route): boolean => r.linkName === IPIP_DEVICE || (r.multipath ?? []).some((h) => h.linkName === IPIP_DEVICE);
/** The route source's filter while tunl0 is unusable (one function, so the route table sees the same filter). */
const notThroughIpip = (r: Route): boolean => !throughIpip(r);

export class Dataplane {
  private readonly routes: RouteTable;
  private readonly ipip: IpipDevice;
  private readonly nat: NatOutgoing | undefined;
  private verifyTimer: TimerHandle | undefined;
  /** Serialises policy applies and verifies (each is one or more nft transactions against the same tables). */
  private policyQueue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly deps: DataplaneDeps) {
    this.routes = new RouteTable({ netlink: deps.netlink, clock: deps.clock, logger: deps.logger });
    this.ipip = new IpipDevice(deps.netlink, deps.logger);
    this.nat = deps.runCommand ? new NatOutgoing(deps.runCommand) : undefined;
  }

  /** Starts the periodic route resync and policy verification. */
  start(): void {
    this.routes.start();
    if (this.deps.policy !== undefined) this.scheduleVerify();
  }

  /** The policy dataplane the caller feeds (undefined when policy is off). */
  get policy(): PolicyDataplane | undefined {
    return this.deps.policy;
  }

  private scheduleVerify(): void {
    if (this.closed) return;
    this.verifyTimer = this.deps.clock.setTimeout(() => {
      this.verifyTimer = undefined;
      void this.verifyPolicy().finally(() => this.scheduleVerify());
    }, this.deps.policyVerifyMs ?? 90_000);
  }

  /** Reads the policy tables back and repairs what was changed by hand; returns what was found tampered with. */
  async verifyPolicy(): Promise<string[]> {
    const policy = this.deps.policy;
    if (policy === undefined) return [];
    return this.queue(async () => {
      try {
        const tampered = await policy.verify();
        if (tampered.length > 0) this.deps.logger.warn(`policy tables changed by hand, repaired: ${tampered.join(', ')}`);
        return tampered;
      } catch (err) {
        this.deps.logger.error(`policy verification failed: ${describeError(err)}`);
        return [];
      }
    });
  }

  private queue<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.policyQueue.then(fn, fn);
    this.policyQueue = run.catch(() => undefined);
    return run;
  }

  /**
   * Programs the policy tables (only what changed since the last call); a refusal is a problem to retry, the previous
   * rules staying in force. Independent of the routes: the node agent calls it on its own as soon as a policy
   * resource or an endpoint changes, so a new pod's policy (and the CNI ADD waiting for it) never waits for a large
   * route apply. Serialised with verifyPolicy().
   */
  async applyPolicy(): Promise<DataplaneProblem[]> {
    const policy = this.deps.policy;
    if (policy === undefined) return [];
    try {
      await this.queue(() => policy.apply());
      return [];
    } catch (err) {
      if (!(err instanceof NftError)) throw err;
      return [{ key: `policy ${err.code} ${err.table}`, message: `policy not programmed, previous rules kept: ${describeError(err)}`, retry: true }];
    }
  }

  /** Keeps routes of ours that are no longer desired until `time` (a restarted agent relearning its routes). */
  deferRouteDeletesUntil(time: number): void {
    this.routes.deferDeletesUntil(time);
  }

  /** applyRouting(), then applyPolicy(). */
  async apply(want: DataplaneDesired): Promise<DataplaneApplyResult> {
    const routing = await this.applyRouting(want);
    return { routes: routing.routes, problems: [...routing.problems, ...(await this.applyPolicy())] };
  }

  /** Tunnels first (a route through tunl0 or vxlan.calico needs its device), then routes, then NAT outgoing. */
  async applyRouting(want: DataplaneDesired): Promise<DataplaneApplyResult> {
    const problems: DataplaneProblem[] = [];
    let routes = want.routes;
    let ipipDown = false;
    if (want.ipip !== undefined) {
      const state = await this.ipip.ensure(want.ipip);
      // Without tunl0 the kernel refuses every route through it: leave those out rather than retry them forever.
      ipipDown = !state.ok;
      if (ipipDown) routes = routes.filter((r) => !throughIpip(r));
    } else await this.ipip.disable();
    if (want.vxlan !== undefined) {
      await ensureVxlanDevice(this.deps.netlink, want.vxlan.device);
      // The remote VTEPs: without their permanent ARP and FDB entries nothing leaves through vxlan.calico (learning is off).
      await syncVxlanPeers(this.deps.netlink, want.vxlan.neighbours, want.vxlan.fdb);
    }
    this.routes.setRoutes(routes);
    this.routes.setSource(want.routeSource, ipipDown ? notThroughIpip : undefined);
    const t0 = this.deps.clock.now();
    const applied = await this.routes.apply();
    this.deps.metrics?.observeApply((this.deps.clock.now() - t0) / 1000, applied.resynced, applied.failures.length);
    if (this.nat !== undefined) {
      try {
        await this.nat.apply(want.natPools);
      } catch (err) {
        problems.push({ key: 'nat-outgoing', message: describeError(err) });
      }
    }
    return { routes: applied, problems };
  }

  close(): void {
    this.closed = true;
    this.verifyTimer?.cancel();
    this.verifyTimer = undefined;
    this.routes.close();
  }
}
