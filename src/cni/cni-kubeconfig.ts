// The kubeconfig the installed CNI plugins use in Kubernetes mode, written by `gingham cni install` in the node
// DaemonSet's init container as Calico's install-cni writes calico-kubeconfig (cni-plugin/pkg/install/install.go
// writeKubeconfig / calculateKubeconfig): the API server as the pod sees it (KUBERNETES_SERVICE_HOST/PORT), the
// in-cluster CA, and a token of the CNI plugin's own ServiceAccount from a TokenRequest the node's ServiceAccount may
// make (RBAC serviceaccounts/token create, resourceNames gingham-cni-plugin), file mode 0600. Pure text.

/** File name in the CNI configuration directory (Calico: calico-kubeconfig). */
export const CNI_KUBECONFIG_NAME = 'gingham-kubeconfig';
/** The ServiceAccount whose token the kubeconfig carries (the chart's; Calico: calico-cni-plugin). */
export const CNI_SERVICE_ACCOUNT = 'gingham-cni-plugin';
/** Lifetime asked for in the TokenRequest (Calico's CNI token: 24 h). */
export const CNI_TOKEN_SECONDS = 24 * 60 * 60;

export interface CniKubeconfigInput {
  /** https://host:port */
  readonly server: string;
  readonly token: string;
  /** The CA certificate (PEM); absent: insecure-skip-tls-verify, as Calico's SKIP_TLS_VERIFY=true. */
  readonly ca?: Buffer;
}

export function cniKubeconfig(i: CniKubeconfigInput): string {
  const tls = i.ca !== undefined ? `certificate-authority-data: ${i.ca.toString('base64')}` : 'insecure-skip-tls-verify: true';
  return [
    '# Kubeconfig file for the Gingham CNI plugin (written by gingham cni install).',
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: local',
    '  cluster:',
    `    server: ${i.server}`,
    `    ${tls}`,
    'users:',
    '- name: gingham',
    '  user:',
    `    token: ${i.token}`,
    'contexts:',
    '- name: gingham-context',
    '  context:',
    '    cluster: local',
    '    user: gingham',
    'current-context: gingham-context',
    '',
  ].join('\n');
}
