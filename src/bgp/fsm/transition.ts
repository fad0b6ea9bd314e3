// The RFC 4271 §8.2.2 finite state machine as one pure, total function: (context, event) → { next, actions, reason }.
// Every state handles every event, either by the RFC text for that state or as "ignored in <state>"; every result says
// why in words an operator can read in a log or in `node status`. No sockets, timers or clocks here: the session shell
// executes the actions and turns what happens on the wire and on its timers back into events.
//
// Where Gingham departs from the letter of §8.2.2, the rule says why at the place it is applied:
// - no DelayOpen, no SendNOTIFICATIONwithoutOPEN, no CollisionDetectEstablishedState (all optional in the RFC);
// - a failed outbound connect in Connect goes to Active and retries on the ConnectRetryTimer (the RFC's DelayOpen
//   branch), instead of falling to Idle, so a peer that is not up yet is retried with the connect back-off;
// - every error that drops the session arms the damped automatic restart (steps.toIdle);
// - a NOTIFICATION is never answered with a NOTIFICATION; header errors always carry their own NOTIFICATION (§6.1).
import { ErrorCode, OpenSubcode, CeaseSubcode } from '../packet/constants';
import type { NotificationMessage, OpenMessage } from '../packet/types';
import type { FsmAction } from './actions';
import { peerAsnOf, type FsmContext } from './context';
import type { FsmEvent } from './events';
import { negotiateTimers, sendHoldSecondsFor } from './negotiation';
import {
  fsmErrorNotification,
  notification,
  notificationFromError,
  shutdownNotification,
} from './notification';
import { describeNotification } from '../packet/notification';
import {
  backToActive,
  enterOpenSent,
  ignored,
  retryConnect,
  send,
  sentText,
  start,
  startTimer,
  stopTimer,
  toIdle,
  type FsmResult,
} from './steps';

/** Seconds before the second outbound attempt when the first one failed (see Connect + TcpConnectionFails). */
export const FIRST_RETRY_SECONDS = 1;

export type { FsmResult } from './steps';

const KEEPALIVE = { type: 'keepalive' } as const;

/** The message an event stands for, as an operator would name it ("UPDATE"), or the event name. */
function eventLabel(event: FsmEvent): string {
  switch (event.type) {
    case 'BGPOpen':
      return 'OPEN';
    case 'KeepAliveMsg':
      return 'KEEPALIVE';
    case 'UpdateMsg':
      return 'UPDATE';
    case 'UpdateMsgErr':
      return 'malformed UPDATE';
    case 'RouteRefreshMsg':
      return 'ROUTE-REFRESH';
    case 'NotifMsg':
    case 'NotifMsgVerErr':
      return `NOTIFICATION (${describeNotification(event.notification)})`;
    case 'BGPOpenMsgErr':
      return 'malformed OPEN';
    default:
      return event.type;
  }
}

/** A NOTIFICATION with OPEN Message Error / Unsupported Version Number is event 24, whatever the shell called it. */
function normalize(event: FsmEvent): FsmEvent {
  if (
    event.type === 'NotifMsg' &&
    event.notification.code === ErrorCode.OpenMessage &&
    event.notification.subcode === OpenSubcode.UnsupportedVersionNumber
  ) {
    return { type: 'NotifMsgVerErr', notification: event.notification };
  }
  return event;
}

export function transition(ctx: FsmContext, rawEvent: FsmEvent): FsmResult {
  const event = normalize(rawEvent);
  switch (ctx.state) {
    case 'Idle':
      return idle(ctx, event);
    case 'Connect':
      return connecting(ctx, event);
    case 'Active':
      return connecting(ctx, event);
    case 'OpenSent':
      return openSent(ctx, event);
    case 'OpenConfirm':
      return openConfirm(ctx, event);
    case 'Established':
      return established(ctx, event);
  }
}

// ------------------------------------------------------------------------------------------------ shared rules

