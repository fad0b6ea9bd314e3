// Property tests of the UPDATE codec (fast-check): arbitrary valid messages survive encode -> decode, encoder output
// survives decode -> encode byte for byte, arbitrary and mutated bytes only ever make the decoder throw BgpError, and
// encodeUpdates keeps every message under the limit without losing or inventing a prefix.
import fc from 'fast-check';
import { BgpError } from './bgp-error';
import { Origin } from './constants';
import { BgpEncodeError } from './header';
import { formatIpv4, formatIpv6 } from './prefix';
import type { AsPathSegment, CodecOptions, Family, PathAttributes, Prefix, UnknownAttribute, UpdateMessage } from './types';
import { decodeUpdateBody } from './update';
import { encodeUpdateBody, encodeUpdates } from './update-encode';

const KNOWN = new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 14, 15, 16, 17, 18, 32]);

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const asn = fc.oneof(fc.integer({ min: 1, max: 0xffff }), fc.integer({ min: 0x10000, max: 0xffffffff }));

function prefixArb(family: Family, addPath: boolean): fc.Arbitrary<Prefix> {
  const bits = family === 'ipv4' ? 32 : 128;
  return fc
    .record({
      length: fc.integer({ min: 0, max: bits }),
      bytes: fc.uint8Array({ minLength: bits / 8, maxLength: bits / 8 }),
      pathId: u32,
    })
    .map(({ length, bytes, pathId }) => {
      const b = Buffer.from(bytes);
      for (let k = 0; k < b.length; k++) {
        const keep = Math.max(0, Math.min(8, length - 8 * k));
        b[k] = (b[k] ?? 0) & ((0xff << (8 - keep)) & 0xff);
      }
      const address = family === 'ipv4' ? formatIpv4(b) : formatIpv6(b);
      return addPath ? { family, address, length, pathId } : { family, address, length };
    });
}

const ipv4Unicast = fc.tuple(fc.integer({ min: 1, max: 223 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })).map((o) => o.join('.'));
const ipv4Any = u32.map((v) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v);
  return formatIpv4(b);
});
const ipv6Any = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => formatIpv6(Buffer.from(b)));

function asPathArb(opts: CodecOptions): fc.Arbitrary<AsPathSegment[]> {
  // Confederation segments lead the path (RFC 5065 §6.1) and, towards a 2-octet peer, must fit two octets: they are
  // never carried in AS4_PATH, so nothing else could restore a larger ASN.
  const confedAsn = opts.fourOctetAs ? asn : fc.integer({ min: 1, max: 0xffff });
  const confed = fc.record({ type: fc.constantFrom('confed-sequence' as const, 'confed-set' as const), asns: fc.array(confedAsn, { minLength: 1, maxLength: 5 }) });
  const plain = fc.record({ type: fc.constantFrom('sequence' as const, 'set' as const), asns: fc.array(asn, { minLength: 1, maxLength: 20 }) });
  return fc
    .tuple(opts.internal ? fc.array(confed, { maxLength: 2 }) : fc.constant([]), fc.array(plain, { maxLength: 4 }))
    .map(([c, p]) => [...c, ...p]);
}

const unknownArb: fc.Arbitrary<UnknownAttribute[]> = fc
  .uniqueArray(fc.integer({ min: 11, max: 255 }).filter((t) => !KNOWN.has(t)), { maxLength: 3 })
  .chain((types) =>
    fc.tuple(...types.sort((a, b) => a - b).map((typeCode) => fc.uint8Array({ maxLength: 300 }).map((v) => ({ typeCode, v })))),
  )
  .map((xs) => xs.map(({ typeCode, v }) => ({ flags: v.length > 255 ? 0xf0 : 0xe0, typeCode, value: Buffer.from(v) })));

