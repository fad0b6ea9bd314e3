// TEST FIXTURE, not a product component. The in-memory state behind the fixture API server: registered resource
// types, objects, one global resourceVersion counter (as etcd's revision behind kube-apiserver), the event history a
// watch resumes from, and a compaction point below which a watch gets 410 Gone.
// Owns: the write semantics of kube-apiserver that clients depend on (create → AlreadyExists, replace/delete with a
// stale resourceVersion → Conflict, uid and creationTimestamp set on create, generation bumped on a spec change, a
// new resourceVersion on every write including delete). Must not: know about HTTP; time comes from the injected Clock.
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../src/lib/clock';
import { jsonPatch, mergePatch, PatchError } from './patch';
import { matchesFields, matchesLabels, type FieldSelector, type LabelSelector } from './label-selector';
import { alreadyExists, ApiError, badRequest, conflict, gone, invalid, notFound, status } from './status';

export interface ResourceType {
  /** '' for the core group. */
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
  /** Custom resources: the storage version's openAPIV3Schema (pruning and validation, crd-validation.ts). */
  readonly schema?: Record<string, unknown>;
  /** Whether the type has a status subresource (then the main resource ignores status and vice versa). */
  readonly statusSubresource?: boolean;
}

/**
 * The server's write strategy, applied to the object about to be stored (after a patch is applied): status
 * subresource rules, admission, schema validation. Returns what to store; throws an ApiError to refuse.
 */
export type PrepareUpdate = (next: KubeObject, cur: KubeObject) => KubeObject;

export interface KubeMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [k: string]: unknown;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: KubeMeta;
  [k: string]: unknown;
}

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  readonly rv: number;
  readonly typeKey: string;
  readonly type: EventType;
  /** The object after the write (for DELETED: the last state, carrying the deletion's resourceVersion). */
  readonly object: KubeObject;
  /**
   * The object before the write, for MODIFIED (a watch with a selector turns MODIFIED into ADDED/DELETED) and DELETED
   * (to rebuild past states for a list at an exact resourceVersion).
   */
  readonly previous?: KubeObject;
}

export interface ListResult {
  readonly items: KubeObject[];
  readonly resourceVersion: string;
}

export function typeKey(t: Pick<ResourceType, 'group' | 'version' | 'plural'>): string {
  return `${t.group}/${t.version}/${t.plural}`;
}

export function apiVersionOf(t: ResourceType): string {
  return t.group === '' ? t.version : `${t.group}/${t.version}`;
}

function objKey(ns: string | undefined, name: string): string {
  return `${ns ?? ''}/${name}`;
}

/** Everything but metadata and status: a change here bumps metadata.generation, as for CRs with a status subresource. */
function specPart(o: KubeObject): string {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = o;
  return canonical(rest);
}

