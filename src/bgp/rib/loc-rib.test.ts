// Loc-RIB bookkeeping and UPDATE application: best-path changes reported once, interned attributes shared and
// released, sources removed by scan, import checks turning looped routes into withdrawals.
import { ABSENT, LocRib, UNCHANGED, multipathOf } from './loc-rib';
import { applyUpdate, emptyChanges } from './rib-update';
import type { ImportContext } from './import-checks';
import type { Prefix, UpdateMessage } from '../packet/types';
import fc from 'fast-check';
import { seq, source } from './testing';

const p4 = (address: string, length: number): Prefix => ({ family: 'ipv4', address, length });
const p6 = (address: string, length: number): Prefix => ({ family: 'ipv6', address, length });

const ctx: ImportContext = { localAsns: [65000], allowOwnAs: 0, routerId: '10.0.0.100', clusterId: '10.0.0.100', isReflector: true };

function announce(nlri: Prefix[], attrs: UpdateMessage['attributes'] = { origin: 0, asPath: [], nextHop: '192.0.2.1' }): UpdateMessage {
  return { type: 'update', withdrawn: [], attributes: attrs, nlri };
}

describe('LocRib', () => {
  it('applies announcements and withdrawals (IPv4 and MP IPv6), sharing one attribute object per set', () => {
    const rib = new LocRib({ localAsn: 65000, alwaysCompareMed: false });
    const a = source('internal', '10.0.0.1');
    const ch = emptyChanges();
    const msg = announce([p4('10.0.0.0', 24), p4('10.0.1.0', 24)], {
      origin: 0,
      asPath: [],
      nextHop: '192.0.2.1',
      mpReach: { afi: 2, safi: 1, nextHop: '2001:db8::1', nlri: [p6('2001:db8:1::', 48)] },
    });
    expect(applyUpdate(rib, a, msg, { ctx, now: 1 }, ch)).toEqual({ announced: 3, withdrawn: 0 });
    expect(ch.ipv4.size).toBe(2);
    expect(ch.ipv6.size).toBe(1);
    const d1 = rib.lookup(p4('10.0.0.0', 24));
    const d2 = rib.lookup(p4('10.0.1.0', 24));
    expect(d1?.best?.attrs).toBe(d2?.best?.attrs);
    expect(d1?.best?.attrs.mpReach).toBeUndefined();
    expect(rib.lookup(p6('2001:db8:1::', 48))?.best?.attrs.nextHop).toBe('2001:db8::1');
    expect(rib.interner.size).toBe(2);
    expect(rib.count(a, 'ipv4')).toBe(2);

    const ch2 = emptyChanges();
    const w: UpdateMessage = { type: 'update', withdrawn: [p4('10.0.0.0', 24)], attributes: { mpUnreach: { afi: 2, safi: 1, withdrawn: [p6('2001:db8:1::', 48)] } }, nlri: [] };
    expect(applyUpdate(rib, a, w, { ctx, now: 2 }, ch2)).toEqual({ announced: 0, withdrawn: 2 });
    expect(rib.size('ipv4')).toBe(1);
    expect(rib.size('ipv6')).toBe(0);
    expect(rib.interner.size).toBe(1);
    applyUpdate(rib, a, { ...w, withdrawn: [p4('10.0.1.0', 24)] }, { ctx, now: 3 }, ch2);
    expect(rib.interner.size).toBe(0);
  });

  it('reports a change only when the best path or multipath set moves', () => {
    const rib = new LocRib({ localAsn: 65000, alwaysCompareMed: false });
    const a = source('internal', '10.0.0.1', { routerId: '1.1.1.1' });
    const b = source('internal', '10.0.0.2', { routerId: '2.2.2.2' });
    const p = p4('10.0.0.0', 24);
    const attrs = rib.interner.intern({ origin: 0, asPath: [], nextHop: '192.0.2.1', localPref: 100 });
    const id = rib.set(p, a, attrs, 0);
    expect(id).toBeGreaterThanOrEqual(0);
    const low = rib.interner.intern({ origin: 0, asPath: [], nextHop: '192.0.2.2', localPref: 50 });
    expect(rib.set(p, b, low, 0)).toBe(UNCHANGED); // a still best
    expect(rib.lookup(p)?.step).toBe('local-pref');
    expect(rib.set(p, b, low, 1)).toBe(UNCHANGED); // a change to a path that is not the best
    expect(rib.remove(p, a)).toBe(id);
    expect(rib.lookup(p)?.best?.source).toBe(b);
    expect(rib.remove(p, a)).toBe(ABSENT);
    expect(rib.set(p, b, attrs, 2)).toBe(id); // the best path's attributes changed
  });

  it('removes a whole source and reports what changed', () => {
    const rib = new LocRib({ localAsn: 65000, alwaysCompareMed: false });
    const a = source('internal', '10.0.0.1', { routerId: '1.1.1.1' });
    const b = source('internal', '10.0.0.2', { routerId: '2.2.2.2' });
    applyUpdate(rib, a, announce([p4('10.0.0.0', 24), p4('10.0.1.0', 24)]), { ctx, now: 0 }, emptyChanges());
    applyUpdate(rib, b, announce([p4('10.0.0.0', 24)]), { ctx, now: 0 }, emptyChanges());
    const changed: unknown[] = [];
    expect(rib.removeSource(a, (f, id) => changed.push(rib.prefixOf(f, id)))).toBe(2);
    expect(changed).toEqual([p4('10.0.0.0', 24), p4('10.0.1.0', 24)]);
    expect(rib.lookup(p4('10.0.0.0', 24))?.best?.source).toBe(b);
    expect([...rib.pathsOf(a, 'ipv4')]).toEqual([]);
    expect([...rib.pathsOf(b, 'ipv4')]).toHaveLength(1);
  });

  it.each([
    { name: 'AS loop', src: source('external', '10.1.0.1'), attrs: { asPath: [seq(65100, 65000)] }, want: 'as-loop' },
    { name: 'own ORIGINATOR_ID', src: source('internal', '10.0.0.1'), attrs: { originatorId: '10.0.0.100' }, want: 'originator-id' },
    { name: 'own CLUSTER_ID on a reflector', src: source('internal', '10.0.0.1'), attrs: { clusterList: ['10.0.0.100'] }, want: 'cluster-list' },
  ])('a route failing the $name check withdraws the earlier route', ({ src, attrs, want }) => {
    const rib = new LocRib({ localAsn: 65000, alwaysCompareMed: false });
    const p = p4('10.0.0.0', 24);
    applyUpdate(rib, src, announce([p], { origin: 0, asPath: [seq(65100)], nextHop: '192.0.2.1' }), { ctx, now: 0 }, emptyChanges());
    expect(rib.size('ipv4')).toBe(1);
    const ch = emptyChanges();
    const r = applyUpdate(rib, src, announce([p], { origin: 0, asPath: [], nextHop: '192.0.2.1', ...attrs }), { ctx, now: 1 }, ch);
    expect(r.rejected).toBe(want);
    expect(rib.size('ipv4')).toBe(0);
    expect(ch.ipv4.size).toBe(1);
  });

  it('allows our own AS up to the configured count', () => {
    const rib = new LocRib({ localAsn: 65000, alwaysCompareMed: false });
    const src = source('external', '10.1.0.1');
    const r = applyUpdate(rib, src, announce([p4('10.0.0.0', 24)], { origin: 0, asPath: [seq(65100, 65000)], nextHop: '192.0.2.1' }), { ctx: { ...ctx, allowOwnAs: 1 }, now: 0 }, emptyChanges());
    expect(r.rejected).toBeUndefined();
    expect(rib.size('ipv4')).toBe(1);
  });

  it('treat-as-withdraw removes what the UPDATE names', () => {
    const rib = new LocRib({ localAsn: 65000, alwaysCompareMed: false });
    const a = source('internal', '10.0.0.1');
    applyUpdate(rib, a, announce([p4('10.0.0.0', 24)]), { ctx, now: 0 }, emptyChanges());
    applyUpdate(rib, a, announce([p4('10.0.0.0', 24)], {}), { ctx, now: 0, treatAsWithdraw: true }, emptyChanges());
    expect(rib.size('ipv4')).toBe(0);
  });

  it('keeps the multipath set', () => {
    const rib = new LocRib({ localAsn: 65000, alwaysCompareMed: false });
    const x = source('external', '10.1.0.1', { routerId: '1.1.1.1' });
    const y = source('external', '10.1.0.2', { routerId: '2.2.2.2' });
    const p = p4('10.0.0.0', 24);
    applyUpdate(rib, x, announce([p], { origin: 0, asPath: [seq(65100)], nextHop: '10.1.0.1' }), { ctx, now: 0 }, emptyChanges());
    applyUpdate(rib, y, announce([p], { origin: 0, asPath: [seq(65200)], nextHop: '10.1.0.2' }), { ctx, now: 0 }, emptyChanges());
    const d = rib.lookup(p);
    expect(d && new Set(multipathOf(d).map((q) => q.source))).toEqual(new Set([x, y]));
    expect(d?.best?.source).toBe(x); // lower router ID
  });
});