/** Error → Idle with the NOTIFICATION `notify` sent first, counter incremented, damped restart. */
function failWith(ctx: FsmContext, cause: string, notify: NotificationMessage): FsmResult {
  return toIdle(ctx, `${cause}: ${sentText(notify)}`, { notify, counter: 'increment', restart: 'damp', isError: true });
}

/** Error → Idle without a NOTIFICATION (none is owed: no OPEN sent yet, or the peer already sent one). */
function failSilently(ctx: FsmContext, cause: string, received?: NotificationMessage): FsmResult {
  return toIdle(ctx, cause, {
    counter: 'increment',
    restart: 'damp',
    isError: true,
    ...(received !== undefined ? { received } : {}),
  });
}

function manualStop(ctx: FsmContext, shutdownMessage: string | undefined, withNotification: boolean): FsmResult {
  if (!withNotification) {
    // No OPEN has been sent on this connection yet, so there is no session to notify.
    const what = shutdownMessage !== undefined && shutdownMessage !== '' ? `manual stop: ${shutdownMessage}` : 'manual stop';
    return toIdle(ctx, what, { counter: 'reset', restart: 'none', isError: false });
  }
  // RFC 4486 §4 / RFC 9003: Cease / Administrative Shutdown, with the operator's message.
  const notify = shutdownNotification(shutdownMessage);
  return toIdle(ctx, `manual stop: ${sentText(notify)}`, { notify, counter: 'reset', restart: 'none', isError: false });
}

/** RFC 6608: an event this state does not expect is a Finite State Machine Error naming the state. */
function unexpected(ctx: FsmContext, event: FsmEvent): FsmResult {
  return failWith(ctx, `unexpected ${eventLabel(event)} in ${ctx.state}`, fsmErrorNotification(ctx.state));
}

function received(event: { notification: NotificationMessage }): string {
  return `NOTIFICATION received: ${describeNotification(event.notification)}`;
}

/** OpenCollisionDump: close with Cease / Connection Collision Resolution (RFC 4486 §4, subcode 7). */
function collisionDump(ctx: FsmContext): FsmResult {
  const notify = notification(ErrorCode.Cease, CeaseSubcode.ConnectionCollisionResolution);
  // The peer's session continues over the other connection, so this one gets no automatic restart of its own.
  return toIdle(ctx, `connection lost collision resolution (RFC 4271 §6.8): ${sentText(notify)}`, {
    notify,
    counter: 'increment',
    restart: 'none',
    isError: true,
  });
}

function secondConnection(ctx: FsmContext, event: FsmEvent): FsmResult {
  return ignored(ctx, event, 'a second connection is tracked by the session for collision detection (RFC 4271 §6.8)');
}

// ------------------------------------------------------------------------------------------------ Idle

function idle(ctx: FsmContext, event: FsmEvent): FsmResult {
  const mode = ctx.config.passive ? 'passive' : 'active';
  switch (event.type) {
    case 'ManualStart': {
      // RFC 4271 §8.2.2 Idle, event 1: "sets ConnectRetryCounter to zero". A fresh start forgets the last error.
      const { lastError: _l, ...rest } = ctx;
      return start({ ...rest }, mode, 'manual start', { connectRetryCounter: 0 });
    }
    case 'ManualStartPassive': {
      const { lastError: _l, ...rest } = ctx;
      return start({ ...rest }, 'passive', 'manual start (passive)', { connectRetryCounter: 0 });
    }
    case 'AutomaticStart':
      return start(ctx, mode, ctx.autoRestartPending ? 'automatic start (idle hold timer cancelled)' : 'automatic start');
    case 'IdleHoldTimerExpires':
      if (!ctx.autoRestartPending) return ignored(ctx, event, 'no automatic restart pending');
      return start(ctx, mode, 'idle hold timer expired');
    case 'ManualStop':
      // The RFC ignores ManualStop in Idle; a pending automatic restart is what the operator means to stop.
      if (!ctx.autoRestartPending) return ignored(ctx, event);
      return {
        next: { ...ctx, autoRestartPending: false, connectRetryCounter: 0 },
        actions: [stopTimer('idleHold')],
        reason: 'manual stop: automatic restart cancelled',
      };
    default:
      // RFC 4271 §8.2.2: "Any other event ... received in the Idle state does not cause change in the state".
      // The shell refuses inbound connections while Idle.
      return ignored(ctx, event);
  }
}

