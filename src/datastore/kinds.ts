// What storage needs to know about each projectcalico.org/v3 kind: its plural, whether it is namespaced, where
// Calico's etcd v3 mode keeps it, and which crd.projectcalico.org/v1 custom resource holds it in Kubernetes mode.
// Nothing here knows a kind's spec; that is src/api's business.
import { InvalidError } from './errors';

export interface CrdInfo {
  /** Plural of the crd.projectcalico.org/v1 CustomResourceDefinition. */
  readonly plural: string;
  /** The v1 kind, which differs from the v3 kind for IPAMConfiguration (v1 IPAMConfig). */
  readonly kind: string;
  /**
   * Set for a kind of another API group kept as its own objects, not wrapped in crd.projectcalico.org/v1
   * (AdminNetworkPolicy: policy.networking.k8s.io/v1alpha1, the network-policy-api CRDs).
   */
  readonly group?: string;
  readonly version?: string;
}

export interface KindInfo {
  /** The projectcalico.org/v3 kind. */
  readonly kind: string;
  /** Lower-case plural, as the CLI and the v3 API name the collection. */
  readonly plural: string;
  /** The objects' apiVersion when it is not projectcalico.org/v3. */
  readonly apiVersion?: string;
  readonly namespaced: boolean;
  /**
   * Path segment under /calico/resources/v3/projectcalico.org/ (libcalico-go backend/model/resource.go): keys are
   * `<prefix>/<segment>/<name>`, or `<prefix>/<segment>/<namespace>/<name>` for namespaced kinds.
   */
  readonly etcdSegment: string;
  /**
   * Kubernetes-mode storage; null when Calico keeps the kind outside its CRDs (Node is the Kubernetes Node with
   * annotations, WorkloadEndpoint is derived from the Pod, Profile from Namespaces and ServiceAccounts).
   */
  readonly crd: CrdInfo | null;
}

function cluster(kind: string, plural: string, crd: CrdInfo | null = { plural, kind }): KindInfo {
  return { kind, plural, namespaced: false, etcdSegment: plural, crd };
}

function namespaced(kind: string, plural: string, crd: CrdInfo | null = { plural, kind }): KindInfo {
  return { kind, plural, namespaced: true, etcdSegment: plural, crd };
}

/**
 * A cluster-scoped policy.networking.k8s.io/v1alpha1 kind: in Kubernetes mode the network-policy-api CRD itself; in
 * etcd mode (where Calico has no such kind) beside the v3 resources under its plural.
 */
function policyApi(kind: string, plural: string): KindInfo {
  const group = 'policy.networking.k8s.io';
  const version = 'v1alpha1';
  return { kind, plural, apiVersion: `${group}/${version}`, namespaced: false, etcdSegment: plural, crd: { plural, kind, group, version } };
}

/*
 * Calico's etcd mode keeps the IPAM objects (IPAMBlock, BlockAffinity, IPAMHandle, IPAMConfig) under /calico/ipam/v2/
 * in its internal v1 model, not as v3 JSON; no Gingham value could be read by Calico there anyway, so Gingham keeps
 * them beside the other v3 resources, under the segment libcalico-go registers for them (ipamconfigs for
 * IPAMConfiguration, as for its v1 kind).
 */
export const KINDS: readonly KindInfo[] = [
  policyApi('AdminNetworkPolicy', 'adminnetworkpolicies'),
  policyApi('BaselineAdminNetworkPolicy', 'baselineadminnetworkpolicies'),
  cluster('BGPConfiguration', 'bgpconfigurations'),
  cluster('BGPFilter', 'bgpfilters'),
  cluster('BGPPeer', 'bgppeers'),
  cluster('BlockAffinity', 'blockaffinities'),
  cluster('CalicoNodeStatus', 'caliconodestatuses'),
  cluster('ClusterInformation', 'clusterinformations'),
  cluster('FelixConfiguration', 'felixconfigurations'),
  cluster('GlobalNetworkPolicy', 'globalnetworkpolicies'),
  cluster('GlobalNetworkSet', 'globalnetworksets'),
  cluster('HostEndpoint', 'hostendpoints'),
  cluster('IPAMBlock', 'ipamblocks'),
  { kind: 'IPAMConfiguration', plural: 'ipamconfigurations', namespaced: false, etcdSegment: 'ipamconfigs', crd: { plural: 'ipamconfigs', kind: 'IPAMConfig' } },
  cluster('IPAMHandle', 'ipamhandles'),
  cluster('IPPool', 'ippools'),
  cluster('IPReservation', 'ipreservations'),
  cluster('KubeControllersConfiguration', 'kubecontrollersconfigurations'),
  namespaced('NetworkPolicy', 'networkpolicies'),
  namespaced('NetworkSet', 'networksets'),
  cluster('Node', 'nodes', null),
  cluster('Profile', 'profiles', null),
  cluster('StagedGlobalNetworkPolicy', 'stagedglobalnetworkpolicies'),
  namespaced('StagedKubernetesNetworkPolicy', 'stagedkubernetesnetworkpolicies'),
  namespaced('StagedNetworkPolicy', 'stagednetworkpolicies'),
  cluster('Tier', 'tiers'),
  namespaced('WorkloadEndpoint', 'workloadendpoints', null),
];

const BY_KIND = new Map(KINDS.map((k) => [k.kind, k]));
const BY_PLURAL = new Map(KINDS.map((k) => [k.plural, k]));

/** The KindInfo of a v3 kind (exact spelling); InvalidError for a kind the datastore does not store. */
export function kindInfo(kind: string): KindInfo {
  const info = BY_KIND.get(kind);
  if (info === undefined) throw new InvalidError(kind, '', `unknown kind "${kind}"`);
  return info;
}

/** The KindInfo whose plural is this, or undefined. */
export function kindByPlural(plural: string): KindInfo | undefined {
  return BY_PLURAL.get(plural);
}
