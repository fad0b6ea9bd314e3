// What the controllers read from the Kubernetes API, as a port: cmd/ builds it on @kubernetes/client-node, tests pass
// a fake. List calls feed one pass (the informer cache of kube-controllers); get calls are the fresh reads made right
// before a destructive step (garbage collection's re-validation, the node deleter's re-read).
import type { KubePod, PodLookup } from './ipam-gc';
import type { K8sObjects } from './k8s-sync';
import type { KubeNodeInfo } from './node-sync';

export interface KubePodEntry {
  readonly namespace: string;
  readonly name: string;
  readonly pod: KubePod;
}

export interface KubePort {
  listNodes(): Promise<KubeNodeInfo[]>;
  /** undefined on NotFound; throws on any other failure. */
  getNode(name: string): Promise<KubeNodeInfo | undefined>;
  listPods(): Promise<KubePodEntry[]>;
  /** 'not-found' on NotFound, 'unknown' on any other failure (never throws). */
  getPod(namespace: string, name: string): Promise<PodLookup>;
  /** NetworkPolicies, Namespaces and ServiceAccounts, decoded (etcd mode's sync); absent: those controllers do not run. */
  listPolicyObjects?(): Promise<K8sObjects>;
}
