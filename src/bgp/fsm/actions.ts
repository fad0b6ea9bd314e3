// The outputs of the FSM: what the session shell must do, in order, after a transition. The FSM never performs I/O;
// these are plain data the shell executes (write to the socket, arm or cancel a timer, tell the RIB).
// This module owns the action shapes and the timer-to-event mapping a shell needs to feed expiries back.
import type { BgpMessage, DecodedUpdate, OpenMessage, RouteRefreshMessage } from '../packet/types';
import type { FsmEvent } from './events';

/**
 * The session timers. connectRetry, hold, keepalive: RFC 4271 §10. idleHold: the damping delay before an automatic
 * restart (RFC 4271 §8.1.1 IdleHoldTimer). sendHold: RFC 9687. idleHoldReset: how long a session must stay
 * Established before the damping back-off is forgotten (BIRD "error forget time", OpenBGPD's IdleHoldReset).
 */
export type TimerName = 'connectRetry' | 'hold' | 'keepalive' | 'idleHold' | 'sendHold' | 'idleHoldReset';

export const TIMER_NAMES: readonly TimerName[] = ['connectRetry', 'hold', 'keepalive', 'idleHold', 'sendHold', 'idleHoldReset'];

export type FsmAction =
  /** Open an outbound TCP connection to the peer; report TcpCrAcked or TcpConnectionFails. */
  | { readonly type: 'connect' }
  /** Close the connection (and abandon a connect in progress) without sending anything more. */
  | { readonly type: 'drop-connection' }
  /** Write this message now. A NOTIFICATION is always followed by drop-connection in the same action list. */
  | { readonly type: 'send'; readonly message: BgpMessage }
  /** (Re)arm a timer: cancel it if armed, then fire after ms. */
  | { readonly type: 'start-timer'; readonly timer: TimerName; readonly ms: number }
  /** Cancel a timer; a no-op if it is not armed. */
  | { readonly type: 'stop-timer'; readonly timer: TimerName }
  /**
   * The session reached Established. The shell applies what the OPENs negotiated (codec options from peerOpen's
   * capabilities) and starts exchanging routes. sendHoldSeconds is 0 when the send hold timer is disabled; otherwise
   * the shell re-arms sendHold for that long whenever a write makes progress (RFC 9687 §4). RFC 4271 §8.2.2 also
   * restarts the KeepaliveTimer whenever an UPDATE is sent; the shell may do so (the FSM does not see UPDATE sends),
   * and not doing it only costs a few KEEPALIVEs more than needed.
   */
  | {
      readonly type: 'session-established';
      readonly holdTimeSeconds: number;
      readonly keepaliveSeconds: number;
      readonly sendHoldSeconds: number;
      readonly peerOpen: OpenMessage;
    }
  /** The Established session ended: release its resources (withdraw the peer's routes from the RIB). */
  | { readonly type: 'session-down'; readonly reason: string }
  /** Hand this UPDATE to the RIB. */
  | { readonly type: 'process-update'; readonly update?: DecodedUpdate }
  /** Re-advertise the Adj-RIB-Out for the requested family (RFC 2918 §4, RFC 7313). */
  | { readonly type: 'process-route-refresh'; readonly message?: RouteRefreshMessage };

export type FsmActionType = FsmAction['type'];

const TIMER_EVENTS: Record<TimerName, FsmEvent> = {
  connectRetry: { type: 'ConnectRetryTimerExpires' },
  hold: { type: 'HoldTimerExpires' },
  keepalive: { type: 'KeepaliveTimerExpires' },
  idleHold: { type: 'IdleHoldTimerExpires' },
  sendHold: { type: 'SendHoldTimerExpires' },
  idleHoldReset: { type: 'IdleHoldResetTimerExpires' },
};

/** The event a shell delivers when one of the timers it armed on our request fires. */
export function timerExpiryEvent(timer: TimerName): FsmEvent {
  return TIMER_EVENTS[timer];
}
