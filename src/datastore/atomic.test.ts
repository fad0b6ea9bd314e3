import { commitWrites } from './atomic';
import { ConflictError } from './errors';
import { MemoryDatastore } from './memory/memory-datastore';
import { API_VERSION, type StoredResource } from './types';

const handle = (name: string): StoredResource => ({ apiVersion: API_VERSION, kind: 'IPAMHandle', metadata: { name }, spec: { handleID: name, block: {} } });

describe('commitWrites on a store without transactions', () => {
  it('applies the ops in order and returns each version', async () => {
    const s = new MemoryDatastore();
    const old = await s.create(handle('old'));
    const v = await commitWrites(s, [{ op: 'create', resource: handle('a') }, { op: 'delete', kind: 'IPAMHandle', name: 'old', resourceVersion: old.metadata.resourceVersion! }]);
    expect(v).toHaveLength(2);
    expect(v[0]).toBe((await s.get('IPAMHandle', 'a')).metadata.resourceVersion);
    await expect(s.get('IPAMHandle', 'old')).rejects.toThrow();
  });

  it('a lost guard is a ConflictError and what the call created is deleted again', async () => {
    const s = new MemoryDatastore();
    const taken = await s.create(handle('taken'));
    await expect(commitWrites(s, [{ op: 'create', resource: handle('a') }, { op: 'create', resource: handle('taken') }])).rejects.toBeInstanceOf(ConflictError);
    await expect(s.get('IPAMHandle', 'a')).rejects.toThrow();
    await expect(commitWrites(s, [{ op: 'update', resource: { ...handle('taken'), metadata: { name: 'taken', resourceVersion: '999' } } }])).rejects.toBeInstanceOf(ConflictError);
    await expect(commitWrites(s, [{ op: 'delete', kind: 'IPAMHandle', name: 'gone', resourceVersion: taken.metadata.resourceVersion! }])).rejects.toBeInstanceOf(ConflictError);
  });
});
