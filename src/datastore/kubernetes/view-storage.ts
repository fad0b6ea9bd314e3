// The kinds that are, in Kubernetes mode, read-only views of Kubernetes objects (convert-k8s-policy.ts), as in
// libcalico-go's KDD backend:
//   - Profile: Namespaces (`kns.<ns>`) and ServiceAccounts (`ksa.<ns>.<sa>`), two sources; create, update and delete
//     are refused (resources/profile.go: ErrorOperationNotSupported): the labels are changed on the Namespace or
//     ServiceAccount with kubectl.
//   - NetworkPolicy: Calico's own, stored as crd.projectcalico.org/v1 NetworkPolicies (read and written as any custom
//     resource), together with every networking.k8s.io/v1 NetworkPolicy as `knp.default.<name>`, which is read-only
//     (resources/kubenetworkpolicy.go refuses every write). One kind, so that the policy dataplane is fed the same
//     NetworkPolicy objects in Kubernetes mode as kube-controllers write into etcd in etcd mode.
import { NotFoundError, NotSupportedError } from '../errors';
import type { KindInfo } from '../kinds';
import type { DatastoreOp, StoredResource } from '../types';
import { isKubernetesPolicyName, kubernetesPolicyName, networkPolicyFromKubernetes, parseProfileName, profileFromNamespace, profileFromServiceAccount } from './convert-k8s-policy';
import { isKubeError, toDatastoreError } from './errors';
import { CustomResourceStorage, type KindStorage, type KubeSource } from './kind-storage';
import type { KubeApi, KubeObject, ResourceRef } from './kube-api';

const NAMESPACES: ResourceRef = { group: '', version: 'v1', plural: 'namespaces' };

/** A read-only source: one collection and its conversion. */
function source(name: string, ref: (namespace?: string) => ResourceRef, toV3: (o: KubeObject) => StoredResource | undefined): KubeSource {
  // derived: a change the view does not show (a namespace's status, a service account's secrets) is not an event.
  // The view's labels are not the object's (Profiles carry none), so no selector goes to the server.
  return { name, ref, toV3, derived: true, serverSideLabels: false };
}

/** Reads one object of a source and converts it; NotFound when it is missing or has no view. */
async function getView(api: KubeApi, src: KubeSource, namespace: string | undefined, objectName: string, kind: string, name: string): Promise<StoredResource> {
  let obj: KubeObject;
  try {
    obj = await api.get(src.ref(namespace), objectName);
  } catch (err) {
    if (isKubeError(err, 404)) throw new NotFoundError(kind, name, kind === 'Profile' ? undefined : namespace);
    throw toDatastoreError(err, { op: 'get', kind, name, namespace });
  }
  const v3 = src.toV3(obj);
  if (v3 === undefined) throw new NotFoundError(kind, name, kind === 'Profile' ? undefined : namespace);
  return v3;
}

const PROFILE_READ_ONLY = 'in Kubernetes mode a Profile is a view of a Kubernetes Namespace (kns.*) or ServiceAccount (ksa.*): change its labels with kubectl';

export class ProfileStorage implements KindStorage {
  private readonly namespaces = source('Profile (namespaces)', () => NAMESPACES, profileFromNamespace);
  private readonly serviceAccounts = source(
    'Profile (serviceaccounts)',
    (namespace) => ({ group: '', version: 'v1', plural: 'serviceaccounts', ...(namespace ? { namespace } : {}) }),
    profileFromServiceAccount,
  );
  /** Namespaces first: the composite revision is "<nsRev>/<saRev>", as Calico's. */
  readonly sources: readonly KubeSource[] = [this.namespaces, this.serviceAccounts];

  constructor(
    private readonly api: KubeApi,
    readonly info: KindInfo,
  ) {}

  get(name: string): Promise<StoredResource> {
    const target = parseProfileName(name);
    if (target === undefined) return Promise.reject(new NotFoundError('Profile', name));
    if ('serviceAccount' in target) return getView(this.api, this.serviceAccounts, target.namespace, target.serviceAccount, 'Profile', name);
    return getView(this.api, this.namespaces, undefined, target.namespace, 'Profile', name);
  }

  private refuse(op: DatastoreOp, name: string): Promise<StoredResource> {
    return Promise.reject(new NotSupportedError(op, 'Profile', name, undefined, PROFILE_READ_ONLY));
  }

  create(res: StoredResource): Promise<StoredResource> {
    return this.refuse('create', res.metadata.name);
  }

  update(res: StoredResource): Promise<StoredResource> {
    return this.refuse('update', res.metadata.name);
  }

  delete(name: string): Promise<StoredResource> {
    return this.refuse('delete', name);
  }
}

const KNP_READ_ONLY = 'knp.default.* policies are Kubernetes NetworkPolicies (networking.k8s.io/v1): change them with kubectl';

export class NetworkPolicyStorage implements KindStorage {
  private readonly crs: CustomResourceStorage;
  private readonly kubernetes = source(
    'NetworkPolicy (networking.k8s.io)',
    (namespace) => ({ group: 'networking.k8s.io', version: 'v1', plural: 'networkpolicies', ...(namespace ? { namespace } : {}) }),
    networkPolicyFromKubernetes,
  );
  /** Calico's custom resources first, then Kubernetes NetworkPolicies: the revision is "<crRev>/<k8sRev>". */
  readonly sources: readonly KubeSource[];

  constructor(
    private readonly api: KubeApi,
    readonly info: KindInfo,
  ) {
    this.crs = new CustomResourceStorage(api, info);
    this.sources = [this.crs, this.kubernetes];
  }

  get(name: string, namespace: string | undefined): Promise<StoredResource> {
    if (!isKubernetesPolicyName(name)) return this.crs.get(name, namespace);
    return getView(this.api, this.kubernetes, namespace, kubernetesPolicyName(name), 'NetworkPolicy', name);
  }

  private refuse(op: DatastoreOp, name: string, namespace: string | undefined): Promise<StoredResource> {
    return Promise.reject(new NotSupportedError(op, 'NetworkPolicy', name, namespace, KNP_READ_ONLY));
  }

  create(res: StoredResource): Promise<StoredResource> {
    const { name, namespace } = res.metadata;
    return isKubernetesPolicyName(name) ? this.refuse('create', name, namespace) : this.crs.create(res);
  }

  update(res: StoredResource): Promise<StoredResource> {
    const { name, namespace } = res.metadata;
    return isKubernetesPolicyName(name) ? this.refuse('update', name, namespace) : this.crs.update(res);
  }

  delete(name: string, namespace: string | undefined, resourceVersion: string | undefined): Promise<StoredResource> {
    return isKubernetesPolicyName(name) ? this.refuse('delete', name, namespace) : this.crs.delete(name, namespace, resourceVersion);
  }
}
