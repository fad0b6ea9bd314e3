import net from 'node:net';
import { GRPCDeadlineExceededError, GRPCUnavailableError } from 'etcd3';
import { DatastoreErrorCode } from '../errors';
import { EtcdDatastore } from './etcd-datastore';
import { etcdCause, etcdName } from './etcd-errors';

// Messages as grpc-js 1.14 / etcd3 1.1 produce them (recorded against a stopped and a frozen etcd).
const REFUSED = '14 UNAVAILABLE: No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:1. Resolution note: ';
const FROZEN = '4 DEADLINE_EXCEEDED: Deadline exceeded after 2.001s,remote_addr=127.0.0.1:23791';
const GONE = '14 UNAVAILABLE: No connection established. Last error: null. Resolution note: ';

describe('etcdCause', () => {
  it('says what happened in an operator\'s words', () => {
    expect(etcdCause(new GRPCUnavailableError(REFUSED), 5000)).toBe('connection refused');
    expect(etcdCause(new GRPCDeadlineExceededError(FROZEN), 5000)).toBe('no answer within 5000 ms');
    expect(etcdCause(new GRPCUnavailableError(GONE), 5000)).toBe('connection lost');
    expect(etcdCause(new Error('getaddrinfo ENOTFOUND etcd.example'), 5000)).toBe('host name not found');
    expect(etcdCause(new Error('3 INVALID_ARGUMENT: bad key'), 5000)).toBe('bad key');
  });

  it('names every endpoint', () => {
    expect(etcdName(['http://a:2379', 'http://b:2379'])).toBe('etcd http://a:2379,http://b:2379');
  });
});

/** A loopback port nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

describe('EtcdDatastore errors', () => {
  it('names the datastore and the cause after every retry, never "circuit breaker is open"', async () => {
    const port = await closedPort();
    const endpoint = `http://127.0.0.1:${port}`;
    // Six attempts: the etcd3 client's default breaker opened after three and hid the refusal from then on.
    const ds = new EtcdDatastore({ endpoints: [endpoint], retry: { attempts: 6, initialDelayMs: 1, maxDelayMs: 1 } });
    try {
      const err = await ds.get('IPPool', 'p').then(
        () => undefined,
        (e: unknown) => e as Error & { code: string },
      );
      expect(err?.code).toBe(DatastoreErrorCode.Unavailable);
      expect(err?.message).toBe(`IPPool p: get unavailable: etcd ${endpoint}: connection refused (gave up after 6 attempts)`);
    } finally {
      await ds.close();
    }
  });
});
