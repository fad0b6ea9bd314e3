import { DatastoreErrorCode, InvalidError } from './errors';
import { KINDS, kindByPlural, kindInfo } from './kinds';
import { labelsMatch } from './label-selector';
import { checkCollection, checkRef, checkResource, compareResources, prepareCreate, prepareUpdate } from './resource-checks';
import type { StoredResource } from './types';

function invalid(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvalidError) return err.message;
    throw err;
  }
  throw new Error('expected InvalidError');
}

describe('kinds', () => {
  it('has one entry per kind and plural, with Calico CRD plurals where Calico uses CRDs', () => {
    expect(new Set(KINDS.map((k) => k.kind)).size).toBe(KINDS.length);
    expect(new Set(KINDS.map((k) => k.etcdSegment)).size).toBe(KINDS.length);
    expect(kindInfo('IPAMConfiguration').crd).toEqual({ plural: 'ipamconfigs', kind: 'IPAMConfig' });
    expect(kindInfo('Node').crd).toBeNull();
    expect(kindInfo('WorkloadEndpoint').namespaced).toBe(true);
    expect(kindByPlural('bgppeers')?.kind).toBe('BGPPeer');
    expect(() => kindInfo('ippool')).toThrow(InvalidError);
  });
});

describe('request checks', () => {
  const refs: Array<{ name: string; kind: string; res: string; namespace?: string; error: RegExp | null }> = [
    { name: 'cluster kind', kind: 'IPPool', res: 'p', error: null },
    { name: 'namespaced kind', kind: 'NetworkSet', res: 'n', namespace: 'ns', error: null },
    { name: 'unknown kind', kind: 'Pod', res: 'p', error: /unknown kind/ },
    { name: 'empty name', kind: 'IPPool', res: '', error: /name must not be empty/ },
    { name: 'slash in name', kind: 'IPPool', res: 'a/b', error: /contains/ },
    { name: 'space in name', kind: 'IPPool', res: 'a b', error: /contains/ },
    { name: 'newline in name', kind: 'IPPool', res: 'a\nb', error: /contains/ },
    { name: 'dot-dot name', kind: 'IPPool', res: '..', error: /may not be/ },
    { name: 'too long', kind: 'IPPool', res: 'x'.repeat(254), error: /longer than 253/ },
    { name: 'missing namespace', kind: 'NetworkSet', res: 'n', error: /needs a namespace/ },
    { name: 'namespace on cluster kind', kind: 'IPPool', res: 'p', namespace: 'ns', error: /has no namespace/ },
    { name: 'slash in namespace', kind: 'NetworkSet', res: 'n', namespace: 'a/b', error: /namespace "a\/b" contains/ },
  ];
  it.each(refs)('checkRef: $name', ({ kind, res, namespace, error }) => {
    if (error === null) expect(checkRef(kind, res, namespace).kind).toBe(kind);
    else expect(invalid(() => checkRef(kind, res, namespace))).toMatch(error);
  });

  it('checkCollection allows a namespace filter only on namespaced kinds', () => {
    expect(checkCollection('NetworkSet', { namespace: 'a' }).kind).toBe('NetworkSet');
    expect(checkCollection('NetworkSet', {}).kind).toBe('NetworkSet');
    expect(invalid(() => checkCollection('IPPool', { namespace: 'a' }))).toMatch(/has no namespace/);
  });

  it('checkResource wants projectcalico.org/v3 and metadata', () => {
    expect(invalid(() => checkResource({ apiVersion: 'v1', kind: 'IPPool', metadata: { name: 'p' } } as unknown as StoredResource))).toMatch(/apiVersion/);
    expect(invalid(() => checkResource({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool' } as unknown as StoredResource))).toMatch(/metadata/);
    const e = new InvalidError('IPPool', 'p', 'x');
    expect(e.code).toBe(DatastoreErrorCode.Invalid);
  });

  it('prepareCreate stamps uid and second-precision creationTimestamp, keeps given ones, refuses a resourceVersion', () => {
    const res: StoredResource = { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'p' } };
    const at = Date.UTC(2026, 4, 6, 7, 8, 9, 999);
    expect(prepareCreate(res, at, () => 'u1').metadata).toEqual({ name: 'p', uid: 'u1', creationTimestamp: '2026-05-06T07:08:09Z' });
    const given = { ...res, metadata: { name: 'p', uid: 'keep', creationTimestamp: '2020-01-01T00:00:00Z' } };
    expect(prepareCreate(given, at, () => 'u1').metadata).toEqual(given.metadata);
    expect(invalid(() => prepareCreate({ ...res, metadata: { name: 'p', resourceVersion: '3' } }, at, () => 'u'))).toMatch(/resourceVersion/);
  });

  it('prepareUpdate keeps the stored uid and creationTimestamp and drops resourceVersion', () => {
    const stored: StoredResource = { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'p', uid: 'u', creationTimestamp: 't' } };
    const next = prepareUpdate({ ...stored, metadata: { name: 'p', uid: 'x', resourceVersion: '5', labels: { a: 'b' } } }, stored);
    expect(next.metadata).toEqual({ name: 'p', uid: 'u', creationTimestamp: 't', labels: { a: 'b' } });
  });

  it('orders resources by namespace, then name', () => {
    const r = (namespace: string, name: string): StoredResource => ({ apiVersion: 'projectcalico.org/v3', kind: 'NetworkSet', metadata: { name, namespace } });
    const sorted = [r('a-b', 'x'), r('a', 'z'), r('a', 'y')].sort(compareResources).map((x) => `${x.metadata.namespace}/${x.metadata.name}`);
    expect(sorted).toEqual(['a/y', 'a/z', 'a-b/x']);
  });
});

describe('labelsMatch', () => {
  const cases: Array<{ name: string; selector: Parameters<typeof labelsMatch>[0]; labels?: Record<string, string>; want: boolean }> = [
    { name: 'no selector', selector: undefined, labels: undefined, want: true },
    { name: 'empty map matches all', selector: {}, labels: undefined, want: true },
    { name: 'equal', selector: { a: '1' }, labels: { a: '1', b: '2' }, want: true },
    { name: 'different value', selector: { a: '1' }, labels: { a: '2' }, want: false },
    { name: 'missing label', selector: { a: '1' }, labels: {}, want: false },
    { name: 'no prototype leaks', selector: { constructor: Object.prototype.constructor as unknown as string }, labels: {}, want: false },
    { name: 'predicate sees {} for no labels', selector: (l) => Object.keys(l).length === 0, labels: undefined, want: true },
  ];
  it.each(cases)('$name', ({ selector, labels, want }) => {
    expect(labelsMatch(selector, labels)).toBe(want);
  });
});
