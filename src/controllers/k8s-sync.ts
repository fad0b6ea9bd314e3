// etcd mode's policy, namespace and service-account controllers (kube-controllers/pkg/controllers/{networkpolicy,
// namespace,serviceaccount}): Kubernetes NetworkPolicies become Calico NetworkPolicies `knp.default.<name>`,
// Namespaces Profiles `kns.<ns>`, ServiceAccounts Profiles `ksa.<ns>.<sa>`, through the same conversion the agent and
// the lab use (api/k8s/conversion.ts). Like Calico's periodic reconcile, a pass lists the Calico objects carrying the
// controller's name prefix and creates, updates or deletes them to match; objects without the prefix are never touched.
// reconcileConverted is pure; applySyncActions writes, each write guarded by the resourceVersion read.
import { k8sNetworkPolicyToCalico, K8S_NETWORK_POLICY_PREFIX, namespaceToProfile, NAMESPACE_PROFILE_PREFIX, serviceAccountToProfile, SERVICE_ACCOUNT_PROFILE_PREFIX } from '../api/k8s';
import type { K8sNamespace, K8sNetworkPolicy, K8sServiceAccount } from '../api/k8s';
import { DatastoreErrorCode, isDatastoreError, type Datastore, type StoredResource } from '../datastore';
import { describeError } from '../lib/errors';
import type { Logger } from '../lib/logger';

export type SyncAction =
  | { readonly type: 'create'; readonly object: StoredResource }
  | { readonly type: 'update'; readonly object: StoredResource; readonly resourceVersion: string | undefined }
  | { readonly type: 'delete'; readonly kind: string; readonly name: string; readonly namespace: string | undefined; readonly resourceVersion: string | undefined };

const key = (r: StoredResource): string => `${r.metadata.namespace ?? ''}/${r.metadata.name}`;

/** What the controller writes: spec and labels, nothing the datastore owns. */
function writable(r: StoredResource): StoredResource {
  const { name, namespace, labels, annotations } = r.metadata;
  return {
    apiVersion: r.apiVersion,
    kind: r.kind,
    metadata: { name, ...(namespace !== undefined ? { namespace } : {}), ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) },
    ...(r.spec !== undefined ? { spec: r.spec } : {}),
  };
}

const same = (a: StoredResource, b: StoredResource): boolean =>
  JSON.stringify(a.spec ?? null) === JSON.stringify(b.spec ?? null) && JSON.stringify(a.metadata.labels ?? {}) === JSON.stringify(b.metadata.labels ?? {});

/** Desired (converted) objects against the stored ones whose name starts with `prefix`. */
export function reconcileConverted(desired: readonly StoredResource[], stored: readonly StoredResource[], prefix: string): SyncAction[] {
  const want = new Map(desired.map((d) => [key(d), writable(d)]));
  const have = new Map(stored.filter((s) => s.metadata.name.startsWith(prefix)).map((s) => [key(s), s]));
  const out: SyncAction[] = [];
  for (const [k, d] of want) {
    const h = have.get(k);
    if (h === undefined) out.push({ type: 'create', object: d });
    else if (!same(d, h)) out.push({ type: 'update', object: d, resourceVersion: h.metadata.resourceVersion });
  }
  for (const [k, h] of have) {
    if (!want.has(k)) out.push({ type: 'delete', kind: h.kind, name: h.metadata.name, namespace: h.metadata.namespace, resourceVersion: h.metadata.resourceVersion });
  }
  return out;
}

export interface K8sObjects {
  readonly networkPolicies: readonly K8sNetworkPolicy[];
  readonly namespaces: readonly K8sNamespace[];
  readonly serviceAccounts: readonly K8sServiceAccount[];
}

/** The three controllers' actions for one pass. `stored` lists NetworkPolicies and Profiles as they are in etcd. */
export function reconcileK8sSync(k8s: K8sObjects, stored: { readonly networkPolicies: readonly StoredResource[]; readonly profiles: readonly StoredResource[] }): SyncAction[] {
  return [
    ...reconcileConverted(k8s.networkPolicies.map(k8sNetworkPolicyToCalico), stored.networkPolicies, K8S_NETWORK_POLICY_PREFIX),
    ...reconcileConverted(k8s.namespaces.map(namespaceToProfile), stored.profiles, NAMESPACE_PROFILE_PREFIX),
    ...reconcileConverted(k8s.serviceAccounts.map(serviceAccountToProfile), stored.profiles, SERVICE_ACCOUNT_PROFILE_PREFIX),
  ];
}

/** Carries out the actions; a Conflict or NotFound leaves the object to the next pass, other failures are logged. */
export async function applySyncActions(store: Datastore, actions: readonly SyncAction[], log: Logger): Promise<number> {
  let done = 0;
  for (const a of actions) {
    try {
      if (a.type === 'create') await store.create(a.object);
      else if (a.type === 'update') await store.update({ ...a.object, metadata: { ...a.object.metadata, ...(a.resourceVersion !== undefined ? { resourceVersion: a.resourceVersion } : {}) } });
      else await store.delete(a.kind, a.name, a.namespace, a.resourceVersion !== undefined ? { resourceVersion: a.resourceVersion } : {});
      done++;
    } catch (err) {
      const benign = [DatastoreErrorCode.Conflict, DatastoreErrorCode.NotFound, DatastoreErrorCode.AlreadyExists].some((c) => isDatastoreError(err, c));
      if (!benign) log.warn('sync write failed; retried next pass', { action: a.type, name: a.type === 'delete' ? a.name : a.object.metadata.name, error: describeError(err) });
    }
  }
  return done;
}
