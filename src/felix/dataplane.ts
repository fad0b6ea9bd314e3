// The dataplane façade (Felix's InternalDataplane, felix/dataplane/linux/int_dataplane.go, in miniature): the one
// object the node agent hands the kernel's desired state to. It owns the route table, the tunnel devices (tunl0,
// vxlan.calico and its remote VTEP entries) and NAT outgoing, and brings them to a DataplaneDesired in one apply():
// tunnels first (a route through tunl0 or vxlan.calico needs its device), then routes, then NAT. Policy will join here.
//
// Problems that last (a failing iptables-restore) are returned with a stable key for the caller to report once; route
// failures are reported by the route table itself.
//
// Owns: the route table (its timers), the IPIP device state, NAT outgoing's last input. close() stops the timers;
// kernel state stays (a restarting agent adopts it).
import { describeError } from '../lib/errors';
import type { Clock } from '../lib/clock';
import type { Logger } from '../lib/logger';
import type { FdbEntry, Neighbour, Netlink, Route } from '../netlink/netlink';
import { IPIP_DEVICE } from './calc-routes';
import type { CommandRunner } from '../lib/command-runner';
import { NatOutgoing, type NatPool } from './nat-outgoing';
import { RouteTable, type ApplyResult } from './route-table';
import { ensureVxlanDevice, IpipDevice, syncVxlanPeers, type IpipDeviceSpec, type VxlanDeviceSpec } from './tunnels';

export interface DataplaneDesired {
  /** Every route of ours in the main table. */
  readonly routes: readonly Route[];
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
}

export interface DataplaneProblem {
  /** Names the problem (never an error's text), for reporting it once while it lasts. */
  readonly key: string;
  readonly message: string;
}

export interface DataplaneApplyResult {
  readonly routes: ApplyResult;
  readonly problems: readonly DataplaneProblem[];
}

/** Whether a route leaves through tunl0 (directly or by one of its next hops). */
const throughIpip = (r: Route): boolean => r.linkName === IPIP_DEVICE || (r.multipath ?? []).some((h) => h.linkName === IPIP_DEVICE);

export class Dataplane {
  private readonly routes: RouteTable;
  private readonly ipip: IpipDevice;
  private readonly nat: NatOutgoing | undefined;

  constructor(private readonly deps: DataplaneDeps) {
    this.routes = new RouteTable({ netlink: deps.netlink, clock: deps.clock, logger: deps.logger });
    this.ipip = new IpipDevice(deps.netlink, deps.logger);
    this.nat = deps.runCommand ? new NatOutgoing(deps.runCommand) : undefined;
  }

  /** Starts the periodic route resync. */
  start(): void {
    this.routes.start();
  }

  /** Keeps routes of ours that are no longer desired until `time` (a restarted agent relearning its routes). */
  deferRouteDeletesUntil(time: number): void {
    this.routes.deferDeletesUntil(time);
  }

  async apply(want: DataplaneDesired): Promise<DataplaneApplyResult> {
    const problems: DataplaneProblem[] = [];
    let routes = want.routes;
    if (want.ipip !== undefined) {
      const state = await this.ipip.ensure(want.ipip);
      // Without tunl0 the kernel refuses every route through it: leave those out rather than retry them forever.
      if (!state.ok) routes = routes.filter((r) => !throughIpip(r));
    } else await this.ipip.disable();
    if (want.vxlan !== undefined) {
      await ensureVxlanDevice(this.deps.netlink, want.vxlan.device);
      // The remote VTEPs: without their permanent ARP and FDB entries nothing leaves through vxlan.calico (learning is off).
      await syncVxlanPeers(this.deps.netlink, want.vxlan.neighbours, want.vxlan.fdb);
    }
    this.routes.setRoutes(routes);
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
    this.routes.close();
  }
}
