// Where each v3 kind lives on the API server and how its single-object operations map onto API calls: custom
// resources (crd.projectcalico.org/v1), the core Node (Calico annotations), and the Pod (WorkloadEndpoint, whose only
// writable part is the CNI annotations). Owns: the request sequences (read-then-write where a write must carry
// stored values), compare-and-swap on resourceVersion, and error mapping. Callers (kubernetes-datastore.ts) have
// already validated kind, name and namespace.
import type { CalicoNode } from '../../api/kind-node';
import type { WorkloadEndpoint } from '../../api/kind-workload-endpoint';
import { AlreadyExistsError, ConflictError, InvalidError, NotFoundError, NotSupportedError } from '../errors';
import type { KindInfo } from '../kinds';
import type { DatastoreOp, StoredResource } from '../types';
import { CRD_GROUP, CRD_VERSION, fromCustomResource, preservedMeta, toCustomResource } from './convert';
import { mergeNodeIntoKubernetes, nodeFromKubernetes } from './convert-node';
import {
  parseWorkloadEndpointName,
  podHasEndpointRecord,
  podPatchClearingWorkloadEndpoint,
  podPatchForWorkloadEndpoint,
  workloadEndpointFromPod,
} from './convert-workload';
import { isKubeError, toDatastoreError } from './errors';
import type { KubeApi, KubeObject, ResourceRef } from './kube-api';

/** Attempts of an unconditional write that must read first (the read-then-write can race another writer). */
const UNCONDITIONAL_ATTEMPTS = 5;

/**
 * One API collection a kind is (part of) a view of, with the conversion of its objects. Most kinds have one; Profile
 * (Namespaces and ServiceAccounts) and NetworkPolicy (Calico's CRs and Kubernetes NetworkPolicies) have two, as in
 * libcalico-go's KDD backend (resources/profile.go, kubenetworkpolicy.go).
 */
export interface KubeSource {
  /** For logs: the kind, and the collection when the kind has several. */
  readonly name: string;
  /** The collection for list and watch (namespace absent: every namespace). */
  ref(namespace?: string): ResourceRef;
  /** The v3 resource an API object represents, or undefined when it represents none (a pod without endpoint). */
  toV3(obj: KubeObject): StoredResource | undefined;
  /**
   * True when a change of the API object may leave its v3 view unchanged (Node heartbeats, pod status), so that a
   * watch should drop MODIFIED events whose v3 view did not change.
   */
  readonly derived: boolean;
  /** Whether a v3 equality selector can be sent as a Kubernetes labelSelector (the labels are the object's own). */
  readonly serverSideLabels: boolean;
}

export interface KindStorage {
  readonly info: KindInfo;
  /**
   * The collections list and watch read, in a fixed order: with several, a revision is theirs joined by "/"
   * (composite-revision.ts), as Calico joins a Profile's namespace and service-account revisions.
   */
  readonly sources: readonly KubeSource[];
  get(name: string, namespace: string | undefined): Promise<StoredResource>;
  create(res: StoredResource): Promise<StoredResource>;
  update(res: StoredResource): Promise<StoredResource>;
  delete(name: string, namespace: string | undefined, resourceVersion: string | undefined): Promise<StoredResource>;
}

function fail(err: unknown, op: DatastoreOp, kind: string, name: string, namespace?: string, expected?: string): never {
  throw toDatastoreError(err, { op, kind, name, namespace, expected });
}

function checkVersion(kind: string, name: string, namespace: string | undefined, expected: string | undefined, stored: KubeObject): void {
  const actual = stored.metadata.resourceVersion ?? '';
  if (expected !== undefined && expected !== '' && expected !== actual) throw new ConflictError(kind, name, namespace, expected, actual);
}

/** Best-effort current resourceVersion, for a Conflict message. */
async function currentVersion(api: KubeApi, ref: ResourceRef, name: string): Promise<string> {
  try {
    return (await api.get(ref, name)).metadata.resourceVersion ?? '?';
  } catch {
    return '?';
  }
}

/** Custom resources: crd.projectcalico.org/v1 holding the v3 spec (convert.ts). */
export class CustomResourceStorage implements KindStorage, KubeSource {
  readonly derived = false;
  readonly sources: readonly KubeSource[] = [this];

  get name(): string {
    return this.info.kind;
  }
  readonly serverSideLabels = true;
  private readonly crd: NonNullable<KindInfo['crd']>;

  constructor(
    private readonly api: KubeApi,
    readonly info: KindInfo,
  ) {
    if (info.crd === null) throw new Error(`${info.kind} is not stored as a custom resource`);
    this.crd = info.crd;
  }

