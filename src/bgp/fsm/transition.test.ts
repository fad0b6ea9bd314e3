import { BgpError } from '../packet/bgp-error';
import { CeaseSubcode, ErrorCode, OpenSubcode } from '../packet/constants';
import type { OpenMessage } from '../packet/types';
import { initialContext, type FsmContext } from './context';
import { FSM_EVENT_TYPES, type FsmEvent, type FsmEventType } from './events';
import { FSM_STATES, type FsmState } from './states';
import { CONFIG, EVENTS, at, deepFreeze, notif, peerOpen, run, summarize } from './testing/fixtures';
import { transition } from './transition';

// ------------------------------------------------------------------------------------------------ every state × event

type Want =
  | 'ignored'
  | {
      readonly state: FsmState;
      /** Must appear in this order (other actions may sit between them). */
      readonly actions: readonly string[];
      /** Must not appear at all. */
      readonly absent?: readonly string[];
    };

interface Case {
  readonly name: string;
  readonly from: FsmState;
  readonly event: FsmEventType;
  readonly want: Want;
}

const DAMP = 'start idleHold 5s';
/** Into Idle after an error with no NOTIFICATION owed: drop, damped restart. */
const idleSilent: Want = { state: 'Idle', actions: ['drop', DAMP], absent: ['send notification', 'connect', 'down'] };
const idleSilentDown: Want = { state: 'Idle', actions: ['drop', 'down', DAMP], absent: ['send notification'] };
const idleNotify = (code: number, subcode: number, down = false): Want => ({
  state: 'Idle',
  actions: [`send notification ${code}/${subcode}`, 'drop', ...(down ? ['down'] : []), DAMP],
  ...(down ? {} : { absent: ['down'] }),
});
const manualStop = (down: boolean): Want => ({
  state: 'Idle',
  actions: ['send notification 6/2', 'drop', ...(down ? ['down'] : []), 'stop idleHold'],
  absent: ['start idleHold'],
});
const collision = (down: boolean): Want => ({
  state: 'Idle',
  actions: ['send notification 6/7', 'drop', ...(down ? ['down'] : []), 'stop idleHold'],
  absent: ['start idleHold'],
});
const toOpenSent: Want = { state: 'OpenSent', actions: ['stop connectRetry', 'send open', 'start hold 240s'] };
// A connection the peer opened waits for its OPEN only the short open-wait (a half-open one must not hold the slot).
const toOpenSentInbound: Want = { state: 'OpenSent', actions: ['stop connectRetry', 'send open', 'start hold 5s'] };

function row(from: FsmState, event: FsmEventType, want: Want): Case {
  return { name: `${from} + ${event}`, from, event, want };
}

