// The narrow port between the kubernetes datastore and a Kubernetes API client: the calls the backend makes
// (get, list, create, replace, merge-patch (both optionally of the status subresource), delete, watch) on a resource named by group/version/plural, and one error
// type that keeps the API server's HTTP code and Status reason. Two adapters implement it: client-node-api.ts over
// @kubernetes/client-node (production) and http-api.ts over node:http (for Node versions that client cannot load on).
// This file owns no I/O.
import { GinghamError } from '../../lib/errors';

/** The only subresource the datastore writes through. */
export type Subresource = 'status';

/** What a failed call asked for, in RBAC terms: the verb and "plural[/subresource][.group]". */
export interface KubeRequest {
  readonly verb: string;
  readonly resource: string;
}

/** "nodes/status", "ipamblocks.crd.projectcalico.org": the resource as RBAC rules and kubectl name it. */
export function requestResource(ref: ResourceRef, subresource?: Subresource): string {
  const r = subresource ? `${ref.plural}/${subresource}` : ref.plural;
  return ref.group === '' ? r : `${r}.${ref.group}`;
}

/** A collection on the API server. group '' is the core group (/api/v1). */
export interface ResourceRef {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  /** Namespaced collections: the namespace; absent on a namespaced collection means every namespace (list/watch). */
  readonly namespace?: string;
}

/** A Kubernetes object as JSON (apiVersion, kind, metadata, spec, status...). */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: KubeObjectMeta;
  spec?: unknown;
  status?: unknown;
  [key: string]: unknown;
}

export interface KubeObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

export interface KubeListOptions {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** With resourceVersionMatch 'Exact': the state at that revision (410 once compacted). */
  readonly resourceVersion?: string;
  readonly resourceVersionMatch?: 'Exact' | 'NotOlderThan';
}

export interface KubeList {
  readonly items: KubeObject[];
  readonly resourceVersion: string;
}

export interface KubeWatchOptions {
  /** Events after this revision; '' or absent: synthetic ADDED events for the current state first. */
  readonly resourceVersion?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly allowWatchBookmarks?: boolean;
  /** Server-side end of the stream; the caller re-watches from its last revision. */
  readonly timeoutSeconds?: number;
}

export type KubeWatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface KubeWatchEvent {
  readonly type: KubeWatchEventType;
  /** The object; for ERROR a metav1.Status; for BOOKMARK an object whose metadata carries only resourceVersion. */
  readonly object: KubeObject;
}

export interface KubeWatchStream {
  /** Ends the stream; onDone is then called (at most once overall). Idempotent. */
  abort(): void;
}

export interface KubeApi {
  get(ref: ResourceRef, name: string): Promise<KubeObject>;
  list(ref: ResourceRef, opts?: KubeListOptions): Promise<KubeList>;
  create(ref: ResourceRef, obj: KubeObject): Promise<KubeObject>;
  /** PUT; with subresource 'status', through the status subresource (nodes/status: what Calico's RBAC grants). */
  replace(ref: ResourceRef, name: string, obj: KubeObject, subresource?: Subresource): Promise<KubeObject>;
  /** RFC 7386 JSON merge patch (application/merge-patch+json), optionally of the status subresource (pods/status). */
  mergePatch(ref: ResourceRef, name: string, patch: unknown, subresource?: Subresource): Promise<KubeObject>;
  /** Optional preconditions, checked by the server (409 Conflict when stale). Returns the deleted object. */
  delete(ref: ResourceRef, name: string, preconditions?: { resourceVersion?: string; uid?: string }): Promise<KubeObject>;
  /**
   * Opens a watch. Resolves once the server accepted it; rejects with KubeApiError when it refused it outright.
   * onEvent is called per event in order; onDone once, when the stream ends (err undefined for a clean end).
   */
  watch(ref: ResourceRef, opts: KubeWatchOptions, onEvent: (e: KubeWatchEvent) => void, onDone: (err?: Error) => void): Promise<KubeWatchStream>;
  /** Releases connections. */
  close(): void;
}

/**
 * A failed API call. `status` is the HTTP status (0 when no response arrived: connection refused, reset, timeout) and
 * the code `KubeApi<status>` (`KubeApiUnreachable` for 0); `reason` the Status reason (NotFound, AlreadyExists,
 * Conflict, Gone, Expired, Invalid...) when the server sent one.
 */
export class KubeApiError extends GinghamError {
  constructor(
    readonly status: number,
    readonly reason: string | undefined,
    message: string,
    /** Status.details.name: set when the failure is about one object (vs. the resource type not being served). */
    readonly detailsName?: string,
    options?: { cause?: unknown; request?: KubeRequest },
  ) {
    super(status === 0 ? 'KubeApiUnreachable' : `KubeApi${status}`, message, options);
    this.request = options?.request;
  }

  /** The call that failed (set by the adapters), for a 403 that must name the verb and resource. */
  readonly request?: KubeRequest;
}

/** err with the failed call attached (a KubeApiError from the adapters' response handling has none yet). */
export function withRequest(err: KubeApiError, request: KubeRequest): KubeApiError {
  if (err.request !== undefined) return err;
  return new KubeApiError(err.status, err.reason, err.message, err.detailsName, { cause: err.cause, request });
}

/** Builds a KubeApiError from a response body that may be a metav1.Status. */
export function kubeApiErrorFromStatus(code: number, body: unknown, fallback: string): KubeApiError {
  if (body !== null && typeof body === 'object' && (body as { kind?: unknown }).kind === 'Status') {
    const s = body as { message?: unknown; reason?: unknown; code?: unknown; details?: { name?: unknown } };
    return new KubeApiError(
      typeof s.code === 'number' ? s.code : code,
      typeof s.reason === 'string' ? s.reason : undefined,
      typeof s.message === 'string' ? s.message : fallback,
      typeof s.details?.name === 'string' ? s.details.name : undefined,
    );
  }
  return new KubeApiError(code, undefined, fallback);
}

/** The URL path of a collection or of one object in it. */
export function resourcePath(ref: ResourceRef, name?: string, subresource?: Subresource): string {
  const base = ref.group === '' ? `/api/${ref.version}` : `/apis/${ref.group}/${ref.version}`;
  const ns = ref.namespace !== undefined && ref.namespace !== '' ? `/namespaces/${encodeURIComponent(ref.namespace)}` : '';
  const item = name === undefined ? '' : `/${encodeURIComponent(name)}`;
  const sub = name !== undefined && subresource !== undefined ? `/${subresource}` : '';
  return `${base}${ns}/${ref.plural}${item}${sub}`;
}
