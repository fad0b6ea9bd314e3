// Typed datastore errors. Every backend maps its own failures onto these, so callers (IPAM's CAS loops, the CLI,
// controllers) branch on `code` whatever the backend.
import { GinghamError } from '../lib/errors';
import type { DatastoreOp } from './types';

export const DatastoreErrorCode = {
  NotFound: 'DATASTORE_NOT_FOUND',
  AlreadyExists: 'DATASTORE_ALREADY_EXISTS',
  Conflict: 'DATASTORE_CONFLICT',
  Invalid: 'DATASTORE_INVALID',
  Unavailable: 'DATASTORE_UNAVAILABLE',
  /** The backend refused the caller's identity (Kubernetes RBAC 403): a permission to grant, not an outage. */
  Forbidden: 'DATASTORE_FORBIDDEN',
  /** The backend does not offer this operation on this kind (Calico's ErrorOperationNotSupported). */
  NotSupported: 'DATASTORE_NOT_SUPPORTED',
} as const;
export type DatastoreErrorCode = (typeof DatastoreErrorCode)[keyof typeof DatastoreErrorCode];

function describeResource(kind: string, name: string, namespace?: string): string {
  if (kind === '') return 'datastore';
  if (name === '') return kind;
  return namespace ? `${kind} ${namespace}/${name}` : `${kind} ${name}`;
}

/** Base of the datastore errors: names the resource concerned (name is '' for whole-collection operations). */
export abstract class DatastoreError extends GinghamError {
  constructor(
    code: DatastoreErrorCode,
    readonly kind: string,
    readonly resourceName: string,
    readonly namespace: string | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, `${describeResource(kind, resourceName, namespace)}: ${message}`, options);
  }
}

export class NotFoundError extends DatastoreError {
  constructor(kind: string, name: string, namespace?: string) {
    super(DatastoreErrorCode.NotFound, kind, name, namespace, 'not found');
  }
}

export class AlreadyExistsError extends DatastoreError {
  constructor(kind: string, name: string, namespace?: string) {
    super(DatastoreErrorCode.AlreadyExists, kind, name, namespace, 'already exists');
  }
}

/** The stored resourceVersion is not the one the caller read: re-read and retry. */
export class ConflictError extends DatastoreError {
  constructor(kind: string, name: string, namespace: string | undefined, readonly expected: string, readonly actual: string) {
    super(DatastoreErrorCode.Conflict, kind, name, namespace, `resourceVersion ${expected} is stale (stored: ${actual})`);
  }
}

/** The request itself is wrong (unknown kind, bad name, namespace on a cluster-scoped kind, ...); retrying won't help. */
export class InvalidError extends DatastoreError {
  constructor(kind: string, name: string, reason: string, namespace?: string) {
    super(DatastoreErrorCode.Invalid, kind, name, namespace, reason);
  }
}

/** The backend could not be reached within the retry bound (or the datastore is closed). The cause is attached. */
export class UnavailableError extends DatastoreError {
  constructor(
    readonly op: DatastoreOp,
    kind: string,
    name: string,
    namespace: string | undefined,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(DatastoreErrorCode.Unavailable, kind, name, namespace, `${op} unavailable: ${reason}`, options);
  }
}

/**
 * The backend does not serve the kind at all (Kubernetes: a 404 on the collection, its CRD not installed). Still
 * Unavailable to callers that branch on the code; the resource cache (cache.ts) tells it apart for kinds that a
 * cluster may lack and treats it as "none of that kind" until the kind is served.
 */
export class KindNotServedError extends UnavailableError {}

/**
 * The backend authenticated the caller but refused the operation (Kubernetes: 403 Forbidden by RBAC). Names the API
 * verb and resource that need a grant (`update` on `nodes/status`), which no retry fixes.
 */
export class ForbiddenError extends DatastoreError {
  constructor(
    readonly op: DatastoreOp,
    kind: string,
    name: string,
    namespace: string | undefined,
    /** The API verb refused (get, list, watch, create, update, patch, delete). */
    readonly verb: string,
    /** The API resource refused ("nodes/status", "ipamblocks.crd.projectcalico.org"). */
    readonly resource: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(DatastoreErrorCode.Forbidden, kind, name, namespace, `${op} forbidden: the credentials may not ${verb} ${resource} (${reason})`, options);
  }
}

/** The operation does not exist for this kind in this backend (Kubernetes mode: creating or deleting a Node). */
export class NotSupportedError extends DatastoreError {
  constructor(
    readonly op: DatastoreOp,
    kind: string,
    name: string,
    namespace: string | undefined,
    reason: string,
  ) {
    super(DatastoreErrorCode.NotSupported, kind, name, namespace, `${op} is not supported: ${reason}`);
  }
}

export function isDatastoreError(err: unknown, code?: DatastoreErrorCode): err is DatastoreError {
  return err instanceof DatastoreError && (code === undefined || err.code === code);
}
