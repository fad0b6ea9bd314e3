// KubeApi over @kubernetes/client-node (the production client: it resolves every kubeconfig auth flavour: tokens,
// client certificates, exec plugins, OIDC). Custom resources go through CustomObjectsApi, Nodes and Pods through
// CoreV1Api, watches through Watch. Owns: the mapping of those calls and of ApiException onto KubeApiError.
//
// Loading: the client is an ES module. Node 20.19+ require()s it from this CommonJS build (1.x; 2.x needs Node 22 for
// its undici), and jest compiles it to CommonJS (jest.config.js). It is still loaded lazily, on first use of
// createClientNodeApi, so that importing the datastore costs nothing on a node that never talks to Kubernetes;
// callers that cannot load it fall back to http-api.ts (see kubernetes-datastore.ts connectKubernetes).
import type * as K8s from '@kubernetes/client-node';
import {
  KubeApiError,
  kubeApiErrorFromStatus,
  requestResource,
  resourcePath,
  withRequest,
  type KubeApi,
  type KubeRequest,
  type Subresource,
  type KubeList,
  type KubeListOptions,
  type KubeObject,
  type KubeWatchEvent,
  type KubeWatchOptions,
  type KubeWatchStream,
  type ResourceRef,
} from './kube-api';
import { quoteUnsafeIntegers, unquoteInt64Literals } from './int64-json';

type ClientNode = typeof K8s;

/**
 * Request and response text through int64-json.ts: int64Literal values go out as bare integers, and integers beyond
 * a double's exact range (Calico's nanosecond sequence numbers) come back as decimal strings instead of rounded.
 */
function int64Middleware(k8s: ClientNode): NonNullable<K8s.ConfigurationOptions['middleware']>[number] {
  return {
    pre: (ctx) => {
      const body = ctx.getBody();
      if (typeof body === 'string') ctx.setBody(unquoteInt64Literals(body));
      return new k8s.Observable(Promise.resolve(ctx));
    },
    post: (ctx) => {
      const orig = ctx.body;
      const text = async (): Promise<string> => quoteUnsafeIntegers(await orig.text());
      ctx.body = { text, binary: async () => Buffer.from(await text()) };
      return new k8s.Observable(Promise.resolve(ctx));
    },
  };
}

/** Loads @kubernetes/client-node, or throws with the reason it cannot be loaded here. */
export function loadClientNode(): ClientNode {
  // A lazy require, not an import: see the module comment.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@kubernetes/client-node') as ClientNode;
}

/** Typed client-node models (Date fields) back to API JSON, as the server sent them. */
function plain(obj: unknown): KubeObject {
  const out = JSON.parse(JSON.stringify(obj)) as KubeObject;
  const ts = out.metadata?.creationTimestamp;
  if (typeof ts === 'string') out.metadata.creationTimestamp = ts.replace(/\.\d{3}Z$/, 'Z');
  return out;
}

function toKubeApiError(err: unknown, what: string): KubeApiError {
  if (err instanceof KubeApiError) return err;
  const e = err as { code?: unknown; body?: unknown; statusCode?: unknown; message?: unknown };
  const code = typeof e?.code === 'number' ? e.code : typeof e?.statusCode === 'number' ? e.statusCode : 0;
  let body = e?.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body) as unknown;
    } catch {
      body = undefined;
    }
  }
  const out = kubeApiErrorFromStatus(code, body, `${what}: ${typeof e?.message === 'string' ? e.message : String(err)}`);
  return new KubeApiError(out.status, out.reason, out.message, out.detailsName, { cause: err });
}

export class ClientNodeKubeApi implements KubeApi {
  private readonly custom: K8s.CustomObjectsApi;
  private readonly core: K8s.CoreV1Api;
  private readonly watcher: K8s.Watch;
  private readonly mergePatchOptions: K8s.ConfigurationOptions;
  /** Custom-resource calls: int64 integers read and written losslessly (int64-json.ts). */
  private readonly int64: K8s.ConfigurationOptions;
  private readonly streams = new Set<AbortController>();

