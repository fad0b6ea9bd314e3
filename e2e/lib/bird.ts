// Launcher for BIRD 2 on a loopback address, for interop tests: writes its config in a private work dir, runs `bird
// -f` (foreground, so the PID we hold is BIRD's), talks to it over its own control socket with birdc, and parses
// `show protocols all` / `show route all`. Routes are originated from one static protocol per family; addRoute and
// removeRoute rewrite that config and `configure`. It installs nothing in the kernel (no kernel protocol).
import { writeFileSync } from 'node:fs';
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

export const BIRD_BIN = process.env.BIRD2_BIN ?? 'bird';
export const BIRDC_BIN = process.env.BIRDC2_BIN ?? 'birdc';

export interface BirdProtocolState {
  /** BIRD's protocol state: up, start, down, ... */
  readonly state: string;
  /** The "BGP state:" line, normalised. */
  readonly bgpState: SessionState;
  readonly lastError?: string;
  readonly info: string;
  readonly importedRoutes?: number;
  readonly exportedRoutes?: number;
}

function checkName(name: string): void {
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) throw new Error(`bird: "${name}" is not a usable protocol name`);
}

function communityPairs(list: readonly string[] | undefined): string[] {
  return (list ?? []).map((c) => {
    const parts = c.split(':');
    if (parts.length !== 2) throw new Error(`bird: bad community "${c}"`);
    return `bgp_community.add((${parts[0]},${parts[1]}));`;
  });
}

function largeCommunityTriples(list: readonly string[] | undefined): string[] {
  return (list ?? []).map((c) => {
    const parts = c.split(':');
    if (parts.length !== 3) throw new Error(`bird: bad large community "${c}"`);
    return `bgp_large_community.add((${parts.join(',')}));`;
  });
}

/** One static route; its BGP attributes are set in the route's own filter block. */
function staticRoute(r: OriginateSpec): string {
  const fam = familyOf(r.prefix);
  const sets = [
    `bgp_next_hop = ${r.nextHop ?? DEFAULT_NEXT_HOP[fam]};`,
    ...communityPairs(r.communities),
    ...largeCommunityTriples(r.largeCommunities),
    ...(r.localPref !== undefined ? [`bgp_local_pref = ${r.localPref};`] : []),
    ...(r.med !== undefined ? [`bgp_med = ${r.med};`] : []),
  ];
  return `  route ${r.prefix} unreachable { ${sets.join(' ')} };`;
}

function neighborBlock(opts: DaemonOptions, n: NeighborSpec): string {
  checkName(n.name);
  const local = n.localAddress ?? opts.listenAddress;
  const lines = [
    `protocol bgp ${n.name} {`,
    `  local ${local} port 179 as ${opts.asn};`,
    `  neighbor ${n.address} port ${n.port ?? 179} as ${n.asn};`,
    // strict bind: listen on the local address only; multihop: loopback peers are not on a connected subnet.
    '  strict bind yes;',
    '  multihop;',
    '  connect delay time 1; connect retry time 2; error wait time 1, 10;',
  ];
  if (n.passive === true) lines.push('  passive on;');
  if (n.holdTime !== undefined) lines.push(`  hold time ${n.holdTime};`);
  if (n.rrClient === true) lines.push('  rr client;');
  if (n.clusterId !== undefined) lines.push(`  rr cluster id ${n.clusterId};`);
  if (n.gracefulRestart === true) lines.push('  graceful restart on;');
  // `next hop keep` sends the next hop set on the originated route (a TEST-NET address) rather than our loopback.
  const nh = n.nextHopSelf === true ? 'next hop self' : 'next hop keep';
  // BIRD sends MED to an eBGP peer only when the export filter set it; re-setting it for our own static routes sends
  // the MED we originate while still never passing on one learned from another AS (RFC 4271 §5.1.4).
  const exp = 'export filter { if source = RTS_STATIC && defined(bgp_med) then bgp_med = bgp_med; accept; }';
  for (const fam of n.families) lines.push(`  ${fam} { import all; ${exp}; ${nh}; };`);
  lines.push('}');
  return lines.join('\n');
}

export class BirdDaemon {
  private originated: OriginateSpec[];

  private constructor(
    readonly opts: DaemonOptions,
    readonly workDir: string,
    readonly socket: string,
    readonly configFile: string,
    readonly proc: ManagedProcess,
  ) {
    this.originated = [...(opts.originate ?? [])];
  }

  get pid(): number {
    return this.proc.pid;
  }

