// Launcher for FRR's bgpd alone, for interop tests: no zebra (-Z), nothing in the kernel (-n), no user switch (-S, so
// it can write its pid file in our work dir), vty TCP port off (-P 0) and its vty unix socket in the work dir, BGP
// listening only on the given loopback address (-l). Queries go through `vtysh --vty_socket DIR -c '... json'`.
// Originated routes are `network` statements, each with a route-map carrying its attributes; `no bgp network
// import-check` lets them exist without a route in a RIB we do not have.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_NEXT_HOP,
  familyOf,
  normaliseState,
  type DaemonFamily,
  type DaemonOptions,
  type NeighborSpec,
  type OriginateSpec,
  type RouteView,
  type SessionState,
} from './daemon-types';
import { makeWorkDir, run, runOk, spawnDaemon, stopProcess, waitFor, type ManagedProcess } from './process';

export const FRR_BGPD_BIN = process.env.FRR_BGPD_BIN ?? '/usr/lib/frr/bgpd';
export const VTYSH_BIN = process.env.VTYSH_BIN ?? 'vtysh';

export interface FrrNeighborState {
  readonly state: SessionState;
  readonly lastResetReason?: string;
  /** e.g. "6/2" as FRR reports the last NOTIFICATION code/subcode, when any. */
  readonly lastNotification?: string;
  readonly raw: Record<string, unknown>;
}

function afName(f: DaemonFamily): string {
  return f === 'ipv4' ? 'ipv4 unicast' : 'ipv6 unicast';
}

function routeMapName(prefix: string): string {
  return `ORIG-${prefix.replace(/[^0-9A-Za-z]/g, '-')}`;
}

function routeMap(r: OriginateSpec): string[] {
  const fam = familyOf(r.prefix);
  const nh = r.nextHop ?? DEFAULT_NEXT_HOP[fam];
  return [
    `route-map ${routeMapName(r.prefix)} permit 10`,
    fam === 'ipv4' ? ` set ip next-hop ${nh}` : ` set ipv6 next-hop global ${nh}`,
    ...(r.communities !== undefined && r.communities.length > 0 ? [` set community ${r.communities.join(' ')}`] : []),
    ...(r.largeCommunities !== undefined && r.largeCommunities.length > 0 ? [` set large-community ${r.largeCommunities.join(' ')}`] : []),
    ...(r.localPref !== undefined ? [` set local-preference ${r.localPref}`] : []),
    ...(r.med !== undefined ? [` set metric ${r.med}`] : []),
    '!',
  ];
}

function neighborLines(opts: DaemonOptions, n: NeighborSpec): string[] {
  const a = n.address;
  const lines = [` neighbor ${a} remote-as ${n.asn}`, ` neighbor ${a} update-source ${n.localAddress ?? opts.listenAddress}`, ` neighbor ${a} timers connect 2`];
  if (n.port !== undefined) lines.push(` neighbor ${a} port ${n.port}`);
  if (n.asn !== opts.asn) lines.push(` neighbor ${a} ebgp-multihop 255`);
  if (n.passive === true) lines.push(` neighbor ${a} passive`);
  if (n.holdTime !== undefined) lines.push(` neighbor ${a} timers ${Math.max(1, Math.floor(n.holdTime / 3))} ${n.holdTime}`);
  if (n.gracefulRestart === true) lines.push(` neighbor ${a} graceful-restart`);
  return lines;
}

export class FrrDaemon {
  private originated: OriginateSpec[];

  private constructor(
    readonly opts: DaemonOptions,
    readonly workDir: string,
    readonly vtyDir: string,
    readonly proc: ManagedProcess,
  ) {
    this.originated = [...(opts.originate ?? [])];
  }

  get pid(): number {
    return this.proc.pid;
  }

  static renderConfig(opts: DaemonOptions, workDir: string): string {
    const clusterIds = new Set(opts.neighbors.map((n) => n.clusterId).filter((c): c is string => c !== undefined));
    if (clusterIds.size > 1) throw new Error('frr: one cluster-id per router (bgp cluster-id is global)');
    const originate = opts.originate ?? [];
    const lines = [
      'frr defaults traditional',
      `hostname frr-${opts.listenAddress.replace(/\./g, '-')}`,
      `log file ${join(workDir, 'bgpd.log')} informational`,
      '!',
      ...originate.flatMap(routeMap),
      `router bgp ${opts.asn}`,
      ` bgp router-id ${opts.routerId}`,
      ' no bgp ebgp-requires-policy',
      ' no bgp default ipv4-unicast',
      ' no bgp network import-check',
      ...[...clusterIds].map((c) => ` bgp cluster-id ${c}`),
      ...(opts.allowMartianNextHop === true ? [' bgp allow-martian-nexthop'] : []),
      ...opts.neighbors.flatMap((n) => neighborLines(opts, n)),
    ];
    for (const fam of ['ipv4', 'ipv6'] as const) {
      const members = opts.neighbors.filter((n) => n.families.includes(fam));
      const nets = originate.filter((r) => familyOf(r.prefix) === fam);
      if (members.length === 0 && nets.length === 0) continue;
      lines.push(` address-family ${afName(fam)}`);
      for (const r of nets) lines.push(`  network ${r.prefix} route-map ${routeMapName(r.prefix)}`);
      for (const n of members) {
        lines.push(`  neighbor ${n.address} activate`);
        if (n.rrClient === true) lines.push(`  neighbor ${n.address} route-reflector-client`);
        if (n.nextHopSelf === true) lines.push(`  neighbor ${n.address} next-hop-self`);
        // Send the next hop set on the route (a TEST-NET address) rather than our loopback, which GoBGP and FRR
        // refuse, and rather than an IPv4-mapped IPv6 address for IPv6 routes over an IPv4 session.
        else lines.push(`  neighbor ${n.address} attribute-unchanged next-hop`);
      }
      lines.push(' exit-address-family');
    }
    lines.push('!', '');
    return lines.join('\n');
  }

