// Kubernetes API failures onto the datastore's typed errors (../errors.ts): 404 on an object → NotFound,
// 409 AlreadyExists → AlreadyExists, 409 Conflict (stale resourceVersion or failed precondition) → Conflict,
// 400/422 → Invalid, 403 → Forbidden (RBAC: names the verb and resource to grant), anything else (no answer, 401,
// 5xx) → Unavailable; a 404 on a collection (a resource the server does not serve) → KindNotServed, an Unavailable.
import { AlreadyExistsError, ConflictError, ForbiddenError, InvalidError, KindNotServedError, NotFoundError, UnavailableError, isDatastoreError } from '../errors';
import type { DatastoreOp } from '../types';
import { KubeApiError } from './kube-api';
import { describeError } from '../../lib/errors';

export interface ErrorSubject {
  readonly op: DatastoreOp;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  /** The resourceVersion the caller expected, for Conflict. */
  readonly expected?: string;
}

export function isKubeError(err: unknown, code: number, reason?: string): err is KubeApiError {
  return err instanceof KubeApiError && err.status === code && (reason === undefined || err.reason === reason);
}

/** Maps err (anything a KubeApi call threw) onto a datastore error; datastore errors pass through unchanged. */
export function toDatastoreError(err: unknown, s: ErrorSubject): Error {
  if (isDatastoreError(err)) return err;
  if (!(err instanceof KubeApiError)) {
    return new UnavailableError(s.op, s.kind, s.name, s.namespace, describeError(err), { cause: err });
  }
  // A 404 names the object when the object is missing; without a name, the collection itself is not served (for
  // example, Calico's CRDs are not installed), which no retry of this request fixes but installing them does.
  if (err.status === 404 && err.detailsName !== undefined) return new NotFoundError(s.kind, s.name, s.namespace);
  if (err.status === 409 && err.reason === 'AlreadyExists') return new AlreadyExistsError(s.kind, s.name, s.namespace);
  if (err.status === 409) return new ConflictError(s.kind, s.name, s.namespace, s.expected ?? '', '?');
  if (err.status === 400 || err.status === 422) return new InvalidError(s.kind, s.name, err.message, s.namespace);
  if (err.status === 403) {
    return new ForbiddenError(s.op, s.kind, s.name, s.namespace, err.request?.verb ?? s.op, err.request?.resource ?? s.kind, err.message, { cause: err });
  }
  if (err.status === 404) {
    return new KindNotServedError(s.op, s.kind, s.name, s.namespace, `the API server does not serve this resource (are the CRDs installed?): ${err.message}`, { cause: err });
  }
  return new UnavailableError(s.op, s.kind, s.name, s.namespace, err.message, { cause: err });
}