  static renderConfig(opts: DaemonOptions, originate: readonly OriginateSpec[], workDir: string): string {
    const byFam = (f: DaemonFamily): OriginateSpec[] => originate.filter((r) => familyOf(r.prefix) === f);
    return [
      `log "${join(workDir, 'bird.log')}" all;`,
      `router id ${opts.routerId};`,
      'protocol device { scan time 3600; }',
      'protocol static orig4 {',
      '  ipv4;',
      ...byFam('ipv4').map(staticRoute),
      '}',
      'protocol static orig6 {',
      '  ipv6;',
      ...byFam('ipv6').map(staticRoute),
      '}',
      ...opts.neighbors.map((n) => neighborBlock(opts, n)),
      '',
    ].join('\n');
  }

  /**
   * Starts BIRD and waits until its control socket answers (not until sessions are up: see waitEstablished). With
   * `recovery`, BIRD starts in graceful restart recovery (`bird -R`): R bit in its OPENs, routes held back until its
   * peers' End-of-RIB.
   */
  static async start(opts: DaemonOptions, start: { recovery?: boolean } = {}): Promise<BirdDaemon> {
    const workDir = makeWorkDir(`bird-${opts.listenAddress}`);
    const configFile = join(workDir, 'bird.conf');
    const socket = join(workDir, 'bird.ctl');
    writeFileSync(configFile, BirdDaemon.renderConfig(opts, opts.originate ?? [], workDir));
    const check = await run(BIRD_BIN, ['-p', '-c', configFile]);
    if (check.code !== 0) throw new Error(`bird: config rejected: ${check.stderr.trim()}\n${BirdDaemon.renderConfig(opts, opts.originate ?? [], workDir)}`);
    const proc = spawnDaemon({
      name: 'bird',
      cmd: BIRD_BIN,
      args: ['-f', '-c', configFile, '-s', socket, '-P', join(workDir, 'bird.pid'), ...(start.recovery === true ? ['-R'] : [])],
      workDir,
    });
    const d = new BirdDaemon(opts, workDir, socket, configFile, proc);
    await waitFor(
      async () => {
        if (proc.exited()) throw new Error(`bird exited: ${proc.logTail()}`);
        return (await run(BIRDC_BIN, ['-s', socket, 'show', 'status'], 3000)).stdout.includes('Daemon is up');
      },
      15000,
      'bird control socket',
    );
    return d;
  }

  /** Runs one birdc command; returns its output without the banner line. */
  async birdc(...args: string[]): Promise<string> {
    const out = await runOk(BIRDC_BIN, ['-s', this.socket, ...args], 10000);
    return out
      .split('\n')
      .filter((l) => !/^BIRD [\d.]+ ready\.$/.test(l))
      .join('\n');
  }

  async protocolState(name: string): Promise<BirdProtocolState> {
    checkName(name);
    return parseBirdProtocol(await this.birdc('show', 'protocols', 'all', name), name);
  }

  async waitEstablished(name: string, timeoutMs = 30000): Promise<void> {
    await waitFor(async () => (await this.protocolState(name)).bgpState === 'Established', timeoutMs, `bird ${name} Established`);
  }

  async routes(opts: { protocol?: string; table: DaemonFamily }): Promise<RouteView[]> {
    const args = ['show', 'route', 'all', 'table', opts.table === 'ipv4' ? 'master4' : 'master6'];
    if (opts.protocol !== undefined) {
      checkName(opts.protocol);
      args.push('protocol', opts.protocol);
    }
    return parseBirdRoutes(await this.birdc(...args));
  }

  async enableProtocol(name: string): Promise<void> {
    checkName(name);
    await this.birdc('enable', name);
  }

  async disableProtocol(name: string): Promise<void> {
    checkName(name);
    await this.birdc('disable', name);
  }

  private async reconfigure(): Promise<void> {
    writeFileSync(this.configFile, BirdDaemon.renderConfig(this.opts, this.originated, this.workDir));
    const out = await this.birdc('configure');
    if (!/Reconfigured|Reconfiguration in progress/.test(out)) throw new Error(`bird configure failed: ${out.trim()}`);
  }

  async addRoute(r: OriginateSpec): Promise<void> {
    this.originated = [...this.originated.filter((o) => o.prefix !== r.prefix), r];
    await this.reconfigure();
  }

  async removeRoute(prefix: string): Promise<void> {
    this.originated = this.originated.filter((o) => o.prefix !== prefix);
    await this.reconfigure();
  }

  async stop(): Promise<void> {
    await stopProcess(this.proc.pid);
  }

  /** SIGKILL (no NOTIFICATION, no clean-up: a crash), waiting until the process is gone. */
  async kill9(): Promise<void> {
    process.kill(this.proc.pid, 'SIGKILL');
    await waitFor(async () => this.proc.exited(), 10000, 'bird to die');
  }
}

// ---------------------------------------------------------------- parsers (exported for unit-style checks)

