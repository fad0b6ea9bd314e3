// The controllers' Kubernetes API port (controllers/kube-port.ts) on @kubernetes/client-node: nodes and pods, stripped
// to what the controllers use as they are read (Calico strips pods in its informer for memory, issue #5037).
// The client is loaded lazily with require (an ES module; see datastore/kubernetes/client-node-api.ts).
import type * as K8s from '@kubernetes/client-node';
import { decodeK8sNetworkPolicy, decodeNamespace, decodeServiceAccount } from '../api/k8s';
import type { KubePod, PodLookup } from '../controllers/ipam-gc';
import type { K8sObjects } from '../controllers/k8s-sync';
import type { KubePodEntry, KubePort } from '../controllers/kube-port';
import type { KubeNodeInfo } from '../controllers/node-sync';
import type { LeaseRecordStore } from '../datastore';
import { kubeLeaseStore } from './kube-lease';

type ClientNode = typeof K8s;

const statusOf = (err: unknown): number => {
  const e = err as { code?: unknown; statusCode?: unknown } | undefined;
  return typeof e?.code === 'number' ? e.code : typeof e?.statusCode === 'number' ? e.statusCode : 0;
};

function stripPod(p: K8s.V1Pod): KubePod {
  const ips = (p.status?.podIPs ?? []).map((x) => x.ip).filter((x): x is string => typeof x === 'string' && x !== '');
  if (ips.length === 0 && p.status?.podIP) ips.push(p.status.podIP);
  return {
    ...(p.spec?.nodeName ? { nodeName: p.spec.nodeName } : {}),
    podIPs: ips,
    ...(p.status?.phase ? { phase: p.status.phase } : {}),
    ...(p.status?.reason ? { reason: p.status.reason } : {}),
  };
}

/** The metadata the conversion reads (the decoders are strict; managedFields and the like are not theirs to judge). */
const meta = (m: K8s.V1ObjectMeta | undefined): Record<string, unknown> => ({
  name: m?.name ?? '',
  ...(m?.namespace ? { namespace: m.namespace } : {}),
  ...(m?.labels ? { labels: m.labels } : {}),
  ...(m?.uid ? { uid: m.uid } : {}),
});

/** Decodes each object; one the decoder refuses is left out (the API server would not have stored it). */
function decodeAll<T>(items: readonly unknown[], decode: (raw: unknown) => T): T[] {
  const out: T[] = [];
  for (const raw of items) {
    try {
      out.push(decode(raw));
    } catch {
      // not convertible: skipped, as Calico's converter skips it with an error log
    }
  }
  return out;
}

const stripNode = (n: K8s.V1Node): KubeNodeInfo => {
  const ready = n.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  return { name: n.metadata?.name ?? '', labels: { ...(n.metadata?.labels ?? {}) }, ...(ready !== undefined ? { ready: ready === 'True' } : {}) };
};

function kubeConfig(kubeconfig: string | undefined): { k8s: ClientNode; kc: K8s.KubeConfig } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const k8s = require('@kubernetes/client-node') as ClientNode;
  const kc = new k8s.KubeConfig();
  if (kubeconfig !== undefined) kc.loadFromString(kubeconfig);
  else kc.loadFromCluster();
  return { k8s, kc };
}

/** A coordination.k8s.io/v1 Lease store (kube-lease.ts) from kubeconfig text, or the in-cluster service account. */
export function clientNodeLeaseStore(kubeconfig: string | undefined, namespace: string, name: string): LeaseRecordStore {
  const { k8s, kc } = kubeConfig(kubeconfig);
  return kubeLeaseStore(kc.makeApiClient(k8s.CoordinationV1Api), namespace, name);
}

/** A KubePort from kubeconfig text, or the in-cluster service account when undefined. */
export function clientNodeKubePort(kubeconfig: string | undefined): KubePort {
  const { k8s, kc } = kubeConfig(kubeconfig);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const networking = kc.makeApiClient(k8s.NetworkingV1Api);
  return {
    async listPolicyObjects(): Promise<K8sObjects> {
      const [nps, nss, sas] = await Promise.all([networking.listNetworkPolicyForAllNamespaces(), core.listNamespace(), core.listServiceAccountForAllNamespaces()]);
      return {
        networkPolicies: decodeAll(
          nps.items.map((p) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: meta(p.metadata), spec: JSON.parse(JSON.stringify(p.spec ?? {})) as unknown })),
          decodeK8sNetworkPolicy,
        ),
        namespaces: decodeAll(nss.items.map((n) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: meta(n.metadata) })), decodeNamespace),
        serviceAccounts: decodeAll(sas.items.map((a) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(a.metadata) })), decodeServiceAccount),
      };
    },
    async listNodes(): Promise<KubeNodeInfo[]> {
      return (await core.listNode()).items.map(stripNode);
    },
    async getNode(name: string): Promise<KubeNodeInfo | undefined> {
      try {
        return stripNode(await core.readNode({ name }));
      } catch (err) {
        if (statusOf(err) === 404) return undefined;
        throw err;
      }
    },
    async listPods(): Promise<KubePodEntry[]> {
      return (await core.listPodForAllNamespaces()).items.map((p) => ({ namespace: p.metadata?.namespace ?? '', name: p.metadata?.name ?? '', pod: stripPod(p) }));
    },
    async getPod(namespace: string, name: string): Promise<PodLookup> {
      try {
        return stripPod(await core.readNamespacedPod({ name, namespace }));
      } catch (err) {
        return statusOf(err) === 404 ? 'not-found' : 'unknown';
      }
    },
  };
}