describe('LocRib entry ids', () => {
  it('keeps an emptied entry until commit, then reuses its id', () => {
    const rib = new LocRib({ localAsn: 65000, alwaysCompareMed: false });
    const a = source('internal', '10.0.0.1');
    const attrs = rib.interner.intern({ origin: 0, asPath: [], nextHop: '192.0.2.1' });
    const p = p4('10.0.0.0', 24);
    const id = rib.set(p, a, attrs, 0);
    expect(rib.remove(p, a)).toBe(id);
    expect(rib.size('ipv4')).toBe(0);
    expect(rib.prefixOf('ipv4', id)).toEqual(p); // still readable for the withdrawal
    expect(rib.set(p4('10.0.1.0', 24), a, attrs, 0)).not.toBe(id);
    rib.commit();
    expect(rib.find(p)).toBe(-1);
    expect(rib.set(p4('10.0.2.0', 24), a, attrs, 0)).toBe(id);
  });

  it('matches a model of sources and prefixes under random changes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ src: fc.integer({ min: 0, max: 2 }), pfx: fc.integer({ min: 0, max: 15 }), lp: fc.integer({ min: 0, max: 2 }), del: fc.boolean() }), { maxLength: 200 }),
        (ops) => {
          const rib = new LocRib({ localAsn: 65000, alwaysCompareMed: false });
          const srcs = [0, 1, 2].map((i) => source('internal', `10.0.0.${i + 1}`, { routerId: `1.1.1.${i + 1}` }));
          const model = new Map<number, Map<number, number>>(); // prefix -> source -> local pref
          for (const o of ops) {
            const p = p4(`10.${o.pfx}.0.0`, 16);
            const s = srcs[o.src] as (typeof srcs)[number];
            const m = model.get(o.pfx) ?? new Map<number, number>();
            if (o.del) {
              rib.remove(p, s);
              m.delete(o.src);
            } else {
              rib.set(p, s, rib.interner.intern({ origin: 0, asPath: [], nextHop: '192.0.2.1', localPref: 100 + o.lp }), 0);
              m.set(o.src, 100 + o.lp);
            }
            model.set(o.pfx, m);
            if (o.pfx % 3 === 0) rib.commit();
          }
          rib.commit();
          let live = 0;
          for (const [pfx, m] of model) {
            const d = rib.lookup(p4(`10.${pfx}.0.0`, 16));
            if (m.size === 0) {
              expect(d).toBeUndefined();
              continue;
            }
            live++;
            expect(d?.paths.length).toBe(m.size);
            const bestLp = Math.max(...m.values());
            const want = Math.min(...[...m].filter(([, lp]) => lp === bestLp).map(([i]) => i));
            expect(d?.best?.source).toBe(srcs[want]);
          }
          expect(rib.size('ipv4')).toBe(live);
          for (const s of srcs) expect(rib.count(s, 'ipv4')).toBe([...model.values()].filter((m) => m.has(srcs.indexOf(s))).length);
        },
      ),
    );
  });
});

