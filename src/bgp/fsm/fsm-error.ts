// Typed errors of the FSM package. The transition function itself never throws on an event (it is total); these are
// raised only for invalid configuration and for inputs that no valid session can produce.
import { GinghamError } from '../../lib/errors';

export type FsmErrorCode =
  /** A FsmConfig field is out of range (hold time 1 or 2, keepalive above hold, bad BGP Identifier...). */
  | 'FSM_CONFIG_INVALID'
  /** A BGP Identifier is not a dotted quad. */
  | 'FSM_BAD_BGP_ID'
  /** Collision between two connections with the same BGP Identifier and the same AS: no rule can pick a winner. */
  | 'FSM_COLLISION_UNRESOLVABLE';

export class FsmError extends GinghamError {
  constructor(
    override readonly code: FsmErrorCode,
    message: string,
  ) {
    super(code, message);
  }
}

/** A BGP Identifier (dotted quad) as an unsigned 32-bit number; throws FSM_BAD_BGP_ID on anything else. */
export function bgpIdToNumber(bgpId: string): number {
  const parts = bgpId.split('.');
  if (parts.length !== 4) throw new FsmError('FSM_BAD_BGP_ID', `BGP Identifier "${bgpId}" is not a dotted quad`);
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) {
      throw new FsmError('FSM_BAD_BGP_ID', `BGP Identifier "${bgpId}" is not a dotted quad`);
    }
    // Multiplication rather than << keeps the result unsigned (<< works on signed 32-bit integers).
    value = value * 256 + Number(part);
  }
  return value;
}
