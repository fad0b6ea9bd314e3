// TEST FIXTURE, not a product component. The `Status` objects a Kubernetes API server returns for failed requests
// (k8s.io/apimachinery metav1.Status): kind Status, status Failure, a machine-readable reason, an HTTP code.
// Owns: building those bodies with the reasons, codes and message wording the real server uses, so clients that
// branch on `reason`/`code` behave against the fixture as they would against kube-apiserver.

export type StatusReason =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Expired'
  | 'Timeout'
  | 'Invalid'
  | 'BadRequest'
  | 'MethodNotAllowed'
  | 'UnsupportedMediaType'
  | 'Unauthorized'
  | 'Forbidden'
  | 'ServiceUnavailable';

export interface StatusDetails {
  readonly name?: string;
  readonly group?: string;
  readonly kind?: string;
}

export interface KubeStatus {
  readonly kind: 'Status';
  readonly apiVersion: 'v1';
  readonly metadata: Record<string, never>;
  readonly status: 'Failure';
  readonly message: string;
  readonly reason: StatusReason;
  readonly details?: StatusDetails;
  readonly code: number;
}

const CODES: Record<StatusReason, number> = {
  NotFound: 404,
  AlreadyExists: 409,
  Conflict: 409,
  Gone: 410,
  Expired: 410,
  Timeout: 504,
  Invalid: 422,
  BadRequest: 400,
  MethodNotAllowed: 405,
  UnsupportedMediaType: 415,
  Unauthorized: 401,
  Forbidden: 403,
  ServiceUnavailable: 503,
};

export function status(reason: StatusReason, message: string, details?: StatusDetails): KubeStatus {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code: CODES[reason],
  };
}

/** A failed request, carried from the object store to the HTTP layer. */
export class ApiError extends Error {
  constructor(readonly status: KubeStatus) {
    super(status.message);
  }
}

/** "ippools.crd.projectcalico.org" or "nodes" for the core group: the resource name the server's messages use. */
export function qualifiedResource(group: string, plural: string): string {
  return group === '' ? plural : `${plural}.${group}`;
}

export function notFound(group: string, plural: string, name: string): ApiError {
  return new ApiError(status('NotFound', `${qualifiedResource(group, plural)} "${name}" not found`, { name, group, kind: plural }));
}

export function alreadyExists(group: string, plural: string, name: string): ApiError {
  return new ApiError(
    status('AlreadyExists', `${qualifiedResource(group, plural)} "${name}" already exists`, { name, group, kind: plural }),
  );
}

export function conflict(group: string, plural: string, name: string, why: string): ApiError {
  return new ApiError(
    status('Conflict', `Operation cannot be fulfilled on ${qualifiedResource(group, plural)} "${name}": ${why}`, {
      name,
      group,
      kind: plural,
    }),
  );
}

export function gone(requested: string, oldest: number): ApiError {
  return new ApiError(status('Gone', `too old resource version: ${requested} (${oldest})`));
}

export function invalid(group: string, plural: string, name: string, why: string): ApiError {
  return new ApiError(
    status('Invalid', `${qualifiedResource(group, plural)} "${name}" is invalid: ${why}`, { name, group, kind: plural }),
  );
}

export function badRequest(message: string): ApiError {
  return new ApiError(status('BadRequest', message));
}
