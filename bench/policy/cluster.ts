// A synthetic, seeded cluster for bench:policy: namespaces with team/env labels, pods with app/tier/team/env
// labels over a skewed (Zipf-like) distribution, Kubernetes NetworkPolicies (pod selectors, namespace selectors,
// ipBlocks with except, ports and ranges) and Calico GlobalNetworkPolicies with orders. Same seed, same cluster.

import type { GlobalNetworkPolicy } from '../../src/api/kind-global-network-policy';
import type { WorkloadEndpoint } from '../../src/api/kind-workload-endpoint';
import type { K8sNamespace, K8sNetworkPolicy, K8sPod } from '../../src/api/k8s';
import { podEndpointLabels, podEndpointPorts, podProfiles } from '../../src/api/k8s';
import { mulberry32 } from '../../src/ipam/block-generator';

export interface ClusterSpec {
  seed: number;
  policies: number;
  endpoints: number;
  localEndpoints: number;
  namespaces: number;
  apps: number;
  /** Share of policies that are GlobalNetworkPolicies (the rest are k8s NetworkPolicies). */
  globalShare: number;
}

export const DEFAULT_SPEC: ClusterSpec = { seed: 42, policies: 1000, endpoints: 10_000, localEndpoints: 100, namespaces: 40, apps: 250, globalShare: 0.1 };

export const NODE = 'bench-node';
export const TIERS = ['web', 'api', 'db', 'cache', 'worker'] as const;
export const ENVS = ['prod', 'staging', 'dev'] as const;

export interface BenchPod {
  pod: K8sPod;
  wep: WorkloadEndpoint;
  ip: string;
  iface: string;
  local: boolean;
}

export interface Cluster {
  namespaces: K8sNamespace[];
  pods: BenchPod[];
  k8sPolicies: K8sNetworkPolicy[];
  globalPolicies: GlobalNetworkPolicy[];
}

/** A seeded generator of numbers in [0, 1) (the IPAM block generator's mulberry32). */
export function rng(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() / 4294967296;
}

/** An index in [0, n) skewed towards small values (a few big apps and namespaces, a long tail). */
function zipf(r: () => number, n: number): number {
  return Math.min(n - 1, Math.floor(n * Math.pow(r(), 2)));
}

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)] as T;
}

export function podIp(i: number): string {
  return `10.64.${Math.floor(i / 250)}.${(i % 250) + 1}`;
}

export function ifaceName(i: number): string {
  return `calib${i.toString(16).padStart(8, '0')}`;
}

export function benchWep(pod: K8sPod, ip: string, iface: string, local: boolean): WorkloadEndpoint {
  const name = pod.metadata.name as string;
  return {
    apiVersion: 'projectcalico.org/v3',
    kind: 'WorkloadEndpoint',
    metadata: { name: `${local ? NODE : 'remote'}-k8s-${name}-eth0`, namespace: pod.metadata.namespace, labels: podEndpointLabels(pod) },
    spec: { node: local ? NODE : 'remote', orchestrator: 'k8s', pod: name, endpoint: 'eth0', interfaceName: iface, ipNetworks: [`${ip}/32`], profiles: podProfiles(pod), ports: podEndpointPorts(pod) },
  };
}

