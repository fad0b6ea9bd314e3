import { FakeClock } from '../lib/fake-clock';
import { describeError } from '../lib/errors';
import { casLoop, CasExhaustedError, jitterBackoff, retry, retryOnConflict, updateWithRetry } from './cas';
import { ConflictError, DatastoreErrorCode, NotFoundError } from './errors';
import { MemoryDatastore } from './memory/memory-datastore';
import type { StoredResource } from './types';

interface Handle extends StoredResource {
  readonly spec: { n: number };
}

const conflict = (i: number) => new ConflictError('IPAMHandle', 'h', undefined, String(i), '9');

describe('casLoop', () => {
  it('runs the attempt again after a lost race, pausing with the backoff, and returns the winner', async () => {
    const pauses: number[] = [];
    const seen: number[] = [];
    const out = await casLoop({ maxAttempts: 5, backoff: async (r) => void pauses.push(r) }, 'thing', async (n) => {
      seen.push(n);
      return n < 3 ? retry(conflict(n)) : `won on ${n}`;
    });
    expect(out).toBe('won on 3');
    expect(seen).toEqual([1, 2, 3]);
    expect(pauses).toEqual([1, 2]);
  });

  it('gives up after maxAttempts with a typed error whose cause is the last lost race', async () => {
    let calls = 0;
    const err = (await casLoop({ maxAttempts: 3 }, 'IPAMHandle h', async (n) => {
      calls++;
      return retry(conflict(n));
    }).catch((e: unknown) => e)) as CasExhaustedError;
    expect(calls).toBe(3);
    expect(err).toBeInstanceOf(CasExhaustedError);
    expect([err.code, err.what, err.attempts]).toEqual(['CAS_EXHAUSTED', 'IPAMHandle h', 3]);
    expect((err.cause as ConflictError).expected).toBe('3');
    expect(describeError(err)).toBe(
      'CAS_EXHAUSTED: IPAMHandle h: gave up after 3 attempts, other writers kept changing it: caused by DATASTORE_CONFLICT: IPAMHandle h: resourceVersion 3 is stale (stored: 9)',
    );
  });

  it('lets the caller choose the give-up error, and ends at once on an error the attempt throws', async () => {
    const mine = new Error('mine');
    await expect(casLoop({ maxAttempts: 2, giveUp: (_w, _n, cause) => Object.assign(mine, { cause }) }, 'x', async () => retry('lost'))).rejects.toBe(mine);
    expect(mine.cause).toBe('lost');
    let calls = 0;
    const boom = new NotFoundError('IPAMHandle', 'h');
    await expect(
      casLoop({ maxAttempts: 5 }, 'x', async () => {
        calls++;
        return retryOnConflict(boom);
      }),
    ).rejects.toBe(boom);
    expect(calls).toBe(1);
  });

  it('jitterBackoff: no pause for the first retry, then up to min(2^retry, 20) ms on the injected clock', async () => {
    const clock = new FakeClock(0);
    const backoff = jitterBackoff(clock, () => 0.99);
    await backoff(1);
    let done = false;
    const p = backoff(5).then(() => (done = true));
    await clock.advance(18);
    await Promise.resolve();
    expect(done).toBe(false);
    await clock.advance(1);
    await p;
    expect(done).toBe(true);
  });
});

describe('updateWithRetry', () => {
  let store: MemoryDatastore;
  beforeEach(async () => {
    store = new MemoryDatastore();
    await store.create({ apiVersion: 'projectcalico.org/v3', kind: 'IPAMHandle', metadata: { name: 'h' }, spec: { n: 0 } });
  });
  afterEach(() => store.close());

  it('re-reads after a Conflict and applies the mutation to the fresh state', async () => {
    store.failNext('update', conflict(1));
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

  it('gives up with CasExhaustedError (cause: the last Conflict) after maxAttempts, and passes other errors through', async () => {
    for (let i = 0; i < 3; i++) store.failNext('update', conflict(i));
    const err = (await updateWithRetry<Handle>(store, 'IPAMHandle', 'h', undefined, (c) => c, { maxAttempts: 3, backoff: async () => undefined }).catch(
      (e: unknown) => e,
    )) as CasExhaustedError;
    expect(err).toBeInstanceOf(CasExhaustedError);
    expect((err.cause as ConflictError).expected).toBe('2');
    await expect(updateWithRetry(store, 'IPAMHandle', 'missing', undefined, (c) => c)).rejects.toHaveProperty('code', DatastoreErrorCode.NotFound);
  });
});
