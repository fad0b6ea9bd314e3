// Adj-RIB-Out: staging is a diff against what was sent, flush packs by attribute object, and towards a 2-octet-AS
// peer the codec's AS_TRANS / AS4_PATH encoding (RFC 6793 §4.2.2) carries a 4-octet path intact.
import { AdjRibOut } from './adj-rib-out';
import { LocRib } from './loc-rib';
import { source } from './testing';
import { decodeUpdateBody } from '../packet/update';
import { HEADER_LENGTH } from '../packet/constants';
import { DEFAULT_CODEC_OPTIONS, type CodecOptions, type PathAttributes, type Prefix } from '../packet/types';

const p4 = (address: string, length: number): Prefix => ({ family: 'ipv4', address, length });
const opts4: CodecOptions = { ...DEFAULT_CODEC_OPTIONS, fourOctetAs: true, extendedMessage: true };

function decodeAll(msgs: Buffer[], opts: CodecOptions) {
  return msgs.map((m) => decodeUpdateBody(m.subarray(HEADER_LENGTH), opts).message);
}

describe('AdjRibOut', () => {
  const attrs: PathAttributes = { origin: 0, asPath: [{ type: 'sequence', asns: [4200000001, 65001] }], nextHop: '192.0.2.1' };
  // The Loc-RIB owns the entry ids (and their prefixes) an Adj-RIB-Out refers to.
  const rib = new LocRib({ localAsn: 65000, alwaysCompareMed: false });
  const src = source('internal', '10.0.0.1');
  const held = rib.interner.intern({ origin: 0, asPath: [], nextHop: '192.0.2.9' });
  const entry = (p: Prefix): number => {
    const id = rib.find(p);
    return id >= 0 ? id : rib.set(p, src, held, 0);
  };

  it('sends only differences and packs prefixes sharing attributes into one UPDATE', () => {
    const out = new AdjRibOut(rib);
    const a = p4('10.0.0.0', 24);
    const b = p4('10.0.1.0', 24);
    out.stage('ipv4', entry(a), attrs);
    out.stage('ipv4', entry(b), attrs);
    const first = decodeAll(out.flush(opts4, 65535), opts4);
    expect(first).toHaveLength(1);
    expect(first[0]?.nlri).toEqual([a, b]);
    out.stage('ipv4', entry(a), attrs);
    expect(out.pending).toBe(false);
    out.stage('ipv4', entry(a), undefined);
    out.endOfRib('ipv4');
    const second = decodeAll(out.flush(opts4, 65535), opts4);
    expect(second[0]?.withdrawn).toEqual([a]);
    expect(second[1]).toMatchObject({ withdrawn: [], nlri: [] });
    expect(out.size('ipv4')).toBe(1);
  });

  it('packs by attribute object, withdrawals first, and forgets attribute objects no prefix uses', () => {
    const out = new AdjRibOut(rib);
    const other: PathAttributes = { ...attrs, med: 5 };
    const ps = [p4('10.1.0.0', 16), p4('10.2.0.0', 16), p4('10.3.0.0', 16)];
    out.stage('ipv4', entry(ps[0] as Prefix), attrs);
    out.stage('ipv4', entry(ps[1] as Prefix), other);
    out.stage('ipv4', entry(ps[2] as Prefix), attrs);
    const first = decodeAll(out.flush(opts4, 4096), opts4);
    expect(first.map((m) => m.nlri)).toEqual([[ps[0], ps[2]], [ps[1]]]);
    out.stage('ipv4', entry(ps[1] as Prefix), attrs);
    out.stage('ipv4', entry(ps[0] as Prefix), undefined);
    const second = decodeAll(out.flush(opts4, 4096), opts4);
    expect(second.map((m) => [m.withdrawn, m.nlri])).toEqual([[[ps[0]], []], [[], [ps[1]]]]);
    expect(out.get('ipv4', entry(ps[1] as Prefix))).toBe(attrs);
    expect(out.size('ipv4')).toBe(2);
  });

  it('splits a large run over messages no longer than the maximum', () => {
    const out = new AdjRibOut(rib);
    const ps = Array.from({ length: 3000 }, (_, i) => p4(`172.${16 + (i >> 8)}.${i & 255}.0`, 24));
    for (const p of ps) out.stage('ipv4', entry(p), attrs);
    const msgs = out.flush(opts4, 4096);
    expect(msgs.length).toBeGreaterThan(1);
    for (const m of msgs) expect(m.length).toBeLessThanOrEqual(4096);
    expect(decodeAll(msgs, opts4).flatMap((m) => m.nlri)).toEqual(ps);
  });

  it('re-sends the whole table on restage (ROUTE-REFRESH)', () => {
    const out = new AdjRibOut(rib);
    const a = p4('10.0.0.0', 24);
    out.stage('ipv4', entry(a), attrs);
    out.flush(opts4, 4096);
    out.restage('ipv4');
    expect(decodeAll(out.flush(opts4, 4096), opts4)[0]?.nlri).toEqual([a]);
  });

  it('towards a 2-octet AS peer: AS_TRANS in AS_PATH, the real path in AS4_PATH, merged back on receipt', () => {
    const out = new AdjRibOut(rib);
    const a = p4('10.0.0.0', 24);
    out.stage('ipv4', entry(a), attrs);
    const old: CodecOptions = { ...DEFAULT_CODEC_OPTIONS, fourOctetAs: false };
    const [msg] = out.flush(old, 4096);
    const body = (msg as Buffer).subarray(HEADER_LENGTH);
    // AS_PATH type 2 with AS_TRANS (23456 = 0x5ba0) then 65001; an AS4_PATH (type 17) follows.
    expect(body.includes(Buffer.from([0x02, 0x02, 0x5b, 0xa0, 0xfd, 0xe9]))).toBe(true);
    expect(decodeUpdateBody(body, old).message.attributes.asPath).toEqual(attrs.asPath);
  });
});
