import { updateWithRetry } from './cas';
import { ConflictError, DatastoreErrorCode } from './errors';
import { MemoryDatastore } from './memory/memory-datastore';
import type { StoredResource } from './types';

interface Handle extends StoredResource {
  readonly spec: { n: number };
}

describe('updateWithRetry', () => {
  let store: MemoryDatastore;
  beforeEach(async () => {
    store = new MemoryDatastore();
    await store.create({ apiVersion: 'projectcalico.org/v3', kind: 'IPAMHandle', metadata: { name: 'h' }, spec: { n: 0 } });
  });
  afterEach(() => store.close());

  it('re-reads after a Conflict and applies the mutation to the fresh state', async () => {
    store.failNext('update', new ConflictError('IPAMHandle', 'h', undefined, '1', '2'));
    let calls = 0;
    const out = await updateWithRetry<Handle>(store, 'IPAMHandle', 'h', undefined, (cur) => {
      calls++;
      return { ...cur, spec: { n: cur.spec.n + 1 } };
    });
    expect(calls).toBe(2);
    expect(out.spec.n).toBe(1);
  });

  it('returns the stored resource untouched when the mutation returns undefined', async () => {
    const before = await store.get('IPAMHandle', 'h');
    expect(await updateWithRetry(store, 'IPAMHandle', 'h', undefined, () => undefined)).toEqual(before);
    expect((await store.get('IPAMHandle', 'h')).metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  });

  it('gives up with the last Conflict after maxAttempts, and passes other errors through', async () => {
    for (let i = 0; i < 3; i++) store.failNext('update', new ConflictError('IPAMHandle', 'h', undefined, String(i), '9'));
    await expect(updateWithRetry<Handle>(store, 'IPAMHandle', 'h', undefined, (c) => c, { maxAttempts: 3 })).rejects.toHaveProperty('expected', '2');
    await expect(updateWithRetry(store, 'IPAMHandle', 'missing', undefined, (c) => c)).rejects.toHaveProperty('code', DatastoreErrorCode.NotFound);
  });
});
