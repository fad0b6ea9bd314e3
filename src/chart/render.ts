// renderManifests(values): every object the chart installs, as plain objects in apply order (Calico's
// manifests/calico.yaml order: PDB, ServiceAccounts, ConfigMap, CRDs, RBAC, DaemonSet, Deployment). Pure; the chart's
// templates, golden files and manifests/gingham.yaml are written from it by scripts/gen-chart.ts.
// Object by object it follows Calico's KDD manifest (charts/calico/templates/calico-node.yaml,
// calico-kube-controllers.yaml) with Gingham's paths, names and commands.
import { ENV, PATHS, PORTS } from '../api/well-known';
import { RBAC_PROCESSES, RBAC_RULES, rbacName, type RbacProcess } from '../api/rbac';
import type { ChartValues } from './values';

export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> } } & Record<string, unknown>;

export const NODE_APP = 'gingham-node';
export const CONTROLLERS_APP = 'gingham-kube-controllers';
export const CONFIG_MAP = 'gingham-config';
/** Where the etcd TLS secret is mounted (Calico: /calico-secrets). */
export const ETCD_SECRETS_DIR = '/gingham-secrets';

const HOST_PATHS = {
  libModules: '/lib/modules',
  xtablesLock: '/run/xtables.lock',
  varRun: '/var/run/gingham',
  varLib: '/var/lib/gingham',
  log: '/var/log/gingham',
  netns: '/var/run/netns',
} as const;

/** The start of every container: all run the one Gingham image, each with its `gingham` subcommand. */
function container(v: ChartValues, name: string, command: string[]): { name: string; image: string; imagePullPolicy: string; command: string[] } {
  return { name, image: `${v.image.repository}:${v.image.tag}`, imagePullPolicy: v.image.pullPolicy, command: ['gingham', ...command] };
}

/** calico-node's CALICO_IPV4POOL_IPIP / _VXLAN for an encapsulation value. */
export function poolModes(enc: ChartValues['encapsulation']): { ipip: string; vxlan: string } {
  switch (enc) {
    case 'ipip': return { ipip: 'Always', vxlan: 'Never' };
    case 'ipipCrossSubnet': return { ipip: 'CrossSubnet', vxlan: 'Never' };
    case 'vxlan': return { ipip: 'Never', vxlan: 'Always' };
    case 'vxlanCrossSubnet': return { ipip: 'Never', vxlan: 'CrossSubnet' };
    case 'none': return { ipip: 'Never', vxlan: 'Never' };
  }
}

type Env = { name: string; value?: string; valueFrom?: Record<string, unknown> };

function fromConfig(name: string, key: string): Env {
  return { name, valueFrom: { configMapKeyRef: { name: CONFIG_MAP, key } } };
}

function datastoreEnv(v: ChartValues): Env[] {
  const env: Env[] = [fromConfig(ENV.datastoreType, 'datastore_type')];
  if (v.datastore.type === 'etcd') {
    env.push(fromConfig(ENV.etcdEndpoints, 'etcd_endpoints'));
    if (v.datastore.etcd.tlsSecret) {
      env.push(
        { name: 'ETCD_CA_CERT_FILE', value: `${ETCD_SECRETS_DIR}/etcd-ca` },
        { name: 'ETCD_CERT_FILE', value: `${ETCD_SECRETS_DIR}/etcd-cert` },
        { name: 'ETCD_KEY_FILE', value: `${ETCD_SECRETS_DIR}/etcd-key` },
      );
    }
  }
  return env;
}

function etcdVolume(v: ChartValues): { volumes: object[]; mounts: object[] } {
  if (v.datastore.type !== 'etcd' || !v.datastore.etcd.tlsSecret) return { volumes: [], mounts: [] };
  return {
    volumes: [{ name: 'etcd-certs', secret: { secretName: v.datastore.etcd.tlsSecret, defaultMode: 0o440 } }],
    mounts: [{ name: 'etcd-certs', mountPath: ETCD_SECRETS_DIR, readOnly: true }],
  };
}

function meta(v: ChartValues, name: string, app?: string): K8sObject['metadata'] {
  return { name, namespace: v.namespace, ...(app ? { labels: { 'k8s-app': app } } : {}) };
}

function clusterRole(p: RbacProcess): K8sObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: rbacName(p) },
    rules: RBAC_RULES.filter((r) => r.process === p).map((r) => ({
      apiGroups: [r.apiGroup],
      resources: [...r.resources],
      ...(r.resourceNames ? { resourceNames: [...r.resourceNames] } : {}),
      verbs: [...r.verbs],
    })),
  };
}

