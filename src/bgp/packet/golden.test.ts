// Golden bytes captured from real BIRD 2, FRR and GoBGP sessions (testdata/golden, see its MANIFEST.json): every
// message must decode under the session's CodecOptions without any RFC 7606 error, say what the manifest says it
// shows, and re-encode to the same octets when the daemon's encoding is canonical (otherwise to octets that decode
// to the same message). loadGolden throws when it finds no file, so this suite cannot pass on an empty directory.
import { decodeMessage, encodeMessage } from './message';
import type { BgpMessage, UpdateMessage } from './types';
import { loadGolden, type GoldenMessage } from './testdata/golden';

const golden = loadGolden();

function update(m: BgpMessage): UpdateMessage {
  if (m.type !== 'update') throw new Error(`expected an UPDATE, got ${m.type}`);
  return m;
}

function asns(m: UpdateMessage): number[] {
  return (m.attributes.asPath ?? []).flatMap((s) => [...s.asns]);
}

/** What the file name promises, checked on the decoded message (the first matching prefix of `what` applies). */
const expectations: Array<{ what: string; check: (m: BgpMessage, g: GoldenMessage) => void }> = [
  {
    what: 'open',
    check: (m) => {
      if (m.type !== 'open') throw new Error('not an OPEN');
      expect(m.version).toBe(4);
      expect(m.capabilities.some((c) => c.kind === 'four-octet-as')).toBe(true);
      expect(m.capabilities.some((c) => c.kind === 'multiprotocol' && c.afi === 2 && c.safi === 1)).toBe(true);
      expect(m.capabilities.some((c) => c.kind === 'graceful-restart')).toBe(true);
    },
  },
  { what: 'keepalive', check: (m) => expect(m.type).toBe('keepalive') },
  {
    what: 'notification-cease',
    check: (m) => {
      expect(m).toMatchObject({ type: 'notification', code: 6 });
    },
  },
  { what: 'route-refresh', check: (m) => expect(m).toMatchObject({ type: 'route-refresh' }) },
  {
    what: 'eor-ipv4',
    check: (m) => {
      const u = update(m);
      expect(u.withdrawn).toEqual([]);
      expect(u.nlri).toEqual([]);
      expect(Object.values(u.attributes).filter((v) => v !== undefined)).toEqual([]);
    },
  },
  {
    what: 'eor-ipv6',
    check: (m) => {
      const u = update(m);
      expect(u.attributes.mpUnreach).toMatchObject({ afi: 2, safi: 1, withdrawn: [] });
      expect(u.nlri).toEqual([]);
    },
  },
  {
    what: 'update-ipv4-withdraw',
    check: (m) => {
      const u = update(m);
      expect(u.withdrawn.length).toBeGreaterThan(0);
      expect(u.withdrawn.every((p) => p.family === 'ipv4')).toBe(true);
    },
  },
  {
    what: 'update-ipv6-mp-unreach',
    check: (m) => {
      const u = update(m);
      expect(u.attributes.mpUnreach?.afi).toBe(2);
      expect(u.attributes.mpUnreach?.withdrawn.length).toBeGreaterThan(0);
    },
  },
  {
    what: 'update-ipv6-mp-reach',
    check: (m, g) => {
      const u = update(m);
      expect(u.attributes.mpReach).toMatchObject({ afi: 2, safi: 1 });
      expect(u.attributes.mpReach?.nlri.length).toBeGreaterThan(0);
      expect(u.attributes.mpReach?.nlri.every((p) => p.family === 'ipv6')).toBe(true);
      checkAttributeVariant(u, g);
    },
  },
  {
    what: 'update-ipv4',
    check: (m, g) => {
      const u = update(m);
      expect(u.nlri.length).toBeGreaterThan(0);
      expect(u.nlri.every((p) => p.family === 'ipv4')).toBe(true);
      expect(u.attributes.nextHop).toBeDefined();
      checkAttributeVariant(u, g);
    },
  },
];

function checkAttributeVariant(u: UpdateMessage, g: GoldenMessage): void {
  const w = g.entry.what;
  expect(u.attributes.origin).toBeDefined();
  expect(u.attributes.asPath).toBeDefined();
  if (w.endsWith('-large-communities')) expect(u.attributes.largeCommunities?.length).toBeGreaterThan(0);
  else if (w.endsWith('-communities')) expect(u.attributes.communities?.length).toBeGreaterThan(0);
  if (w.endsWith('-as4-path')) expect(asns(u).some((a) => a > 0xffff)).toBe(true);
  if (w.endsWith('-local-pref')) expect(u.attributes.localPref).toBeDefined();
  // RFC 4271 §5.1.5: LOCAL_PREF is only sent to internal peers.
  if (!g.codecOptions.internal) expect(u.attributes.localPref).toBeUndefined();
}

describe('golden messages captured from BIRD, FRR and GoBGP', () => {
  it('found fixtures from all three daemons', () => {
    expect(new Set(golden.map((g) => g.entry.source.daemon))).toEqual(new Set(['bird', 'frr', 'gobgp']));
  });

  it.each(golden.map((g) => [g.name, g] as const))('%s decodes cleanly, shows what its name says and re-encodes', (_name, g) => {
    const decoded = decodeMessage(g.bytes, g.codecOptions);
    expect(decoded.message.type).toBe(g.type);
    if (decoded.update !== undefined) {
      expect(decoded.update.errors).toEqual([]);
      expect(decoded.update.handling).toBeUndefined();
    }
    const exp = expectations.find((e) => g.entry.what.startsWith(e.what));
    if (exp === undefined) throw new Error(`no expectation for "${g.entry.what}": add one`);
    exp.check(decoded.message, g);

    const again = encodeMessage(decoded.message, g.codecOptions);
    if (g.canonical) {
      expect(again.toString('hex')).toBe(g.bytes.toString('hex'));
    } else {
      // A valid but non-canonical encoding (see the manifest note): same message after a second decode.
      expect(decodeMessage(again, g.codecOptions).message).toEqual(decoded.message);
    }
  });
});
