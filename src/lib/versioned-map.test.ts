import { VersionedMap } from './versioned-map';

describe('VersionedMap', () => {
  it('gives a reader the keys changed since its cursor, and nothing once it has caught up', () => {
    const m = new VersionedMap<string, number>();
    const c0 = m.cursor;
    m.set('a', 1);
    m.set('b', 2);
    const c1 = m.cursor;
    m.set('a', 3);
    m.delete('b');
    m.delete('zz');
    expect(m.changesSince(c0)).toEqual(['a', 'b', 'a', 'b']);
    expect(m.changesSince(c1)).toEqual(['a', 'b']);
    expect(m.changesSince(m.cursor)).toEqual([]);
    expect([...m.entries()]).toEqual([['a', 3]]);
  });

  it('does not log a value set again unchanged (===)', () => {
    const m = new VersionedMap<string, object>();
    const v = {};
    m.set('a', v);
    const c = m.cursor;
    m.set('a', v);
    expect(m.changesSince(c)).toEqual([]);
    m.set('a', {});
    expect(m.changesSince(c)).toEqual(['a']);
  });

  it('tells a reader that fell behind a dropped log, or holds a cursor from the future, to read everything', () => {
    const m = new VersionedMap<number, number>(4);
    const c0 = m.cursor;
    for (let i = 0; i < 5; i++) m.set(i % 2, i);
    expect(m.changesSince(c0)).toBeUndefined();
    expect(m.changesSince(m.cursor + 1)).toBeUndefined();
    const c1 = m.cursor;
    m.set(7, 7);
    expect(m.changesSince(c1)).toEqual([7]);
  });
});
