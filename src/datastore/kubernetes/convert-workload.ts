// The v3 WorkloadEndpoint derived from a Kubernetes Pod, as in Calico's Kubernetes datastore
// (libcalico-go backend/k8s/conversion PodToWorkloadEndpoints): there is no WorkloadEndpoint object; the pod is the
// record, and the only part the CNI plugin writes is three pod annotations (cni.projectcalico.org/podIP, podIPs,
// containerID). The endpoint's labels, profiles and named ports are src/api/k8s's conversion, the one the lab and
// the controllers use (Calico's workload_endpoint_default.go). Pure functions: names, pod → endpoint, endpoint → the
// pod annotation patch.
import { createHash } from 'node:crypto';
import { podEndpointLabels, podEndpointPorts, podProfiles, type K8sContainer } from '../../api/k8s';
import { workloadEndpointName as calicoWorkloadEndpointName, type WorkloadEndpoint } from '../../api/kind-workload-endpoint';
import { API_VERSION } from '../types';
import type { KubeObject } from './kube-api';

export const POD_IP_ANNOTATION = 'cni.projectcalico.org/podIP';
export const POD_IPS_ANNOTATION = 'cni.projectcalico.org/podIPs';
export const CONTAINER_ID_ANNOTATION = 'cni.projectcalico.org/containerID';

const ORCHESTRATOR = 'k8s';
const ENDPOINT = 'eth0';

/** `<node>-k8s-<pod>-<endpoint>`, each segment with its dashes doubled (libcalico-go names/workloadendpoint.go). */
export function workloadEndpointName(node: string, pod: string, endpoint = ENDPOINT): string {
  return calicoWorkloadEndpointName(node, pod, endpoint, ORCHESTRATOR);
}

