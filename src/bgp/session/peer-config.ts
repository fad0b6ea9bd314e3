// What the session layer needs to know about one neighbour (the OPEN, the timers, the transport), and the OPEN
// capabilities that follow from it. Routing policy (filters, next hop, reflector client, ...) is not here: the
// routing side holds it (rib/peer-policy.ts), so changing it never resets a session.
import type { Capability, Family } from '../packet/types';
import { Afi, Safi } from '../packet/constants';

export interface SessionConfig {
  /** Name used in logs and status (defaults to the address). */
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly asn: number;
  readonly localAsn: number;
  readonly routerId: string;
  /** Source address for outbound connections (Calico: the node IP). */
  readonly localAddress?: string;
  /** Never connect; wait for the peer (RFC 4271 PassiveTcpEstablishment). */
  readonly passive: boolean;
  /** Seconds; 0 or >= 3 (RFC 4271 §4.2). */
  readonly holdTime: number;
  /** Seconds; defaults to one third of the negotiated hold time. */
  readonly keepaliveTime?: number;
  /** Seconds before retrying an outbound connection (Calico's BIRD: 5). */
  readonly connectRetryTime: number;
  /** Seconds an inbound connection may take to send its OPEN before it is closed (default 5; fsm openWaitSeconds). */
  readonly openWaitTime?: number;
  readonly families: readonly Family[];
  /** Advertise RFC 8654 extended messages. */
  readonly extendedMessage: boolean;
  /** RFC 4724 graceful restart, both roles, when set (advertised in the OPEN). */
  readonly gracefulRestart?: GracefulRestartConfig;
}

export interface GracefulRestartConfig {
  /** Seconds the peer should keep our routes after we go down (the capability's Restart Time, at most 4095). */
  readonly restartTime: number;
  /** Seconds we keep a restarted peer's stale routes waiting for its End-of-RIB (BIRD: 360). */
  readonly staleTime: number;
  /** The F bit: our forwarding state survives a restart (the dataplane keeps its routes). */
  readonly forwardingPreserved: boolean;
}

export const GRACEFUL_RESTART_DEFAULTS: GracefulRestartConfig = { restartTime: 120, staleTime: 360, forwardingPreserved: true };

export const PEER_DEFAULTS = {
  port: 179,
  holdTime: 90,
  connectRetryTime: 5,
  families: ['ipv4'] as readonly Family[],
  extendedMessage: true,
} as const;

export function familyAfi(f: Family): number {
  return f === 'ipv4' ? Afi.Ipv4 : Afi.Ipv6;
}

export function afiFamily(afi: number, safi: number): Family | undefined {
  if (safi !== Safi.Unicast) return undefined;
  if (afi === Afi.Ipv4) return 'ipv4';
  if (afi === Afi.Ipv6) return 'ipv6';
  return undefined;
}

/**
 * Our OPEN's capabilities for this peer (RFC 5492). `restarting` is the graceful restart R bit: this speaker has just
 * restarted and is deferring its routes (RFC 4724 §3).
 */
export function localCapabilities(cfg: SessionConfig, restarting = false): Capability[] {
  const caps: Capability[] = cfg.families.map((f) => ({ kind: 'multiprotocol', afi: familyAfi(f), safi: Safi.Unicast }));
  caps.push({ kind: 'route-refresh' }, { kind: 'enhanced-route-refresh' });
  caps.push({ kind: 'four-octet-as', asn: cfg.localAsn });
  if (cfg.extendedMessage) caps.push({ kind: 'extended-message' });
  const gr = cfg.gracefulRestart;
  if (gr !== undefined) {
    caps.push({
      kind: 'graceful-restart',
      restarting,
      notification: false,
      restartTime: Math.min(gr.restartTime, 4095),
      families: cfg.families.map((f) => ({ afi: familyAfi(f), safi: Safi.Unicast, forwardingPreserved: gr.forwardingPreserved })),
    });
  }
  return caps;
}

/**
 * True when changing from `a` to `b` needs a new OPEN (and so a session reset). The name and graceful restart
 * timers are not in it: they apply from the next OPEN on.
 */
export function sessionNeedsReset(a: SessionConfig, b: SessionConfig): boolean {
  return (
    a.address !== b.address ||
    a.port !== b.port ||
    a.asn !== b.asn ||
    a.localAsn !== b.localAsn ||
    a.routerId !== b.routerId ||
    a.localAddress !== b.localAddress ||
    a.passive !== b.passive ||
    a.holdTime !== b.holdTime ||
    a.keepaliveTime !== b.keepaliveTime ||
    a.extendedMessage !== b.extendedMessage ||
    a.families.join() !== b.families.join()
  );
}
