// Kubernetes objects policy reads (networking.k8s.io/v1 NetworkPolicy, policy.networking.k8s.io/v1alpha1
// AdminNetworkPolicy and BaselineAdminNetworkPolicy, v1 Namespace, Pod, ServiceAccount): types,
// the API server's decoding/defaulting/validation, and the one conversion into Calico's model.
export * from './types';
export * from './network-policy';
export * from './core';
export * from './conversion';
export * from './admin-types';
export * from './admin-network-policy';
export * from './admin-conversion';