const cases: Case[] = [
  // Idle (RFC 4271 §8.2.2 Idle)
  row('Idle', 'ManualStart', { state: 'Connect', actions: ['stop idleHold', 'start connectRetry 5s', 'connect'] }),
  row('Idle', 'ManualStartPassive', { state: 'Active', actions: ['start connectRetry 5s'], absent: ['connect'] }),
  row('Idle', 'ManualStop', 'ignored'),
  row('Idle', 'AutomaticStart', { state: 'Connect', actions: ['start connectRetry 5s', 'connect'] }),
  row('Idle', 'AutomaticStop', 'ignored'),
  row('Idle', 'ConnectRetryTimerExpires', 'ignored'),
  row('Idle', 'HoldTimerExpires', 'ignored'),
  row('Idle', 'KeepaliveTimerExpires', 'ignored'),
  row('Idle', 'IdleHoldTimerExpires', 'ignored'),
  row('Idle', 'IdleHoldResetTimerExpires', 'ignored'),
  row('Idle', 'SendHoldTimerExpires', 'ignored'),
  row('Idle', 'TcpCrAcked', 'ignored'),
  row('Idle', 'TcpConnectionConfirmed', 'ignored'),
  row('Idle', 'TcpConnectionFails', 'ignored'),
  row('Idle', 'BGPOpen', 'ignored'),
  row('Idle', 'BGPHeaderErr', 'ignored'),
  row('Idle', 'BGPOpenMsgErr', 'ignored'),
  row('Idle', 'OpenCollisionDump', 'ignored'),
  row('Idle', 'NotifMsgVerErr', 'ignored'),
  row('Idle', 'NotifMsg', 'ignored'),
  row('Idle', 'KeepAliveMsg', 'ignored'),
  row('Idle', 'UpdateMsg', 'ignored'),
  row('Idle', 'UpdateMsgErr', 'ignored'),
  row('Idle', 'RouteRefreshMsg', 'ignored'),

  // Connect
  row('Connect', 'ManualStart', 'ignored'),
  row('Connect', 'ManualStartPassive', 'ignored'),
  row('Connect', 'ManualStop', { state: 'Idle', actions: ['drop', 'stop connectRetry', 'stop idleHold'], absent: ['send notification', 'start idleHold'] }),
  row('Connect', 'AutomaticStart', 'ignored'),
  row('Connect', 'AutomaticStop', idleSilent),
  row('Connect', 'ConnectRetryTimerExpires', { state: 'Connect', actions: ['drop', 'start connectRetry 10s', 'connect'] }),
  row('Connect', 'HoldTimerExpires', idleSilent),
  row('Connect', 'KeepaliveTimerExpires', idleSilent),
  row('Connect', 'IdleHoldTimerExpires', idleSilent),
  row('Connect', 'IdleHoldResetTimerExpires', 'ignored'),
  row('Connect', 'SendHoldTimerExpires', 'ignored'),
  row('Connect', 'TcpCrAcked', toOpenSent),
  row('Connect', 'TcpConnectionConfirmed', toOpenSentInbound),
  // The first attempt failed: one quick retry (the peer's speaker may be restarting), not the 5 s ConnectRetryTimer.
  row('Connect', 'TcpConnectionFails', { state: 'Active', actions: ['drop', 'start connectRetry 1s'], absent: ['stop connectRetry', 'connect'] }),
  row('Connect', 'BGPOpen', idleSilent),
  row('Connect', 'BGPHeaderErr', idleSilent),
  row('Connect', 'BGPOpenMsgErr', idleSilent),
  row('Connect', 'OpenCollisionDump', idleSilent),
  row('Connect', 'NotifMsgVerErr', idleSilent),
  row('Connect', 'NotifMsg', idleSilent),
  row('Connect', 'KeepAliveMsg', idleSilent),
  row('Connect', 'UpdateMsg', idleSilent),
  row('Connect', 'UpdateMsgErr', idleSilent),
  row('Connect', 'RouteRefreshMsg', idleSilent),

  // Active
  row('Active', 'ManualStart', 'ignored'),
  row('Active', 'ManualStartPassive', 'ignored'),
  row('Active', 'ManualStop', { state: 'Idle', actions: ['drop', 'stop connectRetry'], absent: ['send notification', 'start idleHold'] }),
  row('Active', 'AutomaticStart', 'ignored'),
  row('Active', 'AutomaticStop', idleSilent),
  row('Active', 'ConnectRetryTimerExpires', { state: 'Connect', actions: ['drop', 'start connectRetry 10s', 'connect'] }),
  row('Active', 'HoldTimerExpires', idleSilent),
  row('Active', 'KeepaliveTimerExpires', idleSilent),
  row('Active', 'IdleHoldTimerExpires', idleSilent),
  row('Active', 'IdleHoldResetTimerExpires', 'ignored'),
  row('Active', 'SendHoldTimerExpires', 'ignored'),
  row('Active', 'TcpCrAcked', toOpenSent),
  row('Active', 'TcpConnectionConfirmed', toOpenSentInbound),
  row('Active', 'TcpConnectionFails', idleSilent),
  row('Active', 'BGPOpen', idleSilent),
  row('Active', 'BGPHeaderErr', idleSilent),
  row('Active', 'BGPOpenMsgErr', idleSilent),
  row('Active', 'OpenCollisionDump', idleSilent),
  row('Active', 'NotifMsgVerErr', idleSilent),
  row('Active', 'NotifMsg', idleSilent),
  row('Active', 'KeepAliveMsg', idleSilent),
  row('Active', 'UpdateMsg', idleSilent),
  row('Active', 'UpdateMsgErr', idleSilent),
  row('Active', 'RouteRefreshMsg', idleSilent),

  // OpenSent (RFC 6608 subcode 1 for the unexpected)
  row('OpenSent', 'ManualStart', 'ignored'),
  row('OpenSent', 'ManualStartPassive', 'ignored'),
  row('OpenSent', 'ManualStop', manualStop(false)),
  row('OpenSent', 'AutomaticStart', 'ignored'),
  row('OpenSent', 'AutomaticStop', idleNotify(6, 1)),
  row('OpenSent', 'ConnectRetryTimerExpires', idleNotify(5, 1)),
  row('OpenSent', 'HoldTimerExpires', idleNotify(4, 0)),
  row('OpenSent', 'KeepaliveTimerExpires', idleNotify(5, 1)),
  row('OpenSent', 'IdleHoldTimerExpires', idleNotify(5, 1)),
  row('OpenSent', 'IdleHoldResetTimerExpires', 'ignored'),
  row('OpenSent', 'SendHoldTimerExpires', 'ignored'),
  row('OpenSent', 'TcpCrAcked', 'ignored'),
  row('OpenSent', 'TcpConnectionConfirmed', 'ignored'),
  row('OpenSent', 'TcpConnectionFails', { state: 'Active', actions: ['drop', 'stop hold', 'start connectRetry 5s'], absent: ['connect'] }),
  row('OpenSent', 'BGPOpen', {
    state: 'OpenConfirm',
    actions: ['stop connectRetry', 'send keepalive', 'start hold 90s', 'start keepalive 30s'],
  }),
  row('OpenSent', 'BGPHeaderErr', idleNotify(1, 2)),
  row('OpenSent', 'BGPOpenMsgErr', idleNotify(2, 2)),
  row('OpenSent', 'OpenCollisionDump', collision(false)),
  row('OpenSent', 'NotifMsgVerErr', idleSilent),
  row('OpenSent', 'NotifMsg', idleSilent),
  row('OpenSent', 'KeepAliveMsg', idleNotify(5, 1)),
  row('OpenSent', 'UpdateMsg', idleNotify(5, 1)),
  row('OpenSent', 'UpdateMsgErr', idleNotify(5, 1)),
  row('OpenSent', 'RouteRefreshMsg', idleNotify(5, 1)),

  // OpenConfirm (RFC 6608 subcode 2)
  row('OpenConfirm', 'ManualStart', 'ignored'),
  row('OpenConfirm', 'ManualStartPassive', 'ignored'),
  row('OpenConfirm', 'ManualStop', manualStop(false)),
  row('OpenConfirm', 'AutomaticStart', 'ignored'),
  row('OpenConfirm', 'AutomaticStop', idleNotify(6, 1)),
  row('OpenConfirm', 'ConnectRetryTimerExpires', idleNotify(5, 2)),
  row('OpenConfirm', 'HoldTimerExpires', idleNotify(4, 0)),
  row('OpenConfirm', 'KeepaliveTimerExpires', { state: 'OpenConfirm', actions: ['send keepalive', 'start keepalive 30s'] }),
  row('OpenConfirm', 'IdleHoldTimerExpires', idleNotify(5, 2)),
  row('OpenConfirm', 'IdleHoldResetTimerExpires', 'ignored'),
  row('OpenConfirm', 'SendHoldTimerExpires', 'ignored'),
  row('OpenConfirm', 'TcpCrAcked', 'ignored'),
  row('OpenConfirm', 'TcpConnectionConfirmed', 'ignored'),
  row('OpenConfirm', 'TcpConnectionFails', idleSilent),
  row('OpenConfirm', 'BGPOpen', idleNotify(5, 2)),
  row('OpenConfirm', 'BGPHeaderErr', idleNotify(1, 2)),
  row('OpenConfirm', 'BGPOpenMsgErr', idleNotify(2, 2)),
  row('OpenConfirm', 'OpenCollisionDump', collision(false)),
  row('OpenConfirm', 'NotifMsgVerErr', idleSilent),
  row('OpenConfirm', 'NotifMsg', idleSilent),
  row('OpenConfirm', 'KeepAliveMsg', {
    state: 'Established',
    actions: ['start hold 90s', 'start sendHold 480s', 'start idleHoldReset 300s', 'established'],
  }),
  row('OpenConfirm', 'UpdateMsg', idleNotify(5, 2)),
  row('OpenConfirm', 'UpdateMsgErr', idleNotify(5, 2)),
  row('OpenConfirm', 'RouteRefreshMsg', idleNotify(5, 2)),

  // Established (RFC 6608 subcode 3)
  row('Established', 'ManualStart', 'ignored'),
  row('Established', 'ManualStartPassive', 'ignored'),
  row('Established', 'ManualStop', manualStop(true)),
  row('Established', 'AutomaticStart', 'ignored'),
  row('Established', 'AutomaticStop', idleNotify(6, 1, true)),
  row('Established', 'ConnectRetryTimerExpires', idleNotify(5, 3, true)),
  row('Established', 'HoldTimerExpires', idleNotify(4, 0, true)),
  row('Established', 'KeepaliveTimerExpires', { state: 'Established', actions: ['send keepalive', 'start keepalive 30s'] }),
  row('Established', 'IdleHoldTimerExpires', idleNotify(5, 3, true)),
  row('Established', 'IdleHoldResetTimerExpires', { state: 'Established', actions: [] }),
  row('Established', 'SendHoldTimerExpires', idleNotify(8, 0, true)),
  row('Established', 'TcpCrAcked', 'ignored'),
  row('Established', 'TcpConnectionConfirmed', 'ignored'),
  row('Established', 'TcpConnectionFails', idleSilentDown),
  row('Established', 'BGPOpen', idleNotify(5, 3, true)),
  row('Established', 'BGPHeaderErr', idleNotify(1, 2, true)),
  row('Established', 'BGPOpenMsgErr', idleNotify(5, 3, true)),
  row('Established', 'OpenCollisionDump', collision(true)),
  row('Established', 'NotifMsgVerErr', idleSilentDown),
  row('Established', 'NotifMsg', idleSilentDown),
  row('Established', 'KeepAliveMsg', { state: 'Established', actions: ['start hold 90s'], absent: ['send'] }),
  row('Established', 'UpdateMsg', { state: 'Established', actions: ['start hold 90s', 'process-update'] }),
  row('Established', 'UpdateMsgErr', idleNotify(3, 1, true)),
  row('Established', 'RouteRefreshMsg', { state: 'Established', actions: ['start hold 90s', 'process-route-refresh'] }),
];

