// Launcher for GoBGP (gobgpd) on a loopback address, for interop tests: a TOML config in a private work dir, the
// gRPC API bound to the same loopback address (never a wildcard), queries with `gobgp -u ADDR -p PORT ... -j` and
// route origination with `gobgp global rib add/del`. gobgpd runs without zebra, so it installs nothing in the kernel.
// GoBGP has no next-hop-self knob outside policy; it rewrites the next hop towards eBGP peers anyway, so
// `nextHopSelf` on an iBGP neighbor is refused rather than silently ignored.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_NEXT_HOP,
  familyOf,
  type DaemonFamily,
  type DaemonOptions,
  type NeighborSpec,
  type OriginateSpec,
  type RouteView,
  type SessionState,
} from './daemon-types';
import { portFree } from './loopback';
import { makeWorkDir, run, runOk, spawnDaemon, stopProcess, waitFor, type ManagedProcess } from './process';

export const GOBGPD_BIN = process.env.GOBGPD_BIN ?? 'gobgpd';
export const GOBGP_BIN = process.env.GOBGP_BIN ?? 'gobgp';
export const GOBGP_API_PORT = 50051;

/** apipb.PeerState.SessionState numbering. */
const SESSION_STATES: readonly SessionState[] = ['Unknown', 'Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'];

export interface GobgpNeighborState {
  readonly state: SessionState;
  readonly raw: Record<string, unknown>;
}

function neighborToml(opts: DaemonOptions, n: NeighborSpec): string[] {
  if (n.nextHopSelf === true && n.asn === opts.asn) throw new Error('gobgp launcher: nextHopSelf on iBGP needs a policy, not supported');
  const lines = [
    '[[neighbors]]',
    '  [neighbors.config]',
    `    neighbor-address = "${n.address}"`,
    `    peer-as = ${n.asn}`,
    '  [neighbors.transport.config]',
    `    local-address = "${n.localAddress ?? opts.listenAddress}"`,
    ...(n.port !== undefined ? [`    remote-port = ${n.port}`] : []),
    ...(n.passive === true ? ['    passive-mode = true'] : []),
    '  [neighbors.timers.config]',
    '    connect-retry = 2',
    ...(n.holdTime !== undefined ? [`    hold-time = ${n.holdTime}`, `    keepalive-interval = ${Math.max(1, Math.floor(n.holdTime / 3))}`] : []),
  ];
  if (n.asn !== opts.asn) lines.push('  [neighbors.ebgp-multihop.config]', '    enabled = true', '    multihop-ttl = 255');
  if (n.rrClient === true) {
    lines.push('  [neighbors.route-reflector.config]', '    route-reflector-client = true', `    route-reflector-cluster-id = "${n.clusterId ?? opts.routerId}"`);
  }
  if (n.gracefulRestart === true) lines.push('  [neighbors.graceful-restart.config]', '    enabled = true', '    restart-time = 120');
  for (const fam of n.families) {
    lines.push('  [[neighbors.afi-safis]]', '    [neighbors.afi-safis.config]', `      afi-safi-name = "${fam}-unicast"`);
    if (n.gracefulRestart === true) lines.push('    [neighbors.afi-safis.mp-graceful-restart.config]', '      enabled = true');
  }
  return lines;
}

export class GobgpDaemon {
  private constructor(
    readonly opts: DaemonOptions,
    readonly workDir: string,
    readonly apiHost: string,
    readonly apiPort: number,
    readonly proc: ManagedProcess,
  ) {}

  get pid(): number {
    return this.proc.pid;
  }

  static renderConfig(opts: DaemonOptions): string {
    return [
      '[global.config]',
      `  as = ${opts.asn}`,
      `  router-id = "${opts.routerId}"`,
      '  port = 179',
      `  local-address-list = ["${opts.listenAddress}"]`,
      ...opts.neighbors.flatMap((n) => neighborToml(opts, n)),
      '',
    ].join('\n');
  }

  static async start(opts: DaemonOptions, apiPort = GOBGP_API_PORT): Promise<GobgpDaemon> {
    if (!(await portFree(opts.listenAddress, apiPort))) throw new Error(`gobgp: ${opts.listenAddress}:${apiPort} is in use`);
    const workDir = makeWorkDir(`gobgp-${opts.listenAddress}`);
    const conf = join(workDir, 'gobgpd.toml');
    writeFileSync(conf, GobgpDaemon.renderConfig(opts));
    const proc = spawnDaemon({
      name: 'gobgpd',
      cmd: GOBGPD_BIN,
      args: ['-f', conf, '-t', 'toml', '-l', 'info', '-p', '--api-hosts', `${opts.listenAddress}:${apiPort}`, '--pprof-disable'],
      workDir,
    });
    const d = new GobgpDaemon(opts, workDir, opts.listenAddress, apiPort, proc);
    await waitFor(
      async () => {
        if (proc.exited()) throw new Error(`gobgpd exited: ${proc.logTail()}`);
        const res = await run(GOBGP_BIN, [...d.apiArgs(), 'neighbor', '-j'], 3000);
        return res.code === 0 && res.stdout.trim().startsWith('[');
      },
      20000,
      'gobgpd API',
    );
    for (const r of opts.originate ?? []) await d.addRoute(r);
    return d;
  }