// ------------------------------------------------------------------------------------------------ Connect, Active

function connecting(ctx: FsmContext, event: FsmEvent): FsmResult {
  const inConnect = ctx.state === 'Connect';
  switch (event.type) {
    case 'ManualStart':
    case 'ManualStartPassive':
    case 'AutomaticStart':
      return ignored(ctx, event, 'already started');
    case 'ManualStop':
      return manualStop(ctx, event.shutdownMessage, false);
    case 'ConnectRetryTimerExpires':
      // A passive peer arms no ConnectRetryTimer; an expiry can only be stale.
      if (ctx.config.passive) return ignored(ctx, event, 'passive peers never connect');
      return retryConnect(ctx);
    case 'TcpCrAcked':
      return enterOpenSent(ctx, 'outbound');
    case 'TcpConnectionConfirmed':
      return enterOpenSent(ctx, 'inbound');
    case 'TcpConnectionFails': {
      const detail = `TCP connection failed${event.detail !== undefined ? ` (${event.detail})` : ''}`;
      if (inConnect && ctx.connectAttempts === 0) {
        // The first attempt since the start failed (refused: the peer's host is up, its speaker perhaps restarting,
        // as every speaker does at once when the AS number changes): one quick retry instead of waiting out the
        // ConnectRetryTimer (RFC 4271 §10 leaves ConnectRetryTime to the implementation). Later failures wait it out.
        const quick = Math.min(FIRST_RETRY_SECONDS, ctx.config.connectRetrySeconds);
        return {
          next: { ...ctx, state: 'Active' },
          actions: [{ type: 'drop-connection' }, startTimer('connectRetry', quick)],
          reason: `${detail}: listening, first retry in ${quick}s`,
        };
      }
      if (inConnect) {
        // The ConnectRetryTimer started with this attempt keeps running; its expiry brings the next attempt.
        return {
          next: { ...ctx, state: 'Active' },
          actions: [{ type: 'drop-connection' }],
          reason: `${detail}: listening, retrying when the connect retry timer expires`,
        };
      }
      // RFC 4271 §8.2.2 Active, event 18.
      return failSilently(ctx, detail);
    }
    case 'SendHoldTimerExpires':
    case 'IdleHoldResetTimerExpires':
      // Armed only in Established (RFC 9687 §4; steps.ts); an expiry here is stale.
      return ignored(ctx, event, 'timer not armed in this state');
    case 'NotifMsgVerErr':
    case 'NotifMsg':
      return failSilently(ctx, received(event), event.notification);
    case 'BGPHeaderErr':
    case 'BGPOpenMsgErr':
    case 'UpdateMsgErr':
      // No OPEN sent yet, so no NOTIFICATION (SendNOTIFICATIONwithoutOPEN is not implemented).
      return failSilently(ctx, `${eventLabel(event)} in ${ctx.state}: ${event.error.message}`);
    default:
      // RFC 4271 §8.2.2 Connect / Active: "In response to any other event", release, drop, count, damp, Idle.
      return failSilently(ctx, `unexpected ${eventLabel(event)} in ${ctx.state}`);
  }
}

// ------------------------------------------------------------------------------------------------ OpenSent