  ref(namespace?: string): ResourceRef {
    return { group: this.crd.group ?? CRD_GROUP, version: this.crd.version ?? CRD_VERSION, plural: this.crd.plural, ...(this.info.namespaced && namespace ? { namespace } : {}) };
  }

  toV3(obj: KubeObject): StoredResource {
    return fromCustomResource(obj, this.info);
  }

  async get(name: string, namespace: string | undefined): Promise<StoredResource> {
    try {
      return this.toV3(await this.api.get(this.ref(namespace), name));
    } catch (err) {
      fail(err, 'get', this.info.kind, name, namespace);
    }
  }

  async create(res: StoredResource): Promise<StoredResource> {
    const { name, namespace, uid, creationTimestamp } = res.metadata;
    const cr = toCustomResource(res, this.crd, this.info.namespaced, {
      ...(uid ? { uid } : {}),
      ...(creationTimestamp ? { creationTimestamp } : {}),
    });
    try {
      return this.toV3(await this.api.create(this.ref(namespace), cr));
    } catch (err) {
      fail(err, 'create', this.info.kind, name, namespace);
    }
  }

  async update(res: StoredResource): Promise<StoredResource> {
    const { name, namespace, resourceVersion } = res.metadata;
    const ref = this.ref(namespace);
    const conditional = resourceVersion !== undefined && resourceVersion !== '';
    for (let attempt = 1; ; attempt++) {
      let stored: KubeObject;
      try {
        stored = await this.api.get(ref, name);
      } catch (err) {
        fail(err, 'update', this.info.kind, name, namespace);
      }
      checkVersion(this.info.kind, name, namespace, resourceVersion, stored);
      // uid and creationTimestamp never change on update: carry over what the stored annotation preserved.
      const cr = toCustomResource(res, this.crd, this.info.namespaced, preservedMeta(stored));
      // The stored uid guards against a delete and re-create between the read and this write.
      cr.metadata.uid = stored.metadata.uid;
      // The API server refuses a custom-resource update without resourceVersion (422 "must be specified for an
      // update"): an unconditional v3 update compares-and-swaps on the version just read, and retries on a race.
      if (!conditional) cr.metadata.resourceVersion = stored.metadata.resourceVersion;
      try {
        return this.toV3(await this.api.replace(ref, name, cr));
      } catch (err) {
        if (isKubeError(err, 409) && (conditional || attempt >= UNCONDITIONAL_ATTEMPTS)) {
          throw new ConflictError(this.info.kind, name, namespace, resourceVersion ?? '', await currentVersion(this.api, ref, name));
        }
        if (!isKubeError(err, 409)) fail(err, 'update', this.info.kind, name, namespace, resourceVersion);
      }
    }
  }

  /**
   * The API server answers a custom-resource DELETE with a `Status`, not the object (its registry does not set
   * ReturnDeletedObject), so the last state is read first and the delete is conditional on exactly that state (uid
   * and resourceVersion preconditions): what is returned is what was deleted.
   */
  async delete(name: string, namespace: string | undefined, resourceVersion: string | undefined): Promise<StoredResource> {
    return deleteLastState(this.api, this.ref(namespace), name, resourceVersion, (o) => this.toV3(o), {
      kind: this.info.kind,
      namespace,
    });
  }
}

/**
 * Reads the object, deletes it on the uid and resourceVersion read (or the caller's resourceVersion), and returns the
 * state read. An unconditional delete that races another writer re-reads and retries a bounded number of times.
 */
async function deleteLastState(
  api: KubeApi,
  ref: ResourceRef,
  name: string,
  resourceVersion: string | undefined,
  toV3: (o: KubeObject) => StoredResource,
  who: { kind: string; namespace: string | undefined },
): Promise<StoredResource> {
  for (let attempt = 1; ; attempt++) {
    let stored: KubeObject;
    try {
      stored = await api.get(ref, name);
    } catch (err) {
      fail(err, 'delete', who.kind, name, who.namespace, resourceVersion);
    }
    checkVersion(who.kind, name, who.namespace, resourceVersion, stored);
    const pre = { uid: stored.metadata.uid, resourceVersion: stored.metadata.resourceVersion };
    try {
      await api.delete(ref, name, pre);
      return toV3(stored);
    } catch (err) {
      if (isKubeError(err, 409) && (resourceVersion || attempt >= UNCONDITIONAL_ATTEMPTS)) {
        throw new ConflictError(who.kind, name, who.namespace, resourceVersion ?? '', await currentVersion(api, ref, name));
      }
      if (!isKubeError(err, 409)) fail(err, 'delete', who.kind, name, who.namespace, resourceVersion);
    }
  }
}

