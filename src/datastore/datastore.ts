// The one datastore interface (docs/architecture.md "Datastores"): get, list, watch, create, update, delete, with
// compare-and-swap on metadata.resourceVersion and label selection. Backends: memory/ (tests, simulations), etcd/
// (Calico's etcd v3 mode) and kubernetes/ (crd.projectcalico.org/v1). All of them pass conformance.ts.
//
// Errors: every method rejects only with the errors of errors.ts (NotFound, AlreadyExists, Conflict, Invalid,
// Unavailable). Resources returned are copies: mutating them never changes what is stored.
import type {
  DeleteOptions,
  ListOptions,
  ListResult,
  StoredResource,
  Watch,
  WatchHandler,
  WatchOptions,
} from './types';

export interface Datastore {
  /** The backend's name, for logs and `gingham version`: 'memory', 'etcdv3', 'kubernetes'. */
  readonly backend: string;

  /** NotFound when absent. */
  get<T extends StoredResource = StoredResource>(kind: string, name: string, namespace?: string): Promise<T>;

  list<T extends StoredResource = StoredResource>(kind: string, opts?: ListOptions): Promise<ListResult<T>>;

  /**
   * Stores a new resource; returns it with resourceVersion, uid and creationTimestamp set. AlreadyExists when the
   * name is taken; Invalid when res carries a resourceVersion.
   */
  create<T extends StoredResource>(res: T): Promise<T>;

  /**
   * Replaces a stored resource. With metadata.resourceVersion: only if it is still the stored one (else Conflict).
   * Without: unconditionally (last writer wins). NotFound when absent. uid and creationTimestamp stay as stored.
   */
  update<T extends StoredResource>(res: T): Promise<T>;

  /** Removes a resource and returns its last state. NotFound when absent; Conflict when opts.resourceVersion is stale. */
  delete<T extends StoredResource = StoredResource>(kind: string, name: string, namespace?: string, opts?: DeleteOptions): Promise<T>;

  /**
   * Delivers the changes of one kind in store order (see WatchOptions and WatchEvent). Resolves once the watch is
   * established; survives backend disconnects by resuming after the last delivered revision, and turns a compacted
   * history into a `resync` event.
   */
  watch<T extends StoredResource = StoredResource>(kind: string, opts: WatchOptions, handler: WatchHandler<T>): Promise<Watch>;

  /** Closes every watch and connection. Later calls reject with Unavailable. Idempotent. */
  close(): Promise<void>;
}