  constructor(
    private readonly k8s: ClientNode,
    kc: K8s.KubeConfig,
  ) {
    this.custom = kc.makeApiClient(k8s.CustomObjectsApi);
    this.core = kc.makeApiClient(k8s.CoreV1Api);
    this.watcher = new k8s.Watch(kc);
    this.int64 = { middleware: [int64Middleware(k8s)], middlewareMergeStrategy: 'append' };
    this.mergePatchOptions = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch, this.int64);
  }

  /** The core resources the datastore reads: Nodes and Pods, and (read-only views) Namespaces and ServiceAccounts. */
  private coreKind(ref: ResourceRef): 'nodes' | 'pods' | 'namespaces' | 'serviceaccounts' {
    if (ref.group === '' && ['nodes', 'pods', 'namespaces', 'serviceaccounts'].includes(ref.plural)) return ref.plural as 'nodes' | 'pods' | 'namespaces' | 'serviceaccounts';
    throw new KubeApiError(404, 'NotFound', `client-node adapter: core resource "${ref.plural}" is not used by the datastore`);
  }

  /** The core resources the datastore writes: Nodes and Pods only. */
  private writtenCoreKind(ref: ResourceRef): 'nodes' | 'pods' {
    const k = this.coreKind(ref);
    if (k === 'nodes' || k === 'pods') return k;
    throw new KubeApiError(405, 'MethodNotAllowed', `client-node adapter: core resource "${ref.plural}" is never written by the datastore`);
  }

  private async run<T>(what: string, fn: () => Promise<T>, request?: KubeRequest): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const e = toKubeApiError(err, what);
      throw request ? withRequest(e, request) : e;
    }
  }

  get(ref: ResourceRef, name: string): Promise<KubeObject> {
    return this.run(`get ${resourcePath(ref, name)}`, async () => {
      if (ref.group !== '') {
        const p = { group: ref.group, version: ref.version, plural: ref.plural, name };
        return (ref.namespace ? await this.custom.getNamespacedCustomObject({ ...p, namespace: ref.namespace }, this.int64) : await this.custom.getClusterCustomObject(p, this.int64)) as KubeObject;
      }
      const kind = this.coreKind(ref);
      if (kind === 'nodes') return plain(await this.core.readNode({ name }));
      if (kind === 'namespaces') return plain(await this.core.readNamespace({ name }));
      if (kind === 'serviceaccounts') return plain(await this.core.readNamespacedServiceAccount({ name, namespace: ref.namespace ?? '' }));
      return plain(await this.core.readNamespacedPod({ name, namespace: ref.namespace ?? '' }));
    }, { verb: 'get', resource: requestResource(ref) });
  }

  list(ref: ResourceRef, opts: KubeListOptions = {}): Promise<KubeList> {
    return this.run(`list ${resourcePath(ref)}`, async () => {
      let body: { items?: unknown[]; metadata?: { resourceVersion?: string } };
      if (ref.group !== '') {
        const p = { group: ref.group, version: ref.version, plural: ref.plural, ...opts };
        body = (
          ref.namespace
            ? await this.custom.listNamespacedCustomObject({ ...p, namespace: ref.namespace }, this.int64)
            : await this.custom.listClusterCustomObject(p, this.int64)
        ) as typeof body;
        return { items: (body.items ?? []) as KubeObject[], resourceVersion: body.metadata?.resourceVersion ?? '' };
      }
      const kind = this.coreKind(ref);
      if (kind === 'nodes') body = await this.core.listNode(opts);
      else if (kind === 'namespaces') body = await this.core.listNamespace(opts);
      else if (kind === 'serviceaccounts') {
        body = ref.namespace ? await this.core.listNamespacedServiceAccount({ ...opts, namespace: ref.namespace }) : await this.core.listServiceAccountForAllNamespaces(opts);
      } else if (ref.namespace) body = await this.core.listNamespacedPod({ ...opts, namespace: ref.namespace });
      else body = await this.core.listPodForAllNamespaces(opts);
      return { items: (body.items ?? []).map(plain), resourceVersion: body.metadata?.resourceVersion ?? '' };
    }, { verb: 'list', resource: requestResource(ref) });
  }

  create(ref: ResourceRef, obj: KubeObject): Promise<KubeObject> {
    return this.run(`create ${resourcePath(ref)}`, async () => {
      if (ref.group !== '') {
        const p = { group: ref.group, version: ref.version, plural: ref.plural, body: obj };
        return (ref.namespace ? await this.custom.createNamespacedCustomObject({ ...p, namespace: ref.namespace }, this.int64) : await this.custom.createClusterCustomObject(p, this.int64)) as KubeObject;
      }
      if (this.writtenCoreKind(ref) === 'nodes') return plain(await this.core.createNode({ body: obj as K8s.V1Node }));
      return plain(await this.core.createNamespacedPod({ namespace: ref.namespace ?? '', body: obj as K8s.V1Pod }));
    }, { verb: 'create', resource: requestResource(ref) });
  }

  replace(ref: ResourceRef, name: string, obj: KubeObject, subresource?: Subresource): Promise<KubeObject> {
    return this.run(`replace ${resourcePath(ref, name, subresource)}`, async () => {
      if (ref.group !== '') {
        const p = { group: ref.group, version: ref.version, plural: ref.plural, name, body: obj };
        if (subresource === 'status') {
          return (ref.namespace
            ? await this.custom.replaceNamespacedCustomObjectStatus({ ...p, namespace: ref.namespace }, this.int64)
            : await this.custom.replaceClusterCustomObjectStatus(p, this.int64)) as KubeObject;
        }
        return (ref.namespace ? await this.custom.replaceNamespacedCustomObject({ ...p, namespace: ref.namespace }, this.int64) : await this.custom.replaceClusterCustomObject(p, this.int64)) as KubeObject;
      }
      const namespace = ref.namespace ?? '';
      if (this.writtenCoreKind(ref) === 'nodes') {
        const body = obj as K8s.V1Node;
        return plain(subresource === 'status' ? await this.core.replaceNodeStatus({ name, body }) : await this.core.replaceNode({ name, body }));
      }
      const body = obj as K8s.V1Pod;
      return plain(subresource === 'status' ? await this.core.replaceNamespacedPodStatus({ name, namespace, body }) : await this.core.replaceNamespacedPod({ name, namespace, body }));
    }, { verb: 'update', resource: requestResource(ref, subresource) });
  }

  mergePatch(ref: ResourceRef, name: string, patch: unknown, subresource?: Subresource): Promise<KubeObject> {
    return this.run(`patch ${resourcePath(ref, name, subresource)}`, async () => {
      const o = this.mergePatchOptions;
      if (ref.group !== '') {
        const p = { group: ref.group, version: ref.version, plural: ref.plural, name, body: patch };
        if (subresource === 'status') {
          return (ref.namespace
            ? await this.custom.patchNamespacedCustomObjectStatus({ ...p, namespace: ref.namespace }, o)
            : await this.custom.patchClusterCustomObjectStatus(p, o)) as KubeObject;
        }
        return (ref.namespace ? await this.custom.patchNamespacedCustomObject({ ...p, namespace: ref.namespace }, o) : await this.custom.patchClusterCustomObject(p, o)) as KubeObject;
      }
      const namespace = ref.namespace ?? '';
      if (this.writtenCoreKind(ref) === 'nodes') {
        return plain(subresource === 'status' ? await this.core.patchNodeStatus({ name, body: patch }, o) : await this.core.patchNode({ name, body: patch }, o));
      }
      return plain(
        subresource === 'status'
          ? await this.core.patchNamespacedPodStatus({ name, namespace, body: patch }, o)
          : await this.core.patchNamespacedPod({ name, namespace, body: patch }, o),
      );
    }, { verb: 'patch', resource: requestResource(ref, subresource) });
  }

  delete(ref: ResourceRef, name: string, preconditions?: { resourceVersion?: string; uid?: string }): Promise<KubeObject> {
    return this.run(`delete ${resourcePath(ref, name)}`, async () => {
      const body: K8s.V1DeleteOptions | undefined = preconditions ? { preconditions } : undefined;
      if (ref.group !== '') {
        const p = { group: ref.group, version: ref.version, plural: ref.plural, name, body };
        return (ref.namespace ? await this.custom.deleteNamespacedCustomObject({ ...p, namespace: ref.namespace }, this.int64) : await this.custom.deleteClusterCustomObject(p, this.int64)) as KubeObject;
      }
      if (this.writtenCoreKind(ref) === 'nodes') return plain(await this.core.deleteNode({ name, body }));
      return plain(await this.core.deleteNamespacedPod({ name, namespace: ref.namespace ?? '', body }));
    }, { verb: 'delete', resource: requestResource(ref) });
  }

  async watch(ref: ResourceRef, opts: KubeWatchOptions, onEvent: (e: KubeWatchEvent) => void, onDone: (err?: Error) => void): Promise<KubeWatchStream> {
    let early: Error | undefined;
    let started = false;
    let finished = false;
    // done may run before watcher.watch() returns (a refused watch), so the controller is reached through a holder.
    const holder: { controller?: AbortController } = {};
    const done = (err: unknown): void => {
      if (holder.controller) this.streams.delete(holder.controller);
      if (finished) return;
      finished = true;
      const e = err === null || err === undefined ? undefined : withRequest(toKubeApiError(err, `watch ${resourcePath(ref)}`), { verb: 'watch', resource: requestResource(ref) });
      if (!started) early = e ?? new KubeApiError(0, undefined, `watch ${resourcePath(ref)}: closed before it started`);
      else onDone(e);
    };
    const controller = await this.watcher.watch(
      resourcePath(ref),
      {
        resourceVersion: opts.resourceVersion,
        labelSelector: opts.labelSelector,
        fieldSelector: opts.fieldSelector,
        allowWatchBookmarks: opts.allowWatchBookmarks,
        timeoutSeconds: opts.timeoutSeconds,
      },
      (type, object) => {
        if (!finished) onEvent({ type: type as KubeWatchEvent['type'], object: object as KubeObject });
      },
      done,
    );
    holder.controller = controller;
    if (early) throw early;
    started = true;
    this.streams.add(controller);
    return {
      abort: () => {
        controller.abort();
        done(undefined);
      },
    };
  }

  close(): void {
    for (const c of [...this.streams]) c.abort();
    this.streams.clear();
  }
}

/** A KubeApi on @kubernetes/client-node from a kubeconfig (text), or from the default locations when absent. */
export function createClientNodeApi(kubeconfig?: string): KubeApi {
  const k8s = loadClientNode();
  const kc = new k8s.KubeConfig();
  if (kubeconfig === undefined) kc.loadFromDefault();
  else kc.loadFromString(kubeconfig);
  return new ClientNodeKubeApi(k8s, kc);
}