/** True when `want` appears in `got` as a subsequence (each entry a prefix match of a later action). */
function inOrder(got: readonly string[], want: readonly string[]): boolean {
  let i = 0;
  for (const g of got) if (i < want.length && g === want[i]) i++;
  return i === want.length;
}

describe('transition: every state × every event', () => {
  it('the table covers each of the 6 states × every event exactly once', () => {
    const seen = new Set(cases.map((c) => `${c.from}/${c.event}`));
    expect(seen.size).toBe(cases.length);
    expect(cases).toHaveLength(FSM_STATES.length * FSM_EVENT_TYPES.length);
    for (const s of FSM_STATES) for (const e of FSM_EVENT_TYPES) expect(seen.has(`${s}/${e}`)).toBe(true);
  });

  it.each(cases)('$name', ({ from, event, want }) => {
    const ctx = deepFreeze(at(from));
    const result = transition(ctx, EVENTS[event]);
    expect(result.reason.length).toBeGreaterThan(0);
    const got = summarize(result.actions);
    if (want === 'ignored') {
      expect(result.next).toBe(ctx);
      expect(got).toEqual([]);
      expect(result.reason).toContain(`${event} ignored in ${from}`);
      return;
    }
    expect(result.next.state).toBe(want.state);
    if (!inOrder(got, want.actions)) expect(got).toEqual(want.actions); // shows the difference
    for (const a of want.absent ?? []) expect(got.filter((g) => g.startsWith(a))).toEqual([]);
    // A NOTIFICATION always precedes the drop of its connection.
    const sendIdx = got.findIndex((g) => g.startsWith('send notification'));
    if (sendIdx >= 0) expect(got.indexOf('drop')).toBeGreaterThan(sendIdx);
    // Leaving a connection stops all of its timers and forgets what was negotiated.
    if (want.state === 'Idle') {
      for (const t of ['connectRetry', 'hold', 'keepalive', 'sendHold', 'idleHoldReset']) expect(got).toContain(`stop ${t}`);
      expect(result.next.peerOpen).toBeUndefined();
      expect(result.next.negotiatedHoldSeconds).toBeUndefined();
    }
  });
});

