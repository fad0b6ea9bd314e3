// The `kubernetes` datastore backend (Calico's KDD mode): projectcalico.org/v3 resources stored as
// crd.projectcalico.org/v1 custom resources, Node on the core Node, WorkloadEndpoint derived from the Pod
// (kind-storage.ts), Profile from Namespaces and ServiceAccounts and NetworkPolicy also from networking.k8s.io/v1
// NetworkPolicies (view-storage.ts, read-only views as in Calico). resourceVersion compare-and-swap is the API server's optimistic concurrency (409 → Conflict);
// watches survive disconnects and re-list on 410 Gone (kube-watch.ts, merged per kind by kind-watch.ts). Owns: request validation (shared checks),
// list filtering and ordering, the set of open watches, and close(). All API traffic goes through a KubeApi.
import fs from 'node:fs';
import { systemClock, type Clock } from '../../lib/clock';
import { nullLogger, type Logger } from '../../lib/logger';
import type { Datastore } from '../datastore';
import { InvalidError, UnavailableError } from '../errors';
import { resourceMatches } from '../label-selector';
import { checkCollection, checkRef, checkResource, compareResources, nameHasPrefix } from '../resource-checks';
import type { DatastoreOp, DeleteOptions, LabelSelector, ListOptions, ListResult, StoredResource, Watch, WatchHandler, WatchOptions } from '../types';
import { WatchDelivery } from '../watch-delivery';
import { WatchRegistry } from '../watch-registry';
import { createClientNodeApi } from './client-node-api';
import { toDatastoreError } from './errors';
import { endpointFromKubeconfig, HttpKubeApi, inClusterEndpoint } from './http-api';
import type { KubeApi, ResourceRef } from './kube-api';
import { KindWatch } from './kind-watch';
import { joinRevisions, splitRevision } from './composite-revision';
import { CustomResourceStorage, NodeStorage, WorkloadEndpointStorage, type KindStorage } from './kind-storage';
import { NetworkPolicyStorage, ProfileStorage } from './view-storage';
import { kindInfo, type KindInfo } from '../kinds';
import { describeError } from '../../lib/errors';

export interface KubernetesDatastoreOptions {
  readonly api: KubeApi;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Ask for BOOKMARK events, so a quiet watch still advances its resume point. Default true. */
  readonly bookmarks?: boolean;
  /** Server-side lifetime of one watch stream before it is re-opened from its last revision. Default 300 s. */
  readonly watchTimeoutSeconds?: number;
  /** Delays before re-opening a failed watch stream; the last repeats. Default 200 ms, 1 s, 5 s. */
  readonly retryDelaysMs?: readonly number[];
}

// Kubernetes label syntax (k8s.io/apimachinery validation): only such pairs can be sent as a labelSelector.
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** An equality-map selector as a Kubernetes labelSelector, or undefined when it must be applied client-side only. */
function serverSelector(selector: LabelSelector | undefined): string | undefined {
  if (selector === undefined || typeof selector === 'function') return undefined;
  const pairs = Object.entries(selector);
  if (pairs.length === 0 || !pairs.every(([k, v]) => LABEL_KEY.test(k) && k.length <= 316 && LABEL_VALUE.test(v) && v.length <= 63)) return undefined;
  return pairs.map(([k, v]) => `${k}=${v}`).join(',');
}

/** Where a kind lives on the API server (kind-storage.ts, view-storage.ts). */
function storageFor(api: KubeApi, info: KindInfo): KindStorage {
  switch (info.kind) {
    case 'Node':
      return new NodeStorage(api, info);
    case 'WorkloadEndpoint':
      return new WorkloadEndpointStorage(api, info);
    case 'Profile':
      return new ProfileStorage(api, info);
    case 'NetworkPolicy':
      return new NetworkPolicyStorage(api, info);
    default:
      return new CustomResourceStorage(api, info);
  }
}

/**
 * The API collections a kind is read from in Kubernetes mode: what a process that lists and watches the kind needs
 * `list` and `watch` on (the chart's ClusterRoles are checked against it). The storages' ref() never calls the API.
 */
export function collectionsOf(kind: string): ResourceRef[] {
  return storageFor({} as KubeApi, kindInfo(kind)).sources.map((s) => s.ref());
}

export class KubernetesDatastore implements Datastore {
  readonly backend = 'kubernetes';
  private closed = false;
  private readonly watches = new WatchRegistry<KindWatch>((w) => w.close());
  private readonly storages = new Map<string, KindStorage>();
  private readonly api: KubeApi;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly bookmarks: boolean;
  private readonly watchTimeoutSeconds: number;
  private readonly retryDelaysMs: readonly number[];

  constructor(opts: KubernetesDatastoreOptions) {
    this.api = opts.api;
    this.clock = opts.clock ?? systemClock;
    this.log = (opts.logger ?? nullLogger).child('datastore.kubernetes');
    this.bookmarks = opts.bookmarks ?? true;
    this.watchTimeoutSeconds = opts.watchTimeoutSeconds ?? 300;
    this.retryDelaysMs = opts.retryDelaysMs ?? [200, 1000, 5000];
  }

  private enter(op: DatastoreOp, kind: string, name: string, namespace?: string): void {
    if (this.closed) throw new UnavailableError(op, kind, name, namespace, 'datastore closed');
  }

  private storage(kind: string): KindStorage {
    let s = this.storages.get(kind);
    if (s === undefined) {
      const info = checkCollection(kind, {});
      s = storageFor(this.api, info);
      this.storages.set(kind, s);
    }
    return s;
  }

  async get<T extends StoredResource = StoredResource>(kind: string, name: string, namespace?: string): Promise<T> {
    this.enter('get', kind, name, namespace);
    checkRef(kind, name, namespace);
    return (await this.storage(kind).get(name, namespace)) as T;
  }

