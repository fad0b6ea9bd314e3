// Kubernetes objects policy reads (networking.k8s.io/v1 NetworkPolicy, v1 Namespace, Pod, ServiceAccount): types,
// the API server's decoding/defaulting/validation, and the one conversion into Calico's model.
export * from './types';
export * from './network-policy';
export * from './core';
export * from './conversion';