function openSent(ctx: FsmContext, event: FsmEvent): FsmResult {
  switch (event.type) {
    case 'ManualStart':
    case 'ManualStartPassive':
    case 'AutomaticStart':
      return ignored(ctx, event, 'already started');
    case 'ManualStop':
      return manualStop(ctx, event.shutdownMessage, true);
    case 'AutomaticStop':
      return failWith(ctx, `automatic stop: ${event.detail}`, notification(ErrorCode.Cease, event.subcode));
    case 'HoldTimerExpires':
      return failWith(
        ctx,
        `hold timer expired waiting for OPEN (${ctx.openSentHoldSeconds ?? ctx.config.openSentHoldSeconds}s)`,
        notification(ErrorCode.HoldTimerExpired, 0),
      );
    case 'TcpCrAcked':
    case 'TcpConnectionConfirmed':
      return secondConnection(ctx, event);
    case 'TcpConnectionFails':
      return backToActive(ctx, `TCP connection failed before the peer's OPEN${event.detail !== undefined ? ` (${event.detail})` : ''}`);
    case 'BGPOpen':
      return openReceived(ctx, event.open);
    case 'BGPHeaderErr':
    case 'BGPOpenMsgErr':
      return failWith(ctx, event.error.detail, notificationFromError(event.error));
    case 'OpenCollisionDump':
      return collisionDump(ctx);
    case 'NotifMsgVerErr':
      // RFC 4271 §8.2.2 OpenSent, event 24: no ConnectRetryCounter increment (the peer only declined version 4).
      return toIdle(ctx, received(event), { received: event.notification, counter: 'keep', restart: 'damp', isError: true });
    case 'NotifMsg':
      return failSilently(ctx, received(event), event.notification);
    case 'SendHoldTimerExpires':
    case 'IdleHoldResetTimerExpires':
      return ignored(ctx, event, 'timer not armed in this state');
    default:
      // Events 9, 11, 13, 26, 27, 28 and ROUTE-REFRESH: RFC 4271 §8.2.2 "any other event" + RFC 6608 subcode 1.
      return unexpected(ctx, event);
  }
}

/** OpenSent + valid OPEN (event 19): negotiate timers, send KEEPALIVE, go to OpenConfirm. */
function openReceived(ctx: FsmContext, open: OpenMessage): FsmResult {
  const who = `OPEN from AS ${peerAsnOf(open)} id ${open.bgpId}`;
  // RFC 4271 §6.2: "An implementation MUST reject Hold Time values of one or two seconds." The shell checks OPENs; this
  // keeps a session from ever running with a 1-2 s hold time should one slip through.
  if (open.holdTime === 1 || open.holdTime === 2) {
    return failWith(ctx, `${who} offers hold time ${open.holdTime}s`, notification(ErrorCode.OpenMessage, OpenSubcode.UnacceptableHoldTime));
  }
  const timers = negotiateTimers(ctx.config, open.holdTime);
  const actions: FsmAction[] = [stopTimer('connectRetry'), send(KEEPALIVE)];
  let timerText: string;
  if (timers.holdTimeSeconds === 0) {
    // RFC 4271 §8.2.2 OpenSent: "If the negotiated hold time value is zero, then the HoldTimer and KeepaliveTimer are
    // not started" (and the large OpenSent hold timer must not keep running).
    actions.push(stopTimer('hold'), stopTimer('keepalive'));
    timerText = 'hold time 0: no hold timer, no keepalives';
  } else {
    actions.push(startTimer('hold', timers.holdTimeSeconds), startTimer('keepalive', timers.keepaliveSeconds));
    timerText = `hold time ${timers.holdTimeSeconds}s, keepalive ${timers.keepaliveSeconds}s`;
  }
  return {
    next: {
      ...ctx,
      state: 'OpenConfirm',
      negotiatedHoldSeconds: timers.holdTimeSeconds,
      negotiatedKeepaliveSeconds: timers.keepaliveSeconds,
      peerOpen: open,
    },
    actions,
    reason: `received ${who} (${timerText}): KEEPALIVE sent`,
  };
}

// ------------------------------------------------------------------------------------------------ OpenConfirm