// ------------------------------------------------------------------------------------------------ counters

describe('ConnectRetryCounter and damping state', () => {
  const cases: Array<{ name: string; from: FsmState; event: FsmEvent; want: { counter: number; idleHold: number; pending: boolean } }> = [
    { name: 'error increments, damping doubles', from: 'Established', event: EVENTS.HoldTimerExpires, want: { counter: 1, idleHold: 10, pending: true } },
    { name: 'NotifMsgVerErr in OpenSent keeps the counter (RFC 4271 §8.2.2)', from: 'OpenSent', event: EVENTS.NotifMsgVerErr, want: { counter: 0, idleHold: 10, pending: true } },
    { name: 'manual stop resets, no restart', from: 'Established', event: EVENTS.ManualStop, want: { counter: 0, idleHold: 5, pending: false } },
    { name: 'collision loser: counted, no restart of its own', from: 'OpenConfirm', event: EVENTS.OpenCollisionDump, want: { counter: 1, idleHold: 5, pending: false } },
    { name: 'a 2/1 NOTIFICATION delivered as NotifMsg is NotifMsgVerErr', from: 'OpenSent', event: { type: 'NotifMsg', notification: notif(ErrorCode.OpenMessage, OpenSubcode.UnsupportedVersionNumber) }, want: { counter: 0, idleHold: 10, pending: true } },
  ];
  it.each(cases)('$name', ({ from, event, want }) => {
    const { next } = transition(at(from), event);
    expect(next.connectRetryCounter).toBe(want.counter);
    expect(next.idleHoldSeconds).toBe(want.idleHold);
    expect(next.autoRestartPending).toBe(want.pending);
  });

  it('an extra connection (autoRestart false) announces and arms no restart of its own', () => {
    const r = transition(at('OpenSent', { ...CONFIG, autoRestart: false }), EVENTS.HoldTimerExpires);
    expect(r.next.state).toBe('Idle');
    expect(r.next.autoRestartPending).toBe(false);
    expect(r.reason).not.toMatch(/automatic restart/);
    expect(r.actions).not.toContainEqual(expect.objectContaining({ type: 'start-timer', timer: 'idleHold' }));
  });

  it('counts Established transitions and records the last error', () => {
    const est = at('Established');
    expect(est.establishedTransitions).toBe(1);
    const down = transition(est, EVENTS.NotifMsg).next;
    expect(down.lastError).toEqual({
      reason: 'NOTIFICATION received: Cease / Administrative Shutdown: maintenance',
      received: { code: ErrorCode.Cease, subcode: CeaseSubcode.AdministrativeShutdown, shutdownMessage: 'maintenance' },
    });
    const sent = transition(est, EVENTS.HoldTimerExpires).next;
    expect(sent.lastError?.sent).toEqual({ code: ErrorCode.HoldTimerExpired, subcode: 0 });
    // A manual start forgets it.
    expect(transition(sent, EVENTS.ManualStart).next.lastError).toBeUndefined();
  });

  it('the stable-session timer resets the back-off and the counter', () => {
    let ctx = run(at('Established'), [EVENTS.HoldTimerExpires, EVENTS.IdleHoldTimerExpires, EVENTS.TcpCrAcked, EVENTS.BGPOpen]);
    ctx = run(ctx, [EVENTS.KeepAliveMsg]);
    expect(ctx.state).toBe('Established');
    expect(ctx.idleHoldSeconds).toBe(10);
    expect(ctx.connectRetryCounter).toBe(1);
    const r = transition(ctx, EVENTS.IdleHoldResetTimerExpires);
    expect(r.next.idleHoldSeconds).toBe(5);
    expect(r.next.connectRetryCounter).toBe(0);
    expect(r.reason).toBe('session stable for 300s: damping reset (next error waits 5s)');
  });
});