/** The node, pod and endpoint a WorkloadEndpoint name encodes; undefined when it is not a Kubernetes WEP name. */
export function parseWorkloadEndpointName(name: string): { node: string; pod: string; endpoint: string } | undefined {
  // Kubernetes names never start or end with "-", so scanning left to right, "--" is always an escaped dash.
  const segments: string[] = [];
  let current = '';
  for (let i = 0; i < name.length; i++) {
    const c = name[i];
    if (c === '-' && name[i + 1] === '-') {
      current += '-';
      i++;
    } else if (c === '-') {
      segments.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  segments.push(current);
  if (segments.length !== 4 || segments[1] !== ORCHESTRATOR || segments.some((s) => s === '')) return undefined;
  const [node, , pod, endpoint] = segments as [string, string, string, string];
  return { node, pod, endpoint };
}

/** Host-side veth name: "cali" + the first 11 hex digits of sha1("<namespace>.<pod>") (Calico's VethNameForWorkload). */
export function vethName(namespace: string, pod: string, prefix = 'cali'): string {
  return prefix + createHash('sha1').update(`${namespace}.${pod}`).digest('hex').slice(0, 11);
}

interface PodShape {
  spec?: {
    nodeName?: string;
    hostNetwork?: boolean;
    serviceAccountName?: string;
    containers?: K8sContainer[];
    initContainers?: K8sContainer[];
  };
  status?: { phase?: string; podIP?: string; podIPs?: Array<{ ip?: string }> };
}

function asCidr(ip: string): string {
  if (ip.includes('/')) return ip;
  return ip.includes(':') ? `${ip}/128` : `${ip}/32`;
}

/** The pod's addresses: the CNI annotations when present (they are Calico's own record), else the pod status. */
function podNetworks(pod: KubeObject & PodShape): string[] {
  const a = pod.metadata.annotations ?? {};
  const fromAnnotation = (a[POD_IPS_ANNOTATION] ?? a[POD_IP_ANNOTATION] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (fromAnnotation.length > 0) return fromAnnotation.map(asCidr);
  const status = (pod.status?.podIPs ?? []).map((p) => p.ip ?? '').filter((ip) => ip !== '');
  if (status.length === 0 && pod.status?.podIP) status.push(pod.status.podIP);
  return status.map(asCidr);
}

/**
 * The WorkloadEndpoint of a pod, or undefined when the pod has none: host-networked, not yet scheduled, finished
 * (Succeeded/Failed), or without any address yet (Calico's IsReadyCalicoPod).
 */
export function workloadEndpointFromPod(pod: KubeObject): WorkloadEndpoint | undefined {
  const p = pod as KubeObject & PodShape;
  const node = p.spec?.nodeName;
  const name = p.metadata.name;
  const ns = p.metadata.namespace;
  if (!node || !name || !ns || p.spec?.hostNetwork === true) return undefined;
  if (p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') return undefined;
  const ipNetworks = podNetworks(p);
  if (ipNetworks.length === 0) return undefined;
  const sa = p.spec?.serviceAccountName;
  const podView = {
    metadata: { name, namespace: ns, ...(p.metadata.labels ? { labels: p.metadata.labels } : {}) },
    spec: { ...(sa ? { serviceAccountName: sa } : {}), containers: p.spec?.containers ?? [], ...(p.spec?.initContainers ? { initContainers: p.spec.initContainers } : {}) },
  };
  const ports = podEndpointPorts(podView);
  const containerID = p.metadata.annotations?.[CONTAINER_ID_ANNOTATION];
  return {
    apiVersion: API_VERSION,
    kind: 'WorkloadEndpoint',
    metadata: {
      name: workloadEndpointName(node, name),
      namespace: ns,
      labels: podEndpointLabels(podView),
      ...(p.metadata.resourceVersion !== undefined ? { resourceVersion: p.metadata.resourceVersion } : {}),
      ...(p.metadata.uid !== undefined ? { uid: p.metadata.uid } : {}),
      ...(p.metadata.creationTimestamp !== undefined ? { creationTimestamp: p.metadata.creationTimestamp } : {}),
    },
    spec: {
      orchestrator: ORCHESTRATOR,
      node,
      pod: name,
      endpoint: ENDPOINT,
      ...(containerID ? { containerID } : {}),
      ...(sa ? { serviceAccountName: sa } : {}),
      ipNetworks,
      profiles: podProfiles(podView),
      interfaceName: vethName(ns, name),
      ...(ports.length > 0 ? { ports } : {}),
    },
  };
}

/**
 * The JSON merge patch that records a WorkloadEndpoint on its pod (what the CNI plugin writes in Kubernetes mode).
 * With the endpoint's resourceVersion it is also a compare-and-swap on the pod.
 */
export function podPatchForWorkloadEndpoint(wep: WorkloadEndpoint): Record<string, unknown> {
  const nets = wep.spec?.ipNetworks ?? [];
  return {
    metadata: {
      annotations: {
        [POD_IP_ANNOTATION]: nets[0] ?? null,
        [POD_IPS_ANNOTATION]: nets.length > 0 ? nets.join(',') : null,
        [CONTAINER_ID_ANNOTATION]: wep.spec?.containerID ?? null,
      },
      ...(wep.metadata.resourceVersion ? { resourceVersion: wep.metadata.resourceVersion } : {}),
    },
  };
}

/** The merge patch that removes a WorkloadEndpoint's record from its pod (CNI DEL). */
export function podPatchClearingWorkloadEndpoint(resourceVersion?: string): Record<string, unknown> {
  return {
    metadata: {
      annotations: { [POD_IP_ANNOTATION]: null, [POD_IPS_ANNOTATION]: null, [CONTAINER_ID_ANNOTATION]: null },
      ...(resourceVersion ? { resourceVersion } : {}),
    },
  };
}

/** True when the CNI plugin has recorded an endpoint on this pod. */
export function podHasEndpointRecord(pod: KubeObject): boolean {
  const a = pod.metadata.annotations ?? {};
  return Boolean(a[POD_IP_ANNOTATION] || a[POD_IPS_ANNOTATION]);
}
