// The resource kinds the node agent's calculation reads: whoever assembles the node process (node/run.ts) watches at
// least these through its one DatastoreCache (datastore/cache.ts).
import type { IpFamily } from '../../lib/ip';
import { AGENT_FAMILY } from './family';

export const NODE_CALC_KINDS = ['Node', 'BGPPeer', 'BGPConfiguration', 'BGPFilter', 'IPPool', 'IPAMBlock', 'WorkloadEndpoint'] as const;

/**
 * The kinds the policy dataplane is fed (node/policy-feed.ts), watched besides NODE_CALC_KINDS when policy is enforced;
 * WorkloadEndpoint feeds both the routes and the policy. In Kubernetes mode the datastore presents Namespaces and
 * ServiceAccounts as Profiles and networking.k8s.io/v1 NetworkPolicies as NetworkPolicies `knp.default.*`
 * (datastore/kubernetes/view-storage.ts), so the same kinds feed the policy in both modes. AdminNetworkPolicy and
 * BaselineAdminNetworkPolicy are read as they are (the network-policy-api CRDs, or etcd) and converted by the feed.
 * FelixConfiguration switches the denied-flow log on and off.
 */
export const POLICY_KINDS = [
  'Tier',
  'NetworkPolicy',
  'GlobalNetworkPolicy',
  'AdminNetworkPolicy',
  'BaselineAdminNetworkPolicy',
  'StagedNetworkPolicy',
  'StagedGlobalNetworkPolicy',
  'StagedKubernetesNetworkPolicy',
  'Profile',
  'NetworkSet',
  'GlobalNetworkSet',
  'WorkloadEndpoint',
  'FelixConfiguration',
] as const;

/** The families the agent programs policy for (its one address family, family.ts); explain judges the others unpoliced. */
export const POLICY_FAMILIES: readonly IpFamily[] = [AGENT_FAMILY.ip];

/** What the node process watches: the calculation's kinds, plus the policy kinds when policy is enforced. */
export const nodeKinds = (policy: boolean): readonly string[] => [...new Set<string>([...NODE_CALC_KINDS, ...(policy ? POLICY_KINDS : [])])];

/**
 * Kinds a cluster may not serve (their CRDs are not part of every install): while the datastore says so, the node
 * enforces none of them, warns once naming the CRD and tries again every OPTIONAL_KIND_RETRY_MS (datastore/cache.ts).
 */
export const OPTIONAL_NODE_KINDS: Readonly<Record<string, string>> = {
  AdminNetworkPolicy: 'adminnetworkpolicies.policy.networking.k8s.io',
  BaselineAdminNetworkPolicy: 'baselineadminnetworkpolicies.policy.networking.k8s.io',
};
export const OPTIONAL_KIND_RETRY_MS = 60_000;
