// Property tests: random event sequences from random configurations, checked against invariants that must hold after
// every transition. Timer expiries are delivered only for timers the FSM armed (as a correct shell does), so the
// model of armed timers kept here must always agree with the state.
import fc from 'fast-check';
import { BgpError } from '../packet/bgp-error';
import { TIMER_NAMES, type TimerName } from './actions';
import { initialContext, type FsmConfigInput, type FsmContext } from './context';
import type { FsmEvent } from './events';
import { CONFIG, EVENTS, notif, peerOpen, summarize } from './testing/fixtures';
import { transition } from './transition';

const TIMER_OF_EVENT: Partial<Record<FsmEvent['type'], TimerName>> = {
  ConnectRetryTimerExpires: 'connectRetry',
  HoldTimerExpires: 'hold',
  KeepaliveTimerExpires: 'keepalive',
  IdleHoldTimerExpires: 'idleHold',
  SendHoldTimerExpires: 'sendHold',
  IdleHoldResetTimerExpires: 'idleHoldReset',
};

const eventArb: fc.Arbitrary<FsmEvent> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...Object.values(EVENTS)) },
  { weight: 2, arbitrary: fc.constantFrom<FsmEvent>(EVENTS.TcpCrAcked, EVENTS.BGPOpen, EVENTS.KeepAliveMsg, EVENTS.UpdateMsg) },
  {
    weight: 1,
    arbitrary: fc
      .record({ holdTime: fc.oneof(fc.constantFrom(0, 1, 2, 3), fc.integer({ min: 0, max: 65535 })), bgpId: fc.ipV4() })
      .map(({ holdTime, bgpId }) => ({ type: 'BGPOpen' as const, open: peerOpen({ holdTime, bgpId }) })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ code: fc.integer({ min: 1, max: 8 }), subcode: fc.integer({ min: 0, max: 12 }) })
      .map(({ code, subcode }) => ({ type: 'NotifMsg' as const, notification: notif(code, subcode) })),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 300 }).map((shutdownMessage) => ({ type: 'ManualStop' as const, shutdownMessage })) },
  {
    weight: 1,
    arbitrary: fc
      .record({ code: fc.integer({ min: 1, max: 7 }), subcode: fc.integer({ min: 0, max: 11 }) })
      .map(({ code, subcode }) => ({ type: 'UpdateMsgErr' as const, error: new BgpError(code, subcode, 'random') })),
  },
);

/**
 * A step of a generated run: a concrete event, or "progress", which the runner turns into the next event of a normal
 * session for the current state (so random runs reach OpenConfirm and Established often, not once in a thousand).
 */
type Step = FsmEvent | { readonly type: 'progress'; readonly peerHold: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: eventArb },
  { weight: 2, arbitrary: fc.constantFrom(0, 3, 30, 90, 180).map((peerHold) => ({ type: 'progress' as const, peerHold })) },
);

function progress(ctx: FsmContext, peerHold: number): FsmEvent {
  switch (ctx.state) {
    case 'Idle':
      return ctx.autoRestartPending ? EVENTS.IdleHoldTimerExpires : EVENTS.ManualStart;
    case 'Connect':
      return EVENTS.TcpCrAcked;
    case 'Active':
      return EVENTS.TcpConnectionConfirmed;
    case 'OpenSent':
      return { type: 'BGPOpen', open: peerOpen({ holdTime: peerHold }) };
    case 'OpenConfirm':
      return EVENTS.KeepAliveMsg;
    case 'Established':
      return peerHold % 2 === 0 ? EVENTS.KeepAliveMsg : EVENTS.UpdateMsg;
  }
}

const configArb: fc.Arbitrary<FsmConfigInput> = fc.record({
  passive: fc.boolean(),
  holdTimeSeconds: fc.constantFrom(0, 3, 9, 90, 240),
  keepaliveSeconds: fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined }),
  idleHoldInitialSeconds: fc.constantFrom(0, 1, 5),
  connectRetrySeconds: fc.constantFrom(1, 5, 120),
}).map((r) => {
  const { keepaliveSeconds, ...rest } = r;
  return { ...CONFIG, ...rest, ...(keepaliveSeconds !== undefined ? { keepaliveSeconds } : {}) };
});

