// DataplaneError: the dataplane could not be programmed (a command such as iptables-restore failed, or the kernel
// refused). The code says which part failed; the cause keeps what failed underneath (a CommandError with the exit
// code and stderr, a NetlinkError with the errno).
import { GinghamError } from '../lib/errors';

export const DataplaneErrorCode = {
  /** The NAT-outgoing chain or its POSTROUTING jump could not be written. */
  NatOutgoing: 'DATAPLANE_NAT_OUTGOING',
} as const;
export type DataplaneErrorCode = (typeof DataplaneErrorCode)[keyof typeof DataplaneErrorCode];

export class DataplaneError extends GinghamError {
  constructor(code: DataplaneErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