// ------------------------------------------------------------------------------------------------ Idle with a pending restart

describe('Idle after an error (automatic restart pending)', () => {
  const pending = (): FsmContext => transition(at('Established'), EVENTS.HoldTimerExpires).next;
  const cases: Array<{ name: string; event: FsmEvent; want: { state: FsmState; actions: string[]; pending: boolean } }> = [
    { name: 'idle hold expiry restarts', event: EVENTS.IdleHoldTimerExpires, want: { state: 'Connect', actions: ['stop idleHold', 'start connectRetry 5s', 'connect'], pending: false } },
    { name: 'AutomaticStart pre-empts the idle hold timer', event: EVENTS.AutomaticStart, want: { state: 'Connect', actions: ['stop idleHold', 'start connectRetry 5s', 'connect'], pending: false } },
    { name: 'ManualStop cancels the restart', event: EVENTS.ManualStop, want: { state: 'Idle', actions: ['stop idleHold'], pending: false } },
    { name: 'ManualStart starts at once', event: EVENTS.ManualStart, want: { state: 'Connect', actions: ['stop idleHold', 'start connectRetry 5s', 'connect'], pending: false } },
  ];
  it.each(cases)('$name', ({ event, want }) => {
    const r = transition(pending(), event);
    expect(r.next.state).toBe(want.state);
    expect(summarize(r.actions)).toEqual(want.actions);
    expect(r.next.autoRestartPending).toBe(want.pending);
  });

  it('a stale idle hold expiry after a manual stop does not restart', () => {
    const stopped = transition(pending(), EVENTS.ManualStop).next;
    const r = transition(stopped, EVENTS.IdleHoldTimerExpires);
    expect(r.next.state).toBe('Idle');
    expect(r.actions).toEqual([]);
  });
});

