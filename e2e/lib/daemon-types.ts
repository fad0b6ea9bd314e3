// The one shape every daemon launcher (bird.ts, frr.ts, gobgp.ts) accepts and returns, so an interop test can swap
// BIRD for FRR or GoBGP by changing one name. Launcher-specific knobs live in each launcher's own options.
export type DaemonFamily = 'ipv4' | 'ipv6';

export interface NeighborSpec {
  /** A name usable as a protocol name in BIRD (letters, digits, underscore). */
  readonly name: string;
  readonly address: string;
  /** The neighbor's TCP port; default 179. */
  readonly port?: number;
  readonly asn: number;
  /** Never connect, only accept. */
  readonly passive?: boolean;
  /** Seconds; default the daemon's own (90 for all three). */
  readonly holdTime?: number;
  readonly families: readonly DaemonFamily[];
  /** Route-reflector client (iBGP only). */
  readonly rrClient?: boolean;
  readonly clusterId?: string;
  readonly nextHopSelf?: boolean;
  readonly gracefulRestart?: boolean;
  /** Source address of the session; default the daemon's listenAddress. */
  readonly localAddress?: string;
}

/** A locally originated route. The next hop defaults to a TEST-NET address: GoBGP and FRR refuse loopback ones. */
export interface OriginateSpec {
  readonly prefix: string;
  readonly nextHop?: string;
  /** "ASN:value" strings, e.g. "65001:100". */
  readonly communities?: readonly string[];
  /** "global:local1:local2" strings, e.g. "65001:1:2". */
  readonly largeCommunities?: readonly string[];
  readonly localPref?: number;
  readonly med?: number;
}

export interface DaemonOptions {
  readonly routerId: string;
  readonly listenAddress: string;
  readonly asn: number;
  readonly neighbors: readonly NeighborSpec[];
  readonly originate?: readonly OriginateSpec[];
  /** FRR only: accept loopback next hops (`bgp allow-martian-nexthop`), e.g. a loopback speaker's next hop self. */
  readonly allowMartianNextHop?: boolean;
}

/** One route as a daemon shows it, normalised to the same text forms whatever the daemon. */
export interface RouteView {
  readonly prefix: string;
  readonly nextHop: string;
  readonly asPath: number[];
  readonly origin: 'igp' | 'egp' | 'incomplete' | 'unknown';
  readonly localPref?: number;
  readonly med?: number;
  /** "ASN:value" */
  readonly communities: string[];
  /** "global:local1:local2" */
  readonly largeCommunities: string[];
  readonly originatorId?: string;
  readonly clusterList?: string[];
  readonly stale?: boolean;
  /** The daemon's best path for the prefix. */
  readonly best: boolean;
  /** The peer address it was learned from; absent for locally originated routes. */
  readonly from?: string;
}

/** A session state in RFC 4271 §8.2.2 terms, whatever the daemon calls it. */
export type SessionState = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established' | 'Down' | 'Unknown';

export const DEFAULT_NEXT_HOP = { ipv4: '192.0.2.1', ipv6: '2001:db8::1' } as const;

export function familyOf(prefix: string): DaemonFamily {
  return prefix.includes(':') ? 'ipv6' : 'ipv4';
}

/** Normalises the spellings daemons use for session states. */
export function normaliseState(s: string): SessionState {
  const k = s.toLowerCase().replace(/[^a-z]/g, '');
  const map: Record<string, SessionState> = {
    idle: 'Idle',
    connect: 'Connect',
    active: 'Active',
    opensent: 'OpenSent',
    openconfirm: 'OpenConfirm',
    established: 'Established',
    down: 'Down',
  };
  return map[k] ?? 'Unknown';
}
