// The v3 Node ⇄ the Kubernetes Node, as Calico's Kubernetes datastore maps them (libcalico-go
// backend/k8s/resources/node.go): Calico keeps no Node object of its own; its fields live on the core Node as
// projectcalico.org/* annotations, and its labels are the Kubernetes labels merged over Calico-only labels (kept in
// the projectcalico.org/labels annotation; the Kubernetes ones are echoed in projectcalico.org/kube-labels so a
// write-back can tell them apart). Pure functions; the Kubernetes labels themselves are never written back.
import { formatAsn, parseAsn } from '../../api/asn';
import type { CalicoNode, NodeSpec, NodeStatus } from '../../api/kind-node';
import { tryParseCidr, tryParseIp } from '../../lib/ip';
import { API_VERSION } from '../types';
import { jsonClone } from './convert';
import type { KubeObject } from './kube-api';

export const NODE_ANNOTATIONS = {
  ipv4Address: 'projectcalico.org/IPv4Address',
  ipv6Address: 'projectcalico.org/IPv6Address',
  asNumber: 'projectcalico.org/ASNumber',
  routeReflectorClusterID: 'projectcalico.org/RouteReflectorClusterID',
  ipv4IPIPTunnelAddr: 'projectcalico.org/IPv4IPIPTunnelAddr',
  ipv4VXLANTunnelAddr: 'projectcalico.org/IPv4VXLANTunnelAddr',
  vxlanTunnelMACAddr: 'projectcalico.org/VXLANTunnelMACAddr',
  ipv6VXLANTunnelAddr: 'projectcalico.org/IPv6VXLANTunnelAddr',
  vxlanTunnelMACAddrV6: 'projectcalico.org/VXLANTunnelMACAddrV6',
  wireguardIPv4: 'projectcalico.org/IPv4WireguardInterfaceAddr',
  wireguardIPv6: 'projectcalico.org/IPv6WireguardInterfaceAddr',
  wireguardPublicKey: 'projectcalico.org/WireguardPublicKey',
  wireguardPublicKeyV6: 'projectcalico.org/WireguardPublicKeyV6',
  labels: 'projectcalico.org/labels',
  annotations: 'projectcalico.org/annotations',
  kubeLabels: 'projectcalico.org/kube-labels',
} as const;

/** Every annotation this file owns on the Kubernetes Node (rewritten on each write-back). */
const OWNED = new Set<string>(Object.values(NODE_ANNOTATIONS).filter((a) => a !== NODE_ANNOTATIONS.kubeLabels));

function jsonMap(text: string | undefined): Record<string, string> {
  if (!text) return {};
  try {
    const v = JSON.parse(text) as unknown;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return {};
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return {};
  }
}

interface KubeNodeShape {
  spec?: { podCIDRs?: string[] };
  status?: { addresses?: Array<{ type?: string; address?: string }> };
}

const MAC_RE = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;

function ipOf(family: 4 | 6, allowCidr: boolean): (v: string) => boolean {
  return (v) => (tryParseIp(v)?.family ?? (allowCidr ? tryParseCidr(v)?.family : undefined)) === family;
}

/**
 * What each annotation must hold to be read. A hand-set invalid value is ignored on read, as Calico ignores it
 * (libcalico-go backend/k8s/resources/node.go K8sNodeToCalico logs and skips an unparsable AS number): shown as a
 * value it would fail the v3 Node's validation and block every later edit of the Node. The next write-back
 * rewrites the annotation from the (valid) v3 Node.
 */
const VALID: Readonly<Record<string, (v: string) => boolean>> = {
  [NODE_ANNOTATIONS.ipv4Address]: ipOf(4, true),
  [NODE_ANNOTATIONS.ipv6Address]: ipOf(6, true),
  [NODE_ANNOTATIONS.ipv4IPIPTunnelAddr]: ipOf(4, false),
  [NODE_ANNOTATIONS.ipv4VXLANTunnelAddr]: ipOf(4, false),
  [NODE_ANNOTATIONS.ipv6VXLANTunnelAddr]: ipOf(6, false),
  [NODE_ANNOTATIONS.wireguardIPv4]: ipOf(4, false),
  [NODE_ANNOTATIONS.wireguardIPv6]: ipOf(6, false),
  [NODE_ANNOTATIONS.routeReflectorClusterID]: ipOf(4, false),
  [NODE_ANNOTATIONS.vxlanTunnelMACAddr]: (v) => MAC_RE.test(v),
  [NODE_ANNOTATIONS.vxlanTunnelMACAddrV6]: (v) => MAC_RE.test(v),
};

