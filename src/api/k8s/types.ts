// Typed shapes of the Kubernetes objects policy needs: networking.k8s.io/v1 NetworkPolicy, v1 Namespace, Pod (the
// parts policy reads: labels, service account, container ports, addresses) and ServiceAccount. Field names and
// optionality follow k8s.io/api networking/v1/types.go and core/v1/types.go; only the fields Gingham reads are typed.

import type { ObjectMeta } from '../meta';

export const NETWORKING_API_VERSION = 'networking.k8s.io/v1';
export const CORE_API_VERSION = 'v1';

export type K8sProtocol = 'TCP' | 'UDP' | 'SCTP';
export type K8sPolicyType = 'Ingress' | 'Egress';

/** metav1.LabelSelectorRequirement. */
export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

/** metav1.LabelSelector: matchLabels and matchExpressions are ANDed; `{}` selects everything. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface IPBlock {
  cidr: string;
  except?: string[];
}

/** One peer: ipBlock alone, or podSelector and/or namespaceSelector (both set = AND). */
export interface NetworkPolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: IPBlock;
}

export interface NetworkPolicyPort {
  protocol?: K8sProtocol;
  /** A number, or the name of a container port of the destination pod. */
  port?: number | string;
  /** Last port of a range starting at `port` (numeric `port` only). */
  endPort?: number;
}

export interface NetworkPolicyIngressRule {
  from?: NetworkPolicyPeer[];
  ports?: NetworkPolicyPort[];
}

export interface NetworkPolicyEgressRule {
  to?: NetworkPolicyPeer[];
  ports?: NetworkPolicyPort[];
}

export interface K8sNetworkPolicySpec {
  podSelector: LabelSelector;
  ingress?: NetworkPolicyIngressRule[];
  egress?: NetworkPolicyEgressRule[];
  policyTypes?: K8sPolicyType[];
}

export interface K8sNetworkPolicy {
  apiVersion: typeof NETWORKING_API_VERSION;
  kind: 'NetworkPolicy';
  metadata: ObjectMeta;
  spec: K8sNetworkPolicySpec;
}

export interface K8sNamespace {
  apiVersion: typeof CORE_API_VERSION;
  kind: 'Namespace';
  metadata: ObjectMeta;
}

export interface K8sServiceAccount {
  apiVersion: typeof CORE_API_VERSION;
  kind: 'ServiceAccount';
  metadata: ObjectMeta;
}

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: K8sProtocol;
  hostPort?: number;
  hostIP?: string;
}

export interface K8sContainer {
  name: string;
  image?: string;
  ports?: ContainerPort[];
}

export interface K8sPodSpec {
  nodeName?: string;
  hostNetwork?: boolean;
  serviceAccountName?: string;
  containers: K8sContainer[];
  initContainers?: K8sContainer[];
}

export interface K8sPodStatus {
  phase?: string;
  podIP?: string;
  podIPs?: Array<{ ip: string }>;
}

export interface K8sPod {
  apiVersion: typeof CORE_API_VERSION;
  kind: 'Pod';
  metadata: ObjectMeta;
  spec: K8sPodSpec;
  status?: K8sPodStatus;
}
