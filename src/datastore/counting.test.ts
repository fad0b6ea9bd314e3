import { isAtomic } from './atomic';
import { countRequests } from './counting';
import { MemoryDatastore } from './memory/memory-datastore';
import { API_VERSION, type StoredResource } from './types';

describe('countRequests', () => {
  it('counts every request and passes results through', async () => {
    const c = countRequests(new MemoryDatastore());
    const pool: StoredResource = { apiVersion: API_VERSION, kind: 'IPPool', metadata: { name: 'p' }, spec: { cidr: '10.0.0.0/16' } };
    const created = await c.store.create(pool);
    await c.store.get('IPPool', 'p');
    expect((await c.store.list('IPPool')).items).toHaveLength(1);
    await c.store.delete('IPPool', 'p', undefined, { resourceVersion: created.metadata.resourceVersion });
    await expect(c.store.get('IPPool', 'p')).rejects.toThrow();
    expect(c.count()).toBe(5);
    expect(isAtomic(c.store)).toBe(false);
  });

  it('keeps commit() of an atomic store, counting it once', async () => {
    const inner = Object.assign(new MemoryDatastore(), { commit: jest.fn(async () => ['7', '7']) });
    const c = countRequests(inner);
    expect(isAtomic(c.store)).toBe(true);
    await expect((c.store as typeof inner).commit()).resolves.toEqual(['7', '7']);
    expect(c.count()).toBe(1);
  });
});
