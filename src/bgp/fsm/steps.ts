// Building blocks shared by the per-state rules of transition.ts: the common multi-step moves of RFC 4271 §8.2.2
// ("release all BGP resources, drop the TCP connection, increment the ConnectRetryCounter, perform peer oscillation
// damping, go to Idle"), written once so every state does them the same way. Pure: each returns the next context,
// the actions in execution order and the reason.
import type { BgpMessage, NotificationMessage } from '../packet/types';
import type { FsmAction, TimerName } from './actions';
import { connectRetryDelaySeconds, nextIdleHoldSeconds } from './backoff';
import { buildOpen, type FsmContext, type FsmLastError } from './context';
import type { FsmEvent } from './events';
import { describeNotification } from '../packet/notification';

export interface FsmResult {
  readonly next: FsmContext;
  readonly actions: FsmAction[];
  readonly reason: string;
}

/** Every timer that belongs to a connection (idleHold belongs to the peer and survives the connection). */
const CONNECTION_TIMERS: readonly TimerName[] = ['connectRetry', 'hold', 'keepalive', 'sendHold', 'idleHoldReset'];

export function startTimer(timer: TimerName, seconds: number): FsmAction {
  return { type: 'start-timer', timer, ms: seconds * 1000 };
}

export function stopTimer(timer: TimerName): FsmAction {
  return { type: 'stop-timer', timer };
}

export function send(message: BgpMessage): FsmAction {
  return { type: 'send', message };
}

export function ignored(ctx: FsmContext, event: FsmEvent, why?: string): FsmResult {
  return { next: ctx, actions: [], reason: `${event.type} ignored in ${ctx.state}${why !== undefined ? `: ${why}` : ''}` };
}

/** How a session start listens and connects. */
export type StartMode = 'active' | 'passive';

/**
 * Idle → Connect or Active (RFC 4271 §8.2.2 Idle, events 1, 3, 4, 5): start the ConnectRetryTimer and connect, or
 * only listen. A peer configured passive never connects, so it needs no ConnectRetryTimer at all.
 */
export function start(ctx: FsmContext, mode: StartMode, what: string, extra: Partial<FsmContext> = {}): FsmResult {
  const retry = connectRetryDelaySeconds(ctx.config, 0);
  const actions: FsmAction[] = [stopTimer('idleHold')];
  const base = { ...ctx, ...extra, connectAttempts: 0, autoRestartPending: false };
  if (mode === 'active') {
    actions.push(startTimer('connectRetry', retry), { type: 'connect' });
    return { next: { ...base, state: 'Connect' }, actions, reason: `${what}: connecting to the peer (retry in ${retry}s)` };
  }
  if (ctx.config.passive) {
    return { next: { ...base, state: 'Active' }, actions, reason: `${what}: waiting for the peer to connect (passive)` };
  }
  actions.push(startTimer('connectRetry', retry));
  return {
    next: { ...base, state: 'Active' },
    actions,
    reason: `${what}: listening for the peer, connecting in ${retry}s if it does not`,
  };
}

/**
 * Connect/Active → OpenSent on a TCP connection (events 16, 17): stop the ConnectRetryTimer, send our OPEN and wait for
 * the peer's under the large OpenSent hold time (RFC 4271 §8.2.2: "sets the HoldTimer to a large value"), or, on a
 * connection the peer opened, under the short open-wait (a peer that connects sends its OPEN at once; a connection
 * that does not is half-open and must not hold the peer's slot for minutes).
 */
export function enterOpenSent(ctx: FsmContext, direction: 'outbound' | 'inbound'): FsmResult {
  const hold = direction === 'inbound' ? ctx.config.openWaitSeconds : ctx.config.openSentHoldSeconds;
  return {
    next: { ...ctx, state: 'OpenSent', connectAttempts: 0, openSentHoldSeconds: hold },
    actions: [stopTimer('connectRetry'), send(buildOpen(ctx.config)), startTimer('hold', hold)],
    reason: `TCP connection established (${direction}): OPEN sent, waiting ${hold}s for the peer's OPEN`,
  };
}

/** One more outbound attempt after the ConnectRetryTimer expired, with the connect back-off. */
export function retryConnect(ctx: FsmContext): FsmResult {
  const attempts = ctx.connectAttempts + 1;
  const retry = connectRetryDelaySeconds(ctx.config, attempts);
  return {
    next: { ...ctx, state: 'Connect', connectAttempts: attempts },
    actions: [{ type: 'drop-connection' }, startTimer('connectRetry', retry), { type: 'connect' }],
    reason: `connect retry timer expired: connecting again (attempt ${attempts + 1}, next retry in ${retry}s)`,
  };
}