/** KeepaliveTimer_Expires in OpenConfirm and Established: send KEEPALIVE, re-arm the timer. */
function keepaliveDue(ctx: FsmContext): FsmResult {
  const interval = ctx.negotiatedKeepaliveSeconds ?? 0;
  const actions: FsmAction[] = [send(KEEPALIVE)];
  if (interval > 0) actions.push(startTimer('keepalive', interval));
  return { next: ctx, actions, reason: interval > 0 ? `keepalive timer expired: KEEPALIVE sent (next in ${interval}s)` : 'KEEPALIVE sent' };
}

function holdExpired(ctx: FsmContext): FsmResult {
  return failWith(ctx, `hold timer expired (${ctx.negotiatedHoldSeconds ?? 0}s)`, notification(ErrorCode.HoldTimerExpired, 0));
}

/** Restart the HoldTimer on a message from the peer, unless the negotiated hold time is zero. */
function holdRestart(ctx: FsmContext): FsmAction[] {
  const hold = ctx.negotiatedHoldSeconds ?? 0;
  return hold > 0 ? [startTimer('hold', hold)] : [];
}

function openConfirm(ctx: FsmContext, event: FsmEvent): FsmResult {
  switch (event.type) {
    case 'ManualStart':
    case 'ManualStartPassive':
    case 'AutomaticStart':
      return ignored(ctx, event, 'already started');
    case 'ManualStop':
      return manualStop(ctx, event.shutdownMessage, true);
    case 'AutomaticStop':
      return failWith(ctx, `automatic stop: ${event.detail}`, notification(ErrorCode.Cease, event.subcode));
    case 'HoldTimerExpires':
      return holdExpired(ctx);
    case 'KeepaliveTimerExpires':
      return keepaliveDue(ctx);
    case 'TcpCrAcked':
    case 'TcpConnectionConfirmed':
      return secondConnection(ctx, event);
    case 'TcpConnectionFails':
      return failSilently(ctx, `TCP connection failed in OpenConfirm${event.detail !== undefined ? ` (${event.detail})` : ''}`);
    case 'NotifMsgVerErr':
      return toIdle(ctx, received(event), { received: event.notification, counter: 'keep', restart: 'damp', isError: true });
    case 'NotifMsg':
      return failSilently(ctx, received(event), event.notification);
    case 'BGPHeaderErr':
    case 'BGPOpenMsgErr':
      return failWith(ctx, event.error.detail, notificationFromError(event.error));
    case 'OpenCollisionDump':
      return collisionDump(ctx);
    case 'KeepAliveMsg':
      return establish(ctx);
    case 'SendHoldTimerExpires':
    case 'IdleHoldResetTimerExpires':
      return ignored(ctx, event, 'timer not armed in this state');
    default:
      // Events 9, 13, 27, 28, ROUTE-REFRESH, and a second OPEN on this connection (collisions between two connections
      // reach us as OpenCollisionDump): RFC 4271 §8.2.2 "any other event" + RFC 6608 subcode 2.
      return unexpected(ctx, event);
  }
}

/** OpenConfirm + KEEPALIVE (event 26): the session is up. */
function establish(ctx: FsmContext): FsmResult {
  const hold = ctx.negotiatedHoldSeconds ?? 0;
  const keepalive = ctx.negotiatedKeepaliveSeconds ?? 0;
  const sendHold = sendHoldSecondsFor(ctx.config, hold);
  const actions: FsmAction[] = [...holdRestart(ctx)];
  // RFC 9687 §4: the SendHoldTimer starts on entering Established when the send hold time is non-zero.
  if (sendHold > 0) actions.push(startTimer('sendHold', sendHold));
  actions.push(startTimer('idleHoldReset', ctx.config.errorForgetSeconds));
  const peerOpen = ctx.peerOpen;
  if (peerOpen !== undefined) {
    actions.push({ type: 'session-established', holdTimeSeconds: hold, keepaliveSeconds: keepalive, sendHoldSeconds: sendHold, peerOpen });
  }
  const who = peerOpen !== undefined ? ` with AS ${peerAsnOf(peerOpen)} id ${peerOpen.bgpId}` : '';
  return {
    next: { ...ctx, state: 'Established', establishedTransitions: ctx.establishedTransitions + 1 },
    actions,
    reason: `KEEPALIVE received: session established${who} (hold ${hold}s, keepalive ${keepalive}s)`,
  };
}