function attributesArb(opts: CodecOptions): fc.Arbitrary<PathAttributes> {
  const add6 = opts.addPath.has('ipv6');
  const model = {
    origin: fc.constantFrom(Origin.Igp, Origin.Egp, Origin.Incomplete),
    asPath: asPathArb(opts),
    nextHop: ipv4Unicast,
    med: u32,
    atomicAggregate: fc.constant(true as const),
    aggregator: fc.record({ asn, address: ipv4Any }),
    communities: fc.array(u32, { minLength: 1, maxLength: 10 }),
    mpReach: fc
      .record({ nextHop: ipv6Any, linkLocalNextHop: fc.option(ipv6Any, { nil: undefined }), nlri: fc.array(prefixArb('ipv6', add6), { maxLength: 10 }) })
      .map(({ nextHop, linkLocalNextHop, nlri }) =>
        linkLocalNextHop === undefined ? { afi: 2, safi: 1, nextHop, nlri } : { afi: 2, safi: 1, nextHop, linkLocalNextHop, nlri },
      ),
    mpUnreach: fc.array(prefixArb('ipv6', add6), { maxLength: 10 }).map((withdrawn) => ({ afi: 2, safi: 1, withdrawn })),
    extendedCommunities: fc.array(fc.uint8Array({ minLength: 8, maxLength: 8 }).map((b) => Buffer.from(b)), { minLength: 1, maxLength: 4 }),
    largeCommunities: fc.array(fc.tuple(u32, u32, u32), { minLength: 1, maxLength: 4 }),
    unknown: unknownArb.filter((u) => u.length > 0),
    // RFC 7606 §7.5, §7.9, §7.10: discarded from eBGP peers, so only generated for iBGP.
    ...(opts.internal
      ? { localPref: u32, originatorId: ipv4Any, clusterList: fc.array(ipv4Any, { minLength: 1, maxLength: 4 }) }
      : {}),
  };
  return fc.record(model, { requiredKeys: [] }) as fc.Arbitrary<PathAttributes>;
}

const optsArb: fc.Arbitrary<CodecOptions> = fc
  .record({ fourOctetAs: fc.boolean(), internal: fc.boolean(), add4: fc.boolean(), add6: fc.boolean() })
  .map(({ fourOctetAs, internal, add4, add6 }) => ({
    fourOctetAs,
    internal,
    extendedMessage: true,
    addPath: new Set<Family>([...(add4 ? (['ipv4'] as const) : []), ...(add6 ? (['ipv6'] as const) : [])]),
  }));

const caseArb = optsArb.chain((opts) =>
  fc
    .record({
      withdrawn: fc.array(prefixArb('ipv4', opts.addPath.has('ipv4')), { maxLength: 20 }),
      attributes: attributesArb(opts),
      nlri: fc.array(prefixArb('ipv4', opts.addPath.has('ipv4')), { maxLength: 20 }),
    })
    .map(({ withdrawn, attributes, nlri }) => ({ opts, msg: { type: 'update', withdrawn, attributes, nlri } as UpdateMessage })),
);

/** Runs the decoder; anything thrown must be a protocol BgpError, never a bug that the safety net caught. */
function decodeOnlyBgpErrors(bytes: Buffer, opts: CodecOptions): void {
  try {
    const got = decodeUpdateBody(bytes, opts);
    try {
      encodeUpdateBody(got.message, { ...opts, extendedMessage: true });
    } catch (e) {
      if (!(e instanceof BgpEncodeError)) throw e;
    }
  } catch (e) {
    if (!(e instanceof BgpError)) throw e;
    if (e.detail.startsWith('internal')) throw e;
  }
}

