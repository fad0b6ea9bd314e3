// encodeUpdates: splitting many routes into whole UPDATE messages that respect the maximum message length.
import { AttrType, Origin } from './constants';
import { BgpEncodeError } from './header';
import { formatIpv6 } from './prefix';
import type { CodecOptions, PathAttributes, Prefix } from './types';
import { decodeUpdateBody } from './update';
import { encodeNlriUpdates, encodeUpdates, prefixList } from './update-encode';
import { EBGP4 } from './testdata/update-bytes';

const ATTRS: PathAttributes = {
  origin: Origin.Igp,
  asPath: [{ type: 'sequence', asns: [65001, 65002] }],
  nextHop: '192.0.2.1',
  communities: [0xfde80064],
  mpReach: { afi: 2, safi: 1, nextHop: '2001:db8::1', linkLocalNextHop: 'fe80::1', nlri: [] },
};

function v4Prefixes(n: number, length = 24, pathIds = false): Prefix[] {
  const out: Prefix[] = [];
  for (let i = 0; i < n; i++) {
    const v = (0x0a000000 + i * 2 ** (32 - length)) >>> 0;
    const address = `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
    out.push(pathIds ? { family: 'ipv4', address, length, pathId: i % 3 } : { family: 'ipv4', address, length });
  }
  return out;
}

function v6Prefixes(n: number): Prefix[] {
  const out: Prefix[] = [];
  for (let i = 0; i < n; i++) {
    const b = Buffer.alloc(16);
    b.writeUInt32BE(0x20010db8, 0);
    // Even: a /64 numbered in octets 4-7; odd: a /48 numbered in octets 4-5 (host bits stay clear either way).
    if (i % 2 === 0) b.writeUInt32BE(i, 4);
    else b.writeUInt16BE(i & 0xffff, 4);
    out.push({ family: 'ipv6', address: formatIpv6(b), length: i % 2 === 0 ? 64 : 48 });
  }
  return out;
}

const key = (p: Prefix): string => `${p.family} ${p.address}/${p.length} ${p.pathId ?? ''}`;

/** Decodes every message and returns what they withdrew and announced, with every rule a message broke. */
function collect(messages: Buffer[], opts: CodecOptions, max: number): { withdrawn: Prefix[]; nlri: Prefix[]; broken: string[] } {
  const withdrawn: Prefix[] = [];
  const nlri: Prefix[] = [];
  const broken = new Set<string>();
  const marker = Buffer.alloc(16, 0xff);
  for (const m of messages) {
    if (m.length > max) broken.add(`message of ${m.length} octets`);
    if (!m.subarray(0, 16).equals(marker) || m.readUInt16BE(16) !== m.length || m[18] !== 2) broken.add('bad header');
    const d = decodeUpdateBody(m.subarray(19), opts);
    if (d.errors.length > 0) broken.add(`decode errors: ${d.errors.map((e) => e.message).join(', ')}`);
    const a = d.message.attributes;
    // RFC 7606 §5.1: one kind of NLRI-bearing field per message.
    const kinds = [d.message.withdrawn.length > 0, d.message.nlri.length > 0, a.mpReach !== undefined, a.mpUnreach !== undefined];
    if (kinds.filter(Boolean).length !== 1) broken.add('not exactly one NLRI-bearing field');
    if (a.mpReach && a.nextHop !== undefined) broken.add('NEXT_HOP beside MP_REACH_NLRI'); // RFC 4760 §3
    if (d.message.nlri.length > 0 && a.nextHop !== '192.0.2.1') broken.add('IPv4 NLRI without NEXT_HOP');
    withdrawn.push(...d.message.withdrawn, ...(a.mpUnreach?.withdrawn ?? []));
    nlri.push(...d.message.nlri, ...(a.mpReach?.nlri ?? []));
  }
  return { withdrawn, nlri, broken: [...broken] };
}

describe('encodeUpdates', () => {
  const limits = [4096, 65535, 1000, 200];
  it.each(limits)('splits 10k prefixes of each kind under a limit of %i octets', (max) => {
    const opts: CodecOptions = { ...EBGP4, extendedMessage: max > 4096 };
    const input = {
      withdrawn: [...v4Prefixes(10000, 32), ...v6Prefixes(10000)],
      attributes: ATTRS,
      nlri: [...v4Prefixes(10000, 24), ...v6Prefixes(10000)],
    };
    const messages = encodeUpdates(input, opts, max);
    const got = collect(messages, opts, max);
    expect(got.broken).toEqual([]);
    expect(got.withdrawn.map(key)).toEqual(input.withdrawn.map(key));
    expect(got.nlri.map(key)).toEqual(input.nlri.map(key));
    if (max === 4096) {
      // Packed, not one prefix per message: 10k /24s at 4 octets each need about 10 messages of ~4 KB.
      const v4Announcements = messages.filter((m) => decodeUpdateBody(m.subarray(19), opts).message.nlri.length > 0);
      expect(v4Announcements.length).toBeLessThanOrEqual(11);
    }
  });

  it('carries ADD-PATH path ids', () => {
    const opts: CodecOptions = { ...EBGP4, addPath: new Set(['ipv4']) };
    const input = { withdrawn: [], attributes: ATTRS, nlri: v4Prefixes(3000, 24, true) };
    const got = collect(encodeUpdates(input, opts, 4096), opts, 4096);
    expect(got.broken).toEqual([]);
    expect(got.nlri).toEqual(input.nlri);
  });

  it('uses extended length on the MP attribute exactly when its value passes 255 octets', () => {
    const few = encodeUpdates({ withdrawn: v6Prefixes(10), nlri: [] }, EBGP4, 4096);
    const many = encodeUpdates({ withdrawn: v6Prefixes(100), nlri: [] }, EBGP4, 4096);
    expect(few).toHaveLength(1);
    expect(many).toHaveLength(1);
    expect(few[0]?.[23]).toBe(0x80);
    expect(few[0]?.[24]).toBe(AttrType.MpUnreachNlri);
    expect(many[0]?.[23]).toBe(0x90);
  });

  it('returns nothing for nothing', () => {
    expect(encodeUpdates({ withdrawn: [], attributes: ATTRS, nlri: [] }, EBGP4, 4096)).toEqual([]);
  });

  it('refuses what it cannot encode', () => {
    expect(() => encodeUpdates({ withdrawn: [], nlri: v4Prefixes(1) }, EBGP4, 4096)).toThrow(BgpEncodeError);
    const noV6NextHop: PathAttributes = { ...ATTRS, mpReach: undefined };
    expect(() => encodeUpdates({ withdrawn: [], attributes: noV6NextHop, nlri: v6Prefixes(1) }, EBGP4, 4096)).toThrow(BgpEncodeError);
    const huge: PathAttributes = { ...ATTRS, communities: Array.from({ length: 1100 }, (_, i) => i) };
    expect(() => encodeUpdates({ withdrawn: [], attributes: huge, nlri: v4Prefixes(1) }, EBGP4, 4096)).toThrow(BgpEncodeError);
    expect(() => encodeUpdates({ withdrawn: [], nlri: [] }, EBGP4, 10)).toThrow(BgpEncodeError);
  });
});

describe('encodeNlriUpdates', () => {
  const opts: CodecOptions = { fourOctetAs: true, extendedMessage: false, addPath: new Set(), internal: true };
  const ps: Prefix[] = [
    { family: 'ipv4', address: '10.1.0.0', length: 16 },
    { family: 'ipv4', address: '10.2.0.0', length: 16 },
  ];

  it('packs a list the same way encodeUpdates does', () => {
    const attrs: PathAttributes = { origin: Origin.Igp, asPath: [], nextHop: '192.0.2.1', localPref: 100 };
    expect(encodeNlriUpdates('ipv4', attrs, prefixList(ps), opts, 4096)).toEqual(encodeUpdates({ withdrawn: [], attributes: attrs, nlri: ps }, opts, 4096));
    expect(encodeNlriUpdates('ipv4', undefined, prefixList(ps), opts, 4096)).toEqual(encodeUpdates({ withdrawn: ps, nlri: [] }, opts, 4096));
    expect(encodeNlriUpdates('ipv4', attrs, prefixList([]), opts, 4096)).toEqual([]);
  });

  it('reuses the encoding of an attribute object for the same options object only', () => {
    const attrs = { origin: Origin.Igp, asPath: [], nextHop: '192.0.2.1', med: 1 } as { -readonly [K in keyof PathAttributes]: PathAttributes[K] };
    const first = encodeNlriUpdates('ipv4', attrs, prefixList(ps), opts, 4096);
    attrs.med = 2; // RIB objects never change; this shows the reuse (and that other options re-encode)
    expect(encodeNlriUpdates('ipv4', attrs, prefixList(ps), opts, 4096)).toEqual(first);
    const other = { ...opts };
    expect(decodeUpdateBody((encodeNlriUpdates('ipv4', attrs, prefixList(ps), other, 4096)[0] as Buffer).subarray(19), other).message.attributes.med).toBe(2);
    // encodeUpdates takes objects a caller may change: it never reuses.
    expect(decodeUpdateBody((encodeUpdates({ withdrawn: [], attributes: attrs, nlri: ps }, opts, 4096)[0] as Buffer).subarray(19), opts).message.attributes.med).toBe(2);
  });
});
