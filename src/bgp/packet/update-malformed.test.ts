// Malformed UPDATEs and the RFC 7606 disposition each must get: a thrown BgpError (session reset) with its
// NOTIFICATION code/subcode, or a returned handling with the subcode of the error that decided it.
import { BgpError, type ErrorHandling } from './bgp-error';
import { ErrorCode, UpdateSubcode as S } from './constants';
import type { CodecOptions } from './types';
import { decodeUpdateBody } from './update';
import {
  AS_PATH_65001,
  BASE,
  EBGP2,
  EBGP4,
  IBGP4,
  MP_REACH_V6,
  NEXT_HOP_10_0_0_1,
  NLRI_10_0_1,
  ORIGIN_IGP,
  attr,
  body,
  hex,
} from './testdata/update-bytes';

type Want =
  | { handling: Exclude<ErrorHandling, 'session-reset'>; subcode: number; disabled?: Array<{ afi: number; safi: number }> }
  | { throws: { code: number; subcode: number } };

const U = ErrorCode.UpdateMessage;
const TAW = 'treat-as-withdraw' as const;
const DISCARD = 'attribute-discard' as const;
const DISABLE = 'afisafi-disable' as const;
const V6 = [{ afi: 2, safi: 1 }];

const cases: Array<{ name: string; bytes: Buffer; opts?: CodecOptions; want: Want }> = [
  // ---- framing: RFC 4271 §6.3 / RFC 7606 §4 (NLRI cannot be located -> reset)
  { name: 'body of one octet', bytes: hex('00'), want: { throws: { code: U, subcode: S.MalformedAttributeList } } },
  { name: 'withdrawn length overruns body', bytes: hex('0010 0000'), want: { throws: { code: U, subcode: S.MalformedAttributeList } } },
  { name: 'total attribute length overruns body', bytes: hex('0000 0020 40010100'), want: { throws: { code: U, subcode: S.MalformedAttributeList } } },
  { name: 'no total attribute length field', bytes: hex('0000 00'), want: { throws: { code: U, subcode: S.MalformedAttributeList } } },

  // ---- classic NLRI / withdrawn syntax: RFC 7606 §5.3 -> reset, Invalid Network Field
  { name: 'withdrawn prefix length 33', bytes: body('21 0a000000 00', [], ''), want: { throws: { code: U, subcode: S.InvalidNetworkField } } },
  { name: 'NLRI prefix overruns field', bytes: body('', BASE, '18 0a00'), want: { throws: { code: U, subcode: S.InvalidNetworkField } } },
  { name: 'NLRI host bits set (10.0.1.0/23)', bytes: body('', BASE, '17 0a0001'), want: { throws: { code: U, subcode: S.InvalidNetworkField } } },
  {
    name: 'ADD-PATH NLRI with path id cut short',
    bytes: body('', BASE, '000000'),
    opts: { ...EBGP4, addPath: new Set(['ipv4']) },
    want: { throws: { code: U, subcode: S.InvalidNetworkField } },
  },

  // ---- §4: attribute framing inside a sound Total Attribute Length
  {
    name: 'last attribute overruns the attribute field, NLRI present',
    bytes: body('', [...BASE, 'c0 08 08 0000'], NLRI_10_0_1),
    want: { handling: TAW, subcode: S.AttributeLengthError },
  },
  {
    name: 'two stray octets after the last attribute, NLRI present',
    bytes: body('', [...BASE, 'c0 08'], NLRI_10_0_1),
    want: { handling: TAW, subcode: S.MalformedAttributeList },
  },
  {
    name: 'extended-length attribute header cut short, NLRI present',
    bytes: body('', [...BASE, 'd0 08 00'], NLRI_10_0_1),
    want: { handling: TAW, subcode: S.MalformedAttributeList },
  },
  {
    // §5.2 (FRR #22563): attributes but no reachable NLRI -> the overrun cannot be trusted to have left the NLRI alone
    name: 'attribute overrun in an UPDATE without NLRI resets (RFC 7606 §5.2)',
    bytes: body('', [ORIGIN_IGP, AS_PATH_65001, 'c0 08 08 0000'], ''),
    want: { throws: { code: U, subcode: S.AttributeLengthError } },
  },
  {
    name: 'malformed ORIGIN in an UPDATE with only withdrawals and attributes resets (§5.2)',
    bytes: body('18 0a0001', [attr(0x40, 1, '07')], ''),
    want: { throws: { code: U, subcode: S.InvalidOriginAttribute } },
  },

  // ---- §3 (c) flags, §3 (d) missing mandatory, §3 (g) duplicates
  {
    name: 'ORIGIN marked optional',
    bytes: body('', [attr(0xc0, 1, '00'), AS_PATH_65001, NEXT_HOP_10_0_0_1], NLRI_10_0_1),
    want: { handling: TAW, subcode: S.AttributeFlagsError },
  },
  {
    name: 'COMMUNITIES marked non-transitive',
    bytes: body('', [...BASE, attr(0x80, 8, 'fde80064')], NLRI_10_0_1),
    want: { handling: TAW, subcode: S.AttributeFlagsError },
  },
  { name: 'ORIGIN missing with NLRI', bytes: body('', [AS_PATH_65001, NEXT_HOP_10_0_0_1], NLRI_10_0_1), want: { handling: TAW, subcode: S.MissingWellKnownAttribute } },
  { name: 'NEXT_HOP missing with classic NLRI', bytes: body('', [ORIGIN_IGP, AS_PATH_65001], NLRI_10_0_1), want: { handling: TAW, subcode: S.MissingWellKnownAttribute } },
  { name: 'AS_PATH missing with MP_REACH NLRI', bytes: body('', [MP_REACH_V6, ORIGIN_IGP], ''), want: { handling: TAW, subcode: S.MissingWellKnownAttribute } },
  { name: 'ORIGIN repeated: later copy discarded', bytes: body('', [...BASE, attr(0x40, 1, '02')], NLRI_10_0_1), want: { handling: DISCARD, subcode: S.MalformedAttributeList } },
  { name: 'MP_REACH_NLRI repeated', bytes: body('', [MP_REACH_V6, MP_REACH_V6, ORIGIN_IGP, AS_PATH_65001], ''), want: { throws: { code: U, subcode: S.MalformedAttributeList } } },
  {
    name: 'MP_UNREACH_NLRI repeated',
    bytes: body('', [attr(0x80, 15, '000201'), attr(0x80, 15, '000201')], ''),
    want: { throws: { code: U, subcode: S.MalformedAttributeList } },
  },
  {
    name: 'unrecognized well-known attribute',
    bytes: body('', [...BASE, attr(0x40, 99, '01')], NLRI_10_0_1),
    want: { handling: TAW, subcode: S.UnrecognizedWellKnownAttribute },
  },

  // ---- §7.1 - §7.14, RFC 8092 §6, RFC 6793 §6: one attribute at a time
  { name: 'ORIGIN length 2', bytes: body('', [attr(0x40, 1, '0000'), AS_PATH_65001, NEXT_HOP_10_0_0_1], NLRI_10_0_1), want: { handling: TAW, subcode: S.AttributeLengthError } },
  { name: 'ORIGIN value 3', bytes: body('', [attr(0x40, 1, '03'), AS_PATH_65001, NEXT_HOP_10_0_0_1], NLRI_10_0_1), want: { handling: TAW, subcode: S.InvalidOriginAttribute } },
  { name: 'AS_PATH segment type 5', bytes: body('', [ORIGIN_IGP, attr(0x40, 2, '05 01 0000fde9'), NEXT_HOP_10_0_0_1], NLRI_10_0_1), want: { handling: TAW, subcode: S.MalformedAsPath } },
  { name: 'AS_PATH segment overrun', bytes: body('', [ORIGIN_IGP, attr(0x40, 2, '02 02 0000fde9'), NEXT_HOP_10_0_0_1], NLRI_10_0_1), want: { handling: TAW, subcode: S.MalformedAsPath } },
  { name: 'AS_PATH zero-length segment', bytes: body('', [ORIGIN_IGP, attr(0x40, 2, '02 00'), NEXT_HOP_10_0_0_1], NLRI_10_0_1), want: { handling: TAW, subcode: S.MalformedAsPath } },
  { name: 'AS_PATH one-octet underrun', bytes: body('', [ORIGIN_IGP, attr(0x40, 2, '02 01 0000fde9 02'), NEXT_HOP_10_0_0_1], NLRI_10_0_1), want: { handling: TAW, subcode: S.MalformedAsPath } },
  {
    name: '4-octet AS_PATH sent on a 2-octet session',
    bytes: body('', [ORIGIN_IGP, attr(0x40, 2, '02 01 0000fde9'), NEXT_HOP_10_0_0_1], NLRI_10_0_1),
    opts: EBGP2,
    want: { handling: TAW, subcode: S.MalformedAsPath },
  },
  { name: 'NEXT_HOP length 5', bytes: body('', [ORIGIN_IGP, AS_PATH_65001, attr(0x40, 3, '0a00000100')], NLRI_10_0_1), want: { handling: TAW, subcode: S.AttributeLengthError } },
  { name: 'NEXT_HOP 0.0.0.0', bytes: body('', [ORIGIN_IGP, AS_PATH_65001, attr(0x40, 3, '00000000')], NLRI_10_0_1), want: { handling: TAW, subcode: S.InvalidNextHopAttribute } },
  { name: 'NEXT_HOP multicast 224.0.0.5', bytes: body('', [ORIGIN_IGP, AS_PATH_65001, attr(0x40, 3, 'e0000005')], NLRI_10_0_1), want: { handling: TAW, subcode: S.InvalidNextHopAttribute } },
  { name: 'MED length 3', bytes: body('', [...BASE, attr(0x80, 4, '000001')], NLRI_10_0_1), want: { handling: TAW, subcode: S.AttributeLengthError } },
  { name: 'LOCAL_PREF from an eBGP peer', bytes: body('', [...BASE, attr(0x40, 5, '00000064')], NLRI_10_0_1), want: { handling: DISCARD, subcode: S.OptionalAttributeError } },
  { name: 'LOCAL_PREF length 2 from an iBGP peer', bytes: body('', [...BASE, attr(0x40, 5, '0064')], NLRI_10_0_1), opts: IBGP4, want: { handling: TAW, subcode: S.AttributeLengthError } },
  { name: 'ATOMIC_AGGREGATE length 1', bytes: body('', [...BASE, attr(0x40, 6, '00')], NLRI_10_0_1), want: { handling: DISCARD, subcode: S.AttributeLengthError } },
  { name: 'AGGREGATOR length 7 on a 4-octet session', bytes: body('', [...BASE, attr(0xc0, 7, '0000fde9c00002')], NLRI_10_0_1), want: { handling: DISCARD, subcode: S.AttributeLengthError } },
  { name: 'AGGREGATOR length 8 on a 2-octet session', bytes: body('', [ORIGIN_IGP, attr(0x40, 2, '02 01 fde9'), NEXT_HOP_10_0_0_1, attr(0xc0, 7, '0000fde9c0000201')], NLRI_10_0_1), opts: EBGP2, want: { handling: DISCARD, subcode: S.AttributeLengthError } },
  {
    name: 'malformed AGGREGATOR in an UPDATE without NLRI stays a discard',
    bytes: body('', [ORIGIN_IGP, AS_PATH_65001, attr(0xc0, 7, '00')], ''),
    want: { handling: DISCARD, subcode: S.AttributeLengthError },
  },
  { name: 'COMMUNITIES length 5', bytes: body('', [...BASE, attr(0xc0, 8, 'fde8006400')], NLRI_10_0_1), want: { handling: TAW, subcode: S.AttributeLengthError } },
  { name: 'COMMUNITIES length 0', bytes: body('', [...BASE, attr(0xc0, 8, '')], NLRI_10_0_1), want: { handling: TAW, subcode: S.AttributeLengthError } },
  { name: 'ORIGINATOR_ID length 5 from iBGP', bytes: body('', [...BASE, attr(0x80, 9, '0a00000100')], NLRI_10_0_1), opts: IBGP4, want: { handling: TAW, subcode: S.AttributeLengthError } },
  { name: 'ORIGINATOR_ID from eBGP', bytes: body('', [...BASE, attr(0x80, 9, '0a000001')], NLRI_10_0_1), want: { handling: DISCARD, subcode: S.OptionalAttributeError } },
  { name: 'CLUSTER_LIST length 6 from iBGP', bytes: body('', [...BASE, attr(0x80, 10, '0a0000010a00')], NLRI_10_0_1), opts: IBGP4, want: { handling: TAW, subcode: S.AttributeLengthError } },
  { name: 'CLUSTER_LIST from eBGP', bytes: body('', [...BASE, attr(0x80, 10, '0a000001')], NLRI_10_0_1), want: { handling: DISCARD, subcode: S.OptionalAttributeError } },
  { name: 'EXTENDED_COMMUNITIES length 12', bytes: body('', [...BASE, attr(0xc0, 16, '0002fde800000064 00000000')], NLRI_10_0_1), want: { handling: TAW, subcode: S.AttributeLengthError } },
  { name: 'LARGE_COMMUNITY length 13', bytes: body('', [...BASE, attr(0xc0, 32, '0000fde8 00000001 00000002 00')], NLRI_10_0_1), want: { handling: TAW, subcode: S.AttributeLengthError } },
  {
    name: 'AS4_PATH malformed on a 2-octet session',
    bytes: body('', [ORIGIN_IGP, attr(0x40, 2, '02 01 5ba0'), NEXT_HOP_10_0_0_1, attr(0xc0, 17, '02 02 00011170')], NLRI_10_0_1),
    opts: EBGP2,
    want: { handling: DISCARD, subcode: S.OptionalAttributeError },
  },
  {
    name: 'AS4_PATH between 4-octet speakers',
    bytes: body('', [...BASE, attr(0xc0, 17, '02 01 00011170')], NLRI_10_0_1),
    want: { handling: DISCARD, subcode: S.OptionalAttributeError },
  },

  // ---- §5.3 / §7.11: MP_REACH_NLRI / MP_UNREACH_NLRI
  {
    name: 'MP_REACH_NLRI IPv6 next hop length 15',
    bytes: body('', [attr(0x80, 14, '0002 01 0f 20010db800000000000000000000 00 30 20010db80001'), ORIGIN_IGP, AS_PATH_65001], ''),
    want: { handling: DISABLE, subcode: S.InvalidNextHopAttribute, disabled: V6 },
  },
  {
    name: 'MP_REACH_NLRI prefix length 129',
    bytes: body('', [attr(0x80, 14, '0002 01 10 20010db8000000000000000000000001 00 81 20010db8'), ORIGIN_IGP, AS_PATH_65001], ''),
    want: { handling: DISABLE, subcode: S.InvalidNetworkField, disabled: V6 },
  },
  {
    name: 'MP_REACH_NLRI next hop length overruns the attribute',
    bytes: body('', [attr(0x80, 14, '0002 01 20 20010db8'), ORIGIN_IGP, AS_PATH_65001], ''),
    want: { handling: DISABLE, subcode: S.OptionalAttributeError, disabled: V6 },
  },
  { name: 'MP_REACH_NLRI of 2 octets', bytes: body('', [attr(0x80, 14, '0002'), ORIGIN_IGP, AS_PATH_65001], ''), want: { throws: { code: U, subcode: S.OptionalAttributeError } } },
  { name: 'MP_UNREACH_NLRI of 2 octets', bytes: body('', [attr(0x80, 15, '0002')], ''), want: { throws: { code: U, subcode: S.OptionalAttributeError } } },
  {
    name: 'MP_REACH_NLRI marked transitive',
    bytes: body('', [attr(0xc0, 14, '0002 01 10 20010db8000000000000000000000001 00 30 20010db80001'), ORIGIN_IGP, AS_PATH_65001], ''),
    want: { handling: DISABLE, subcode: S.AttributeFlagsError, disabled: V6 },
  },
  {
    name: 'MP_UNREACH_NLRI withdrawal overruns (alone: no §5.2 escalation)',
    bytes: body('', [attr(0x80, 15, '0002 01 40 20010db8')], ''),
    want: { handling: DISABLE, subcode: S.InvalidNetworkField, disabled: V6 },
  },
  {
    name: 'MP_REACH_NLRI and MP_UNREACH_NLRI both broken: the family is disabled once',
    bytes: body('', [attr(0x80, 15, '0002 01 40 20010db8'), attr(0x80, 14, '0002 01 0f 20010db800000000000000000000 00'), ORIGIN_IGP, AS_PATH_65001], ''),
    want: { handling: DISABLE, subcode: S.InvalidNetworkField, disabled: V6 },
  },
  {
    name: 'MP_REACH_NLRI of an unsupported AFI is discarded',
    bytes: body('', [attr(0x80, 14, '0019 41 04 0a000001 00'), ...BASE], NLRI_10_0_1),
    want: { handling: DISCARD, subcode: S.OptionalAttributeError },
  },
  {
    name: 'strongest wins: discard + treat-as-withdraw',
    bytes: body('', [...BASE, attr(0x40, 6, '00'), attr(0x80, 4, '00')], NLRI_10_0_1),
    want: { handling: TAW, subcode: S.AttributeLengthError },
  },
];

