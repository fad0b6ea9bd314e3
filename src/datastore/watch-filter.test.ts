import type { StoredResource, WatchOptions } from './types';
import { filterChange, parseRevision } from './watch-filter';

function ns(name: string, namespace: string, labels: Record<string, string>): StoredResource {
  return { apiVersion: 'projectcalico.org/v3', kind: 'NetworkSet', metadata: { name, namespace, labels } };
}

const web = ns('s', 'a', { app: 'web' });
const db = ns('s', 'a', { app: 'db' });
const webB = ns('s', 'b', { app: 'web' });

describe('filterChange', () => {
  const cases: Array<{ name: string; opts: WatchOptions; previous?: StoredResource; current?: StoredResource; want: string | undefined }> = [
    { name: 'creation', opts: {}, current: web, want: 'added' },
    { name: 'modification', opts: {}, previous: db, current: web, want: 'modified' },
    { name: 'deletion', opts: {}, previous: web, want: 'deleted' },
    { name: 'creation outside the selector', opts: { selector: { app: 'web' } }, current: db, want: undefined },
    { name: 'entering the selection', opts: { selector: { app: 'web' } }, previous: db, current: web, want: 'added' },
    { name: 'leaving the selection', opts: { selector: { app: 'web' } }, previous: web, current: db, want: 'deleted' },
    { name: 'staying outside', opts: { selector: (l) => l.app === 'none' }, previous: db, current: web, want: undefined },
    { name: 'deletion outside the selector', opts: { selector: { app: 'web' } }, previous: db, want: undefined },
    { name: 'other namespace', opts: { namespace: 'a' }, current: webB, want: undefined },
    { name: 'same namespace', opts: { namespace: 'b' }, current: webB, want: 'added' },
    { name: 'nothing at all', opts: {}, want: undefined },
  ];
  it.each(cases)('$name', ({ opts, previous, current, want }) => {
    const event = filterChange(opts, { revision: '9', previous, current });
    expect(event?.type).toBe(want);
    if (event !== undefined) expect(event.revision).toBe('9');
  });

  it('reports leaving the selection with the state that no longer matches', () => {
    const event = filterChange({ selector: { app: 'web' } }, { revision: '2', previous: web, current: db });
    expect(event).toEqual({ type: 'deleted', object: db, revision: '2' });
  });

  it('parses revisions', () => {
    expect(parseRevision('0')).toBe(0n);
    expect(parseRevision('9007199254740993')).toBe(9007199254740993n);
    for (const bad of ['', '-1', '1.5', 'abc', '1e3', '12345678901234567890']) expect(parseRevision(bad)).toBeUndefined();
  });
});