// ------------------------------------------------------------------------------------------------ hold time negotiation

describe('hold time negotiation (RFC 4271 §4.2, §4.4)', () => {
  const cases: Array<{ name: string; ours: number; keepalive?: number; theirs: number; want: { state: FsmState; actions: string[]; hold?: number; ka?: number } }> = [
    { name: 'equal: 90 / 30', ours: 90, theirs: 90, want: { state: 'OpenConfirm', actions: ['start hold 90s', 'start keepalive 30s'], hold: 90, ka: 30 } },
    { name: 'peer smaller wins', ours: 90, theirs: 30, want: { state: 'OpenConfirm', actions: ['start hold 30s', 'start keepalive 10s'], hold: 30, ka: 10 } },
    { name: 'ours smaller wins', ours: 9, theirs: 240, want: { state: 'OpenConfirm', actions: ['start hold 9s', 'start keepalive 3s'], hold: 9, ka: 3 } },
    { name: 'configured keepalive when smaller', ours: 90, keepalive: 5, theirs: 90, want: { state: 'OpenConfirm', actions: ['start hold 90s', 'start keepalive 5s'], hold: 90, ka: 5 } },
    { name: 'configured keepalive ignored when larger', ours: 90, keepalive: 60, theirs: 30, want: { state: 'OpenConfirm', actions: ['start hold 30s', 'start keepalive 10s'], hold: 30, ka: 10 } },
    { name: 'minimum 3 gives keepalive 1', ours: 90, theirs: 3, want: { state: 'OpenConfirm', actions: ['start hold 3s', 'start keepalive 1s'], hold: 3, ka: 1 } },
    { name: 'peer 0: no hold timer, no keepalives', ours: 90, theirs: 0, want: { state: 'OpenConfirm', actions: ['stop hold', 'stop keepalive'], hold: 0, ka: 0 } },
    { name: 'ours 0', ours: 0, theirs: 90, want: { state: 'OpenConfirm', actions: ['stop hold', 'stop keepalive'], hold: 0, ka: 0 } },
    { name: 'peer 2 is rejected (MUST)', ours: 90, theirs: 2, want: { state: 'Idle', actions: ['send notification 2/6', 'drop'] } },
  ];
  it.each(cases)('$name', ({ ours, keepalive, theirs, want }) => {
    const ctx = at('OpenSent', { ...CONFIG, holdTimeSeconds: ours, ...(keepalive !== undefined ? { keepaliveSeconds: keepalive } : {}) });
    const r = transition(ctx, { type: 'BGPOpen', open: peerOpen({ holdTime: theirs }) });
    expect(r.next.state).toBe(want.state);
    const got = summarize(r.actions);
    if (!inOrder(got, want.actions)) expect(got).toEqual(want.actions);
    expect(r.next.negotiatedHoldSeconds).toBe(want.hold);
    expect(r.next.negotiatedKeepaliveSeconds).toBe(want.ka);
    if (want.state === 'OpenConfirm') {
      expect(got).toContain('send keepalive');
      if (want.hold === 0) expect(got.filter((g) => g.startsWith('start'))).toEqual([]);
    }
  });

  it('with hold time 0 an Established session restarts no timer on KEEPALIVE, UPDATE or the keepalive timer', () => {
    const est = run(at('OpenSent'), [{ type: 'BGPOpen', open: peerOpen({ holdTime: 0 }) }, EVENTS.KeepAliveMsg]);
    expect(est.state).toBe('Established');
    expect(summarize(transition(est, EVENTS.KeepAliveMsg).actions)).toEqual([]);
    expect(summarize(transition(est, EVENTS.UpdateMsg).actions)).toEqual(['process-update']);
    expect(summarize(transition(est, EVENTS.KeepaliveTimerExpires).actions)).toEqual(['send keepalive']);
  });

  it('session-established carries the negotiated values and the peer OPEN', () => {
    const open: OpenMessage = peerOpen({ holdTime: 30, myAs: 23456, capabilities: [{ kind: 'four-octet-as', asn: 4200000001 }] });
    const r = run(at('OpenSent'), [{ type: 'BGPOpen', open }]);
    const est = transition(r, EVENTS.KeepAliveMsg);
    expect(est.actions).toContainEqual({ type: 'session-established', holdTimeSeconds: 30, keepaliveSeconds: 10, sendHoldSeconds: 480, peerOpen: open });
    expect(est.reason).toBe('KEEPALIVE received: session established with AS 4200000001 id 10.0.0.2 (hold 30s, keepalive 10s)');
  });
});