/** The v3 Node a Kubernetes Node represents. */
export function nodeFromKubernetes(k8s: KubeObject): CalicoNode {
  const m = k8s.metadata;
  const a = m.annotations ?? {};
  const get = (k: string): string | undefined => {
    const v = a[k];
    if (v === undefined || v === '') return undefined;
    const ok = VALID[k];
    return ok === undefined || ok(v) ? v : undefined;
  };
  const kubeLabels = m.labels ?? {};
  // Kubernetes labels take precedence over Calico labels of the same name (as kube-controllers syncs them).
  const labels = { ...jsonMap(a[NODE_ANNOTATIONS.labels]), ...kubeLabels };
  const annotations = { ...jsonMap(a[NODE_ANNOTATIONS.annotations]), [NODE_ANNOTATIONS.kubeLabels]: JSON.stringify(kubeLabels) };

  const bgp: NonNullable<NodeSpec['bgp']> = {};
  const v4 = get(NODE_ANNOTATIONS.ipv4Address);
  const v6 = get(NODE_ANNOTATIONS.ipv6Address);
  const asn = parseAsn(get(NODE_ANNOTATIONS.asNumber));
  const rr = get(NODE_ANNOTATIONS.routeReflectorClusterID);
  const ipip = get(NODE_ANNOTATIONS.ipv4IPIPTunnelAddr);
  if (v4) bgp.ipv4Address = v4;
  if (v6) bgp.ipv6Address = v6;
  if (asn !== undefined) bgp.asNumber = asn;
  if (rr) bgp.routeReflectorClusterID = rr;
  if (ipip) bgp.ipv4IPIPTunnelAddr = ipip;

  const spec: NodeSpec = {};
  if (Object.keys(bgp).length > 0) spec.bgp = bgp;
  const tunnel: Array<[keyof NodeSpec, string]> = [
    ['ipv4VXLANTunnelAddr', NODE_ANNOTATIONS.ipv4VXLANTunnelAddr],
    ['vxlanTunnelMACAddr', NODE_ANNOTATIONS.vxlanTunnelMACAddr],
    ['ipv6VXLANTunnelAddr', NODE_ANNOTATIONS.ipv6VXLANTunnelAddr],
    ['vxlanTunnelMACAddrV6', NODE_ANNOTATIONS.vxlanTunnelMACAddrV6],
  ];
  for (const [field, ann] of tunnel) {
    const v = get(ann);
    if (v) (spec as Record<string, unknown>)[field] = v;
  }
  const wg4 = get(NODE_ANNOTATIONS.wireguardIPv4);
  const wg6 = get(NODE_ANNOTATIONS.wireguardIPv6);
  if (wg4 || wg6) spec.wireguard = { ...(wg4 ? { interfaceIPv4Address: wg4 } : {}), ...(wg6 ? { interfaceIPv6Address: wg6 } : {}) };
  spec.orchRefs = [{ nodeName: m.name ?? '', orchestrator: 'k8s' }];
  const addresses: NonNullable<NodeSpec['addresses']> = [];
  if (v4) addresses.push({ address: v4, type: 'CalicoNodeIP' });
  if (v6) addresses.push({ address: v6, type: 'CalicoNodeIP' });
  for (const addr of (k8s as KubeNodeShape).status?.addresses ?? []) {
    if (!addr.address) continue;
    if (addr.type === 'InternalIP' || addr.type === 'ExternalIP') addresses.push({ address: addr.address, type: addr.type });
  }
  if (addresses.length > 0) spec.addresses = addresses;

  const status: NodeStatus = {};
  const key4 = get(NODE_ANNOTATIONS.wireguardPublicKey);
  const key6 = get(NODE_ANNOTATIONS.wireguardPublicKeyV6);
  if (key4) status.wireguardPublicKey = key4;
  if (key6) status.wireguardPublicKeyV6 = key6;
  const podCIDRs = (k8s as KubeNodeShape).spec?.podCIDRs;
  if (podCIDRs && podCIDRs.length > 0) status.podCIDRs = [...podCIDRs];

  return {
    apiVersion: API_VERSION,
    kind: 'Node',
    metadata: {
      name: m.name ?? '',
      ...(Object.keys(labels).length > 0 ? { labels } : {}),
      annotations,
      ...(m.resourceVersion !== undefined ? { resourceVersion: m.resourceVersion } : {}),
      ...(m.uid !== undefined ? { uid: m.uid } : {}),
      ...(m.creationTimestamp !== undefined ? { creationTimestamp: m.creationTimestamp } : {}),
    },
    spec,
    ...(Object.keys(status).length > 0 ? { status } : {}),
  } as CalicoNode;
}