const NODES: ResourceRef = { group: '', version: 'v1', plural: 'nodes' };

/**
 * Node: the Kubernetes Node with Calico annotations (convert-node.ts). Writes always compare-and-swap on the
 * Kubernetes Node's resourceVersion, so a kubelet's concurrent status update is never overwritten; an unconditional
 * v3 update re-reads and retries a bounded number of times.
 */
export class NodeStorage implements KindStorage, KubeSource {
  readonly derived = true;
  readonly sources: readonly KubeSource[] = [this];

  get name(): string {
    return this.info.kind;
  }
  // v3 Node labels merge Calico-only labels from an annotation, so the server cannot select on them.
  readonly serverSideLabels = false;

  constructor(
    private readonly api: KubeApi,
    readonly info: KindInfo,
  ) {}

  ref(): ResourceRef {
    return NODES;
  }

  toV3(obj: KubeObject): StoredResource {
    return nodeFromKubernetes(obj);
  }

  async get(name: string): Promise<StoredResource> {
    try {
      return this.toV3(await this.api.get(NODES, name));
    } catch (err) {
      fail(err, 'get', 'Node', name);
    }
  }

  /**
   * Refused, as Calico refuses it (libcalico-go backend/k8s/resources/node.go Create: ErrorOperationNotSupported): in
   * Kubernetes mode a Calico Node is a view of the Kubernetes Node, which the kubelet registers. Creating one here
   * (a mistyped NODENAME) would make a node that then claims an address and a block.
   */
  create(res: StoredResource): Promise<StoredResource> {
    return Promise.reject(
      new NotSupportedError('create', 'Node', res.metadata.name, undefined, 'in Kubernetes mode a Node is the Kubernetes Node, registered by its kubelet (check NODENAME)'),
    );
  }

  async update(res: StoredResource): Promise<StoredResource> {
    const { name, resourceVersion } = res.metadata;
    const conditional = resourceVersion !== undefined && resourceVersion !== '';
    for (let attempt = 1; ; attempt++) {
      let stored: KubeObject;
      try {
        stored = await this.api.get(NODES, name);
      } catch (err) {
        fail(err, 'update', 'Node', name);
      }
      checkVersion('Node', name, undefined, resourceVersion, stored);
      const merged = mergeNodeIntoKubernetes({ ...(res as CalicoNode), metadata: { ...res.metadata, resourceVersion: stored.metadata.resourceVersion } }, stored);
      try {
        // Through nodes/status, as Calico writes (node.go Update: UpdateStatus): its ClusterRole grants update on
        // nodes/status only. The status strategy keeps the spec and accepts metadata (the Calico annotations).
        return this.toV3(await this.api.replace(NODES, name, merged, 'status'));
      } catch (err) {
        if (isKubeError(err, 409) && (conditional || attempt >= UNCONDITIONAL_ATTEMPTS)) {
          throw new ConflictError('Node', name, undefined, resourceVersion ?? '', await currentVersion(this.api, NODES, name));
        }
        if (!isKubeError(err, 409)) fail(err, 'update', 'Node', name, undefined, resourceVersion);
      }
    }
  }

  /** Refused, as Calico refuses it (node.go Delete: ErrorOperationNotSupported): the Kubernetes Node is not Calico's. */
  delete(name: string): Promise<StoredResource> {
    return Promise.reject(new NotSupportedError('delete', 'Node', name, undefined, 'in Kubernetes mode a Node is the Kubernetes Node; remove it with kubectl delete node'));
  }
}

/**
 * WorkloadEndpoint: a view of the Pod (convert-workload.ts). create/update write the CNI annotations on the pod
 * (merge patch, compare-and-swap on the pod's resourceVersion); delete removes them. The pod itself is never created
 * or deleted here: the kubelet and the scheduler own it.
 */
export class WorkloadEndpointStorage implements KindStorage, KubeSource {
  readonly derived = true;
  readonly sources: readonly KubeSource[] = [this];

  get name(): string {
    return this.info.kind;
  }
  // WorkloadEndpoint labels add projectcalico.org/* labels the pod does not carry.
  readonly serverSideLabels = false;

  constructor(
    private readonly api: KubeApi,
    readonly info: KindInfo,
  ) {}

  ref(namespace?: string): ResourceRef {
    return { group: '', version: 'v1', plural: 'pods', ...(namespace ? { namespace } : {}) };
  }

  toV3(obj: KubeObject): StoredResource | undefined {
    return workloadEndpointFromPod(obj);
  }

