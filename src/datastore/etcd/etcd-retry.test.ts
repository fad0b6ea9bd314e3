import { GRPCInvalidArgumentError, GRPCUnavailableError } from 'etcd3';
import { FakeClock } from '../../lib/fake-clock';
import { DatastoreErrorCode, NotFoundError, UnavailableError } from '../errors';
import { isTransient, withRetry, type RetryPolicy } from './etcd-retry';

const policy: RetryPolicy = { attempts: 4, initialDelayMs: 100, maxDelayMs: 250 };
const target = { op: 'get' as const, kind: 'IPPool', name: 'p' };

/** Runs p to completion, advancing the fake clock between turns; returns the total time advanced. */
async function drive<T>(clock: FakeClock, p: Promise<T>): Promise<{ result: PromiseSettledResult<T>; elapsed: number }> {
  const start = clock.now();
  let settled: PromiseSettledResult<T> | undefined;
  void p.then(
    (value) => (settled = { status: 'fulfilled', value }),
    (reason: unknown) => (settled = { status: 'rejected', reason }),
  );
  for (let i = 0; i < 1000 && settled === undefined; i++) {
    await new Promise((r) => setImmediate(r));
    if (settled === undefined && clock.pending() > 0) clock.advance(10);
  }
  if (settled === undefined) throw new Error('did not settle');
  return { result: settled, elapsed: clock.now() - start };
}

describe('withRetry', () => {
  it('retries transient failures with doubling delays capped at maxDelayMs, then succeeds', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const { result, elapsed } = await drive(
      clock,
      withRetry(clock, policy, target, async () => {
        if (++calls < 4) throw new GRPCUnavailableError('connection refused');
        return 'ok';
      }),
    );
    expect(result).toEqual({ status: 'fulfilled', value: 'ok' });
    expect(calls).toBe(4);
    expect(elapsed).toBe(100 + 200 + 250);
  });

  it('gives up after the bound with Unavailable carrying the last cause', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const cause = new GRPCUnavailableError('down');
    const { result } = await drive(
      clock,
      withRetry(clock, policy, target, async () => {
        calls++;
        throw cause;
      }),
    );
    expect(calls).toBe(4);
    expect(result.status).toBe('rejected');
    const err = (result as PromiseRejectedResult).reason as UnavailableError;
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err.code).toBe(DatastoreErrorCode.Unavailable);
    expect(err.cause).toBe(cause);
    expect(err.message).toContain('IPPool p');
  });

  it('passes datastore errors through and does not retry permanent errors', async () => {
    const clock = new FakeClock();
    let calls = 0;
    await expect(
      withRetry(clock, policy, target, async () => {
        calls++;
        throw new NotFoundError('IPPool', 'p');
      }),
    ).rejects.toHaveProperty('code', DatastoreErrorCode.NotFound);
    await expect(
      withRetry(clock, policy, target, async () => {
        calls++;
        throw new GRPCInvalidArgumentError('bad');
      }),
    ).rejects.toHaveProperty('code', DatastoreErrorCode.Unavailable);
    expect(calls).toBe(2);
  });

  it('stops retrying once the datastore is closed', async () => {
    const clock = new FakeClock();
    let closed = false;
    let calls = 0;
    const { result } = await drive(
      clock,
      withRetry(
        clock,
        policy,
        target,
        async () => {
          calls++;
          closed = true;
          throw new GRPCUnavailableError('down');
        },
        { isClosed: () => closed },
      ),
    );
    expect(calls).toBe(1);
    expect(((result as PromiseRejectedResult).reason as Error).message).toContain('datastore closed');
  });

  it('ends a hung operation within the time budget, naming what the last failure was', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const { result, elapsed } = await drive(
      clock,
      withRetry(clock, { ...policy, attempts: 10, budgetMs: 1000 }, target, () => {
        // The first attempt is refused; the second never answers (a frozen etcd).
        if (++calls === 1) return Promise.reject(new GRPCUnavailableError('connect ECONNREFUSED 127.0.0.1:2379'));
        return new Promise<never>(() => undefined);
      }, { describe: (e) => `etcd x: ${(e as Error).message}` }),
    );
    expect(calls).toBe(2);
    expect(elapsed).toBe(1000);
    const err = (result as PromiseRejectedResult).reason as UnavailableError;
    expect(err.code).toBe(DatastoreErrorCode.Unavailable);
    expect(err.message).toBe('IPPool p: get unavailable: etcd x: connect ECONNREFUSED 127.0.0.1:2379, then no answer within 1000 ms');
  });

  it('does not start a retry that the budget cannot wait for', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const { result, elapsed } = await drive(
      clock,
      withRetry(clock, { attempts: 10, initialDelayMs: 400, maxDelayMs: 400, budgetMs: 1000 }, target, async () => {
        calls++;
        throw new GRPCUnavailableError('down');
      }),
    );
    expect(calls).toBe(3);
    expect(elapsed).toBe(800);
    expect(((result as PromiseRejectedResult).reason as Error).message).toContain('down (gave up after 3 attempts in 1000 ms)');
  });

  it('classifies errors', () => {
    expect(isTransient(new GRPCUnavailableError('x'))).toBe(true);
    expect(isTransient(Object.assign(new Error('open'), { isBrokenCircuitError: true }))).toBe(true);
    expect(isTransient(new GRPCInvalidArgumentError('x'))).toBe(false);
    expect(isTransient(new TypeError('bug'))).toBe(false);
    expect(isTransient('string')).toBe(false);
  });
});