  apiArgs(): string[] {
    return ['-u', this.apiHost, '-p', String(this.apiPort)];
  }

  async gobgp(...args: string[]): Promise<string> {
    return runOk(GOBGP_BIN, [...this.apiArgs(), ...args], 10000);
  }

  async neighbors(): Promise<Array<Record<string, unknown>>> {
    return JSON.parse(await this.gobgp('neighbor', '-j')) as Array<Record<string, unknown>>;
  }

  async neighborState(addr: string): Promise<GobgpNeighborState> {
    const all = await this.neighbors();
    const n = all.find((x) => (x.conf as { neighbor_address?: string } | undefined)?.neighbor_address === addr);
    if (n === undefined) throw new Error(`gobgp: neighbor ${addr} unknown`);
    const st = (n.state as { session_state?: number | string } | undefined)?.session_state;
    let state: SessionState = 'Unknown';
    if (typeof st === 'number') state = SESSION_STATES[st] ?? 'Unknown';
    else if (typeof st === 'string') state = SESSION_STATES.find((s) => s.toLowerCase() === st.toLowerCase()) ?? 'Unknown';
    return { state, raw: n };
  }

  async waitEstablished(addr: string, timeoutMs = 30000): Promise<void> {
    await waitFor(async () => (await this.neighborState(addr)).state === 'Established', timeoutMs, `gobgp neighbor ${addr} Established`);
  }

  /** The global RIB (Loc-RIB) of the family, every path. */
  async routes(family: DaemonFamily): Promise<RouteView[]> {
    const out = (await this.gobgp('global', 'rib', '-a', family, '-j')).trim();
    if (out === '' || out === 'null') return [];
    const table = JSON.parse(out) as Record<string, GobgpPath[]>;
    return Object.entries(table).flatMap(([prefix, paths]) => paths.map((p) => gobgpPathToView(prefix, p)));
  }

  private ribArgs(r: OriginateSpec): string[] {
    const fam = familyOf(r.prefix);
    const args = ['-a', fam, r.prefix, 'nexthop', r.nextHop ?? DEFAULT_NEXT_HOP[fam]];
    if (r.communities !== undefined && r.communities.length > 0) args.push('community', r.communities.join(','));
    if (r.largeCommunities !== undefined && r.largeCommunities.length > 0) args.push('large-community', r.largeCommunities.join(','));
    if (r.med !== undefined) args.push('med', String(r.med));
    if (r.localPref !== undefined) args.push('local-pref', String(r.localPref));
    return args;
  }

  async addRoute(r: OriginateSpec): Promise<void> {
    await this.gobgp('global', 'rib', 'add', ...this.ribArgs(r));
  }

  async removeRoute(prefix: string): Promise<void> {
    await this.gobgp('global', 'rib', 'del', '-a', familyOf(prefix), prefix);
  }

  async stop(): Promise<void> {
    await stopProcess(this.proc.pid);
  }
}

export interface GobgpAttr {
  type: number;
  value?: unknown;
  as_paths?: Array<{ segment_type?: number; asns?: number[] }>;
  nexthop?: string;
  metric?: number;
  communities?: number[];
}

export interface GobgpPath {
  attrs?: GobgpAttr[];
  best?: boolean;
  stale?: boolean;
  'neighbor-ip'?: string;
}

export function gobgpPathToView(prefix: string, p: GobgpPath): RouteView {
  const attrs = p.attrs ?? [];
  const get = (t: number): GobgpAttr | undefined => attrs.find((a) => a.type === t);
  const originNum = get(1)?.value;
  const lp = get(5)?.value;
  const orig = get(9)?.value;
  const cl = get(10)?.value;
  const large = get(32)?.value as Array<{ ASN: number; LocalData1: number; LocalData2: number }> | undefined;
  const nhAttr = get(3)?.nexthop ?? get(14)?.nexthop ?? '';
  const from = p['neighbor-ip'];
  return {
    prefix,
    nextHop: nhAttr,
    asPath: (get(2)?.as_paths ?? []).flatMap((s) => s.asns ?? []),
    origin: originNum === 0 ? 'igp' : originNum === 1 ? 'egp' : originNum === 2 ? 'incomplete' : 'unknown',
    localPref: typeof lp === 'number' ? lp : undefined,
    med: get(4)?.metric,
    communities: (get(8)?.communities ?? []).map((c) => `${Math.floor(c / 65536)}:${c % 65536}`),
    largeCommunities: (large ?? []).map((l) => `${l.ASN}:${l.LocalData1}:${l.LocalData2}`),
    originatorId: typeof orig === 'string' ? orig : undefined,
    clusterList: Array.isArray(cl) ? cl.map(String) : undefined,
    stale: p.stale === true,
    best: p.best === true,
    from: from === undefined || from === '<nil>' ? undefined : from,
  };
}
