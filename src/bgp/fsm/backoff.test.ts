import { connectRetryDelaySeconds, nextIdleHoldSeconds } from './backoff';
import { negotiateTimers, sendHoldSecondsFor } from './negotiation';

describe('connectRetryDelaySeconds', () => {
  const cases: Array<{ name: string; base: number; max: number; attempts: number; want: number }> = [
    { name: 'first attempt uses the base', base: 5, max: 30, attempts: 0, want: 5 },
    { name: 'doubles', base: 5, max: 30, attempts: 1, want: 10 },
    { name: 'doubles again', base: 5, max: 30, attempts: 2, want: 20 },
    { name: 'capped', base: 5, max: 30, attempts: 3, want: 30 },
    { name: 'stays capped', base: 5, max: 30, attempts: 50, want: 30 },
    { name: 'huge attempt counts do not overflow', base: 5, max: 30, attempts: 1e9, want: 30 },
    { name: 'RFC default is fixed 120 s', base: 120, max: 120, attempts: 4, want: 120 },
    { name: 'negative treated as zero', base: 5, max: 30, attempts: -3, want: 5 },
  ];
  it.each(cases)('$name', ({ base, max, attempts, want }) => {
    expect(connectRetryDelaySeconds({ connectRetrySeconds: base, connectRetryMaxSeconds: max }, attempts)).toBe(want);
  });
});

describe('nextIdleHoldSeconds', () => {
  const cases: Array<{ name: string; current: number; max: number; want: number }> = [
    { name: '5 → 10', current: 5, max: 30, want: 10 },
    { name: '20 → 30 (cap)', current: 20, max: 30, want: 30 },
    { name: '30 stays 30', current: 30, max: 30, want: 30 },
    { name: '0 disables damping', current: 0, max: 30, want: 0 },
  ];
  it.each(cases)('$name', ({ current, max, want }) => {
    expect(nextIdleHoldSeconds({ idleHoldMaxSeconds: max }, current)).toBe(want);
  });
});

describe('negotiateTimers', () => {
  const cases: Array<{ name: string; ours: number; keepalive?: number; theirs: number; want: { holdTimeSeconds: number; keepaliveSeconds: number } }> = [
    { name: 'min of both', ours: 90, theirs: 180, want: { holdTimeSeconds: 90, keepaliveSeconds: 30 } },
    { name: 'third rounds down', ours: 10, theirs: 90, want: { holdTimeSeconds: 10, keepaliveSeconds: 3 } },
    { name: 'zero disables both', ours: 90, theirs: 0, want: { holdTimeSeconds: 0, keepaliveSeconds: 0 } },
    { name: 'configured keepalive kept when smaller', ours: 90, keepalive: 1, theirs: 90, want: { holdTimeSeconds: 90, keepaliveSeconds: 1 } },
    { name: 'configured keepalive never exceeds a third', ours: 90, keepalive: 45, theirs: 90, want: { holdTimeSeconds: 90, keepaliveSeconds: 30 } },
    { name: 'configured keepalive irrelevant at hold 0', ours: 0, keepalive: 5, theirs: 90, want: { holdTimeSeconds: 0, keepaliveSeconds: 0 } },
  ];
  it.each(cases)('$name', ({ ours, keepalive, theirs, want }) => {
    expect(negotiateTimers({ holdTimeSeconds: ours, ...(keepalive !== undefined ? { keepaliveSeconds: keepalive } : {}) }, theirs)).toEqual(want);
  });
});

describe('sendHoldSecondsFor (RFC 9687)', () => {
  const cases: Array<{ name: string; configured?: number; hold: number; want: number }> = [
    { name: 'default floor 8 minutes', hold: 90, want: 480 },
    { name: 'default twice a long hold time', hold: 600, want: 1200 },
    { name: 'hold 0 keeps the floor', hold: 0, want: 480 },
    { name: 'configured wins', configured: 200, hold: 90, want: 200 },
    { name: 'configured 0 disables', configured: 0, hold: 90, want: 0 },
  ];
  it.each(cases)('$name', ({ configured, hold, want }) => {
    expect(sendHoldSecondsFor(configured !== undefined ? { sendHoldSeconds: configured } : {}, hold)).toBe(want);
  });
});
