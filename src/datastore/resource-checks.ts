// Request checks every backend applies identically before touching storage, so that the conformance suite sees the same
// InvalidError for the same mistake whatever the backend. Semantic validation of specs is src/api's job, not this one.
import { InvalidError } from './errors';
import { kindInfo, type KindInfo } from './kinds';
import { API_VERSION, type ListOptions, type StoredResource } from './types';

const MAX_NAME = 253;
// Names become etcd key segments and Kubernetes object names: no separator, no whitespace or control characters.
const FORBIDDEN = /[/\s\p{Cc}]/u;

function checkSegment(kind: string, what: 'name' | 'namespace', value: string, name: string): void {
  if (value.length === 0) throw new InvalidError(kind, name, `${what} must not be empty`);
  if (value.length > MAX_NAME) throw new InvalidError(kind, name.slice(0, 64), `${what} longer than ${MAX_NAME} characters`);
  if (value === '.' || value === '..') throw new InvalidError(kind, name, `${what} may not be "${value}"`);
  if (FORBIDDEN.test(value)) throw new InvalidError(kind, name, `${what} "${value}" contains "/", whitespace or a control character`);
}

/** Checks kind, name and namespace of a single-object request; returns the kind's info. */
export function checkRef(kind: string, name: string, namespace: string | undefined): KindInfo {
  const info = kindInfo(kind);
  checkSegment(kind, 'name', name, name);
  checkNamespace(info, namespace, name);
  return info;
}

/** A namespaced kind needs a namespace for single-object requests; a cluster-scoped kind must not have one. */
function checkNamespace(info: KindInfo, namespace: string | undefined, name: string): void {
  if (info.namespaced) {
    if (namespace === undefined || namespace === '') throw new InvalidError(info.kind, name, 'namespaced kind needs a namespace');
    checkSegment(info.kind, 'namespace', namespace, name);
  } else if (namespace !== undefined && namespace !== '') {
    throw new InvalidError(info.kind, name, `cluster-scoped kind has no namespace (got "${namespace}")`, namespace);
  }
}

/** Checks a collection request (list or watch): the namespace filter makes sense only for namespaced kinds. */
export function checkCollection(kind: string, opts: Pick<ListOptions, 'namespace'>): KindInfo {
  const info = kindInfo(kind);
  if (opts.namespace !== undefined && opts.namespace !== '') {
    if (!info.namespaced) throw new InvalidError(kind, '', `cluster-scoped kind has no namespace (got "${opts.namespace}")`);
    checkSegment(kind, 'namespace', opts.namespace, '');
  }
  return info;
}

/** Checks a resource given to create or update; returns the kind's info. */
export function checkResource(res: StoredResource): KindInfo {
  if (res === null || typeof res !== 'object' || typeof res.metadata !== 'object' || res.metadata === null) {
    throw new InvalidError(String((res as { kind?: unknown } | null)?.kind ?? ''), '', 'resource must be an object with metadata');
  }
  const info = checkRef(res.kind, res.metadata.name, res.metadata.namespace);
  const want = info.apiVersion ?? API_VERSION;
  if (res.apiVersion !== want) {
    throw new InvalidError(res.kind, res.metadata.name ?? '', `apiVersion must be ${want} (got "${String(res.apiVersion)}")`);
  }
  return info;
}

/** Namespace as stored: '' for cluster-scoped kinds. */
export function namespaceOf(info: KindInfo, namespace: string | undefined): string {
  return info.namespaced ? (namespace ?? '') : '';
}

/** The order of ListResult.items: namespace, then name. */
export function compareResources(a: StoredResource, b: StoredResource): number {
  const an = a.metadata.namespace ?? '';
  const bn = b.metadata.namespace ?? '';
  if (an !== bn) return an < bn ? -1 : 1;
  return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
}

/** The name-prefix filter of ListOptions. */
export function nameHasPrefix(res: StoredResource, prefix: string | undefined): boolean {
  return prefix === undefined || res.metadata.name.startsWith(prefix);
}

/**
 * What create stores: the caller's resource with a fresh uid and creationTimestamp (kept when the caller set them, as
 * calicoctl may when restoring a backup) and no resourceVersion (the backend assigns it). A resourceVersion on create
 * is a mistake (Kubernetes rejects it too).
 */
export function prepareCreate<T extends StoredResource>(res: T, nowMs: number, newUid: () => string): T {
  if (res.metadata.resourceVersion !== undefined && res.metadata.resourceVersion !== '') {
    throw new InvalidError(res.kind, res.metadata.name, 'resourceVersion must not be set on create', res.metadata.namespace);
  }
  const { resourceVersion: _rv, ...meta } = res.metadata;
  return {
    ...res,
    metadata: {
      ...meta,
      uid: meta.uid ?? newUid(),
      creationTimestamp: meta.creationTimestamp ?? new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    },
  };
}

/** What update stores: the caller's resource, keeping the stored uid and creationTimestamp, without resourceVersion. */
export function prepareUpdate<T extends StoredResource>(res: T, stored: StoredResource): T {
  const { resourceVersion: _rv, ...meta } = res.metadata;
  const out = { ...meta } as { -readonly [K in keyof typeof meta]: (typeof meta)[K] };
  if (stored.metadata.uid !== undefined) out.uid = stored.metadata.uid;
  if (stored.metadata.creationTimestamp !== undefined) out.creationTimestamp = stored.metadata.creationTimestamp;
  return { ...res, metadata: out };
}

/** The resource as returned to callers: with its resourceVersion. */
export function withVersion<T extends StoredResource>(res: T, resourceVersion: string): T {
  return { ...res, metadata: { ...res.metadata, resourceVersion } };
}