describe('UPDATE codec properties', () => {
  it('decode(encode(m)) equals m for any valid UpdateMessage', () => {
    fc.assert(
      fc.property(caseArb, ({ msg, opts }) => {
        const got = decodeUpdateBody(encodeUpdateBody(msg, opts), opts);
        expect(got.message).toEqual(msg);
      }),
      { numRuns: 300 },
    );
  });

  it('encode(decode(bytes)) reproduces encoder-produced bytes exactly', () => {
    fc.assert(
      fc.property(caseArb, ({ msg, opts }) => {
        const bytes = encodeUpdateBody(msg, opts);
        expect(encodeUpdateBody(decodeUpdateBody(bytes, opts).message, opts).equals(bytes)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('random bytes only ever make the decoder throw BgpError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), optsArb, (bytes, opts) => decodeOnlyBgpErrors(Buffer.from(bytes), opts)),
      { numRuns: 2000 },
    );
  });

  it('well-framed attribute lists of random content only ever make the decoder throw BgpError', () => {
    const item = fc.record({
      flags: fc.integer({ min: 0, max: 255 }),
      typeCode: fc.oneof(fc.constantFrom(...KNOWN), fc.integer({ min: 0, max: 255 })),
      value: fc.uint8Array({ maxLength: 40 }),
    });
    const frame = (items: Array<{ flags: number; typeCode: number; value: Uint8Array }>): Buffer =>
      Buffer.concat(
        items.map(({ flags, typeCode, value }) => {
          const ext = (flags & 0x10) !== 0;
          const head = Buffer.from(ext ? [flags, typeCode, value.length >> 8, value.length & 255] : [flags, typeCode, value.length]);
          return Buffer.concat([head, Buffer.from(value)]);
        }),
      );
    fc.assert(
      fc.property(fc.array(item, { maxLength: 6 }), fc.uint8Array({ maxLength: 12 }), optsArb, (items, nlri, opts) => {
        const attrs = frame(items);
        const lengths = Buffer.alloc(4);
        lengths.writeUInt16BE(attrs.length, 2);
        decodeOnlyBgpErrors(Buffer.concat([lengths, attrs, Buffer.from(nlri)]), opts);
      }),
      { numRuns: 3000 },
    );
  });

  it('mutated valid UPDATEs only ever make the decoder throw BgpError', () => {
    const mutation = fc.record({
      at: fc.nat(),
      byte: fc.integer({ min: 0, max: 255 }),
      kind: fc.constantFrom('set', 'truncate', 'insert', 'delete'),
    });
    fc.assert(
      fc.property(caseArb, fc.array(mutation, { minLength: 1, maxLength: 4 }), ({ msg, opts }, mutations) => {
        let bytes = encodeUpdateBody(msg, opts);
        for (const m of mutations) {
          const at = bytes.length === 0 ? 0 : m.at % bytes.length;
          if (m.kind === 'set') {
            bytes = Buffer.from(bytes);
            if (bytes.length > 0) bytes[at] = m.byte;
          } else if (m.kind === 'truncate') bytes = bytes.subarray(0, at);
          else if (m.kind === 'insert') bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from([m.byte]), bytes.subarray(at)]);
          else bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1)]);
        }
        decodeOnlyBgpErrors(bytes, opts);
      }),
      { numRuns: 1000 },
    );
  });

  it('encodeUpdates never exceeds the limit and loses or invents no prefix', () => {
    const input = optsArb.chain((opts) =>
      fc.record({
        opts: fc.constant(opts),
        max: fc.integer({ min: 150, max: 4096 }),
        withdrawn: fc.array(fc.oneof(prefixArb('ipv4', opts.addPath.has('ipv4')), prefixArb('ipv6', opts.addPath.has('ipv6'))), { maxLength: 200 }),
        nlri: fc.array(fc.oneof(prefixArb('ipv4', opts.addPath.has('ipv4')), prefixArb('ipv6', opts.addPath.has('ipv6'))), { maxLength: 200 }),
      }),
    );
    const attributes: PathAttributes = {
      origin: Origin.Igp,
      asPath: [{ type: 'sequence', asns: [65001, 4200000000] }],
      nextHop: '192.0.2.1',
      mpReach: { afi: 2, safi: 1, nextHop: '2001:db8::1', nlri: [] },
    };
    const key = (p: Prefix): string => `${p.address}/${p.length}#${p.pathId ?? ''}`;
    fc.assert(
      fc.property(input, ({ opts, max, withdrawn, nlri }) => {
        const messages = encodeUpdates({ withdrawn, attributes, nlri }, opts, max);
        const gotW: Prefix[] = [];
        const gotN: Prefix[] = [];
        for (const m of messages) {
          expect(m.length).toBeLessThanOrEqual(max);
          const d = decodeUpdateBody(m.subarray(19), opts);
          gotW.push(...d.message.withdrawn, ...(d.message.attributes.mpUnreach?.withdrawn ?? []));
          gotN.push(...d.message.nlri, ...(d.message.attributes.mpReach?.nlri ?? []));
        }
        expect(gotW.map(key).sort()).toEqual(withdrawn.map(key).sort());
        expect(gotN.map(key).sort()).toEqual(nlri.map(key).sort());
      }),
      { numRuns: 200 },
    );
  });
});
