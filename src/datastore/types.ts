// The shape the datastore stores, and the options and events of its interface. This module owns only the structural
// types every backend shares; the projectcalico.org/v3 kinds themselves (spec types, defaults, validation, the
// selector language) live in src/api, whose resource types are assignable to StoredResource.

/** Kubernetes-style object metadata, as projectcalico.org/v3 resources carry it. */
export interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  /** Opaque version set by the backend on every read and write; compared by update/delete (compare-and-swap). */
  readonly resourceVersion?: string;
  readonly uid?: string;
  /** RFC 3339 time of creation, set by the backend on create. */
  readonly creationTimestamp?: string;
}

export const API_VERSION = 'projectcalico.org/v3';

/**
 * Any projectcalico.org/v3 resource. The datastore never looks inside spec or status. The kinds of another API group
 * it stores as they are (AdminNetworkPolicy: KindInfo.apiVersion) carry their own apiVersion at run time.
 */
export interface StoredResource {
  readonly apiVersion: typeof API_VERSION;
  readonly kind: string;
  readonly metadata: ObjectMeta;
  readonly spec?: unknown;
  readonly status?: unknown;
}

/** A label predicate; src/api's selector language compiles to one of these. */
export type LabelPredicate = (labels: Readonly<Record<string, string>>) => boolean;

/** Either a predicate or an equality map (every key present with exactly that value). */
export type LabelSelector = LabelPredicate | Readonly<Record<string, string>>;

export interface ListOptions {
  /** Namespaced kinds only: restrict to one namespace. Absent: every namespace. */
  readonly namespace?: string;
  readonly selector?: LabelSelector;
  /** Only names starting with this string (Calico's ResourceListOptions.Prefix). */
  readonly prefix?: string;
}

export interface ListResult<T extends StoredResource = StoredResource> {
  /** Ordered by namespace, then name (plain string order). */
  readonly items: T[];
  /** The store revision the list was read at: pass it to watch({ fromRevision }) to miss nothing. */
  readonly revision: string;
}

export interface WatchOptions {
  /** Namespaced kinds only: restrict to one namespace. Absent: every namespace. */
  readonly namespace?: string;
  /**
   * Deliver every change made after this revision (exclusive), typically ListResult.revision. Absent: the watch starts
   * with a `resync` event holding the current list, then delivers changes after it.
   */
  readonly fromRevision?: string;
  /**
   * Only resources whose labels match. A modification that brings a resource into the selection is delivered as
   * `added`, one that takes it out as `deleted`, so a consumer's cache stays equal to list({ selector }).
   */
  readonly selector?: LabelSelector;
}

/**
 * One change, in store order. `revision` is the store revision of the change (for `resync`: the revision the list was
 * read at). A `resync` replaces everything the consumer knew: it is sent first when no fromRevision was given, and
 * whenever the history needed to continue was compacted away.
 */
export type WatchEvent<T extends StoredResource = StoredResource> =
  | { readonly type: 'added'; readonly object: T; readonly revision: string }
  | { readonly type: 'modified'; readonly object: T; readonly previous?: T; readonly revision: string }
  | { readonly type: 'deleted'; readonly object: T; readonly revision: string }
  | { readonly type: 'resync'; readonly items: T[]; readonly revision: string };

/**
 * Receives events one at a time: when it returns a promise, the next event waits for it. A throw or rejection is
 * logged and does not stop the watch.
 */
export type WatchHandler<T extends StoredResource = StoredResource> = (event: WatchEvent<T>) => void | Promise<void>;

export interface Watch {
  /** Revision of the last event handed to the handler (the fromRevision a new watch would resume from). */
  readonly revision: string;
  /** Stops delivery. Resolves once no further handler call will start. Idempotent. */
  close(): Promise<void>;
}

export interface DeleteOptions {
  /** When set, delete only if the stored resourceVersion is this one (else Conflict). */
  readonly resourceVersion?: string;
}

/** Operations, as named by failure injection and UnavailableError. */
export type DatastoreOp = 'get' | 'list' | 'create' | 'update' | 'delete' | 'watch' | 'commit';
