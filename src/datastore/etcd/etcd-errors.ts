// What went wrong talking to etcd, in an operator's words: `etcd http://10.0.0.1:2379: connection refused`, never the
// etcd3 client's wrapping ("14 UNAVAILABLE: No connection established. Last error: Error: connect ECONNREFUSED ...")
// nor its circuit breaker ("Execution prevented because the circuit breaker is open", which hides the cause: the
// datastore turns that breaker off, see noRetryPolicy). grpc-js reports connection failures only as text, so the errno
// is read from the message here and nowhere else.
import { GRPCDeadlineExceededError, GRPCUnavailableError } from 'etcd3';
import type { IDefaultPolicyContext, IPolicy } from 'cockatiel';
import { describeError } from '../../lib/errors';

const ERRNO_WORDS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by peer',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network is unreachable',
  ETIMEDOUT: 'connection timed out',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  EPIPE: 'connection closed',
};

/** The cause of one failed etcd call, short: "connection refused", "no answer within 5000 ms", ... */
export function etcdCause(err: unknown, callTimeoutMs: number): string {
  const text = describeError(err);
  const errno = /\b(E[A-Z_]{3,})\b/.exec(text)?.[1];
  if (errno !== undefined && ERRNO_WORDS[errno] !== undefined) return ERRNO_WORDS[errno];
  if (errno !== undefined) return errno;
  if (err instanceof GRPCDeadlineExceededError) return `no answer within ${callTimeoutMs} ms`;
  if (err instanceof GRPCUnavailableError) return 'connection lost';
  // "14 UNAVAILABLE: detail" -> "detail"
  return text.replace(/^\d+ [A-Z_]+: /, '');
}

/** "etcd http://a:2379,http://b:2379" */
export function etcdName(endpoints: readonly string[]): string {
  return `etcd ${endpoints.join(',')}`;
}

/**
 * A fault-handling policy that only runs the call: the datastore's own retry (etcd-retry.ts) bounds attempts and time,
 * and a circuit breaker in front of it would replace the real cause with "circuit breaker is open".
 */
export const noRetryPolicy = {
  execute: <T>(fn: (context: IDefaultPolicyContext) => PromiseLike<T> | T): Promise<T> => Promise.resolve().then(() => fn({ signal: new AbortController().signal })),
  onSuccess: () => ({ dispose: () => undefined }),
  onFailure: () => ({ dispose: () => undefined }),
} as unknown as IPolicy<IDefaultPolicyContext>;