// ------------------------------------------------------------------------------------------------ passive, messages, reasons

describe('passive peers never connect', () => {
  const passive = { ...CONFIG, passive: true };
  it.each([
    { name: 'ManualStart', event: EVENTS.ManualStart },
    { name: 'ManualStartPassive', event: EVENTS.ManualStartPassive },
    { name: 'AutomaticStart', event: EVENTS.AutomaticStart },
  ])('$name goes to Active with no connect and no ConnectRetryTimer', ({ event }) => {
    const r = transition(initialContext(passive), event);
    expect(r.next.state).toBe('Active');
    expect(summarize(r.actions)).toEqual(['stop idleHold']);
    expect(r.reason).toContain('passive');
  });

  it('a stale ConnectRetryTimer expiry in Active is ignored', () => {
    const active = transition(initialContext(passive), EVENTS.ManualStart).next;
    const r = transition(active, EVENTS.ConnectRetryTimerExpires);
    expect(r.next).toBe(active);
    expect(r.actions).toEqual([]);
  });

  it('a failed connection in OpenSent returns to Active without arming the ConnectRetryTimer', () => {
    const r = transition(at('OpenSent', passive), EVENTS.TcpConnectionFails);
    expect(r.next.state).toBe('Active');
    expect(summarize(r.actions)).toEqual(['drop', 'stop hold', 'stop connectRetry']);
  });

  it('the damped restart after an error is passive too', () => {
    const idle = transition(at('Established', passive), EVENTS.HoldTimerExpires).next;
    const r = transition(idle, EVENTS.IdleHoldTimerExpires);
    expect(r.next.state).toBe('Active');
    expect(summarize(r.actions)).not.toContain('connect');
  });
});