// ------------------------------------------------------------------------------------------------ Established

function established(ctx: FsmContext, event: FsmEvent): FsmResult {
  switch (event.type) {
    case 'ManualStart':
    case 'ManualStartPassive':
    case 'AutomaticStart':
      return ignored(ctx, event, 'already started');
    case 'ManualStop':
      return manualStop(ctx, event.shutdownMessage, true);
    case 'AutomaticStop':
      return failWith(ctx, `automatic stop: ${event.detail}`, notification(ErrorCode.Cease, event.subcode));
    case 'HoldTimerExpires':
      return holdExpired(ctx);
    case 'KeepaliveTimerExpires':
      return keepaliveDue(ctx);
    case 'SendHoldTimerExpires': {
      // RFC 9687 §4: close the session the peer has stopped reading from; the NOTIFICATION is best effort.
      const hold = sendHoldSecondsFor(ctx.config, ctx.negotiatedHoldSeconds ?? 0);
      return failWith(ctx, `send hold timer expired (${hold}s without write progress)`, notification(ErrorCode.SendHoldTimerExpired, 0));
    }
    case 'IdleHoldResetTimerExpires':
      return {
        next: { ...ctx, idleHoldSeconds: ctx.config.idleHoldInitialSeconds, connectRetryCounter: 0 },
        actions: [],
        reason: `session stable for ${ctx.config.errorForgetSeconds}s: damping reset (next error waits ${ctx.config.idleHoldInitialSeconds}s)`,
      };
    case 'TcpCrAcked':
    case 'TcpConnectionConfirmed':
      return ignored(ctx, event, 'a new connection colliding with an Established session is closed by the session (RFC 4271 §6.8)');
    case 'TcpConnectionFails':
      return failSilently(ctx, `TCP connection failed${event.detail !== undefined ? ` (${event.detail})` : ''}`);
    case 'NotifMsgVerErr':
    case 'NotifMsg':
      return failSilently(ctx, received(event), event.notification);
    case 'BGPHeaderErr':
      // RFC 4271 §6.1: a header error is reported with its own code, in every state (§8.2.2 lists event 21 under "any
      // other event" for Established, which would send an FSM error instead; BIRD and FRR follow §6.1).
      return failWith(ctx, event.error.detail, notificationFromError(event.error));
    case 'UpdateMsgErr':
      return failWith(ctx, event.error.detail, notificationFromError(event.error));
    case 'OpenCollisionDump':
      return collisionDump(ctx);
    case 'KeepAliveMsg':
      return { next: ctx, actions: holdRestart(ctx), reason: 'KEEPALIVE received' };
    case 'UpdateMsg':
      return { next: ctx, actions: [...holdRestart(ctx), { type: 'process-update', ...(event.update !== undefined ? { update: event.update } : {}) }], reason: 'UPDATE received' };
    case 'RouteRefreshMsg':
      // RFC 4271 names KEEPALIVE and UPDATE as restarting the hold timer; any message proves the peer alive, and BIRD
      // and FRR restart it on every message, so ROUTE-REFRESH does too.
      return {
        next: ctx,
        actions: [...holdRestart(ctx), { type: 'process-route-refresh', ...(event.message !== undefined ? { message: event.message } : {}) }],
        reason: 'ROUTE-REFRESH received',
      };
    default:
      // Events 9, 13, an OPEN (valid or not): RFC 4271 §8.2.2 "any other event" + RFC 6608 subcode 3.
      return unexpected(ctx, event);
  }
}
