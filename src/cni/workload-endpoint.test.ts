import type { WorkloadEndpoint } from '../api/kind-workload-endpoint';
import { countRequests } from '../datastore/counting';
import { MemoryDatastore } from '../datastore/memory/memory-datastore';
import { buildWorkloadEndpoint, deleteWorkloadEndpoint, workloadRef, writeWorkloadEndpoint, type WorkloadIdentity } from './workload-endpoint';

const id = (containerId: string): WorkloadIdentity => ({ node: 'node-1', pod: 'web-0', namespace: 'default', containerId, endpoint: 'eth0' });
const net = { hostIfName: 'cali0123456789a', mac: '02:00:00:00:00:01', ips: ['10.0.0.1/32'] };

describe('deleteWorkloadEndpoint', () => {
  async function setup(containerId: string): Promise<{ store: MemoryDatastore; stored: WorkloadEndpoint }> {
    const store = new MemoryDatastore();
    return { store, stored: await writeWorkloadEndpoint(store, buildWorkloadEndpoint(id(containerId), net)) };
  }

  it.each([
    { name: 'the cache shows this container: one request', cached: true, stale: false, want: 'deleted', requests: 1 },
    { name: 'no cache: read, then delete', cached: false, stale: false, want: 'deleted', requests: 2 },
    { name: 'the cache is behind (conflict): read again, then delete', cached: true, stale: true, want: 'deleted', requests: 3 },
  ])('$name', async ({ cached, stale, want, requests }) => {
    const { store, stored } = await setup('c1');
    const seen = stale ? { ...stored, metadata: { ...stored.metadata, resourceVersion: '1' } } : stored;
    if (stale) await writeWorkloadEndpoint(store, buildWorkloadEndpoint(id('c1'), { ...net, mac: '02:00:00:00:00:02' }));
    const counted = countRequests(store);
    expect(await deleteWorkloadEndpoint(counted.store, id('c1'), cached ? () => seen : undefined)).toBe(want);
    expect(counted.count()).toBe(requests);
    expect((await store.list('WorkloadEndpoint')).items).toEqual([]);
  });

  it('keeps another container\'s endpoint, whatever the cache shows', async () => {
    const { store, stored: lagging } = await setup('old');
    // The new sandbox's ADD replaced the endpoint; a cache that lags behind still shows the old container's.
    await writeWorkloadEndpoint(store, buildWorkloadEndpoint(id('new'), net));
    expect(await deleteWorkloadEndpoint(store, id('old'), () => lagging)).toBe('other-container');
    expect(await deleteWorkloadEndpoint(store, id('old'))).toBe('other-container');
    const ref = workloadRef(id('new'));
    expect((await store.get<WorkloadEndpoint>('WorkloadEndpoint', ref.name, ref.namespace)).spec?.containerID).toBe('new');
  });

  it('absent is not an error (the cache empty or behind)', async () => {
    const store = new MemoryDatastore();
    const counted = countRequests(store);
    expect(await deleteWorkloadEndpoint(counted.store, id('c1'), () => undefined)).toBe('absent');
    expect(counted.count()).toBe(1);
  });
});