describe('decodeUpdateBody on malformed UPDATEs (RFC 7606)', () => {
  it('has a case for every clause the codec implements', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  it.each(cases)('$name', ({ bytes, opts, want }) => {
    const run = (): ReturnType<typeof decodeUpdateBody> => decodeUpdateBody(bytes, opts ?? EBGP4);
    if ('throws' in want) {
      let caught: unknown;
      try {
        run();
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(BgpError);
      const err = caught as BgpError;
      expect({ code: err.errorCode, subcode: err.subcode, handling: err.handling }).toEqual({ ...want.throws, handling: 'session-reset' });
      return;
    }
    const got = run();
    expect(got.handling).toBe(want.handling);
    const deciding = got.errors.find((e) => e.handling === want.handling);
    expect(deciding?.subcode).toBe(want.subcode);
    expect(deciding?.errorCode).toBe(ErrorCode.UpdateMessage);
    if (want.disabled) expect(got.disabledFamilies).toEqual(want.disabled);
  });

  it('keeps the first of a repeated attribute', () => {
    const got = decodeUpdateBody(body('', [...BASE, attr(0x40, 1, '02')], NLRI_10_0_1), EBGP4);
    expect(got.message.attributes.origin).toBe(0);
  });

  it('drops a discarded attribute and keeps the rest of the route', () => {
    const got = decodeUpdateBody(body('', [...BASE, attr(0x40, 6, '00')], NLRI_10_0_1), EBGP4);
    expect(got.message.attributes.atomicAggregate).toBeUndefined();
    expect(got.message.attributes.nextHop).toBe('10.0.0.1');
    expect(got.message.nlri).toEqual([{ family: 'ipv4', address: '10.0.1.0', length: 24 }]);
  });

  it('carries the offending attribute as NOTIFICATION data (RFC 4271 §6.3)', () => {
    const bad = attr(0x40, 1, '03');
    const got = decodeUpdateBody(body('', [bad, AS_PATH_65001, NEXT_HOP_10_0_0_1], NLRI_10_0_1), EBGP4);
    expect(got.errors[0]?.data).toEqual(bad);
  });

  it('does not judge the NEXT_HOP of an UPDATE whose NLRI are all in MP_REACH_NLRI (RFC 4760 §3)', () => {
    const got = decodeUpdateBody(body('', [MP_REACH_V6, ORIGIN_IGP, AS_PATH_65001, attr(0x40, 3, '00000000')], ''), EBGP4);
    expect(got.handling).toBeUndefined();
    expect(got.errors).toEqual([]);
  });
});