function binding(v: ChartValues, p: RbacProcess): K8sObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: rbacName(p) },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: rbacName(p) },
    subjects: [{ kind: 'ServiceAccount', name: rbacName(p), namespace: v.namespace }],
  };
}

function hostPath(name: string, path: string, type?: string): object {
  return { name, hostPath: { path, ...(type ? { type } : {}) } };
}

/** calico-node's and kube-controllers' probe timings (period 10 s, timeout 10 s; liveness after 10 s, 6 failures). */
function httpProbe(path: string, port: number, host?: string): object {
  return {
    httpGet: { ...(host ? { host } : {}), path, port },
    periodSeconds: 10,
    timeoutSeconds: 10,
    ...(path === '/liveness' ? { initialDelaySeconds: 10, failureThreshold: 6 } : {}),
  };
}

function daemonSet(v: ChartValues): K8sObject {
  const etcd = etcdVolume(v);
  const modes = poolModes(v.encapsulation);
  const nodeName = { fieldRef: { fieldPath: 'spec.nodeName' } };
  const probe = (path: string): object => httpProbe(path, PORTS.health, '127.0.0.1');
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: meta(v, NODE_APP, NODE_APP),
    spec: {
      selector: { matchLabels: { 'k8s-app': NODE_APP } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
      template: {
        metadata: { labels: { 'k8s-app': NODE_APP } },
        spec: {
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          hostNetwork: true,
          hostPID: true,
          tolerations: [
            { effect: 'NoSchedule', operator: 'Exists' },
            { key: 'CriticalAddonsOnly', operator: 'Exists' },
            { effect: 'NoExecute', operator: 'Exists' },
          ],
          serviceAccountName: rbacName('node'),
          terminationGracePeriodSeconds: 0,
          priorityClassName: 'system-node-critical',
          securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
          initContainers: [
            {
              ...container(v, 'install-cni', ['cni', 'install', '--bin-dir', '/host/opt/cni/bin', '--conf-dir', '/host/etc/cni/net.d', '--mtu', '$(CNI_MTU)']),
              env: [
                ...datastoreEnv(v),
                { name: ENV.kubernetesNodeName, valueFrom: nodeName },
                // Kubernetes expands $(CNI_MTU) in the command (Calico: CNI_MTU from veth_mtu).
                fromConfig('CNI_MTU', 'veth_mtu'),
              ],
              volumeMounts: [
                { name: 'cni-bin-dir', mountPath: '/host/opt/cni/bin' },
                { name: 'cni-net-dir', mountPath: '/host/etc/cni/net.d' },
                ...etcd.mounts,
              ],
              securityContext: { privileged: true },
            },
          ],
          containers: [
            {
              ...container(v, 'gingham-node', ['node', 'run']),
              env: [
                ...datastoreEnv(v),
                { name: ENV.nodeName, valueFrom: nodeName },
                { name: 'IP', value: 'autodetect' },
                { name: 'IP_AUTODETECTION_METHOD', value: v.ipAutodetectionMethod },
                { name: 'AS', value: String(v.asNumber) },
                { name: 'CALICO_IPV4POOL_CIDR', value: v.pool.cidr },
                { name: 'CALICO_IPV4POOL_BLOCK_SIZE', value: String(v.pool.blockSize) },
                { name: 'CALICO_IPV4POOL_IPIP', value: modes.ipip },
                { name: 'CALICO_IPV4POOL_VXLAN', value: modes.vxlan },
                { name: ENV.healthPort, value: String(PORTS.health) },
              ],
              securityContext: { privileged: true },
              resources: { requests: { cpu: '250m' } },
              livenessProbe: probe('/liveness'),
              readinessProbe: probe('/readiness'),
              volumeMounts: [
                { name: 'lib-modules', mountPath: HOST_PATHS.libModules, readOnly: true },
                { name: 'xtables-lock', mountPath: HOST_PATHS.xtablesLock },
                { name: 'var-run-gingham', mountPath: HOST_PATHS.varRun },
                { name: 'var-lib-gingham', mountPath: HOST_PATHS.varLib },
                { name: 'var-log-gingham', mountPath: HOST_PATHS.log },
                { name: 'netns', mountPath: HOST_PATHS.netns, mountPropagation: 'HostToContainer' },
                { name: 'cni-net-dir', mountPath: PATHS.cniConfDir },
                ...etcd.mounts,
              ],
            },
          ],
          volumes: [
            hostPath('lib-modules', HOST_PATHS.libModules),
            hostPath('xtables-lock', HOST_PATHS.xtablesLock, 'FileOrCreate'),
            hostPath('var-run-gingham', HOST_PATHS.varRun, 'DirectoryOrCreate'),
            hostPath('var-lib-gingham', HOST_PATHS.varLib, 'DirectoryOrCreate'),
            hostPath('var-log-gingham', HOST_PATHS.log, 'DirectoryOrCreate'),
            hostPath('netns', HOST_PATHS.netns, 'DirectoryOrCreate'),
            hostPath('cni-bin-dir', PATHS.cniBinDir, 'DirectoryOrCreate'),
            hostPath('cni-net-dir', PATHS.cniConfDir, 'DirectoryOrCreate'),
            ...etcd.volumes,
          ],
        },
      },
    },
  };
}

