// Property-based checks of the message codec, shared by the unit tests (a few hundred runs) and scripts/fuzz-codec.ts
// (as many as asked). Test-only: lives under testing/, which the build leaves out, because it needs fast-check.
// Each property throws (an assertion error, or the unexpected exception itself) when it finds a counterexample.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BgpError } from '../bgp-error';
import { isImplementedCapabilityCode } from '../capabilities';
import { CeaseSubcode, ErrorCode } from '../constants';
import { Framer } from '../framer';
import { decodeMessage, encodeMessage } from '../message';
import { encodeShutdownCommunication } from '../notification';
import { ipv4ToString } from '../open';
import type { BgpMessage, Capability, CodecOptions, NotificationMessage, OpenMessage, RouteRefreshMessage } from '../types';
import { DEFAULT_CODEC_OPTIONS } from '../types';

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
/** Records with an ordinary prototype: fast-check may otherwise make null-prototype objects, which deepStrictEqual
 * tells apart from the decoder's plain objects. */
const rec = <T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> => fc.record(model, { noNullPrototype: true });
const bytes = (maxLength: number): fc.Arbitrary<Buffer> => fc.uint8Array({ maxLength }).map((a) => Buffer.from(a));

export const arbCapability: fc.Arbitrary<Capability> = fc.oneof(
  rec({ kind: fc.constant('multiprotocol' as const), afi: u16, safi: u8 }),
  fc.constant({ kind: 'route-refresh' as const }),
  fc.constant({ kind: 'route-refresh-cisco' as const }),
  fc.constant({ kind: 'enhanced-route-refresh' as const }),
  fc.constant({ kind: 'extended-message' as const }),
  rec({ kind: fc.constant('four-octet-as' as const), asn: u32 }),
  rec({
    kind: fc.constant('graceful-restart' as const),
    restarting: fc.boolean(),
    notification: fc.boolean(),
    restartTime: fc.integer({ min: 0, max: 4095 }),
    families: fc.array(rec({ afi: u16, safi: u8, forwardingPreserved: fc.boolean() }), { maxLength: 10 }),
  }),
  rec({
    kind: fc.constant('add-path' as const),
    families: fc.array(rec({ afi: u16, safi: u8, sendReceive: u8 }), { maxLength: 10 }),
  }),
  rec({
    kind: fc.constant('unknown' as const),
    code: u8.filter((c) => !isImplementedCapabilityCode(c)),
    value: bytes(255),
  }),
);

/** Non-zero, not multicast (what decodeOpen accepts). */
const arbBgpId = u32.filter((v) => v !== 0 && v >>> 28 !== 0xe).map(ipv4ToString);

export const arbOpen: fc.Arbitrary<OpenMessage> = rec({
  type: fc.constant('open' as const),
  version: fc.constant(4),
  myAs: u16,
  holdTime: fc.oneof(fc.constant(0), fc.integer({ min: 3, max: 0xffff })),
  bgpId: arbBgpId,
  // 12 capabilities of at most 257 octets each keep the OPEN under 4096 octets, and often over 255 (RFC 9072 form).
  capabilities: fc.array(arbCapability, { maxLength: 12 }),
});

/** Text whose UTF-8 form is at most 255 octets and survives a UTF-8 round trip (no lone surrogates). */
const arbShutdownText = fc
  .string({ unit: 'binary', maxLength: 120 })
  .filter((s) => Buffer.byteLength(s, 'utf8') <= 255 && Buffer.from(s, 'utf8').toString('utf8') === s);

export const arbNotification: fc.Arbitrary<NotificationMessage> = fc.oneof(
  rec({ code: u8, subcode: u8, data: bytes(300) })
    .filter((n) => !(n.code === ErrorCode.Cease && (n.subcode === CeaseSubcode.AdministrativeShutdown || n.subcode === CeaseSubcode.AdministrativeReset)))
    .map((n) => ({ type: 'notification' as const, ...n })),
  rec({ subcode: fc.constantFrom(CeaseSubcode.AdministrativeShutdown, CeaseSubcode.AdministrativeReset), text: arbShutdownText })
    .map(({ subcode, text }) => ({
      type: 'notification' as const,
      code: ErrorCode.Cease,
      subcode,
      data: encodeShutdownCommunication(text),
      shutdownMessage: text,
    })),
  fc
    .constantFrom(CeaseSubcode.AdministrativeShutdown, CeaseSubcode.AdministrativeReset)
    .map((subcode) => ({ type: 'notification' as const, code: ErrorCode.Cease, subcode, data: Buffer.alloc(0) })),
);