export function generateCluster(spec: ClusterSpec = DEFAULT_SPEC): Cluster {
  const r = rng(spec.seed);
  const namespaces: K8sNamespace[] = [];
  for (let i = 0; i < spec.namespaces; i++) {
    namespaces.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `ns-${i}`, labels: { 'kubernetes.io/metadata.name': `ns-${i}`, team: `team-${i % 12}`, env: ENVS[i % 3] as string } } });
  }
  // Each app lives in one namespace with one tier, as Deployments do.
  const apps = Array.from({ length: spec.apps }, (_, i) => ({ name: `app-${i}`, ns: zipf(r, spec.namespaces), tier: pick(r, TIERS) }));
  const pods: BenchPod[] = [];
  for (let i = 0; i < spec.endpoints; i++) {
    const app = apps[zipf(r, spec.apps)] as (typeof apps)[number];
    const ns = namespaces[app.ns] as K8sNamespace;
    const nsLabels = ns.metadata.labels ?? {};
    const pod: K8sPod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `${app.name}-${i}`, namespace: ns.metadata.name, labels: { app: app.name, tier: app.tier, team: nsLabels.team as string, env: nsLabels.env as string } },
      spec: { nodeName: i < spec.localEndpoints ? NODE : 'remote', serviceAccountName: 'default', containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] }] },
    };
    const local = i < spec.localEndpoints;
    pods.push({ pod, wep: benchWep(pod, podIp(i), ifaceName(i), local), ip: podIp(i), iface: ifaceName(i), local });
  }
  const k8sPolicies: K8sNetworkPolicy[] = [];
  const globalPolicies: GlobalNetworkPolicy[] = [];
  const nGlobal = Math.round(spec.policies * spec.globalShare);
  for (let i = 0; i < spec.policies - nGlobal; i++) {
    const app = apps[zipf(r, spec.apps)] as (typeof apps)[number];
    const peerApp = apps[zipf(r, spec.apps)] as (typeof apps)[number];
    const kind = r();
    const from =
      kind < 0.5
        ? [{ podSelector: { matchLabels: { app: peerApp.name } } }]
        : kind < 0.7
          ? [{ podSelector: { matchLabels: { tier: pick(r, TIERS) } } }]
          : kind < 0.85
            ? [{ namespaceSelector: { matchLabels: { team: `team-${Math.floor(r() * 12)}` } }, podSelector: { matchExpressions: [{ key: 'tier', operator: 'In' as const, values: [pick(r, TIERS), pick(r, TIERS)] }] } }]
            : [{ ipBlock: { cidr: `172.${16 + Math.floor(r() * 16)}.0.0/16`, except: [`172.${16 + Math.floor(r() * 16)}.${Math.floor(r() * 256)}.0/24`] } }];
    const ports = r() < 0.3 ? [{ protocol: 'TCP' as const, port: 8000, endPort: 8000 + Math.floor(r() * 100) }, { protocol: 'UDP' as const, port: 53 }] : [{ protocol: 'TCP' as const, port: pick(r, [80, 443, 8080, 'http']) }];
    const egress = r() < 0.3;
    k8sPolicies.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: `np-${i}`, namespace: `ns-${app.ns}` },
      spec: {
        podSelector: r() < 0.9 ? { matchLabels: { app: app.name } } : { matchLabels: { tier: app.tier } },
        ingress: [{ from, ports }],
        ...(egress ? { egress: [{ to: [{ namespaceSelector: {}, podSelector: { matchLabels: { tier: pick(r, TIERS) } } }], ports: [{ protocol: 'TCP' as const, port: 5432 }] }], policyTypes: ['Ingress' as const, 'Egress' as const] } : { policyTypes: ['Ingress' as const] }),
      },
    });
  }
  for (let i = 0; i < nGlobal; i++) {
    const tier = pick(r, TIERS);
    const env = pick(r, ENVS);
    globalPolicies.push({
      apiVersion: 'projectcalico.org/v3',
      kind: 'GlobalNetworkPolicy',
      metadata: { name: `gnp-${i}` },
      spec: {
        order: Math.floor(r() * 2000),
        selector: `tier == '${tier}' && env == '${env}'`,
        types: ['Ingress'],
        ingress: [
          r() < 0.5
            ? { action: 'Deny', protocol: 'TCP', source: { nets: [`192.168.${Math.floor(r() * 256)}.0/24`] }, destination: { ports: [22] } }
            : { action: 'Allow', protocol: 'TCP', source: { selector: `team == 'team-${Math.floor(r() * 12)}'`, namespaceSelector: `env == '${env}'` }, destination: { ports: [443, '9000:9100'] } },
          { action: 'Pass' },
        ],
      },
    });
  }
  return { namespaces, pods, k8sPolicies, globalPolicies };
}