  static async start(opts: DaemonOptions): Promise<FrrDaemon> {
    const workDir = makeWorkDir(`frr-${opts.listenAddress}`);
    const vtyDir = join(workDir, 'vty');
    mkdirSync(vtyDir);
    const conf = join(workDir, 'bgpd.conf');
    writeFileSync(conf, FrrDaemon.renderConfig(opts, workDir));
    const proc = spawnDaemon({
      name: 'bgpd',
      cmd: FRR_BGPD_BIN,
      args: ['-f', conf, '-i', join(workDir, 'bgpd.pid'), '-z', join(workDir, 'zserv.api'), '--vty_socket', vtyDir, '-P', '0', '-l', opts.listenAddress, '-p', '179', '-n', '-Z', '-S'],
      workDir,
    });
    const d = new FrrDaemon(opts, workDir, vtyDir, proc);
    await waitFor(
      async () => {
        if (proc.exited()) throw new Error(`bgpd exited: ${proc.logTail()}`);
        return (await run(VTYSH_BIN, ['--vty_socket', vtyDir, '-c', 'show bgp summary json'], 5000)).code === 0;
      },
      20000,
      'frr vty socket',
    );
    return d;
  }

  async vtysh(...commands: string[]): Promise<string> {
    return runOk(VTYSH_BIN, ['--vty_socket', this.vtyDir, ...commands.flatMap((c) => ['-c', c])], 15000);
  }

  async json(command: string): Promise<unknown> {
    const out = await this.vtysh(command);
    try {
      return JSON.parse(out);
    } catch {
      throw new Error(`frr: "${command}" did not return JSON: ${out.slice(0, 300)}`);
    }
  }

  async neighborState(addr: string): Promise<FrrNeighborState> {
    const all = (await this.json(`show bgp neighbors ${addr} json`)) as Record<string, Record<string, unknown> | undefined>;
    const n = all[addr];
    if (n === undefined) throw new Error(`frr: neighbor ${addr} unknown: ${JSON.stringify(all).slice(0, 200)}`);
    const str = (k: string): string | undefined => (typeof n[k] === 'string' ? (n[k] as string) : undefined);
    return {
      state: normaliseState(str('bgpState') ?? ''),
      lastResetReason: str('lastResetDueTo'),
      lastNotification: str('lastErrorCodeSubcode'),
      raw: n,
    };
  }

  async waitEstablished(addr: string, timeoutMs = 30000): Promise<void> {
    await waitFor(async () => (await this.neighborState(addr)).state === 'Established', timeoutMs, `frr neighbor ${addr} Established`);
  }

  /** Every path in the BGP table of the family (one detail query per prefix: fine for the few routes tests use). */
  async routes(family: DaemonFamily): Promise<RouteView[]> {
    const table = (await this.json(`show bgp ${afName(family)} json`)) as { routes?: Record<string, unknown> };
    const out: RouteView[] = [];
    for (const prefix of Object.keys(table.routes ?? {})) {
      const detail = (await this.json(`show bgp ${afName(family)} ${prefix} json`)) as { paths?: FrrPath[] };
      for (const p of detail.paths ?? []) out.push(frrPathToView(prefix, p));
    }
    return out;
  }

  private async configure(lines: string[]): Promise<void> {
    await this.vtysh('configure terminal', ...lines);
  }

  async addRoute(r: OriginateSpec): Promise<void> {
    this.originated = [...this.originated.filter((o) => o.prefix !== r.prefix), r];
    const fam = familyOf(r.prefix);
    await this.configure([...routeMap(r).filter((l) => l !== '!'), 'exit', `router bgp ${this.opts.asn}`, `address-family ${afName(fam)}`, `network ${r.prefix} route-map ${routeMapName(r.prefix)}`]);
  }

  async removeRoute(prefix: string): Promise<void> {
    this.originated = this.originated.filter((o) => o.prefix !== prefix);
    await this.configure([`router bgp ${this.opts.asn}`, `address-family ${afName(familyOf(prefix))}`, `no network ${prefix}`]);
  }

  async stop(): Promise<void> {
    await stopProcess(this.proc.pid);
  }
}

export interface FrrPath {
  aspath?: { segments?: Array<{ type?: string; list?: number[] }> };
  origin?: string;
  metric?: number;
  locPrf?: number;
  community?: { list?: string[] };
  largeCommunity?: { list?: string[] };
  originatorId?: string;
  clusterList?: { list?: string[] };
  stale?: boolean;
  bestpath?: { overall?: boolean };
  nexthops?: Array<{ ip?: string }>;
  peer?: { peerId?: string };
  sourced?: boolean;
  local?: boolean;
}

export function frrPathToView(prefix: string, p: FrrPath): RouteView {
  const origin = (p.origin ?? '').toLowerCase();
  const from = p.peer?.peerId;
  return {
    prefix,
    nextHop: p.nexthops?.[0]?.ip ?? '',
    asPath: (p.aspath?.segments ?? []).flatMap((s) => s.list ?? []),
    origin: origin === 'igp' || origin === 'egp' || origin === 'incomplete' ? origin : 'unknown',
    localPref: p.locPrf,
    med: p.metric,
    communities: p.community?.list ?? [],
    largeCommunities: p.largeCommunity?.list ?? [],
    originatorId: p.originatorId,
    clusterList: p.clusterList?.list,
    stale: p.stale === true,
    best: p.bestpath?.overall === true,
    from: p.sourced === true || from === undefined || from === '0.0.0.0' ? undefined : from,
  };
}
