// A Kubernetes API port over plain maps, for the controllers' tests.
import type { KubePod, PodLookup } from '../ipam-gc';
import type { K8sObjects } from '../k8s-sync';
import type { KubePodEntry, KubePort } from '../kube-port';
import type { KubeNodeInfo } from '../node-sync';

export class FakeKube implements KubePort {
  readonly nodes = new Map<string, KubeNodeInfo>();
  readonly pods = new Map<string, KubePod>();
  /** When set, getPod answers 'unknown' (an API error) for every pod. */
  podApiDown = false;
  policyObjects: K8sObjects = { networkPolicies: [], namespaces: [], serviceAccounts: [] };

  addNode(name: string, labels: Record<string, string> = {}): void {
    this.nodes.set(name, { name, labels });
  }

  addPod(namespace: string, name: string, pod: KubePod): void {
    this.pods.set(`${namespace}/${name}`, pod);
  }

  async listNodes(): Promise<KubeNodeInfo[]> {
    return [...this.nodes.values()];
  }

  async getNode(name: string): Promise<KubeNodeInfo | undefined> {
    return this.nodes.get(name);
  }

  async listPods(): Promise<KubePodEntry[]> {
    return [...this.pods].map(([k, pod]) => {
      const [namespace = '', name = ''] = k.split('/');
      return { namespace, name, pod };
    });
  }

  async listPolicyObjects(): Promise<K8sObjects> {
    return this.policyObjects;
  }

  async getPod(namespace: string, name: string): Promise<PodLookup> {
    if (this.podApiDown) return 'unknown';
    return this.pods.get(`${namespace}/${name}`) ?? 'not-found';
  }
}