export const arbRouteRefresh: fc.Arbitrary<RouteRefreshMessage> = rec({
  type: fc.constant('route-refresh' as const),
  afi: u16,
  safi: u8,
  subtype: u8,
});

/** Every message type except UPDATE (whose arbitraries belong with update.ts). */
export const arbControlMessage: fc.Arbitrary<BgpMessage> = fc.oneof(
  arbOpen,
  arbNotification,
  fc.constant({ type: 'keepalive' as const }),
  arbRouteRefresh,
);

const OPTS: CodecOptions = DEFAULT_CODEC_OPTIONS;

/** Runs fn; an exception other than BgpError fails the property. */
function onlyBgpError(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof BgpError)) throw err;
  }
}

/** encode → decode gives the same message, and re-encoding gives the same octets. */
export const roundTripProperty = fc.property(arbControlMessage, (msg) => {
  const wire = encodeMessage(msg, OPTS);
  const decoded = decodeMessage(wire, OPTS);
  assert.deepStrictEqual(decoded.message, msg);
  assert.deepStrictEqual(encodeMessage(decoded.message, OPTS), wire);
});

/** Cutting a stream of messages anywhere gives back exactly those messages. */
export const chunkingProperty = fc.property(
  fc.array(arbControlMessage, { minLength: 1, maxLength: 5 }),
  fc.array(fc.nat(), { maxLength: 20 }),
  (msgs, cutSeeds) => {
    const frames = msgs.map((m) => encodeMessage(m, OPTS));
    const stream = Buffer.concat(frames);
    const cuts = [...new Set(cutSeeds.map((c) => c % stream.length))].sort((a, b) => a - b);
    const framer = new Framer();
    const got: Buffer[] = [];
    let from = 0;
    for (const cut of [...cuts, stream.length]) {
      got.push(...framer.push(stream.subarray(from, cut)));
      from = cut;
    }
    assert.deepStrictEqual(got, frames);
    assert.equal(framer.bufferedBytes, 0);
  },
);

const MARKER = Buffer.alloc(16, 0xff);

/** Random octets, with and without a valid marker in front, only ever make the framer throw BgpError. */
export const framerGarbageProperty = fc.property(
  fc.boolean(),
  fc.boolean(),
  fc.array(bytes(80), { maxLength: 6 }),
  (withMarker, extended, chunks) => {
    const framer = new Framer();
    framer.setExtendedMessage(extended);
    onlyBgpError(() => {
      if (withMarker) framer.push(MARKER);
      for (const c of chunks) framer.push(c);
    });
  },
);

/**
 * decodeMessage of a frame with a consistent header and a random body (any type, including UPDATE), or of a valid
 * message with octets flipped after the marker, only ever throws BgpError.
 */
export const decodeGarbageProperty = fc.property(
  fc.oneof(
    rec({ type: fc.integer({ min: 0, max: 7 }), body: bytes(120) }).map(({ type, body }) => {
      const head = Buffer.alloc(19, 0xff);
      head.writeUInt16BE(19 + body.length, 16);
      head.writeUInt8(type, 18);
      return Buffer.concat([head, body]);
    }),
    rec({
        msg: arbControlMessage,
        flips: fc.array(rec({ at: fc.nat(), value: u8 }), { minLength: 1, maxLength: 4 }),
      })
      .map(({ msg, flips }) => {
        const wire = Buffer.from(encodeMessage(msg, OPTS));
        for (const f of flips) wire[16 + (f.at % (wire.length - 16))] = f.value;
        return wire;
      }),
  ),
  rec({ fourOctetAs: fc.boolean(), extendedMessage: fc.boolean(), internal: fc.boolean() }),
  (frame, o) => {
    const opts: CodecOptions = { ...o, addPath: new Set() };
    onlyBgpError(() => decodeMessage(frame, opts));
  },
);

/** Runs one property; throws fast-check's report (with seed and counterexample) on failure. */
export type PropertyRunner = (params: { numRuns: number; seed?: number }) => void;

function runner<T>(property: fc.IProperty<T>): PropertyRunner {
  return (params) => fc.assert(property, params);
}

export const ALL_PROPERTIES: Readonly<Record<string, PropertyRunner>> = {
  'round trip': runner(roundTripProperty),
  chunking: runner(chunkingProperty),
  'framer garbage': runner(framerGarbageProperty),
  'decode garbage': runner(decodeGarbageProperty),
};