export function parseBirdProtocol(text: string, name: string): BirdProtocolState {
  const lines = text.split('\n');
  const head = lines.find((l) => l.startsWith(`${name} `));
  if (head === undefined) throw new Error(`bird: protocol ${name} not in output: ${text.trim()}`);
  // "name  BGP  ---  up  06:11:04.087  Established"
  const cols = head.trim().split(/\s+/);
  const field = (label: string): string | undefined => {
    const l = lines.find((x) => x.trim().startsWith(`${label}:`));
    return l === undefined ? undefined : l.slice(l.indexOf(':') + 1).trim();
  };
  const routes = field('Routes');
  const imported = routes !== undefined ? /(\d+) imported/.exec(routes) : null;
  const exported = routes !== undefined ? /(\d+) exported/.exec(routes) : null;
  const bgpState = field('BGP state');
  return {
    state: cols[3] ?? 'unknown',
    bgpState: bgpState === undefined ? (cols[3] === 'down' ? 'Down' : 'Unknown') : normaliseState(bgpState),
    lastError: field('Last error'),
    info: cols.slice(5).join(' '),
    importedRoutes: imported?.[1] !== undefined ? Number(imported[1]) : undefined,
    exportedRoutes: exported?.[1] !== undefined ? Number(exported[1]) : undefined,
  };
}

interface RouteDraft {
  prefix: string;
  best: boolean;
  from?: string;
  attrs: Map<string, string>;
  gateway?: string;
  stale: boolean;
}

function parsePairs(v: string | undefined, arity: number): string[] {
  if (v === undefined) return [];
  const out: string[] = [];
  const re = /\(([^)]*)\)/g;
  for (let m = re.exec(v); m !== null; m = re.exec(v)) {
    const parts = (m[1] ?? '').split(',').map((p) => p.trim());
    if (parts.length === arity) out.push(parts.join(':'));
  }
  return out;
}

function finish(d: RouteDraft): RouteView {
  const a = d.attrs;
  const asPath = (a.get('BGP.as_path') ?? '')
    .replace(/[{}]/g, ' ')
    .split(/\s+/)
    .filter((x) => x.length > 0)
    .map(Number);
  const origin = (a.get('BGP.origin') ?? '').toLowerCase();
  const num = (k: string): number | undefined => (a.has(k) ? Number(a.get(k)) : undefined);
  const cluster = a.get('BGP.cluster_list');
  return {
    prefix: d.prefix,
    nextHop: a.get('BGP.next_hop')?.split(/\s+/)[0] ?? d.gateway ?? '',
    asPath,
    origin: origin === 'igp' || origin === 'egp' || origin === 'incomplete' ? origin : 'unknown',
    localPref: num('BGP.local_pref'),
    med: num('BGP.med'),
    communities: parsePairs(a.get('BGP.community'), 2),
    largeCommunities: parsePairs(a.get('BGP.large_community'), 3),
    originatorId: a.get('BGP.originator_id'),
    clusterList: cluster === undefined ? undefined : cluster.split(/\s+/).filter((x) => x.length > 0),
    stale: d.stale,
    best: d.best,
    from: d.from,
  };
}

/**
 * Parses `show route all`: a route starts with "PREFIX  <via|unreachable|...> [proto time from ADDR] * (pref)" or,
 * for further routes of the same prefix, the same line with the prefix left blank; attribute lines start with a tab.
 */
export function parseBirdRoutes(text: string): RouteView[] {
  const out: RouteView[] = [];
  let current: RouteDraft | undefined;
  let lastPrefix = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('Table ') || line.trim() === '') continue;
    if (line.startsWith('\t')) {
      if (current === undefined) continue;
      const t = line.trim();
      const colon = t.indexOf(':');
      if (colon > 0 && !t.startsWith('via ')) current.attrs.set(t.slice(0, colon), t.slice(colon + 1).trim());
      else if (t.startsWith('via ')) current.gateway = t.split(/\s+/)[1];
      continue;
    }
    const m = /^(\S+)?\s+(.*)$/.exec(line);
    if (m === null || m[2] === undefined || !m[2].includes('[')) continue;
    if (current !== undefined) out.push(finish(current));
    if (m[1] !== undefined) lastPrefix = m[1];
    const rest = m[2];
    const from = /\bfrom (\S+?)\]/.exec(rest);
    const via = /^via (\S+)/.exec(rest);
    current = {
      prefix: lastPrefix,
      best: /\]\s+\*/.test(rest),
      from: from?.[1],
      attrs: new Map(),
      gateway: via?.[1],
      // BIRD marks routes kept stale during a peer's graceful restart with an "s" flag in the route line.
      stale: /\(stale\)|\]\s+\*?\s*s\b/.test(rest),
    };
  }
  if (current !== undefined) out.push(finish(current));
  return out;
}
