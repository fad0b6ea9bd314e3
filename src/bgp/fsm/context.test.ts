import { buildOpen, initialContext, openMyAsField, peerAsnOf, resolveFsmConfig, type FsmConfigInput } from './context';
import { FsmError } from './fsm-error';
import { peerOpen } from './testing/fixtures';

const BASE: FsmConfigInput = { localAsn: 65000, bgpId: '10.0.0.1' };

describe('resolveFsmConfig defaults', () => {
  it('applies the RFC 4271 §10 and Calico defaults', () => {
    expect(resolveFsmConfig(BASE)).toEqual({
      localAsn: 65000,
      bgpId: '10.0.0.1',
      holdTimeSeconds: 90,
      connectRetrySeconds: 120,
      connectRetryMaxSeconds: 120,
      openSentHoldSeconds: 240,
      openWaitSeconds: 5,
      passive: false,
      autoRestart: true,
      capabilities: [],
      idleHoldInitialSeconds: 5,
      idleHoldMaxSeconds: 30,
      errorForgetSeconds: 300,
    });
  });

  it('caps the connect back-off at 30 s for a short retry time', () => {
    expect(resolveFsmConfig({ ...BASE, connectRetrySeconds: 5 }).connectRetryMaxSeconds).toBe(30);
  });

  it('is idempotent', () => {
    const once = resolveFsmConfig({ ...BASE, keepaliveSeconds: 10, sendHoldSeconds: 0 });
    expect(resolveFsmConfig(once)).toEqual(once);
  });

  it('starts in Idle with nothing pending', () => {
    expect(initialContext(BASE)).toMatchObject({ state: 'Idle', connectRetryCounter: 0, idleHoldSeconds: 5, autoRestartPending: false, establishedTransitions: 0 });
  });
});

describe('resolveFsmConfig rejects', () => {
  const cases: Array<{ name: string; input: FsmConfigInput; code: string }> = [
    { name: 'AS 0', input: { ...BASE, localAsn: 0 }, code: 'FSM_CONFIG_INVALID' },
    { name: 'AS above 32 bits', input: { ...BASE, localAsn: 2 ** 32 }, code: 'FSM_CONFIG_INVALID' },
    { name: 'BGP Identifier 0.0.0.0', input: { ...BASE, bgpId: '0.0.0.0' }, code: 'FSM_CONFIG_INVALID' },
    { name: 'BGP Identifier not a dotted quad', input: { ...BASE, bgpId: 'fe80::1' }, code: 'FSM_BAD_BGP_ID' },
    { name: 'hold time 1', input: { ...BASE, holdTimeSeconds: 1 }, code: 'FSM_CONFIG_INVALID' },
    { name: 'hold time 2', input: { ...BASE, holdTimeSeconds: 2 }, code: 'FSM_CONFIG_INVALID' },
    { name: 'hold time above 16 bits', input: { ...BASE, holdTimeSeconds: 65536 }, code: 'FSM_CONFIG_INVALID' },
    { name: 'fractional hold time', input: { ...BASE, holdTimeSeconds: 4.5 }, code: 'FSM_CONFIG_INVALID' },
    { name: 'keepalive 0', input: { ...BASE, keepaliveSeconds: 0 }, code: 'FSM_CONFIG_INVALID' },
    { name: 'connect retry 0', input: { ...BASE, connectRetrySeconds: 0 }, code: 'FSM_CONFIG_INVALID' },
    { name: 'open-wait 0', input: { ...BASE, openWaitSeconds: 0 }, code: 'FSM_CONFIG_INVALID' },
    { name: 'open-wait above the OpenSent hold time', input: { ...BASE, openSentHoldSeconds: 30, openWaitSeconds: 31 }, code: 'FSM_CONFIG_INVALID' },
    { name: 'back-off cap below the base', input: { ...BASE, connectRetrySeconds: 10, connectRetryMaxSeconds: 5 }, code: 'FSM_CONFIG_INVALID' },
    { name: 'idle hold max below initial', input: { ...BASE, idleHoldInitialSeconds: 10, idleHoldMaxSeconds: 5 }, code: 'FSM_CONFIG_INVALID' },
    { name: 'send hold not above hold time', input: { ...BASE, holdTimeSeconds: 90, sendHoldSeconds: 90 }, code: 'FSM_CONFIG_INVALID' },
    { name: '4-octet AS without the capability', input: { ...BASE, localAsn: 4200000000 }, code: 'FSM_CONFIG_INVALID' },
    { name: 'capability AS differs', input: { ...BASE, capabilities: [{ kind: 'four-octet-as', asn: 65001 }] }, code: 'FSM_CONFIG_INVALID' },
  ];
  it.each(cases)('$name', ({ input, code }) => {
    let err: unknown;
    try {
      resolveFsmConfig(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FsmError);
    expect((err as FsmError).code).toBe(code);
  });

  it('accepts hold time 0 and 3', () => {
    expect(resolveFsmConfig({ ...BASE, holdTimeSeconds: 0 }).holdTimeSeconds).toBe(0);
    expect(resolveFsmConfig({ ...BASE, holdTimeSeconds: 3 }).holdTimeSeconds).toBe(3);
  });
});

describe('AS numbers in OPEN (RFC 6793)', () => {
  it.each([
    { asn: 65000, want: 65000 },
    { asn: 65535, want: 65535 },
    { asn: 65536, want: 23456 },
    { asn: 4200000000, want: 23456 },
  ])('openMyAsField($asn) = $want', ({ asn, want }) => {
    expect(openMyAsField(asn)).toBe(want);
  });

  it('peerAsnOf prefers the four-octet-as capability', () => {
    expect(peerAsnOf(peerOpen({ myAs: 23456, capabilities: [{ kind: 'four-octet-as', asn: 4200000001 }] }))).toBe(4200000001);
    expect(peerAsnOf(peerOpen({ myAs: 64512, capabilities: [] }))).toBe(64512);
  });

  it('buildOpen copies the configuration', () => {
    const cfg = resolveFsmConfig({ ...BASE, holdTimeSeconds: 30, capabilities: [{ kind: 'route-refresh' }] });
    expect(buildOpen(cfg)).toEqual({ type: 'open', version: 4, myAs: 65000, holdTime: 30, bgpId: '10.0.0.1', capabilities: [{ kind: 'route-refresh' }] });
  });
});
