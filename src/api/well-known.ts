// Values that the node agent, the CNI plugin, the CLI and the deployment (DaemonSet, Helm chart) must agree on, defined
// once: ports, socket and file paths, environment variable names. The Calico equivalent of each is noted; Gingham keeps
// Calico's ports and environment names (operators' manifests carry over) and its own paths (/var/lib/gingham, not
// /var/lib/calico, so both can coexist on a host during a migration).

/** Ports. */
export const PORTS = {
  /** BGP (RFC 4271 §8.2.1). */
  bgp: 179,
  /** The node agent's /liveness and /readiness (Felix's HealthPort). */
  health: 9099,
  /** The node agent's Prometheus metrics (Felix's PrometheusMetricsPort). */
  metrics: 9091,
  /** The controllers' Prometheus metrics (kube-controllers' default). */
  controllersMetrics: 9094,
  /**
   * The controllers' /liveness and /readiness in the chart (kube-controllers' --health-port has no default: its
   * manifests probe with `check-status`; Gingham's Deployment probes over HTTP on this port).
   */
  controllersHealth: 9095,
} as const;

/** Hosts the node agent's HTTP endpoints listen on by default (Felix's HealthHost, PrometheusMetricsHost). */
export const LISTEN_HOSTS = {
  health: 'localhost',
  metrics: '0.0.0.0',
} as const;

/** Unix sockets and files on the host. */
export const PATHS = {
  /** The node agent's status API (`gingham node status`), mode 0600. */
  nodeSocket: '/var/run/gingham/node.sock',
  /** The node agent's CNI service (api/wire/cni.ts), mode 0600; the installed plugins forward to it. */
  cniSocket: '/var/run/gingham/cni.sock',
  /** The node name the agent chose, for the CNI plugin (Calico: /var/lib/calico/nodename). */
  nodenameFile: '/var/lib/gingham/nodename',
  /** The pod MTU the agent computed, for the CNI plugin (Calico: /var/lib/calico/mtu). */
  mtuFile: '/var/lib/gingham/mtu',
  /** The host-wide lock the CNI plugin holds around IPAM (Calico: /var/run/calico/ipam.lock). */
  ipamLockFile: '/var/run/gingham/ipam.lock',
  /** Where CNI network configurations and plugin binaries are installed (the CNI conventions). */
  cniConfDir: '/etc/cni/net.d',
  cniBinDir: '/opt/cni/bin',
} as const;

/** Environment variable names read by the node agent (calico-node's and Felix's where they exist). */
export const ENV = {
  nodeName: 'NODENAME',
  nodeSocket: 'GINGHAM_NODE_SOCKET',
  cniSocket: 'GINGHAM_CNI_SOCKET',
  mtuFile: 'GINGHAM_MTU_FILE',
  healthPort: 'FELIX_HEALTHPORT',
  healthHost: 'FELIX_HEALTHHOST',
  metricsEnabled: 'FELIX_PROMETHEUSMETRICSENABLED',
  metricsHost: 'FELIX_PROMETHEUSMETRICSHOST',
  metricsPort: 'FELIX_PROMETHEUSMETRICSPORT',
  /** Network policy programmed with nftables unless `off` (the default is `enforce`, as calico-node always enforces). */
  policy: 'GINGHAM_POLICY',
  datastoreType: 'DATASTORE_TYPE',
  etcdEndpoints: 'ETCD_ENDPOINTS',
  kubernetesNodeName: 'KUBERNETES_NODE_NAME',
} as const;
