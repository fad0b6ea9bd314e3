// Table-driven tests of the decision process: each step deciding once, MED only within one neighbouring AS and
// independent of arrival order, route-reflection tie-breaks (ORIGINATOR_ID, CLUSTER_LIST), multipath.
import { decide } from './decision';
import { COMPARATOR_STEPS, DECISION_STEPS, neighborAs, pathLength, stepTitle, STEP_NAMES, type DecisionOptions, type StepName } from './decision-steps';
import type { Path } from './path';
import { path, seq, source } from './testing';

const opts: DecisionOptions = { localAsn: 65000, alwaysCompareMed: false };

const ibgpA = source('internal', '10.0.0.1', { routerId: '1.1.1.1' });
const ibgpB = source('internal', '10.0.0.2', { routerId: '2.2.2.2' });
const ibgpC = source('internal', '10.0.0.3', { routerId: '3.3.3.3' });
const ebgpX = source('external', '10.1.0.1', { routerId: '9.9.9.9', asn: 65100 });
const ebgpY = source('external', '10.1.0.2', { routerId: '8.8.8.8', asn: 65200 });
const local = source('local', '', { routerId: '5.5.5.5' });

interface Case {
  name: string;
  paths: Path[];
  /** Index into paths of the expected best. */
  want: number;
  step: StepName;
  options?: Partial<DecisionOptions>;
}

const cases: Case[] = [
  { name: 'a single path', paths: [path(ibgpA, {})], want: 0, step: 'only-path' },
  {
    name: 'unresolvable next hop is ineligible',
    paths: [path(ibgpA, { localPref: 500, nextHop: '203.0.113.9' }), path(ibgpB, {})],
    want: 1,
    step: 'next-hop',
    options: { resolvable: (p) => p.attrs.nextHop !== '203.0.113.9' },
  },
  { name: 'locally originated first', paths: [path(ibgpA, { localPref: 500 }), path(local, {})], want: 1, step: 'local-origin' },
  { name: 'higher LOCAL_PREF', paths: [path(ibgpA, { localPref: 100 }), path(ibgpB, { localPref: 200 })], want: 1, step: 'local-pref' },
  { name: 'missing LOCAL_PREF counts as 100', paths: [path(ebgpX, { asPath: [seq(65100)] }), path(ibgpB, { localPref: 90, asPath: [] })], want: 0, step: 'local-pref' },
  { name: 'shorter AS_PATH', paths: [path(ebgpX, { asPath: [seq(65100, 65300)] }), path(ebgpY, { asPath: [seq(65200)] })], want: 1, step: 'as-path' },
  {
    name: 'an AS_SET counts as one',
    paths: [path(ebgpX, { asPath: [seq(65100), { type: 'set', asns: [1, 2, 3] }] }), path(ebgpY, { asPath: [seq(65200, 7, 8)] })],
    want: 0,
    step: 'as-path',
  },
  {
    name: 'confederation segments count zero',
    paths: [path(ibgpA, { asPath: [{ type: 'confed-sequence', asns: [64512, 64513] }, seq(65100)] }), path(ibgpB, { asPath: [seq(65100, 65200)] })],
    want: 0,
    step: 'as-path',
  },
  { name: 'lower ORIGIN', paths: [path(ibgpA, { origin: 2 }), path(ibgpB, { origin: 1 })], want: 1, step: 'origin' },
  {
    name: 'lower MED from the same neighbouring AS',
    paths: [path(ibgpA, { asPath: [seq(65100)], med: 50 }), path(ibgpB, { asPath: [seq(65100)], med: 10 })],
    want: 1,
    step: 'med',
  },
  {
    name: 'missing MED is 0 (the lowest)',
    paths: [path(ibgpA, { asPath: [seq(65100)], med: 5 }), path(ibgpB, { asPath: [seq(65100)] })],
    want: 1,
    step: 'med',
  },
  {
    name: 'MED not compared across neighbouring ASes (router ID decides)',
    paths: [path(ibgpB, { asPath: [seq(65100)], med: 0 }), path(ibgpA, { asPath: [seq(65200)], med: 100 })],
    want: 1,
    step: 'router-id',
  },
  {
    name: 'alwaysCompareMed compares across neighbouring ASes',
    paths: [path(ibgpB, { asPath: [seq(65100)], med: 0 }), path(ibgpA, { asPath: [seq(65200)], med: 100 })],
    want: 0,
    step: 'med',
    options: { alwaysCompareMed: true },
  },
  {
    name: 'eBGP over iBGP',
    paths: [path(ibgpA, { asPath: [seq(65100)] }), path(ebgpX, { asPath: [seq(65100)] })],
    want: 1,
    step: 'ebgp-over-ibgp',
  },
  { name: 'lowest router ID', paths: [path(ibgpB, {}), path(ibgpA, {})], want: 1, step: 'router-id' },
  {
    name: 'ORIGINATOR_ID in place of the router ID (RFC 4456 §9)',
    paths: [path(ibgpA, { originatorId: '7.7.7.7', clusterList: ['1.1.1.1'] }), path(ibgpB, { originatorId: '6.6.6.6', clusterList: ['1.1.1.1'] })],
    want: 1,
    step: 'router-id',
  },
  {
    name: 'shorter CLUSTER_LIST',
    paths: [path(ibgpA, { originatorId: '7.7.7.7', clusterList: ['1.1.1.1', '2.2.2.2'] }), path(ibgpB, { originatorId: '7.7.7.7', clusterList: ['3.3.3.3'] })],
    want: 1,
    step: 'cluster-list',
  },
  {
    name: 'lowest peer address',
    paths: [path(source('internal', '10.0.0.9', { routerId: '4.4.4.4' }), {}), path(source('internal', '10.0.0.8', { routerId: '4.4.4.4' }), {})],
    want: 1,
    step: 'peer-address',
  },
  {
    name: 'IPv4 peer address before IPv6',
    paths: [path(source('internal', '2001:db8::1', { routerId: '4.4.4.4' }), {}), path(source('internal', '10.0.0.200', { routerId: '4.4.4.4' }), {})],
    want: 1,
    step: 'peer-address',
  },
];