describe('messages the FSM sends', () => {
  it('OPEN from the configuration, AS_TRANS for a 4-octet AS', () => {
    const cfg = { ...CONFIG, localAsn: 4200000000, capabilities: [{ kind: 'four-octet-as' as const, asn: 4200000000 }] };
    const r = transition(transition(initialContext(cfg), EVENTS.ManualStart).next, EVENTS.TcpCrAcked);
    expect(r.actions).toContainEqual({
      type: 'send',
      message: { type: 'open', version: 4, myAs: 23456, holdTime: 90, bgpId: '10.0.0.1', capabilities: cfg.capabilities },
    });
  });

  it('manual stop with a shutdown message sends Cease / Administrative Shutdown with RFC 9003 data', () => {
    const r = transition(at('Established'), { type: 'ManualStop', shutdownMessage: 'maintenance' });
    const sendAction = r.actions.find((a) => a.type === 'send');
    expect(sendAction).toEqual({
      type: 'send',
      message: { type: 'notification', code: 6, subcode: 2, data: Buffer.from('\x0bmaintenance', 'latin1'), shutdownMessage: 'maintenance' },
    });
    expect(r.reason).toBe('manual stop: sent Cease / Administrative Shutdown: maintenance');
  });

  it('errors carry their own code, subcode and data', () => {
    const data = Buffer.from([0x13, 0x88]);
    const r = transition(at('OpenSent'), { type: 'BGPHeaderErr', error: new BgpError(1, 2, 'length 5000', data) });
    expect(r.actions[0]).toEqual({ type: 'send', message: { type: 'notification', code: 1, subcode: 2, data } });
  });

  it('UPDATE and ROUTE-REFRESH payloads are handed back untouched', () => {
    const update = { message: { type: 'update' as const, withdrawn: [], attributes: {}, nlri: [] }, errors: [] };
    const r = transition(at('Established'), { type: 'UpdateMsg', update });
    expect(r.actions).toContainEqual({ type: 'process-update', update });
    const message = { type: 'route-refresh' as const, afi: 1, safi: 1, subtype: 0 };
    expect(transition(at('Established'), { type: 'RouteRefreshMsg', message }).actions).toContainEqual({ type: 'process-route-refresh', message });
  });
});

describe('reasons', () => {
  const cases: Array<{ name: string; from: FsmState; event: FsmEvent; want: string }> = [
    { name: 'hold expiry', from: 'Established', event: EVENTS.HoldTimerExpires, want: 'hold timer expired (90s): sent Hold Timer Expired; automatic restart in 5s' },
    { name: 'OPEN', from: 'OpenSent', event: EVENTS.BGPOpen, want: 'received OPEN from AS 65001 id 10.0.0.2 (hold time 90s, keepalive 30s): KEEPALIVE sent' },
    { name: 'NOTIFICATION', from: 'Established', event: EVENTS.NotifMsg, want: 'NOTIFICATION received: Cease / Administrative Shutdown: maintenance; automatic restart in 5s' },
    { name: 'unexpected UPDATE', from: 'OpenSent', event: EVENTS.UpdateMsg, want: 'unexpected UPDATE in OpenSent: sent Finite State Machine Error / Receive Unexpected Message in OpenSent State; automatic restart in 5s' },
    { name: 'connect refused', from: 'Connect', event: EVENTS.TcpConnectionFails, want: 'TCP connection failed (ECONNREFUSED): listening, first retry in 1s' },
    { name: 'send hold', from: 'Established', event: EVENTS.SendHoldTimerExpires, want: 'send hold timer expired (480s without write progress): sent Send Hold Timer Expired; automatic restart in 5s' },
    { name: 'collision', from: 'OpenConfirm', event: EVENTS.OpenCollisionDump, want: 'connection lost collision resolution (RFC 4271 §6.8): sent Cease / Connection Collision Resolution' },
    { name: 'second connection', from: 'OpenSent', event: EVENTS.TcpConnectionConfirmed, want: 'TcpConnectionConfirmed ignored in OpenSent: a second connection is tracked by the session for collision detection (RFC 4271 §6.8)' },
  ];
  it.each(cases)('$name', ({ from, event, want }) => {
    expect(transition(at(from), event).reason).toBe(want);
  });
  it('a later connect failure waits out the ConnectRetryTimer (only the first retry is quick)', () => {
    const r = transition({ ...at('Connect'), connectAttempts: 1 }, EVENTS.TcpConnectionFails);
    expect(r.reason).toBe('TCP connection failed (ECONNREFUSED): listening, retrying when the connect retry timer expires');
    expect(r.actions).toEqual([{ type: 'drop-connection' }]);
  });
});
