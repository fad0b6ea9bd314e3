// The inputs of the FSM: RFC 4271 §8.1 events (same names, numbers in the comments), plus the few Gingham adds.
// The session shell produces them: timer expiries from the timers it armed on our request, TCP events from its
// sockets, message events after it has decoded and validated what arrived (OPEN checks of RFC 4271 §6.2 and RFC 6286
// §2.2 happen there and arrive here as BGPOpenMsgErr). This module owns the event shapes; it holds types only, plus
// the list of event names the tests use to prove the transition function total.
import type { BgpError } from '../packet/bgp-error';
import type { DecodedUpdate, NotificationMessage, OpenMessage, RouteRefreshMessage } from '../packet/types';

export type FsmEvent =
  /** Event 1: the operator (or configuration) starts the session; connects actively unless config.passive. */
  | { readonly type: 'ManualStart' }
  /**
   * Event 4 (ManualStart_with_PassiveTcpEstablishment): listen first. Without config.passive the ConnectRetryTimer
   * still runs and, when it expires, we connect as the RFC says; with config.passive we never connect.
   */
  | { readonly type: 'ManualStartPassive' }
  /** Event 2: stop the session; sends Cease / Administrative Shutdown with the RFC 9003 message when given. */
  | { readonly type: 'ManualStop'; readonly shutdownMessage?: string }
  /**
   * Event 3: a start the system decides on by itself. The FSM arms the idleHold timer after an error; a shell may
   * deliver IdleHoldTimerExpires when it fires, or AutomaticStart at a time of its choosing (which cancels the timer).
   */
  | { readonly type: 'AutomaticStart' }
  /**
   * Event 8: the system ends the session (maximum prefixes reached, peer de-configured...). Sends Cease with this
   * subcode (RFC 4486); damping applies as after any error.
   */
  | { readonly type: 'AutomaticStop'; readonly subcode: number; readonly detail: string }
  /** Event 9. */
  | { readonly type: 'ConnectRetryTimerExpires' }
  /** Event 10. */
  | { readonly type: 'HoldTimerExpires' }
  /** Event 11. */
  | { readonly type: 'KeepaliveTimerExpires' }
  /** Event 13: the damping delay after an error is over; starts the session again (actively or passively). */
  | { readonly type: 'IdleHoldTimerExpires' }
  /** Gingham: the session stayed Established for errorForgetSeconds, so the damping back-off starts over. */
  | { readonly type: 'IdleHoldResetTimerExpires' }
  /** RFC 9687 event 29: nothing could be written to the peer for the send hold time. */
  | { readonly type: 'SendHoldTimerExpires' }
  /** Event 16 (Tcp_CR_Acked): our outbound connect succeeded. */
  | { readonly type: 'TcpCrAcked' }
  /** Event 17 (TcpConnectionConfirmed): we accepted an inbound connection from the peer. */
  | { readonly type: 'TcpConnectionConfirmed' }
  /** Event 18: the connection failed or closed; detail ("ECONNREFUSED", "connection reset") goes into the reason. */
  | { readonly type: 'TcpConnectionFails'; readonly detail?: string }
  /** Event 19: a valid OPEN (the shell has run the RFC 4271 §6.2 checks). */
  | { readonly type: 'BGPOpen'; readonly open: OpenMessage }
  /** Event 21: a message header error (RFC 4271 §6.1); error carries the NOTIFICATION to send. */
  | { readonly type: 'BGPHeaderErr'; readonly error: BgpError }
  /** Event 22: an OPEN message error (RFC 4271 §6.2); error carries the NOTIFICATION to send. */
  | { readonly type: 'BGPOpenMsgErr'; readonly error: BgpError }
  /** Event 23: collision detection (RFC 4271 §6.8, collision.ts) chose to close this connection. */
  | { readonly type: 'OpenCollisionDump' }
  /** Event 24: a NOTIFICATION with OPEN Message Error / Unsupported Version Number. */
  | { readonly type: 'NotifMsgVerErr'; readonly notification: NotificationMessage }
  /** Event 25: any other NOTIFICATION (a 2/1 delivered here is treated as NotifMsgVerErr). */
  | { readonly type: 'NotifMsg'; readonly notification: NotificationMessage }
  /** Event 26. */
  | { readonly type: 'KeepAliveMsg' }
  /** Event 27: a valid UPDATE; `update` is handed back untouched in the process-update action. */
  | { readonly type: 'UpdateMsg'; readonly update?: DecodedUpdate }
  /** Event 28: an UPDATE error whose RFC 7606 handling is session-reset; error carries the NOTIFICATION to send. */
  | { readonly type: 'UpdateMsgErr'; readonly error: BgpError }
  /** RFC 2918 / RFC 7313 ROUTE-REFRESH (no RFC 4271 event number); handed back in process-route-refresh. */
  | { readonly type: 'RouteRefreshMsg'; readonly message?: RouteRefreshMessage };

export type FsmEventType = FsmEvent['type'];

// A Record forces this list to name every event type: adding one to the union without listing it fails to compile.
const EVENT_TYPE_SET: Record<FsmEventType, true> = {
  ManualStart: true,
  ManualStartPassive: true,
  ManualStop: true,
  AutomaticStart: true,
  AutomaticStop: true,
  ConnectRetryTimerExpires: true,
  HoldTimerExpires: true,
  KeepaliveTimerExpires: true,
  IdleHoldTimerExpires: true,
  IdleHoldResetTimerExpires: true,
  SendHoldTimerExpires: true,
  TcpCrAcked: true,
  TcpConnectionConfirmed: true,
  TcpConnectionFails: true,
  BGPOpen: true,
  BGPHeaderErr: true,
  BGPOpenMsgErr: true,
  OpenCollisionDump: true,
  NotifMsgVerErr: true,
  NotifMsg: true,
  KeepAliveMsg: true,
  UpdateMsg: true,
  UpdateMsgErr: true,
  RouteRefreshMsg: true,
};

/** Every event type name. */
export const FSM_EVENT_TYPES: readonly FsmEventType[] = Object.keys(EVENT_TYPE_SET) as FsmEventType[];
