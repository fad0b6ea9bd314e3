// ClusterInformation `default` as Calico's client keeps it (libcalico-go lib/clientv3/client.go
// ensureClusterInformation): a random clusterGUID once, the running version in calicoVersion, and the cluster type
// with ",kdd" appended when the datastore is Kubernetes. Pure: the caller reads, supplies the GUID source, writes.
import type { ClusterInformationSpec } from '../api/kind-cluster-information';

export interface ClusterInformationWant {
  /** CLUSTER_TYPE ("k8s,bgp"). */
  readonly clusterType: string;
  readonly calicoVersion: string;
  /** True on the Kubernetes datastore (KDD). */
  readonly kdd: boolean;
}

/** clusterType with every type of `add` present once, in order (Calico appends without duplicating). */
function withTypes(current: string | undefined, add: readonly string[]): string {
  const types = (current ?? '').split(',').filter((t) => t !== '');
  for (const t of add) if (!types.includes(t)) types.push(t);
  return types.join(',');
}

/** The spec to store, or undefined when `current` already says everything (no write). */
export function desiredClusterInformation(current: ClusterInformationSpec | undefined, want: ClusterInformationWant, newGuid: () => string): ClusterInformationSpec | undefined {
  const wantTypes = [...want.clusterType.split(',').filter((t) => t !== ''), ...(want.kdd ? ['kdd'] : [])];
  const next: ClusterInformationSpec = {
    ...(current ?? {}),
    clusterGUID: current?.clusterGUID || newGuid(),
    calicoVersion: want.calicoVersion,
    clusterType: withTypes(current?.clusterType, wantTypes),
    datastoreReady: current?.datastoreReady ?? true,
  };
  const same =
    current !== undefined &&
    current.clusterGUID === next.clusterGUID &&
    current.calicoVersion === next.calicoVersion &&
    current.clusterType === next.clusterType &&
    current.datastoreReady === next.datastoreReady;
  return same ? undefined : next;
}
