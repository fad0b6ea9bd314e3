// Connection collision resolution (RFC 4271 §6.8, RFC 6286 §2.3): when both speakers open a TCP connection to each
// other at the same time, exactly one of the two connections must survive, and both ends must pick the same one.
// This module owns that choice (resolveCollision) and which connection an arriving OPEN collides with (chooseOnOpen);
// executing it (OpenCollisionDump to the loser) is the session shell's job.
//
// RFC 4271 §6.8 words the outcome as keeping the "existing" or the "newly created" connection, which is hard to
// apply when the newly OPENed connection is our own (BIRD's source calls the text "confusing and contradictory").
// Both readings reduce to one rule that every implementation uses (BIRD proto/bgp/packets.c, GoBGP, FRR):
//   "Comparing BGP Identifiers is done by converting them to host byte order and treating them as 4-octet unsigned
//    integers." (§6.8, step 1) — the connection initiated by the speaker with the higher BGP Identifier survives.
// RFC 6286 §2.3 adds the tie-break that AS-wide identifiers make possible for eBGP:
//   "If the BGP Identifiers of the peers involved in the connection collision are identical, then the connection
//    initiated by the BGP speaker with the larger AS number is preserved."
// The loser is closed with Cease / Connection Collision Resolution (RFC 4486 §4, subcode 7).
import { bgpIdToNumber, FsmError } from './fsm-error';
import type { FsmState } from './states';

export interface SpeakerIdentity {
  /** BGP Identifier, dotted quad. */
  readonly bgpId: string;
  /** Real AS number (4-octet capable), not AS_TRANS. */
  readonly asn: number;
}

export type CollisionOutcome = 'keep-locally-initiated' | 'keep-remotely-initiated';

/**
 * Which of the two connections between `local` and `remote` survives. Throws FsmError FSM_COLLISION_UNRESOLVABLE when
 * identifiers and AS numbers are both equal: a valid OPEN cannot produce that (RFC 6286 §2.2 rejects an internal peer
 * with our own identifier), and picking either side arbitrarily would let both ends close different connections.
 */
export function resolveCollision(local: SpeakerIdentity, remote: SpeakerIdentity): CollisionOutcome {
  const localId = bgpIdToNumber(local.bgpId);
  const remoteId = bgpIdToNumber(remote.bgpId);
  if (localId !== remoteId) return localId > remoteId ? 'keep-locally-initiated' : 'keep-remotely-initiated';
  if (local.asn !== remote.asn) return local.asn > remote.asn ? 'keep-locally-initiated' : 'keep-remotely-initiated';
  throw new FsmError(
    'FSM_COLLISION_UNRESOLVABLE',
    `collision between speakers with the same BGP Identifier ${local.bgpId} and the same AS ${local.asn}`,
  );
}

/** One connection of a peer as the collision choice sees it. */
export interface ConnectionView {
  readonly state: FsmState;
  /** The TCP connection is up (false while our outbound connect is still in flight). */
  readonly connected: boolean;
  readonly direction?: 'outbound' | 'inbound';
}

export interface OpenArrival {
  readonly local: SpeakerIdentity;
  /** The identity in the OPEN that just arrived. */
  readonly remote: SpeakerIdentity;
  /** The connection the OPEN arrived on. */
  readonly direction: 'outbound' | 'inbound';
  /** The peer's other connection, if any. */
  readonly other?: ConnectionView;
  /** The Established session (the other connection) negotiated the peer's graceful restart capability (RFC 4724 §3). */
  readonly otherGracefulRestart?: boolean;
}

/**
 * What to do when a valid OPEN arrives on one connection of a peer:
 * - 'proceed': no collision; the OPEN is processed;
 * - 'stop-other': the other is only our outbound attempt, not yet connected: stop it, proceed (as BIRD does);
 * - 'dump-this' / 'dump-other': close that connection with Cease / Connection Collision Resolution;
 * - 'restart-other': the peer restarted (graceful restart): end the Established session without a NOTIFICATION, so
 *   its routes are kept stale, and proceed on this connection.
 */
export type OpenArrivalChoice =
  | { readonly action: 'proceed' | 'stop-other'; readonly reason: string }
  | { readonly action: 'dump-this' | 'dump-other' | 'restart-other'; readonly reason: string };

/**
 * The collision choice of RFC 4271 §6.8, decided when an OPEN arrives. Only a connection in OpenConfirm or Established
 * collides: "a connection collision cannot be detected with connections that are in Idle, Connect, or Active states",
 * and one in OpenSent has not shown who is at its other end yet (its OPEN has not arrived; it may be a half-open
 * connection that will never send one), so it never wins: it is closed when a session is Established, or compared
 * once its own OPEN arrives. Established: the new connection goes, unless the peer advertised graceful restart, in
 * which case an OPEN on a new connection means the peer restarted and its old connection vanished (RFC 4724 §4.2;
 * BIRD proto/bgp/bgp.c bgp_incoming_connection, which decides on the connection, we on its OPEN so that a connection
 * that never sends one cannot end a session).
 */
export function chooseOnOpen(a: OpenArrival): OpenArrivalChoice {
  const other = a.other;
  if (other === undefined || other.state === 'Idle') return { action: 'proceed', reason: 'no other connection' };
  if (!other.connected) return { action: 'stop-other', reason: 'our own connection attempt is not connected yet: stopped' };
  if (other.state === 'OpenSent' || other.state === 'Connect' || other.state === 'Active') {
    return { action: 'proceed', reason: `the other connection has not received an OPEN (${other.state}): no collision yet` };
  }
  if (other.state === 'Established') {
    if (a.otherGracefulRestart === true) {
      return { action: 'restart-other', reason: 'the peer opened a new session while Established: it restarted (graceful restart, RFC 4724 §4.2)' };
    }
    return { action: 'dump-this', reason: 'a session is Established and the peer did not advertise graceful restart (RFC 4271 §6.8)' };
  }
  const keep = resolveCollision(a.local, a.remote);
  const keepDirection = keep === 'keep-locally-initiated' ? 'outbound' : 'inbound';
  const why = `connection collision with ${a.remote.bgpId} (RFC 4271 §6.8): keeping the ${keepDirection} connection`;
  return a.direction === keepDirection ? { action: 'dump-other', reason: why } : { action: 'dump-this', reason: why };
}