describe('decision process (RFC 4271 §9.1.2.2, RFC 4456 §9)', () => {
  it.each(cases)('$name', ({ paths, want, step, options }) => {
    const o = { ...opts, ...options };
    const d = decide(paths, o);
    expect(d.best).toBe(paths[want]);
    expect(d.step).toBe(step);
    // The same answer whatever the arrival order.
    expect(decide([...paths].reverse(), o).best).toBe(paths[want]);
  });

  it('covers every step at least once', () => {
    const steps = new Set(cases.map((c) => c.step));
    for (const s of ['only-path', 'next-hop', 'local-origin', 'local-pref', 'as-path', 'origin', 'med', 'ebgp-over-ibgp', 'router-id', 'cluster-list', 'peer-address']) {
      expect(steps).toContain(s);
    }
  });

  it('MED non-transitivity: the result does not depend on arrival order', () => {
    // The classic triangle: A (AS 65100, MED 10, router 3.3.3.3) beats B (AS 65100, MED 20, router 1.1.1.1) on MED;
    // B beats C (AS 65200, router 2.2.2.2) on router ID; C beats A on router ID. A pairwise sort gives a different
    // winner depending on order; RFC 4271's elimination removes B (beaten by A on MED), then C (2.2.2.2) beats A (3.3.3.3).
    const a = path(ibgpC, { asPath: [seq(65100)], med: 10 });
    const b = path(ibgpA, { asPath: [seq(65100)], med: 20 });
    const c = path(ibgpB, { asPath: [seq(65200)], med: 0 });
    const orders = [
      [a, b, c],
      [a, c, b],
      [b, a, c],
      [b, c, a],
      [c, a, b],
      [c, b, a],
    ];
    for (const o of orders) {
      const d = decide(o, opts);
      expect(d.best).toBe(c);
      expect(d.step).toBe('router-id');
    }
  });

  it('exposes the multipath set: equal up to eBGP over iBGP', () => {
    const p1 = path(ebgpX, { asPath: [seq(65100)] });
    const p2 = path(ebgpY, { asPath: [seq(65200)] });
    const p3 = path(ibgpA, { asPath: [seq(65300)] });
    const p4 = path(source('external', '10.1.0.3', { routerId: '7.7.7.7' }), { asPath: [seq(65400, 1)] });
    const d = decide([p1, p2, p3, p4], opts);
    expect(d.best).toBe(p2); // router ID 8.8.8.8 < 9.9.9.9
    expect(d.multipath).toEqual([p2, p1]);
    expect(decide([p1], opts).multipath).toEqual([p1]);
    expect(decide([path(ibgpA, { localPref: 200 }), path(ibgpB, {})], opts).multipath).toHaveLength(1);
  });

  it('no eligible path gives no best', () => {
    const d = decide([path(ibgpA, {})], { ...opts, resolvable: () => false });
    expect(d.best).toBeUndefined();
    expect(d.step).toBe('none');
  });

  it('path length and neighbouring AS helpers', () => {
    expect(pathLength([seq(1, 2), { type: 'set', asns: [3, 4] }, { type: 'confed-set', asns: [5] }])).toBe(3);
    expect(neighborAs([], 65000)).toBe(65000);
    expect(neighborAs([{ type: 'confed-sequence', asns: [64512] }, seq(7)], 65000)).toBe(7);
    expect(neighborAs([{ type: 'set', asns: [1, 2] }], 65000)).toBe(65000);
  });
});

describe('step names', () => {
  it('COMPARATOR_STEPS lists DECISION_STEPS in their order, and every step name has a title', () => {
    expect(DECISION_STEPS.map((s) => s.name)).toEqual([...COMPARATOR_STEPS]);
    expect(new Set(STEP_NAMES).size).toBe(STEP_NAMES.length);
    for (const n of STEP_NAMES) expect(stepTitle(n)).not.toBe(n);
  });
});
