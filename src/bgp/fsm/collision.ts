// Connection collision resolution (RFC 4271 §6.8, RFC 6286 §2.3): when both speakers open a TCP connection to each
// other at the same time, exactly one of the two connections must survive, and both ends must pick the same one.
// This module owns only that choice. Finding the colliding connection (one in OpenConfirm, or OpenSent once the peer's
// BGP Identifier is known) and sending OpenCollisionDump to the loser is the session shell's job.
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
