import { FakeClock } from '../lib/fake-clock';
import { casElection, decideLease, type LeaseRecord, type LeaseRecordStore, type Leadership } from './lease';

/** A record store with compare-and-swap, as a Lease object or an etcd key behaves. */
function recordStore(): LeaseRecordStore & { holder(): string | undefined } {
  let stored: { record: LeaseRecord; version: number } | undefined;
  return {
    holder: () => stored?.record.holderIdentity,
    get: async () => (stored ? { record: stored.record, version: String(stored.version) } : undefined),
    create: async (record) => {
      if (stored) return false;
      stored = { record, version: 1 };
      return true;
    },
    update: async (record, version) => {
      if (!stored || String(stored.version) !== version) return false;
      stored = { record, version: stored.version + 1 };
      return true;
    },
  };
}

const flush = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

async function run(clock: FakeClock, ms: number, step = 500): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    clock.advance(step);
    await flush();
  }
}

describe('decideLease (client-go tryAcquireOrRenew)', () => {
  const held: LeaseRecord = { holderIdentity: 'a', acquireTime: 0, renewTime: 1000, leaseDurationMs: 15_000, leaseTransitions: 0 };
  it('creates an absent lease, renews its own, waits for a live one, takes an expired or released one', () => {
    expect(decideLease(undefined, 'b', 5, 15_000).action).toBe('create');
    expect(decideLease(held, 'a', 2000, 15_000)).toEqual({ action: 'renew', record: { ...held, renewTime: 2000 } });
    expect(decideLease(held, 'b', 15_999, 15_000)).toEqual({ action: 'wait', holder: 'a', expiresAt: 16_000 });
    expect(decideLease(held, 'b', 16_000, 15_000)).toMatchObject({ action: 'take', record: { holderIdentity: 'b', leaseTransitions: 1 } });
    expect(decideLease({ ...held, holderIdentity: '' }, 'b', 1001, 15_000).action).toBe('take');
  });
});

describe('casElection: two replicas', () => {
  it('one leader at a time; the other takes over only after the leader stops renewing and the lease expires', async () => {
    const clock = new FakeClock();
    const store = recordStore();
    const failing = { on: false };
    // Replica A's view of the store fails when `failing.on` (a partitioned leader).
    const storeA: LeaseRecordStore = {
      get: () => (failing.on ? Promise.reject(new Error('partitioned')) : store.get()),
      create: (r) => (failing.on ? Promise.reject(new Error('partitioned')) : store.create(r)),
      update: (r, v) => (failing.on ? Promise.reject(new Error('partitioned')) : store.update(r, v)),
    };
    const a = casElection(storeA, clock);
    const b = casElection(store, clock);
    let leaderA: Leadership | undefined;
    let leaderB: Leadership | undefined;
    void a.campaign('replica-a').then((l) => (leaderA = l));
    await flush();
    void b.campaign('replica-b').then((l) => (leaderB = l));
    await run(clock, 60_000);
    expect(leaderA).toBeDefined();
    expect(leaderB).toBeUndefined();
    expect(store.holder()).toBe('replica-a');

    let lostA: string | undefined;
    void leaderA?.lost.then((why) => (lostA = why));
    failing.on = true;
    await run(clock, 10_000);
    expect(lostA).toBeUndefined(); // within the renew deadline A still leads, and B cannot take a live lease
    expect(leaderB).toBeUndefined();
    await run(clock, 2_500);
    expect(lostA).toBe('lease not renewed within the renew deadline'); // A steps down first (10 s) ...
    expect(leaderB).toBeUndefined();
    await run(clock, 5_000);
    expect(leaderB).toBeDefined(); // ... B takes over only after 15 s without renewal
    expect(store.holder()).toBe('replica-b');
    await a.close();
    await b.close();
  });

  it('a resigned lease is taken at the next retry, and a closed election stops campaigning', async () => {
    const clock = new FakeClock();
    const store = recordStore();
    const a = casElection(store, clock);
    const b = casElection(store, clock);
    const leaderA = await a.campaign('a');
    let leaderB: Leadership | undefined;
    void b.campaign('b').then((l) => (leaderB = l));
    await run(clock, 4_000);
    expect(leaderB).toBeUndefined();
    await leaderA.resign();
    await expect(leaderA.lost).resolves.toBe('resigned');
    await run(clock, 2_500);
    expect(leaderB).toBeDefined();
    const c = casElection(store, clock);
    const pending = c.campaign('c');
    await c.close();
    await run(clock, 2_500);
    await expect(pending).rejects.toMatchObject({ code: 'LEASE_STOPPED' });
    await b.close();
  });
});
