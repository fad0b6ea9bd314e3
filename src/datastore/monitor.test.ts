import { FakeClock } from '../lib/fake-clock';
import { recordingLogger } from '../lib/testing/recording-logger';
import { UnavailableError } from './errors';
import { MemoryDatastore } from './memory/memory-datastore';
import { DatastoreMonitor, formatOutage, probeDatastore, type DatastoreHealth } from './monitor';

const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

/** A probe whose outcome the test sets: 'up', 'refused', or 'frozen' (never answers). */
function switchableProbe(): { mode: 'up' | 'refused' | 'frozen'; probe: () => Promise<unknown> } {
  const s = {
    mode: 'up' as 'up' | 'refused' | 'frozen',
    probe: (): Promise<unknown> => {
      if (s.mode === 'up') return Promise.resolve();
      if (s.mode === 'refused') return Promise.reject(new UnavailableError('get', 'ClusterInformation', 'default', undefined, 'etcd http://10.0.0.1:2379: connection refused'));
      return new Promise(() => undefined);
    },
  };
  return s;
}

describe('DatastoreMonitor', () => {
  it('logs the loss with its cause and the recovery with the outage duration', async () => {
    const clock = new FakeClock();
    const lines: string[] = [];
    const p = switchableProbe();
    const m = new DatastoreMonitor({ backend: 'etcdv3', probe: p.probe, clock, logger: recordingLogger(lines), intervalMs: 5000 });
    const seen: DatastoreHealth[] = [];
    m.onChange((h) => seen.push(h));
    m.start();
    clock.advance(5000);
    await flush();
    expect(m.state().connected).toBe(true);
    p.mode = 'refused';
    clock.advance(5000);
    await flush();
    expect(m.state()).toMatchObject({ connected: false, since: clock.now(), lastError: expect.stringContaining('etcd http://10.0.0.1:2379: connection refused') });
    const lostAt = clock.now();
    for (let i = 0; i < 6; i++) {
      clock.advance(5000);
      await flush();
    }
    expect(m.state().connected).toBe(false);
    p.mode = 'up';
    clock.advance(5000);
    await flush();
    expect(m.state()).toEqual({ backend: 'etcdv3', connected: true, since: lostAt + 35_000 });
    expect(lines).toEqual([
      'warn datastore (etcdv3) unreachable: ClusterInformation default: get unavailable: etcd http://10.0.0.1:2379: connection refused; running on the last state read',
      'info datastore (etcdv3) reachable again after 35.0 s unreachable',
    ]);
    expect(seen.map((h) => h.connected)).toEqual([false, true]);
    m.close();
  });

  it('counts a probe that never answers (a frozen datastore) as a loss after timeoutMs', async () => {
    const clock = new FakeClock();
    const lines: string[] = [];
    const p = switchableProbe();
    p.mode = 'frozen';
    const m = new DatastoreMonitor({ backend: 'etcdv3', probe: p.probe, clock, logger: recordingLogger(lines), intervalMs: 5000, timeoutMs: 3000 });
    void m.probeNow();
    clock.advance(2999);
    expect(m.state().connected).toBe(true);
    clock.advance(1);
    expect(m.state()).toMatchObject({ connected: false, lastError: 'no answer within 3000 ms' });
    expect(lines).toEqual(['warn datastore (etcdv3) unreachable: no answer within 3000 ms; running on the last state read']);
    m.close();
  });

  it('probes a Datastore with a read whose NotFound still counts as an answer', async () => {
    const store = new MemoryDatastore();
    await expect(probeDatastore(store)()).resolves.toBeUndefined();
    await store.close();
    await expect(probeDatastore(store)()).rejects.toHaveProperty('code', 'DATASTORE_UNAVAILABLE');
  });

  it('formats outages', () => {
    expect(formatOutage(850)).toBe('850 ms');
    expect(formatOutage(31_240)).toBe('31.2 s');
    expect(formatOutage(243_000)).toBe('4 min 3 s');
  });
});
