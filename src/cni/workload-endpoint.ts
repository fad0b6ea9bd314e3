// The WorkloadEndpoint the plugin records for a pod (Calico cni-plugin k8s.go: after the dataplane is up), and its
// removal on DEL. In etcd mode it is a stored resource; in Kubernetes mode the datastore turns the write into the
// pod annotations Calico's CNI patches (src/datastore/kubernetes/convert-workload.ts). DEL removes the endpoint only
// when it still names this container, so a late DEL of a replaced sandbox cannot delete its successor's endpoint.
import { workloadEndpointName, type WorkloadEndpoint } from '../api/kind-workload-endpoint';
import type { Datastore } from '../datastore/datastore';
import { AlreadyExistsError, ConflictError, NotFoundError } from '../datastore/errors';
import { updateWithRetry, type CasOptions } from '../datastore/cas';
import { API_VERSION } from '../datastore/types';

export interface WorkloadIdentity {
  readonly node: string;
  /** Kubernetes pod and namespace; absent for a runtime without them (orchestrator "cni"). */
  readonly pod?: string;
  readonly namespace?: string;
  readonly containerId: string;
  /** The container-side interface (CNI_IFNAME), Calico's "endpoint". */
  readonly endpoint: string;
}

export function workloadRef(id: WorkloadIdentity): { name: string; namespace: string; orchestrator: string; workload: string } {
  if (id.pod !== undefined && id.namespace !== undefined) {
    return { name: workloadEndpointName(id.node, id.pod, id.endpoint), namespace: id.namespace, orchestrator: 'k8s', workload: id.pod };
  }
  return { name: workloadEndpointName(id.node, id.containerId, id.endpoint, 'cni'), namespace: 'default', orchestrator: 'cni', workload: id.containerId };
}

export function buildWorkloadEndpoint(id: WorkloadIdentity, net: { hostIfName: string; mac: string; ips: readonly string[] }): WorkloadEndpoint {
  const ref = workloadRef(id);
  return {
    apiVersion: API_VERSION,
    kind: 'WorkloadEndpoint',
    metadata: {
      name: ref.name,
      namespace: ref.namespace,
      labels: { 'projectcalico.org/namespace': ref.namespace, 'projectcalico.org/orchestrator': ref.orchestrator },
    },
    spec: {
      orchestrator: ref.orchestrator,
      workload: ref.orchestrator === 'cni' ? ref.workload : undefined,
      node: id.node,
      containerID: id.containerId,
      pod: ref.orchestrator === 'k8s' ? ref.workload : undefined,
      endpoint: id.endpoint,
      ipNetworks: [...net.ips],
      profiles: [`kns.${ref.namespace}`],
      interfaceName: net.hostIfName,
      mac: net.mac,
    },
  };
}

function dropUndefined(wep: WorkloadEndpoint): WorkloadEndpoint {
  const spec = Object.fromEntries(Object.entries(wep.spec ?? {}).filter(([, v]) => v !== undefined)) as unknown as WorkloadEndpoint['spec'];
  return { ...wep, spec };
}

/**
 * Creates the endpoint, or replaces the stored one (a retried ADD, or a new sandbox of the same pod) with the shared
 * compare-and-swap loop (datastore/cas.ts; its default policy unless `cas` says otherwise).
 */
export async function writeWorkloadEndpoint(ds: Datastore, wep: WorkloadEndpoint, cas: CasOptions = {}): Promise<WorkloadEndpoint> {
  const clean = dropUndefined(wep);
  try {
    return await ds.create(clean);
  } catch (err) {
    if (!(err instanceof AlreadyExistsError)) throw err;
  }
  return updateWithRetry<WorkloadEndpoint>(ds, 'WorkloadEndpoint', clean.metadata.name, clean.metadata.namespace, (cur) => ({
    ...clean,
    metadata: { ...cur.metadata, labels: { ...cur.metadata.labels, ...clean.metadata.labels } },
  }), cas);
}

/** What DEL found: the endpoint deleted, none stored, or one that names another container (kept). */
export type EndpointDeletion = 'deleted' | 'absent' | 'other-container';

/** The stored endpoint as a watch cache has it, or undefined when the cache has none. */
export type CachedEndpoint = (name: string, namespace: string) => WorkloadEndpoint | undefined;

async function deleteAt(ds: Datastore, ref: { name: string; namespace: string }, resourceVersion: string | undefined): Promise<EndpointDeletion> {
  try {
    await ds.delete('WorkloadEndpoint', ref.name, ref.namespace, { resourceVersion });
    return 'deleted';
  } catch (err) {
    if (err instanceof NotFoundError) return 'absent';
    throw err;
  }
}

/**
 * Deletes the endpoint if it belongs to this container; absent is not an error. With a cache that already shows this
 * container's endpoint, one request: the delete, conditional on the cached resourceVersion (a conflict means the
 * cache was behind and falls back). Otherwise, or when the cache shows another container or nothing (it may lag
 * behind this container's own ADD), the stored endpoint is read first: two requests.
 */
export async function deleteWorkloadEndpoint(ds: Datastore, id: WorkloadIdentity, cached?: CachedEndpoint): Promise<EndpointDeletion> {
  const ref = workloadRef(id);
  const seen = cached?.(ref.name, ref.namespace);
  if (seen?.spec?.containerID === id.containerId && seen.metadata.resourceVersion !== undefined) {
    try {
      return await deleteAt(ds, ref, seen.metadata.resourceVersion);
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
    }
  }
  let cur: WorkloadEndpoint;
  try {
    cur = await ds.get<WorkloadEndpoint>('WorkloadEndpoint', ref.name, ref.namespace);
  } catch (err) {
    if (err instanceof NotFoundError) return 'absent';
    throw err;
  }
  if (cur.spec?.containerID !== undefined && cur.spec.containerID !== id.containerId) return 'other-container';
  return deleteAt(ds, ref, cur.metadata.resourceVersion);
}
