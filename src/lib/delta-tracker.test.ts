import { DeltaTracker } from './delta-tracker';

const state = (t: DeltaTracker<string, string>): { updates: string[]; deletes: string[] } => ({
  updates: t.pendingUpdates().map(([k, v]) => `${k}=${v}`),
  deletes: t.pendingDeletes().map(([k, v]) => `${k}=${v}`),
});

describe('DeltaTracker', () => {
  const cases: Array<{ name: string; desired: Record<string, string>; dataplane: Record<string, string>; updates: string[]; deletes: string[] }> = [
    { name: 'empty', desired: {}, dataplane: {}, updates: [], deletes: [] },
    { name: 'missing from the dataplane', desired: { a: '1' }, dataplane: {}, updates: ['a=1'], deletes: [] },
    { name: 'different in the dataplane', desired: { a: '1' }, dataplane: { a: '2' }, updates: ['a=1'], deletes: [] },
    { name: 'equal', desired: { a: '1' }, dataplane: { a: '1' }, updates: [], deletes: [] },
    { name: 'not desired', desired: {}, dataplane: { b: '2' }, updates: [], deletes: ['b=2'] },
    { name: 'mixed', desired: { a: '1', c: '3' }, dataplane: { a: '1', b: '2', c: '4' }, updates: ['c=3'], deletes: ['b=2'] },
  ];
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    // Either order of loading the two sides gives the same pending work.
    for (const desiredFirst of [true, false]) {
      const t = new DeltaTracker<string, string>();
      const load = [() => t.replaceDesired(Object.entries(c.desired)), () => t.replaceDataplane(Object.entries(c.dataplane))];
      if (!desiredFirst) load.reverse();
      for (const f of load) f();
      expect(state(t)).toEqual({ updates: c.updates, deletes: c.deletes });
      expect(t.inSync).toBe(c.updates.length === 0 && c.deletes.length === 0);
    }
  });

  it('marks applied work so the dataplane matches, and tracks later changes on either side', () => {
    const t = new DeltaTracker<string, string>();
    t.replaceDesired([['a', '1'], ['b', '2']]);
    t.replaceDataplane([['b', '9'], ['z', '0']]);
    for (const [k] of t.pendingUpdates()) t.markUpdated(k);
    for (const [k] of t.pendingDeletes()) t.markDeleted(k);
    expect(t.inSync).toBe(true);
    expect(t.getDataplane('b')).toBe('2');
    t.deleteDesired('a');
    t.setDesired('c', '3');
    expect(state(t)).toEqual({ updates: ['c=3'], deletes: ['a=1'] });
    // Someone removed b behind our back: it is pending again.
    t.deleteDataplane('b');
    expect(state(t).updates).toEqual(['c=3', 'b=2']);
    // Desired back to what the dataplane holds: nothing to do for it.
    t.setDesired('a', '1');
    expect(state(t).deletes).toEqual([]);
  });

  it('compares values with valuesEqual', () => {
    const t = new DeltaTracker<string, { mac: string }>({ valuesEqual: (x, y) => x.mac.toLowerCase() === y.mac.toLowerCase() });
    t.setDataplane('n', { mac: 'AA:BB' });
    t.setDesired('n', { mac: 'aa:bb' });
    expect(t.inSync).toBe(true);
  });
});
