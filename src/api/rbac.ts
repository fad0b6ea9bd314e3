// What each Gingham process may do on the Kubernetes API, as data: one row per (process, API group, resources, verbs).
// The chart's ClusterRoles (src/chart/render.ts) are generated from this table, and src/chart/chart.test.ts checks that
// it equals charts/gingham/rbac/cluster-roles.yaml, the roles the e2e API-server fixture authorises requests with.
// Least privilege as Calico v3.30's roles (charts/calico/templates/calico-node-rbac.yaml,
// calico-kube-controllers-rbac.yaml): Nodes and Pods are written only through nodes/status and pods/status.
// '' is the core group.

export type RbacProcess = 'node' | 'cni-plugin' | 'kube-controllers';
export const RBAC_PROCESSES: readonly RbacProcess[] = ['node', 'cni-plugin', 'kube-controllers'];

export interface RbacRule {
  readonly process: RbacProcess;
  readonly apiGroup: string;
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
  readonly resourceNames?: readonly string[];
}

/** The ServiceAccount, ClusterRole and ClusterRoleBinding name of a process. */
export function rbacName(process: RbacProcess): string {
  return `gingham-${process}`;
}

export const RBAC_RULES: readonly RbacRule[] = [
  // node
  { process: 'node', apiGroup: '', resources: ['serviceaccounts/token'], verbs: ['create'], resourceNames: ['gingham-cni-plugin'] },
  // Calico's role also grants get on namespaces (its CNI plugin reads namespace IPAM annotations); Gingham never
  // reads a Namespace by name: the Profile view lists and watches them (src/cmd/node-rbac.test.ts).
  { process: 'node', apiGroup: '', resources: ['pods', 'nodes'], verbs: ['get'] },
  { process: 'node', apiGroup: 'discovery.k8s.io', resources: ['endpointslices'], verbs: ['watch', 'list'] },
  { process: 'node', apiGroup: '', resources: ['endpoints', 'services'], verbs: ['watch', 'list', 'get'] },
  { process: 'node', apiGroup: '', resources: ['configmaps'], verbs: ['get'] },
  { process: 'node', apiGroup: '', resources: ['nodes/status'], verbs: ['patch', 'update'] },
  { process: 'node', apiGroup: 'networking.k8s.io', resources: ['networkpolicies'], verbs: ['watch', 'list'] },
  // Kubernetes (Baseline)AdminNetworkPolicies (Calico v3.31's calico-node-rbac.yaml grants the same).
  { process: 'node', apiGroup: 'policy.networking.k8s.io', resources: ['adminnetworkpolicies', 'baselineadminnetworkpolicies'], verbs: ['watch', 'list'] },
  { process: 'node', apiGroup: '', resources: ['pods', 'namespaces', 'serviceaccounts'], verbs: ['list', 'watch'] },
  { process: 'node', apiGroup: '', resources: ['pods/status'], verbs: ['patch'] },
  { process: 'node', apiGroup: 'crd.projectcalico.org', resources: ['globalfelixconfigs', 'felixconfigurations', 'bgppeers', 'bgpfilters', 'globalbgpconfigs', 'bgpconfigurations', 'ippools', 'ipreservations', 'ipamblocks', 'globalnetworkpolicies', 'stagedglobalnetworkpolicies', 'networkpolicies', 'stagednetworkpolicies', 'stagedkubernetesnetworkpolicies', 'globalnetworksets', 'networksets', 'clusterinformations', 'hostendpoints', 'blockaffinities', 'caliconodestatuses', 'tiers'], verbs: ['get', 'list', 'watch'] },
  { process: 'node', apiGroup: 'crd.projectcalico.org', resources: ['tiers'], verbs: ['create'] },
  { process: 'node', apiGroup: 'crd.projectcalico.org', resources: ['ippools', 'felixconfigurations', 'clusterinformations'], verbs: ['create', 'update'] },
  { process: 'node', apiGroup: 'crd.projectcalico.org', resources: ['caliconodestatuses'], verbs: ['update'] },
  { process: 'node', apiGroup: '', resources: ['nodes'], verbs: ['get', 'list', 'watch'] },
  { process: 'node', apiGroup: 'crd.projectcalico.org', resources: ['bgpconfigurations', 'bgppeers'], verbs: ['create', 'update'] },
  { process: 'node', apiGroup: 'crd.projectcalico.org', resources: ['blockaffinities', 'ipamblocks', 'ipamhandles'], verbs: ['get', 'list', 'create', 'update', 'delete'] },
  { process: 'node', apiGroup: 'crd.projectcalico.org', resources: ['ipamconfigs'], verbs: ['get', 'create'] },
  { process: 'node', apiGroup: 'crd.projectcalico.org', resources: ['blockaffinities'], verbs: ['watch'] },
  { process: 'node', apiGroup: 'apps', resources: ['daemonsets'], verbs: ['get'] },
  // cni-plugin
  { process: 'cni-plugin', apiGroup: '', resources: ['pods', 'nodes', 'namespaces'], verbs: ['get'] },
  { process: 'cni-plugin', apiGroup: '', resources: ['pods/status'], verbs: ['patch'] },
  { process: 'cni-plugin', apiGroup: 'crd.projectcalico.org', resources: ['blockaffinities', 'ipamblocks', 'ipamhandles', 'clusterinformations', 'ippools', 'ipreservations', 'ipamconfigs'], verbs: ['get', 'list', 'create', 'update', 'delete'] },
  // kube-controllers
  { process: 'kube-controllers', apiGroup: '', resources: ['nodes', 'pods'], verbs: ['watch', 'list', 'get'] },
  { process: 'kube-controllers', apiGroup: '', resources: ['services', 'services/status'], verbs: ['get', 'list', 'update', 'watch'] },
  { process: 'kube-controllers', apiGroup: 'crd.projectcalico.org', resources: ['ipreservations'], verbs: ['list', 'watch'] },
  { process: 'kube-controllers', apiGroup: 'crd.projectcalico.org', resources: ['blockaffinities', 'ipamblocks', 'ipamhandles', 'ipamconfigs', 'tiers'], verbs: ['get', 'list', 'create', 'update', 'delete', 'watch'] },
  { process: 'kube-controllers', apiGroup: 'crd.projectcalico.org', resources: ['ippools'], verbs: ['list', 'watch'] },
  { process: 'kube-controllers', apiGroup: 'crd.projectcalico.org', resources: ['hostendpoints'], verbs: ['get', 'list', 'create', 'update', 'delete', 'watch'] },
  { process: 'kube-controllers', apiGroup: 'crd.projectcalico.org', resources: ['clusterinformations', 'kubecontrollersconfigurations'], verbs: ['get', 'list', 'create', 'update', 'watch'] },
  { process: 'kube-controllers', apiGroup: 'crd.projectcalico.org', resources: ['kubecontrollersconfigurations/status'], verbs: ['get', 'update'] },
  { process: 'kube-controllers', apiGroup: 'coordination.k8s.io', resources: ['leases'], verbs: ['get', 'create', 'update'] },
  // automatic route reflectors (controllers/route-reflectors*.ts): the reflector label and cluster ID on Nodes (written
  // through nodes/status, as the node agent writes), the BGPPeer gingham-route-reflectors, the mesh in BGPConfiguration.
  { process: 'kube-controllers', apiGroup: '', resources: ['nodes/status'], verbs: ['update'] },
  { process: 'kube-controllers', apiGroup: 'crd.projectcalico.org', resources: ['bgppeers', 'bgpconfigurations'], verbs: ['get', 'create', 'update'] },
];
