// The NOTIFICATION messages the FSM sends. Builds plain NotificationMessage data; the codec encodes it, and
// packet/notification.ts describes it (describeNotification).
import { CeaseSubcode, ErrorCode, FsmSubcode } from '../packet/constants';
import type { NotificationMessage } from '../packet/types';
import type { FsmState } from './states';

export { notificationFromError } from '../packet/notification';

/** RFC 9003 §2: the Shutdown Communication length is one octet. */
export const MAX_SHUTDOWN_COMMUNICATION_OCTETS = 255;

const EMPTY = Buffer.alloc(0);

export function notification(code: number, subcode: number, data: Buffer = EMPTY): NotificationMessage {
  return { type: 'notification', code, subcode, data };
}

/**
 * RFC 9003 §2 data: one length octet, then UTF-8 text of at most 255 octets. Longer text is cut at a character
 * boundary so the peer never receives a broken UTF-8 sequence.
 */
export function encodeShutdownCommunication(message: string): Buffer {
  const parts: Buffer[] = [];
  let length = 0;
  for (const ch of message) {
    const bytes = Buffer.from(ch, 'utf8');
    if (length + bytes.length > MAX_SHUTDOWN_COMMUNICATION_OCTETS) break;
    parts.push(bytes);
    length += bytes.length;
  }
  return Buffer.concat([Buffer.from([length]), ...parts]);
}

/**
 * Cease / Administrative Shutdown (RFC 4486 §4) for a manual stop, carrying the operator's message as an RFC 9003
 * Shutdown Communication. Both `data` (the wire form) and `shutdownMessage` (the text as it will be decoded) are set.
 */
export function shutdownNotification(shutdownMessage?: string): NotificationMessage {
  if (shutdownMessage === undefined || shutdownMessage === '') {
    return notification(ErrorCode.Cease, CeaseSubcode.AdministrativeShutdown);
  }
  const data = encodeShutdownCommunication(shutdownMessage);
  return { ...notification(ErrorCode.Cease, CeaseSubcode.AdministrativeShutdown, data), shutdownMessage: data.subarray(1).toString('utf8') };
}

/** RFC 6608 §4: Finite State Machine Error with the subcode naming the state the unexpected event arrived in. */
export function fsmErrorNotification(state: FsmState): NotificationMessage {
  switch (state) {
    case 'OpenSent':
      return notification(ErrorCode.FiniteStateMachine, FsmSubcode.UnexpectedMessageInOpenSent);
    case 'OpenConfirm':
      return notification(ErrorCode.FiniteStateMachine, FsmSubcode.UnexpectedMessageInOpenConfirm);
    case 'Established':
      return notification(ErrorCode.FiniteStateMachine, FsmSubcode.UnexpectedMessageInEstablished);
    default:
      return notification(ErrorCode.FiniteStateMachine, FsmSubcode.Unspecified);
  }
}
