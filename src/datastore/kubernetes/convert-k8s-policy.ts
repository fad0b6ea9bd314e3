// The Calico views of the Kubernetes objects policy reads, as libcalico-go's KDD backend presents them: a
// networking.k8s.io/v1 NetworkPolicy as the NetworkPolicy `knp.default.<name>` (resources/kubenetworkpolicy.go), a
// Namespace as the Profile `kns.<ns>` and a ServiceAccount as the Profile `ksa.<ns>.<sa>` (resources/profile.go).
// The conversion itself is src/api/k8s's, the one the controllers and the lab use; this file only reads API JSON
// into its typed shapes and sets what the datastore owns (the resourceVersion). Pure functions, no I/O.
import {
  K8S_NETWORK_POLICY_PREFIX,
  k8sNetworkPolicyToCalico,
  NAMESPACE_PROFILE_PREFIX,
  namespaceToProfile,
  SERVICE_ACCOUNT_PROFILE_PREFIX,
  serviceAccountToProfile,
  type K8sNamespace,
  type K8sNetworkPolicy,
  type K8sNetworkPolicySpec,
  type K8sServiceAccount,
} from '../../api/k8s';
import type { ObjectMeta } from '../../api/meta';
import type { StoredResource } from '../types';
import { joinRevisions } from './composite-revision';
import type { KubeObject } from './kube-api';

/** The metadata the conversion reads; anything else the server adds (managedFields...) is not the view's. */
function metaOf(o: KubeObject): ObjectMeta {
  const m = o.metadata;
  return {
    name: m.name ?? '',
    ...(m.namespace !== undefined ? { namespace: m.namespace } : {}),
    ...(m.labels !== undefined ? { labels: { ...m.labels } } : {}),
    ...(m.uid !== undefined ? { uid: m.uid } : {}),
    ...(m.resourceVersion !== undefined ? { resourceVersion: m.resourceVersion } : {}),
    ...(m.creationTimestamp !== undefined ? { creationTimestamp: m.creationTimestamp } : {}),
  };
}

/**
 * The NetworkPolicy `knp.default.<name>` of a Kubernetes NetworkPolicy as the API server returns it (validated and
 * defaulted there, so it is read as it is, not decoded strictly). undefined when the object cannot be converted
 * (Calico logs and skips it: kubenetworkpolicy.go List ignores ErrorPolicyConversion).
 */
export function networkPolicyFromKubernetes(o: KubeObject): StoredResource | undefined {
  const np: K8sNetworkPolicy = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: metaOf(o),
    spec: (o.spec ?? { podSelector: {} }) as K8sNetworkPolicySpec,
  };
  try {
    return k8sNetworkPolicyToCalico(np) as StoredResource;
  } catch {
    return undefined;
  }
}

/** Whether a v3 NetworkPolicy name is the view of a Kubernetes NetworkPolicy (and so read-only here). */
export function isKubernetesPolicyName(name: string): boolean {
  return name.startsWith(K8S_NETWORK_POLICY_PREFIX);
}

/** The Kubernetes NetworkPolicy a `knp.default.` name stands for. */
export function kubernetesPolicyName(name: string): string {
  return name.slice(K8S_NETWORK_POLICY_PREFIX.length);
}

/**
 * A Profile's resourceVersion: the namespace's or service account's in its half of Calico's "<nsRev>/<saRev>"
 * (conversion.go JoinProfileRevisions), so a Profile list or watch revision and an object's never look alike.
 */
function withVersion(p: StoredResource, nsRev: string, saRev: string): StoredResource {
  return { ...p, metadata: { ...p.metadata, resourceVersion: joinRevisions([nsRev, saRev]) } };
}

/** The Profile `kns.<ns>` of a Namespace: allow-all rules, the namespace's labels as `pcns.*`. */
export function profileFromNamespace(o: KubeObject): StoredResource | undefined {
  if (!o.metadata.name) return undefined;
  const ns: K8sNamespace = { apiVersion: 'v1', kind: 'Namespace', metadata: metaOf(o) };
  return withVersion(namespaceToProfile(ns) as StoredResource, o.metadata.resourceVersion ?? '', '');
}

/** The Profile `ksa.<ns>.<sa>` of a ServiceAccount: no rules, its labels as `pcsa.*`. */
export function profileFromServiceAccount(o: KubeObject): StoredResource | undefined {
  if (!o.metadata.name || !o.metadata.namespace) return undefined;
  const sa: K8sServiceAccount = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: metaOf(o) };
  return withVersion(serviceAccountToProfile(sa) as StoredResource, '', o.metadata.resourceVersion ?? '');
}

/**
 * What a Profile name stands for (ProfileNameToNamespace, ProfileNameToServiceAccount): `kns.<ns>`, or
 * `ksa.<ns>.<sa>` (a namespace name has no dot, a service account name may); undefined for any other name.
 */
export function parseProfileName(name: string): { namespace: string } | { namespace: string; serviceAccount: string } | undefined {
  if (name.startsWith(NAMESPACE_PROFILE_PREFIX)) {
    const namespace = name.slice(NAMESPACE_PROFILE_PREFIX.length);
    return namespace !== '' ? { namespace } : undefined;
  }
  if (name.startsWith(SERVICE_ACCOUNT_PROFILE_PREFIX)) {
    const rest = name.slice(SERVICE_ACCOUNT_PROFILE_PREFIX.length);
    const dot = rest.indexOf('.');
    if (dot <= 0 || dot === rest.length - 1) return undefined;
    return { namespace: rest.slice(0, dot), serviceAccount: rest.slice(dot + 1) };
  }
  return undefined;
}