function deployment(v: ChartValues): K8sObject {
  const etcd = etcdVolume(v);
  const rr = v.routeReflectors;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(v, CONTROLLERS_APP, CONTROLLERS_APP),
    spec: {
      replicas: 1,
      strategy: { type: 'Recreate' },
      selector: { matchLabels: { 'k8s-app': CONTROLLERS_APP } },
      template: {
        metadata: { labels: { 'k8s-app': CONTROLLERS_APP } },
        spec: {
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          tolerations: [
            { key: 'CriticalAddonsOnly', operator: 'Exists' },
            { key: 'node-role.kubernetes.io/master', effect: 'NoSchedule' },
            { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' },
          ],
          serviceAccountName: rbacName('kube-controllers'),
          priorityClassName: 'system-cluster-critical',
          securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
          // etcd mode reaches etcd from the host network, as Calico's etcd manifest does.
          ...(v.datastore.type === 'etcd' ? { hostNetwork: true } : {}),
          containers: [
            {
              // The kubelet probes the pod's address (its host's in etcd mode), so health listens on every address.
              ...container(v, 'gingham-kube-controllers', ['controllers', 'run', '--health-port', String(PORTS.controllersHealth), '--health-host', '0.0.0.0']),
              env: [
                ...datastoreEnv(v),
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                // The leader-election Lease lives in the release's namespace.
                { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                { name: 'ROUTE_REFLECTORS_ENABLED', value: String(rr.enabled) },
                ...(rr.enabled
                  ? [
                      { name: 'ROUTE_REFLECTORS_PER_ZONE', value: String(rr.perZone) },
                      { name: 'ROUTE_REFLECTORS_ZONE_LABEL', value: rr.zoneLabel },
                      { name: 'ROUTE_REFLECTORS_NODE_SELECTOR', value: rr.nodeSelector },
                      { name: 'ROUTE_REFLECTORS_CLUSTER_ID', value: rr.clusterID },
                    ]
                  : []),
              ],
              ports: [
                { name: 'metrics', containerPort: PORTS.controllersMetrics, protocol: 'TCP' },
                { name: 'health', containerPort: PORTS.controllersHealth, protocol: 'TCP' },
              ],
              livenessProbe: httpProbe('/liveness', PORTS.controllersHealth),
              readinessProbe: httpProbe('/readiness', PORTS.controllersHealth),
              securityContext: { runAsNonRoot: true, runAsUser: 999, allowPrivilegeEscalation: false },
              volumeMounts: [...etcd.mounts],
            },
          ],
          volumes: [...etcd.volumes],
        },
      },
    },
  };
}

/** Every object of the chart, CRDs excluded (Helm installs crds/ itself; gen-chart adds them to manifests/gingham.yaml). */
export function renderManifests(v: ChartValues): K8sObject[] {
  const data: Record<string, string> = {
    datastore_type: v.datastore.type === 'etcd' ? 'etcdv3' : 'kubernetes',
    veth_mtu: String(v.mtu),
  };
  if (v.datastore.type === 'etcd') data.etcd_endpoints = v.datastore.etcd.endpoints.join(',');
  return [
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: meta(v, CONTROLLERS_APP, CONTROLLERS_APP),
      spec: { maxUnavailable: 1, selector: { matchLabels: { 'k8s-app': CONTROLLERS_APP } } },
    },
    ...RBAC_PROCESSES.map((p): K8sObject => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(v, rbacName(p)) })),
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(v, CONFIG_MAP), data },
    ...RBAC_PROCESSES.map(clusterRole),
    ...RBAC_PROCESSES.map((p) => binding(v, p)),
    daemonSet(v),
    deployment(v),
  ];
}
