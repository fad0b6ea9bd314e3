// BgpError: the only error the codec throws. It carries the NOTIFICATION it maps to (code, subcode, data) and, for
// errors inside an UPDATE, the RFC 7606 action the session must take.
import { GinghamError } from '../../lib/errors';
import { notificationName } from './constants';

/**
 * RFC 7606 §2 error-handling approaches, strongest first. `session-reset` sends a NOTIFICATION and closes;
 * `afisafi-disable` (RFC 4760 §7 / RFC 7606 §2) stops the family, which a speaker without per-family disable turns into
 * a reset; `treat-as-withdraw` withdraws every NLRI of the UPDATE; `attribute-discard` drops one attribute and keeps
 * the route.
 */
export type ErrorHandling = 'session-reset' | 'afisafi-disable' | 'treat-as-withdraw' | 'attribute-discard';

const STRENGTH: Record<ErrorHandling, number> = {
  'session-reset': 3,
  'afisafi-disable': 2,
  'treat-as-withdraw': 1,
  'attribute-discard': 0,
};

/** The stronger of two dispositions (RFC 7606 §3 (j): when several errors are found, the strongest action applies). */
export function strongerHandling(a: ErrorHandling, b: ErrorHandling): ErrorHandling {
  return STRENGTH[a] >= STRENGTH[b] ? a : b;
}

export class BgpError extends GinghamError {
  constructor(
    readonly errorCode: number,
    readonly subcode: number,
    readonly detail: string,
    readonly data: Buffer = Buffer.alloc(0),
    readonly handling: ErrorHandling = 'session-reset',
  ) {
    super(`BGP_${errorCode}_${subcode}`, `${notificationName(errorCode, subcode)}: ${detail}`);
  }

  /** The same error with another RFC 7606 disposition. */
  withHandling(handling: ErrorHandling): BgpError {
    return new BgpError(this.errorCode, this.subcode, this.detail, this.data, handling);
  }
}
