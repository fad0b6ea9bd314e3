// Reflection and propagation rules (RFC 4271 §5.1, §9.2; RFC 4456 §6, §8, §10), table-driven, no sockets: who gets a
// best path, and with which ORIGINATOR_ID, CLUSTER_LIST, NEXT_HOP, AS_PATH, LOCAL_PREF and MED. Flat (one reflector,
// clients and non-clients) and hierarchical (reflector to reflector as non-clients) topologies.
import { ExportCache, exportAttributes, prependAs, type ExportTarget } from './export-policy';
import type { PathSource } from './path';
import { path, seq, source } from './testing';

const me = { routerId: '10.0.0.100', clusterId: '1.1.1.1' };

function target(src: PathSource | undefined, kind: 'internal' | 'external', extra: Partial<ExportTarget> = {}): ExportTarget {
  return {
    sourceId: src?.id ?? -1,
    kind,
    rrClient: false,
    localAsn: 65000,
    nextHopMode: 'auto',
    selfAddress: { ipv4: '10.0.0.100', ipv6: '2001:db8::100' },
    ...extra,
  };
}

const client1 = source('internal', '10.0.0.1', { rrClient: true, routerId: '10.0.0.1' });
const client2 = source('internal', '10.0.0.2', { rrClient: true, routerId: '10.0.0.2' });
const nonClient = source('internal', '10.0.0.3', { routerId: '10.0.0.3' });
const nonClient2 = source('internal', '10.0.0.4', { routerId: '10.0.0.4' });
const ebgp = source('external', '10.1.0.1', { asn: 65100 });
const ebgp2 = source('external', '10.1.0.2', { asn: 65200 });
const local = source('local', '', { routerId: me.routerId });

interface Case {
  name: string;
  from: PathSource;
  to: ExportTarget;
  attrs?: Parameters<typeof path>[1];
  /** undefined: not advertised. */
  want?: Record<string, unknown>;
  absent?: string[];
}

const cases: Case[] = [
  { name: 'never back to the session it came from', from: client1, to: target(client1, 'internal', { rrClient: true }) },
  {
    name: 'client -> other client: reflected, ORIGINATOR_ID set, CLUSTER_ID prepended, NEXT_HOP/LOCAL_PREF/MED kept',
    from: client1,
    to: target(client2, 'internal', { rrClient: true }),
    attrs: { nextHop: '192.0.2.1', localPref: 150, med: 7 },
    want: { originatorId: '10.0.0.1', clusterList: ['1.1.1.1'], nextHop: '192.0.2.1', localPref: 150, med: 7, asPath: [] },
  },
  {
    name: 'client -> non-client: reflected',
    from: client1,
    to: target(nonClient, 'internal'),
    want: { originatorId: '10.0.0.1', clusterList: ['1.1.1.1'] },
  },
  {
    name: 'non-client -> client: reflected',
    from: nonClient,
    to: target(client1, 'internal', { rrClient: true }),
    want: { originatorId: '10.0.0.3', clusterList: ['1.1.1.1'] },
  },
  { name: 'non-client -> non-client: iBGP split horizon', from: nonClient, to: target(nonClient2, 'internal') },
  {
    name: 'an existing ORIGINATOR_ID is kept, CLUSTER_ID goes in front (hierarchical: from an upper reflector)',
    from: nonClient,
    to: target(client1, 'internal', { rrClient: true }),
    attrs: { originatorId: '10.9.9.9', clusterList: ['2.2.2.2'] },
    want: { originatorId: '10.9.9.9', clusterList: ['1.1.1.1', '2.2.2.2'] },
  },
  {
    name: 'reflected routes keep their next hop even with next hop self in auto mode',
    from: client1,
    to: target(client2, 'internal', { rrClient: true }),
    attrs: { nextHop: '192.0.2.1' },
    want: { nextHop: '192.0.2.1' },
  },
  {
    name: 'nextHopMode self rewrites reflected routes',
    from: client1,
    to: target(client2, 'internal', { rrClient: true, nextHopMode: 'self' }),
    attrs: { nextHop: '192.0.2.1' },
    want: { nextHop: '10.0.0.100' },
  },
  {
    name: 'eBGP-learned -> iBGP: next hop kept, LOCAL_PREF 100 added, no RR attributes',
    from: ebgp,
    to: target(nonClient, 'internal'),
    attrs: { asPath: [seq(65100)], nextHop: '10.1.0.1' },
    want: { nextHop: '10.1.0.1', localPref: 100, asPath: [seq(65100)] },
    absent: ['originatorId', 'clusterList'],
  },
  {
    name: 'local route without next hop -> iBGP: next hop self',
    from: local,
    to: target(nonClient, 'internal'),
    attrs: { nextHop: undefined },
    want: { nextHop: '10.0.0.100', localPref: 100 },
  },
  {
    name: 'reflected route -> eBGP: AS prepended, next hop self, no LOCAL_PREF/ORIGINATOR_ID/CLUSTER_LIST/MED',
    from: client1,
    to: target(ebgp, 'external'),
    attrs: { asPath: [seq(65300)], localPref: 200, originatorId: '10.0.0.1', clusterList: ['1.1.1.1'], med: 5 },
    want: { asPath: [seq(65000, 65300)], nextHop: '10.0.0.100' },
    absent: ['localPref', 'originatorId', 'clusterList', 'med'],
  },
  {
    name: 'eBGP -> eBGP with a per-peer local AS',
    from: ebgp,
    to: target(ebgp2, 'external', { localAsn: 64999 }),
    attrs: { asPath: [seq(65100)], med: 3 },
    want: { asPath: [seq(64999, 65100)] },
    absent: ['med'],
  },
  {
    name: 'local route -> eBGP keeps its MED',
    from: local,
    to: target(ebgp, 'external'),
    attrs: { med: 20, localPref: 300 },
    want: { med: 20, asPath: [seq(65000)] },
    absent: ['localPref'],
  },
  {
    name: 'local route with a configured next hop keeps it towards eBGP (auto)',
    from: local,
    to: target(ebgp, 'external'),
    attrs: { nextHop: '192.0.2.55' },
    want: { nextHop: '192.0.2.55' },
  },
  {
    name: 'nextHopMode self overrides a local route next hop towards eBGP',
    from: local,
    to: target(ebgp, 'external', { nextHopMode: 'self' }),
    attrs: { nextHop: '192.0.2.55' },
    want: { nextHop: '10.0.0.100' },
  },
  {
    name: 'nextHopMode keep towards eBGP',
    from: ebgp,
    to: target(ebgp2, 'external', { nextHopMode: 'keep' }),
    attrs: { nextHop: '192.0.2.55' },
    want: { nextHop: '192.0.2.55' },
  },
  { name: 'NO_EXPORT stays inside the AS', from: nonClient, to: target(ebgp, 'external'), attrs: { communities: [0xffffff01] } },
  { name: 'NO_ADVERTISE goes nowhere', from: ebgp, to: target(nonClient, 'internal'), attrs: { communities: [0xffffff02] } },
];