/**
 * The Kubernetes Node after writing a v3 Node into it: the Calico annotations are rewritten from the v3 Node (absent
 * fields remove theirs), other annotations and the Kubernetes labels are left alone. Labels the v3 Node inherited
 * from Kubernetes (named in kube-labels with the same value) are not copied into projectcalico.org/labels.
 * resourceVersion is the v3 Node's (compare-and-swap), or the Kubernetes Node's when the v3 Node has none.
 */
export function mergeNodeIntoKubernetes(node: CalicoNode, k8s: KubeObject): KubeObject {
  const out = jsonClone(k8s);
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(out.metadata.annotations ?? {})) if (!OWNED.has(k) && k !== NODE_ANNOTATIONS.kubeLabels) annotations[k] = v;
  const set = (k: string, v: string | undefined): void => {
    if (v !== undefined && v !== '') annotations[k] = v;
  };

  const v3Annotations: Record<string, string> = { ...(node.metadata.annotations ?? {}) };
  const inherited = jsonMap(v3Annotations[NODE_ANNOTATIONS.kubeLabels]);
  delete v3Annotations[NODE_ANNOTATIONS.kubeLabels];
  const kubeLabels = out.metadata.labels ?? {};
  const calicoLabels: Record<string, string> = {};
  for (const [k, v] of Object.entries(node.metadata.labels ?? {})) {
    // An inherited or shadowed Kubernetes label is not a Calico label: Kubernetes owns it.
    if (inherited[k] === v || kubeLabels[k] !== undefined) continue;
    calicoLabels[k] = v;
  }
  if (Object.keys(calicoLabels).length > 0) set(NODE_ANNOTATIONS.labels, JSON.stringify(calicoLabels));
  if (Object.keys(v3Annotations).length > 0) set(NODE_ANNOTATIONS.annotations, JSON.stringify(v3Annotations));

  const s = node.spec ?? {};
  const asn = s.bgp?.asNumber === undefined ? undefined : parseAsn(s.bgp.asNumber);
  set(NODE_ANNOTATIONS.ipv4Address, s.bgp?.ipv4Address);
  set(NODE_ANNOTATIONS.ipv6Address, s.bgp?.ipv6Address);
  set(NODE_ANNOTATIONS.asNumber, asn === undefined ? undefined : formatAsn(asn));
  set(NODE_ANNOTATIONS.routeReflectorClusterID, s.bgp?.routeReflectorClusterID);
  set(NODE_ANNOTATIONS.ipv4IPIPTunnelAddr, s.bgp?.ipv4IPIPTunnelAddr);
  set(NODE_ANNOTATIONS.ipv4VXLANTunnelAddr, s.ipv4VXLANTunnelAddr);
  set(NODE_ANNOTATIONS.vxlanTunnelMACAddr, s.vxlanTunnelMACAddr);
  set(NODE_ANNOTATIONS.ipv6VXLANTunnelAddr, s.ipv6VXLANTunnelAddr);
  set(NODE_ANNOTATIONS.vxlanTunnelMACAddrV6, s.vxlanTunnelMACAddrV6);
  set(NODE_ANNOTATIONS.wireguardIPv4, s.wireguard?.interfaceIPv4Address);
  set(NODE_ANNOTATIONS.wireguardIPv6, s.wireguard?.interfaceIPv6Address);
  set(NODE_ANNOTATIONS.wireguardPublicKey, node.status?.wireguardPublicKey);
  set(NODE_ANNOTATIONS.wireguardPublicKeyV6, node.status?.wireguardPublicKeyV6);

  out.metadata.annotations = annotations;
  if (node.metadata.resourceVersion) out.metadata.resourceVersion = node.metadata.resourceVersion;
  return out;
}