function checkStep(prev: FsmContext, event: FsmEvent, armed: Set<TimerName>): FsmContext {
  const r = transition(prev, event);
  const next = r.next;
  const got = summarize(r.actions);
  expect(r.reason.length).toBeGreaterThan(0);

  // Apply the actions to the model of armed timers.
  for (const a of r.actions) {
    if (a.type === 'start-timer') {
      expect(TIMER_NAMES).toContain(a.timer);
      expect(Number.isInteger(a.ms) && a.ms >= 0).toBe(true);
      armed.add(a.timer);
    } else if (a.type === 'stop-timer') {
      armed.delete(a.timer);
    }
  }

  if (prev.config.passive) expect(got).not.toContain('connect');
  // A NOTIFICATION is sent only before closing, and never in answer to one.
  const n = got.findIndex((g) => g.startsWith('send notification'));
  if (n >= 0) expect(got.indexOf('drop', n)).toBeGreaterThan(n);
  if (event.type === 'NotifMsg' || event.type === 'NotifMsgVerErr') expect(n).toBe(-1);
  // session-established / session-down exactly on entering / leaving Established.
  expect(got.includes('established')).toBe(prev.state === 'OpenConfirm' && next.state === 'Established');
  expect(got.includes('down')).toBe(prev.state === 'Established' && next.state !== 'Established');
  if (prev.state !== 'Idle' && next.state === 'Idle') expect(got).toContain('drop');
  // Leaving Idle only on a start.
  if (prev.state === 'Idle' && next.state !== 'Idle') {
    expect(['ManualStart', 'ManualStartPassive', 'AutomaticStart', 'IdleHoldTimerExpires']).toContain(event.type);
  }

  // What the context says agrees with the state.
  const negotiated = next.state === 'OpenConfirm' || next.state === 'Established';
  expect(next.negotiatedHoldSeconds !== undefined).toBe(negotiated);
  expect(next.peerOpen !== undefined).toBe(negotiated);
  if (next.negotiatedHoldSeconds !== undefined) expect([1, 2]).not.toContain(next.negotiatedHoldSeconds);
  expect(next.connectRetryCounter).toBeGreaterThanOrEqual(0);
  expect(next.idleHoldSeconds).toBeGreaterThanOrEqual(0);
  expect(next.idleHoldSeconds).toBeLessThanOrEqual(next.config.idleHoldMaxSeconds);

  // The armed timers agree with the state.
  const hold = next.negotiatedHoldSeconds ?? 0;
  switch (next.state) {
    case 'Idle':
      expect([...armed].filter((t) => t !== 'idleHold')).toEqual([]);
      expect(armed.has('idleHold')).toBe(next.autoRestartPending);
      break;
    case 'Connect':
      expect(armed.has('connectRetry')).toBe(true);
      break;
    case 'Active':
      if (next.config.passive) expect(armed.has('connectRetry')).toBe(false);
      break;
    case 'OpenSent':
      expect(armed.has('hold')).toBe(true);
      expect(armed.has('connectRetry')).toBe(false);
      break;
    case 'OpenConfirm':
    case 'Established':
      expect(armed.has('hold')).toBe(hold > 0);
      expect(armed.has('keepalive')).toBe(hold > 0);
      expect(armed.has('connectRetry')).toBe(false);
      if (next.state === 'Established') expect(armed.has('sendHold')).toBe(true);
      break;
  }
  return next;
}

describe('FSM invariants over random event sequences', () => {
  it('hold after every transition', () => {
    fc.assert(
      fc.property(configArb, fc.array(stepArb, { maxLength: 80 }), (config, steps) => {
        let ctx = initialContext(config);
        const armed = new Set<TimerName>();
        for (const step of steps) {
          const e = step.type === 'progress' ? progress(ctx, step.peerHold) : step;
          const timer = TIMER_OF_EVENT[e.type];
          // A correct shell delivers an expiry only for a timer it armed, and the timer is gone once it fired.
          if (timer !== undefined) {
            if (!armed.has(timer)) continue;
            armed.delete(timer);
          }
          ctx = checkStep(ctx, e, armed);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('never throws, whatever arrives, even events no correct shell would send', () => {
    fc.assert(
      fc.property(configArb, fc.array(stepArb, { maxLength: 80 }), (config, steps) => {
        let ctx = initialContext(config);
        for (const step of steps) {
          const e = step.type === 'progress' ? progress(ctx, step.peerHold) : step;
          const r = transition(ctx, e);
          expect(r.reason.length).toBeGreaterThan(0);
          if (config.passive) expect(r.actions.some((a) => a.type === 'connect')).toBe(false);
          ctx = r.next;
        }
      }),
      { numRuns: 200 },
    );
  });
});
