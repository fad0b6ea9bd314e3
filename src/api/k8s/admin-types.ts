// Typed shapes of policy.networking.k8s.io/v1alpha1 AdminNetworkPolicy and BaselineAdminNetworkPolicy, the
// network-policy-api v0.1.7 kinds (apis/v1alpha1/{adminnetworkpolicy,baselineadminnetworkpolicy,shared}_types.go).
// Field names and optionality follow those files; the status (conditions) is kept opaque.

import type { ObjectMeta } from '../meta';
import type { K8sProtocol, LabelSelector } from './types';

export const POLICY_API_VERSION = 'policy.networking.k8s.io/v1alpha1';
/** The only name a BaselineAdminNetworkPolicy may have (the CRD's x-validation on metadata.name). */
export const BANP_NAME = 'default';

export type AdminRuleAction = 'Allow' | 'Deny' | 'Pass';
export type BaselineRuleAction = 'Allow' | 'Deny';

/** NamespacedPod: pods matching podSelector in namespaces matching namespaceSelector (both required; `{}` = all). */
export interface NamespacedPod {
  namespaceSelector: LabelSelector;
  podSelector: LabelSelector;
}

/** Exactly one of namespaces / pods. */
export interface AdminSubject {
  namespaces?: LabelSelector;
  pods?: NamespacedPod;
}

export interface AdminPortNumber {
  protocol?: K8sProtocol;
  port: number;
}

export interface AdminPortRange {
  protocol?: K8sProtocol;
  start: number;
  end: number;
}

/** Exactly one of portNumber / namedPort (experimental) / portRange. */
export interface AdminPort {
  portNumber?: AdminPortNumber;
  namedPort?: string;
  portRange?: AdminPortRange;
}

/** Exactly one of namespaces / pods. */
export interface AdminIngressPeer {
  namespaces?: LabelSelector;
  pods?: NamespacedPod;
}

/** Exactly one of namespaces / pods / nodes (experimental) / networks / domainNames (ANP only, experimental). */
export interface AdminEgressPeer {
  namespaces?: LabelSelector;
  pods?: NamespacedPod;
  nodes?: LabelSelector;
  networks?: string[];
  domainNames?: string[];
}

export interface AdminIngressRule<A extends string = AdminRuleAction> {
  name?: string;
  action: A;
  from: AdminIngressPeer[];
  ports?: AdminPort[];
}

export interface AdminEgressRule<A extends string = AdminRuleAction> {
  name?: string;
  action: A;
  to: AdminEgressPeer[];
  ports?: AdminPort[];
}

export interface AdminNetworkPolicySpec {
  priority: number;
  subject: AdminSubject;
  ingress?: AdminIngressRule[];
  egress?: AdminEgressRule[];
}

export interface BaselineAdminNetworkPolicySpec {
  subject: AdminSubject;
  ingress?: Array<AdminIngressRule<BaselineRuleAction>>;
  egress?: Array<AdminEgressRule<BaselineRuleAction>>;
}

export interface AdminNetworkPolicy {
  apiVersion: typeof POLICY_API_VERSION;
  kind: 'AdminNetworkPolicy';
  metadata: ObjectMeta;
  spec: AdminNetworkPolicySpec;
  status?: unknown;
}

export interface BaselineAdminNetworkPolicy {
  apiVersion: typeof POLICY_API_VERSION;
  kind: 'BaselineAdminNetworkPolicy';
  metadata: ObjectMeta;
  spec: BaselineAdminNetworkPolicySpec;
  status?: unknown;
}

export type AnyAdminPolicy = AdminNetworkPolicy | BaselineAdminNetworkPolicy;
