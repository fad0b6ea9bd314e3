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
        () => closed,
      ),
    );
    expect(calls).toBe(1);
    expect(((result as PromiseRejectedResult).reason as Error).message).toContain('datastore closed');
  });

  it('classifies errors', () => {
    expect(isTransient(new GRPCUnavailableError('x'))).toBe(true);
    expect(isTransient(Object.assign(new Error('open'), { isBrokenCircuitError: true }))).toBe(true);
    expect(isTransient(new GRPCInvalidArgumentError('x'))).toBe(false);
    expect(isTransient(new TypeError('bug'))).toBe(false);
    expect(isTransient('string')).toBe(false);
  });
});