describe('export policy', () => {
  it.each(cases)('$name', ({ from, to, attrs, want, absent }) => {
    const out = exportAttributes(path(from, attrs ?? {}), to, me);
    if (want === undefined) {
      expect(out).toBeUndefined();
      return;
    }
    expect(out).toMatchObject(want);
    for (const k of absent ?? []) expect(out).not.toHaveProperty(k);
  });

  it('IPv6 routes carry their next hop in MP_REACH_NLRI', () => {
    const p = path(ebgp, { asPath: [seq(65100)], nextHop: '2001:db8::1' }, { family: 'ipv6', address: '2001:db8:1::', length: 48 });
    const out = exportAttributes(p, target(ebgp2, 'external'), me);
    expect(out?.nextHop).toBeUndefined();
    expect(out?.mpReach).toEqual({ afi: 2, safi: 1, nextHop: '2001:db8::100', nlri: [] });
  });

  it('prepends into the first AS_SEQUENCE and drops confederation segments', () => {
    expect(prependAs([{ type: 'confed-sequence', asns: [64512] }, seq(1)], 65000)).toEqual([seq(65000, 1)]);
    expect(prependAs([{ type: 'set', asns: [1, 2] }], 65000)).toEqual([seq(65000), { type: 'set', asns: [1, 2] }]);
    expect(prependAs(undefined, 7)).toEqual([seq(7)]);
  });

  it('the cache hands out one object per (source, attribute set)', () => {
    const cache = new ExportCache(target(nonClient2, 'internal', { rrClient: true }), me);
    const shared = { origin: 0 as const, asPath: [], nextHop: '192.0.2.1' };
    const a = cache.attributesFor('ipv4', shared, client1);
    const b = cache.attributesFor('ipv4', shared, client1);
    const c = cache.attributesFor('ipv4', shared, client2);
    expect(a).toBe(b);
    expect(c).not.toBe(a);
    expect(c?.originatorId).toBe('10.0.0.2');
  });
});