  /** The pod a WorkloadEndpoint name refers to, with its endpoint (undefined when the pod has none). */
  private async pod(op: DatastoreOp, name: string, namespace: string | undefined): Promise<{ pod: KubeObject; wep: StoredResource | undefined }> {
    const parsed = parseWorkloadEndpointName(name);
    if (!parsed) {
      if (op === 'get' || op === 'delete') throw new NotFoundError('WorkloadEndpoint', name, namespace);
      throw new InvalidError('WorkloadEndpoint', name, 'not a Kubernetes workload endpoint name (<node>-k8s-<pod>-<endpoint>)', namespace);
    }
    let pod: KubeObject;
    try {
      pod = await this.api.get(this.ref(namespace), parsed.pod);
    } catch (err) {
      if (isKubeError(err, 404) && op === 'create') throw new InvalidError('WorkloadEndpoint', name, `pod ${namespace}/${parsed.pod} does not exist`, namespace);
      if (isKubeError(err, 404)) throw new NotFoundError('WorkloadEndpoint', name, namespace);
      fail(err, op, 'WorkloadEndpoint', name, namespace);
    }
    const wep = this.toV3(pod);
    return { pod, wep: wep !== undefined && wep.metadata.name === name ? wep : undefined };
  }

  async get(name: string, namespace: string | undefined): Promise<StoredResource> {
    const { wep } = await this.pod('get', name, namespace);
    if (!wep) throw new NotFoundError('WorkloadEndpoint', name, namespace);
    return wep;
  }

  private async write(op: 'create' | 'update', res: StoredResource, pod: KubeObject): Promise<StoredResource> {
    const { name, namespace } = res.metadata;
    const wep = res as WorkloadEndpoint;
    if ((wep.spec?.ipNetworks ?? []).length === 0) throw new InvalidError('WorkloadEndpoint', name, 'spec.ipNetworks must not be empty', namespace);
    const patch = podPatchForWorkloadEndpoint({ ...wep, metadata: { ...wep.metadata, resourceVersion: res.metadata.resourceVersion || pod.metadata.resourceVersion } });
    let patched: KubeObject;
    try {
      // Through pods/status, as Calico's CNI plugin patches (its ClusterRole grants patch on pods/status only).
      patched = await this.api.mergePatch(this.ref(namespace), pod.metadata.name ?? '', patch, 'status');
    } catch (err) {
      if (isKubeError(err, 409)) {
        throw new ConflictError('WorkloadEndpoint', name, namespace, res.metadata.resourceVersion ?? '', await currentVersion(this.api, this.ref(namespace), pod.metadata.name ?? ''));
      }
      fail(err, op, 'WorkloadEndpoint', name, namespace);
    }
    const out = this.toV3(patched);
    if (!out || out.metadata.name !== name) {
      throw new InvalidError('WorkloadEndpoint', name, `pod ${namespace}/${String(pod.metadata.name)} does not yield this endpoint (not scheduled on that node, host-networked or finished)`, namespace);
    }
    return out;
  }

  async create(res: StoredResource): Promise<StoredResource> {
    const { pod } = await this.pod('create', res.metadata.name, res.metadata.namespace);
    if (podHasEndpointRecord(pod)) throw new AlreadyExistsError('WorkloadEndpoint', res.metadata.name, res.metadata.namespace);
    return this.write('create', res, pod);
  }

  async update(res: StoredResource): Promise<StoredResource> {
    const { name, namespace, resourceVersion } = res.metadata;
    const { pod, wep } = await this.pod('update', name, namespace);
    if (!wep) throw new NotFoundError('WorkloadEndpoint', name, namespace);
    checkVersion('WorkloadEndpoint', name, namespace, resourceVersion, pod);
    return this.write('update', res, pod);
  }

  async delete(name: string, namespace: string | undefined, resourceVersion: string | undefined): Promise<StoredResource> {
    const { pod, wep } = await this.pod('delete', name, namespace);
    if (!wep) throw new NotFoundError('WorkloadEndpoint', name, namespace);
    checkVersion('WorkloadEndpoint', name, namespace, resourceVersion, pod);
    try {
      await this.api.mergePatch(this.ref(namespace), pod.metadata.name ?? '', podPatchClearingWorkloadEndpoint(resourceVersion || pod.metadata.resourceVersion), 'status');
    } catch (err) {
      if (isKubeError(err, 409)) throw new ConflictError('WorkloadEndpoint', name, namespace, resourceVersion ?? '', '?');
      fail(err, 'delete', 'WorkloadEndpoint', name, namespace);
    }
    return wep;
  }
}
