import { chooseOnOpen, resolveCollision, type OpenArrival } from './collision';
import { FsmError } from './fsm-error';

describe('resolveCollision (RFC 4271 §6.8, RFC 6286 §2.3)', () => {
  const cases: Array<{ name: string; local: { bgpId: string; asn: number }; remote: { bgpId: string; asn: number }; want: string }> = [
    { name: 'higher local id keeps ours', local: { bgpId: '10.0.0.2', asn: 65000 }, remote: { bgpId: '10.0.0.1', asn: 65000 }, want: 'keep-locally-initiated' },
    { name: 'higher remote id keeps theirs', local: { bgpId: '10.0.0.1', asn: 65000 }, remote: { bgpId: '10.0.0.2', asn: 65000 }, want: 'keep-remotely-initiated' },
    // As unsigned 32-bit integers: 192.0.0.1 (0xC0000001) > 10.255.255.255, which a signed or textual comparison gets wrong.
    { name: 'unsigned comparison above 128.0.0.0', local: { bgpId: '192.0.0.1', asn: 1 }, remote: { bgpId: '10.255.255.255', asn: 1 }, want: 'keep-locally-initiated' },
    { name: 'not a string comparison', local: { bgpId: '9.0.0.0', asn: 1 }, remote: { bgpId: '10.0.0.0', asn: 1 }, want: 'keep-remotely-initiated' },
    { name: 'top of the range', local: { bgpId: '255.255.255.255', asn: 1 }, remote: { bgpId: '255.255.255.254', asn: 1 }, want: 'keep-locally-initiated' },
    { name: 'equal ids: larger local AS keeps ours', local: { bgpId: '10.0.0.1', asn: 65002 }, remote: { bgpId: '10.0.0.1', asn: 65001 }, want: 'keep-locally-initiated' },
    { name: 'equal ids: larger remote AS keeps theirs', local: { bgpId: '10.0.0.1', asn: 65001 }, remote: { bgpId: '10.0.0.1', asn: 4200000000 }, want: 'keep-remotely-initiated' },
  ];
  it.each(cases)('$name', ({ local, remote, want }) => {
    expect(resolveCollision(local, remote)).toBe(want);
  });

  it('both ends of a collision agree on the surviving connection', () => {
    const a = { bgpId: '172.16.0.9', asn: 65001 };
    const b = { bgpId: '172.16.0.10', asn: 65001 };
    // a keeps the connection b initiated; b keeps the one it initiated itself: the same TCP connection.
    expect(resolveCollision(a, b)).toBe('keep-remotely-initiated');
    expect(resolveCollision(b, a)).toBe('keep-locally-initiated');
  });

  it('throws a typed error when nothing can decide', () => {
    expect(() => resolveCollision({ bgpId: '10.0.0.1', asn: 65000 }, { bgpId: '10.0.0.1', asn: 65000 })).toThrow(
      expect.objectContaining({ code: 'FSM_COLLISION_UNRESOLVABLE' }),
    );
  });

  it.each(['10.0.0', '10.0.0.256', 'a.b.c.d', '', '1.2.3.4.5', '01.2.3.4444'])('rejects BGP Identifier %p', (bad) => {
    let err: unknown;
    try {
      resolveCollision({ bgpId: bad, asn: 1 }, { bgpId: '10.0.0.1', asn: 2 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FsmError);
    expect((err as FsmError).code).toBe('FSM_BAD_BGP_ID');
  });
});

describe('chooseOnOpen: which connection an arriving OPEN collides with (RFC 4271 §6.8, RFC 4724 §4.2)', () => {
  // We are 10.0.0.2, the higher identifier: a real collision keeps our outbound connection.
  const base: OpenArrival = { local: { bgpId: '10.0.0.2', asn: 65000 }, remote: { bgpId: '10.0.0.1', asn: 65000 }, direction: 'inbound' };
  const cases: Array<{ name: string; arrival: Partial<OpenArrival>; want: string }> = [
    { name: 'no other connection', arrival: {}, want: 'proceed' },
    { name: 'the other is Idle', arrival: { other: { state: 'Idle', connected: false } }, want: 'proceed' },
    { name: 'our connect is still in flight', arrival: { other: { state: 'Connect', connected: false, direction: 'outbound' } }, want: 'stop-other' },
    // The bug of issue 11 item 1: a half-open connection in OpenSent "won" against the real peer's connection.
    { name: 'the other has sent no OPEN (half-open, inbound)', arrival: { other: { state: 'OpenSent', connected: true, direction: 'inbound' } }, want: 'proceed' },
    { name: 'the other has sent no OPEN (ours, outbound)', arrival: { other: { state: 'OpenSent', connected: true, direction: 'outbound' } }, want: 'proceed' },
    { name: 'OpenConfirm, ours wins (higher local id)', arrival: { other: { state: 'OpenConfirm', connected: true, direction: 'outbound' } }, want: 'dump-this' },
    {
      name: 'OpenConfirm, the OPEN came on our outbound connection',
      arrival: { direction: 'outbound', other: { state: 'OpenConfirm', connected: true, direction: 'inbound' } },
      want: 'dump-other',
    },
    {
      name: 'OpenConfirm, theirs wins (higher remote id)',
      arrival: { remote: { bgpId: '10.0.0.9', asn: 65000 }, other: { state: 'OpenConfirm', connected: true, direction: 'outbound' } },
      want: 'dump-other',
    },
    { name: 'Established, no graceful restart: the new one goes', arrival: { other: { state: 'Established', connected: true, direction: 'outbound' } }, want: 'dump-this' },
    {
      name: 'Established, the peer advertised graceful restart: it restarted',
      arrival: { other: { state: 'Established', connected: true, direction: 'outbound' }, otherGracefulRestart: true },
      want: 'restart-other',
    },
  ];
  it.each(cases)('$name: $want', ({ arrival, want }) => {
    const choice = chooseOnOpen({ ...base, ...arrival });
    expect(choice.action).toBe(want);
    expect(choice.reason.length).toBeGreaterThan(0);
  });
});