/**
 * OpenSent → Active when the TCP connection fails before the peer's OPEN (RFC 4271 §8.2.2 OpenSent, event 18): close,
 * restart the ConnectRetryTimer and listen.
 */
export function backToActive(ctx: FsmContext, detail: string): FsmResult {
  const actions: FsmAction[] = [{ type: 'drop-connection' }, stopTimer('hold')];
  let tail: string;
  if (ctx.config.passive) {
    actions.push(stopTimer('connectRetry'));
    tail = 'waiting for the peer to connect (passive)';
  } else {
    const retry = connectRetryDelaySeconds(ctx.config, ctx.connectAttempts);
    actions.push(startTimer('connectRetry', retry));
    tail = `listening, connecting again in ${retry}s`;
  }
  return { next: { ...ctx, state: 'Active' }, actions, reason: `${detail}: ${tail}` };
}

export interface IdleOptions {
  /** Sent before the connection is dropped (RFC 4271 §6: a NOTIFICATION precedes the close of an erroneous session). */
  readonly notify?: NotificationMessage;
  /** The NOTIFICATION the peer sent, recorded in lastError. */
  readonly received?: NotificationMessage;
  /** Increment the ConnectRetryCounter (true on errors), or reset it (manual stop). */
  readonly counter: 'increment' | 'keep' | 'reset';
  /**
   * 'damp': arm the idleHold timer so the session restarts by itself after the damping delay, and double the delay for
   * next time. 'none': stay in Idle until a start event (manual stop, or a collision loser whose peer session lives
   * on over the other connection).
   */
  readonly restart: 'damp' | 'none';
  /** Record the cause in lastError (false for a manual stop: not an error). */
  readonly isError: boolean;
}

/**
 * Any state → Idle: optionally send a NOTIFICATION, drop the connection, stop the connection's timers, tell the RIB
 * when an Established session ends, and arm the damping timer. RFC 4271 §8.2.2 leaves the restart from Idle to
 * AutomaticStart events; in Gingham those are the idleHold timer expiries armed here, so that every error is followed
 * by a damped automatic restart, as BIRD's "error wait time" does.
 */
export function toIdle(ctx: FsmContext, cause: string, opts: IdleOptions): FsmResult {
  const actions: FsmAction[] = [];
  if (opts.notify !== undefined) actions.push(send(opts.notify));
  actions.push({ type: 'drop-connection' });
  for (const t of CONNECTION_TIMERS) actions.push(stopTimer(t));
  let reason = cause;
  if (ctx.state === 'Established') actions.push({ type: 'session-down', reason: cause });
  let idleHoldSeconds = ctx.idleHoldSeconds;
  // An extra connection's FSM (RFC 4271 §6.8: one per connection until the collision is settled) never restarts by
  // itself: the peer's session restarts from its own FSM, so a restart announced here would not happen.
  const damp = opts.restart === 'damp' && ctx.config.autoRestart;
  if (damp) {
    actions.push(startTimer('idleHold', ctx.idleHoldSeconds));
    reason = `${cause}; automatic restart in ${ctx.idleHoldSeconds}s`;
    idleHoldSeconds = nextIdleHoldSeconds(ctx.config, ctx.idleHoldSeconds);
  } else {
    actions.push(stopTimer('idleHold'));
  }
  const connectRetryCounter =
    opts.counter === 'increment' ? ctx.connectRetryCounter + 1 : opts.counter === 'reset' ? 0 : ctx.connectRetryCounter;
  let lastError: FsmLastError | undefined = ctx.lastError;
  if (opts.isError) {
    lastError = {
      reason: cause,
      ...(opts.notify !== undefined ? { sent: { code: opts.notify.code, subcode: opts.notify.subcode } } : {}),
      ...(opts.received !== undefined
        ? {
            received: {
              code: opts.received.code,
              subcode: opts.received.subcode,
              ...(opts.received.shutdownMessage !== undefined ? { shutdownMessage: opts.received.shutdownMessage } : {}),
            },
          }
        : {}),
    };
  }
  // "Releases all BGP resources": nothing negotiated survives the connection.
  const { negotiatedHoldSeconds: _h, negotiatedKeepaliveSeconds: _k, peerOpen: _p, lastError: _l, ...rest } = ctx;
  const next: FsmContext = {
    ...rest,
    state: 'Idle',
    connectRetryCounter,
    idleHoldSeconds,
    autoRestartPending: damp,
    ...(lastError !== undefined ? { lastError } : {}),
  };
  return { next, actions, reason };
}

/** The cause text for a NOTIFICATION we send: "sent Hold Timer Expired". */
export function sentText(n: NotificationMessage): string {
  return `sent ${describeNotification(n)}`;
}