  async list<T extends StoredResource = StoredResource>(kind: string, opts: ListOptions = {}): Promise<ListResult<T>> {
    this.enter('list', kind, '', opts.namespace);
    checkCollection(kind, opts);
    const storage = this.storage(kind);
    const items: StoredResource[] = [];
    const revisions: string[] = [];
    for (const source of storage.sources) {
      const labelSelector = source.serverSideLabels ? serverSelector(opts.selector) : undefined;
      let list;
      try {
        list = await this.api.list(source.ref(opts.namespace || undefined), labelSelector ? { labelSelector } : {});
      } catch (err) {
        throw toDatastoreError(err, { op: 'list', kind, name: '', namespace: opts.namespace });
      }
      revisions.push(list.resourceVersion);
      for (const o of list.items) {
        const res = source.toV3(o);
        if (res === undefined || !nameHasPrefix(res, opts.prefix) || !resourceMatches(opts.selector, res)) continue;
        items.push(res);
      }
    }
    return { items: items.sort(compareResources) as T[], revision: joinRevisions(revisions) };
  }

  async create<T extends StoredResource>(res: T): Promise<T> {
    this.enter('create', res?.kind ?? '', res?.metadata?.name ?? '', res?.metadata?.namespace);
    checkResource(res);
    if (res.metadata.resourceVersion !== undefined && res.metadata.resourceVersion !== '') {
      throw new InvalidError(res.kind, res.metadata.name, 'resourceVersion must not be set on create', res.metadata.namespace);
    }
    return (await this.storage(res.kind).create(res)) as T;
  }

  async update<T extends StoredResource>(res: T): Promise<T> {
    this.enter('update', res?.kind ?? '', res?.metadata?.name ?? '', res?.metadata?.namespace);
    checkResource(res);
    return (await this.storage(res.kind).update(res)) as T;
  }

  async delete<T extends StoredResource = StoredResource>(kind: string, name: string, namespace?: string, opts: DeleteOptions = {}): Promise<T> {
    this.enter('delete', kind, name, namespace);
    checkRef(kind, name, namespace);
    return (await this.storage(kind).delete(name, namespace, opts.resourceVersion || undefined)) as T;
  }

  async watch<T extends StoredResource = StoredResource>(kind: string, opts: WatchOptions, handler: WatchHandler<T>): Promise<Watch> {
    this.enter('watch', kind, '', opts.namespace);
    checkCollection(kind, opts);
    const storage = this.storage(kind);
    const from = opts.fromRevision === undefined ? undefined : splitRevision(opts.fromRevision, storage.sources.length);
    if (opts.fromRevision !== undefined && from === undefined) {
      throw new InvalidError(kind, '', `fromRevision "${opts.fromRevision}" is not a revision of ${kind}`);
    }
    const delivery = new WatchDelivery<T>(handler, this.log, opts.fromRevision ?? '');
    const w = new KindWatch(this.api, storage.sources, { ...opts, namespace: opts.namespace || undefined }, delivery as unknown as WatchDelivery, {
      clock: this.clock,
      logger: this.log,
      bookmarks: this.bookmarks,
      timeoutSeconds: this.watchTimeoutSeconds,
      retryDelaysMs: this.retryDelaysMs,
    });
    this.watches.add(w);
    try {
      await w.start(from);
    } catch (err) {
      this.watches.forget(w);
      await w.close();
      throw toDatastoreError(err, { op: 'watch', kind, name: '', namespace: opts.namespace });
    }
    if (this.closed) await w.close();
    return this.watches.handle(w, () => delivery.revision);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.watches.closeAll();
    this.api.close();
  }
}

export interface ConnectOptions extends Omit<KubernetesDatastoreOptions, 'api'> {
  /** Path of a kubeconfig; default $KUBECONFIG, then ~/.kube/config, then the in-cluster service account. */
  readonly kubeconfigPath?: string;
  /** 'client-node' (default when it loads on this Node), or 'http' (node:http; always available). */
  readonly client?: 'client-node' | 'http';
}

function defaultKubeconfigPath(): string | undefined {
  const env = process.env.KUBECONFIG?.split(':').find((p) => p !== '');
  if (env) return env;
  const home = process.env.HOME;
  const p = home ? `${home}/.kube/config` : undefined;
  return p && fs.existsSync(p) ? p : undefined;
}

/**
 * The production entry point: a KubernetesDatastore on @kubernetes/client-node when it can be loaded (Node >= 22.19),
 * else on the node:http client, from a kubeconfig or the in-cluster service account.
 */
export function connectKubernetes(opts: ConnectOptions = {}): KubernetesDatastore {
  const path = opts.kubeconfigPath ?? defaultKubeconfigPath();
  const text = path ? fs.readFileSync(path, 'utf8') : undefined;
  const log = (opts.logger ?? nullLogger).child('datastore.kubernetes');
  let api: KubeApi | undefined;
  if (opts.client !== 'http') {
    try {
      api = createClientNodeApi(text);
    } catch (err) {
      if (opts.client === 'client-node') throw err;
      log.info('@kubernetes/client-node cannot be loaded here; using the node:http client', { error: describeError(err) });
    }
  }
  if (api === undefined) {
    const endpoint = text !== undefined ? endpointFromKubeconfig(text) : inClusterEndpoint();
    if (endpoint === undefined) throw new Error('kubernetes datastore: no kubeconfig (KUBECONFIG, ~/.kube/config) and not running in a cluster');
    api = new HttpKubeApi(endpoint);
  }
  return new KubernetesDatastore({ ...opts, api });
}