/** JSON with object keys sorted at every level, so key order never counts as a change. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

export class ObjectStore {
  private rv = 0;
  private compactedRv = 0;
  private readonly typeMap = new Map<string, ResourceType>();
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private history: StoreEvent[] = [];
  private readonly listeners = new Set<(e: StoreEvent) => void>();

  constructor(private readonly clock: Clock) {}

  registerType(t: ResourceType): void {
    const k = typeKey(t);
    this.typeMap.set(k, t);
    if (!this.objects.has(k)) this.objects.set(k, new Map());
  }

  unregisterType(key: string): void {
    this.typeMap.delete(key);
    this.objects.delete(key);
  }

  /** Every type served. */
  types(): ResourceType[] {
    return [...this.typeMap.values()];
  }

  findType(group: string, version: string, plural: string): ResourceType | undefined {
    return this.typeMap.get(typeKey({ group, version, plural }));
  }

  currentRv(): number {
    return this.rv;
  }

  oldestWatchableRv(): number {
    return this.compactedRv;
  }

  /** Forgets history up to now: a watch from any earlier resourceVersion then gets 410 Gone. */
  compact(): void {
    this.compactedRv = this.rv;
    this.history = [];
  }

  subscribe(fn: (e: StoreEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private bucket(t: ResourceType): Map<string, KubeObject> {
    const b = this.objects.get(typeKey(t));
    if (!b) throw new ApiError(status('NotFound', 'the server could not find the requested resource'));
    return b;
  }

  private record(t: ResourceType, type: EventType, object: KubeObject, previous?: KubeObject): void {
    const e: StoreEvent = { rv: this.rv, typeKey: typeKey(t), type, object: structuredClone(object), previous };
    this.history.push(e);
    for (const l of [...this.listeners]) l(e);
  }

  has(t: ResourceType, ns: string | undefined, name: string): boolean {
    return this.bucket(t).has(objKey(ns, name));
  }

  get(t: ResourceType, ns: string | undefined, name: string): KubeObject {
    const o = this.bucket(t).get(objKey(ns, name));
    if (!o) throw notFound(t.group, t.plural, name);
    return structuredClone(o);
  }

  /** ns undefined on a namespaced type lists every namespace. */
  list(t: ResourceType, ns: string | undefined, labels: LabelSelector, fields: FieldSelector): ListResult {
    const items = [...this.bucket(t).values()]
      .filter((o) => ns === undefined || o.metadata.namespace === ns)
      .filter((o) => matchesLabels(labels, o.metadata.labels) && matchesFields(fields, o))
      .sort((a, b) => objKey(a.metadata.namespace, a.metadata.name ?? '').localeCompare(objKey(b.metadata.namespace, b.metadata.name ?? '')))
      .map((o) => structuredClone(o));
    return { items, resourceVersion: String(this.rv) };
  }

  /**
   * A list as it was at resourceVersion `at` (`resourceVersionMatch=Exact`), rebuilt by undoing later history; 410
   * Expired when `at` is older than the compaction point, as etcd answers for a compacted revision.
   */
  listAt(t: ResourceType, ns: string | undefined, labels: LabelSelector, fields: FieldSelector, at: number): ListResult {
    if (at < this.compactedRv) {
      throw new ApiError(status('Expired', `The resourceVersion for the provided list is too old.`));
    }
    if (at > this.rv) throw new ApiError(status('Timeout', `Too large resource version: ${at}, current: ${this.rv}`));
    const k = typeKey(t);
    const state = new Map(this.bucket(t));
    for (let i = this.history.length - 1; i >= 0; i--) {
      const e = this.history[i];
      if (e === undefined || e.rv <= at) break;
      if (e.typeKey !== k) continue;
      const key = objKey(e.object.metadata.namespace, e.object.metadata.name ?? '');
      if (e.type === 'ADDED') state.delete(key);
      else if (e.previous !== undefined) state.set(key, e.previous);
    }
    const items = [...state.values()]
      .filter((o) => ns === undefined || o.metadata.namespace === ns)
      .filter((o) => matchesLabels(labels, o.metadata.labels) && matchesFields(fields, o))
      .sort((a, b) => objKey(a.metadata.namespace, a.metadata.name ?? '').localeCompare(objKey(b.metadata.namespace, b.metadata.name ?? '')))
      .map((o) => structuredClone(o));
    return { items, resourceVersion: String(at) };
  }

  private checkBody(t: ResourceType, ns: string | undefined, body: unknown): KubeObject {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest('the request body must be a JSON object');
    const o = structuredClone(body) as KubeObject;
    if (o.metadata === undefined || o.metadata === null || typeof o.metadata !== 'object') o.metadata = {};
    if (t.namespaced) {
      if (o.metadata.namespace !== undefined && o.metadata.namespace !== ns) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      o.metadata.namespace = ns;
    } else {
      delete o.metadata.namespace;
    }
    o.apiVersion = apiVersionOf(t);
    o.kind = t.kind;
    return o;
  }

  create(t: ResourceType, ns: string | undefined, body: unknown): KubeObject {
    const o = this.checkBody(t, ns, body);
    if (!o.metadata.name && o.metadata.generateName) {
      o.metadata.name = `${o.metadata.generateName}${randomUUID().slice(0, 5)}`;
    }
    const name = o.metadata.name;
    if (!name) throw invalid(t.group, t.plural, '', 'metadata.name: Required value: name or generateName is required');
    if (o.metadata.resourceVersion) {
      throw badRequest('resourceVersion should not be set on objects to be created');
    }
    const b = this.bucket(t);
    if (b.has(objKey(ns, name))) throw alreadyExists(t.group, t.plural, name);
    this.rv++;
    o.metadata.uid = randomUUID();
    // kube-apiserver stores creationTimestamp with one-second precision.
    o.metadata.creationTimestamp = new Date(Math.floor(this.clock.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
    o.metadata.resourceVersion = String(this.rv);
    o.metadata.generation = 1;
    b.set(objKey(ns, name), o);
    this.record(t, 'ADDED', o);
    return structuredClone(o);
  }

  replace(t: ResourceType, ns: string | undefined, name: string, body: unknown, prepare?: PrepareUpdate): KubeObject {
    const o = this.checkBody(t, ns, body);
    if (o.metadata.name !== name) {
      throw badRequest(`the name of the object (${String(o.metadata.name)}) does not match the name on the URL (${name})`);
    }
    const b = this.bucket(t);
    const cur = b.get(objKey(ns, name));
    if (!cur) throw notFound(t.group, t.plural, name);
    return this.commitUpdate(t, ns, cur, prepare ? prepare(o, structuredClone(cur)) : o);
  }

  patch(t: ResourceType, ns: string | undefined, name: string, contentType: string, doc: unknown, prepare?: PrepareUpdate): KubeObject {
    const cur = this.bucket(t).get(objKey(ns, name));
    if (!cur) throw notFound(t.group, t.plural, name);
    let patched: unknown;
    try {
      if (contentType.startsWith('application/json-patch+json')) patched = jsonPatch(cur, doc);
      else if (contentType.startsWith('application/merge-patch+json')) patched = mergePatch(cur, doc);
      else if (contentType.startsWith('application/strategic-merge-patch+json') && t.group === '') patched = mergePatch(cur, doc);
      else {
        throw new ApiError(
          status('UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json`),
        );
      }
    } catch (err) {
      if (err instanceof PatchError) throw new ApiError(status('Invalid', err.message));
      throw err;
    }
    const next = this.checkBody(t, ns, patched);
    return this.commitUpdate(t, ns, cur, prepare ? prepare(next, structuredClone(cur)) : next);
  }

  private commitUpdate(t: ResourceType, ns: string | undefined, cur: KubeObject, next: KubeObject): KubeObject {
    const name = cur.metadata.name ?? '';
    const want = next.metadata.resourceVersion;
    // Optimistic concurrency: a resourceVersion in the body is a precondition; an empty one means "unconditional".
    if (want !== undefined && want !== '' && want !== cur.metadata.resourceVersion) {
      throw conflict(t.group, t.plural, name, 'the object has been modified; please apply your changes to the latest version and try again');
    }
    if (next.metadata.uid !== undefined && next.metadata.uid !== cur.metadata.uid) {
      throw conflict(t.group, t.plural, name, `Precondition failed: UID in precondition: ${next.metadata.uid}, UID in object meta: ${String(cur.metadata.uid)}`);
    }
    this.rv++;
    next.metadata.uid = cur.metadata.uid;
    next.metadata.creationTimestamp = cur.metadata.creationTimestamp;
    next.metadata.resourceVersion = String(this.rv);
    const gen = cur.metadata.generation ?? 1;
    next.metadata.generation = specPart(cur) === specPart(next) ? gen : gen + 1;
    this.bucket(t).set(objKey(ns, name), next);
    this.record(t, 'MODIFIED', next, cur);
    return structuredClone(next);
  }

  delete(t: ResourceType, ns: string | undefined, name: string, pre: { resourceVersion?: string; uid?: string } = {}): KubeObject {
    const b = this.bucket(t);
    const cur = b.get(objKey(ns, name));
    if (!cur) throw notFound(t.group, t.plural, name);
    if (pre.resourceVersion !== undefined && pre.resourceVersion !== cur.metadata.resourceVersion) {
      throw conflict(
        t.group,
        t.plural,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${String(cur.metadata.resourceVersion)}`,
      );
    }
    if (pre.uid !== undefined && pre.uid !== cur.metadata.uid) {
      throw conflict(t.group, t.plural, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${String(cur.metadata.uid)}`);
    }
    b.delete(objKey(ns, name));
    this.rv++;
    // The DELETED event carries the revision of the deletion, so a watcher resuming from it does not replay it.
    const gone = { ...cur, metadata: { ...cur.metadata, resourceVersion: String(this.rv) } };
    this.record(t, 'DELETED', gone, cur);
    return structuredClone(cur);
  }

  /** Events of one type after `since`, or 410 Gone when `since` is older than the compaction point. */
  eventsSince(t: ResourceType, since: number, requested: string): StoreEvent[] {
    if (since < this.compactedRv) throw gone(requested, this.compactedRv + 1);
    const k = typeKey(t);
    return this.history.filter((e) => e.rv > since && e.typeKey === k);
  }
}
