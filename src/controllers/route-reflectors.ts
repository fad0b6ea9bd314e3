// Automatic route reflectors, the decision half (Gingham's answer to projectcalico/calico#2382 and
// kube-controllers#482). Prior art: the community operator mhmxs/calico-route-reflector-operator sizes reflectors per
// zone from min/max/ratio of the node count, labels nodes and leaves the BGPPeers to the user; the closed RR-operator
// PRs kube-controllers#511/#514 had zone and incompatible-node labels. Here the count per zone is fixed (perZone), a
// node selector says who may serve, and the controller also keeps the BGPPeer and the mesh.
// A pure function from the Calico Nodes (with what Kubernetes says of their readiness) and the configuration to the
// reflectors that should exist and the changes that make it so; route-reflectors-apply.ts writes them.
//
// What "true" means (the tutorial's manual steps, kept automatically):
// - every chosen reflector carries the label `route-reflector=true` and spec.bgp.routeReflectorClusterID = clusterID;
//   a node that carries the label but is not chosen loses both (the label is the controller's while the feature is on);
// - one BGPPeer `gingham-route-reflectors` {nodeSelector: all(), peerSelector: route-reflector == 'true'}: every node
//   peers with every reflector, so reflectors peer with each other as non-clients (same cluster ID) and each reflector
//   learns every client's routes directly;
// - BGPConfiguration `default` has nodeToNodeMeshEnabled false while at least one reflector is chosen, and true when
//   none can be (no eligible node): the cluster falls back to the mesh rather than losing its routes.
//
// The choice (stable, so reflectors do not move while they are fine):
// 1. Eligible: the node matches nodeSelector, has a BGP address (spec.bgp.ipv4Address or ipv6Address), is not known
//    to be unready (Kubernetes Ready condition False/Unknown) and is not going away (etcd mode: its Kubernetes Node is
//    gone). Missing readiness data counts as ready (a node without a Kubernetes Node, as in the lab).
// 2. Nodes are grouped by the value of zoneLabel (no label: the zone "").
// 3. In each zone, reflectors that are still eligible are kept (by name, up to perZone); the rest of the zone's quota
//    is filled with eligible nodes in name order. A reflector is never moved to make room for a "better" node.
import { compileSelector } from '../api/selector';
import type { CalicoNode } from '../api/kind-node';
import type { BGPPeerSpec } from '../api/kind-bgp-peer';

export const RR_LABEL = 'route-reflector';
export const RR_LABEL_VALUE = 'true';
export const RR_PEER_NAME = 'gingham-route-reflectors';
export const RR_PEER_SPEC: Readonly<BGPPeerSpec> = { nodeSelector: 'all()', peerSelector: `${RR_LABEL} == '${RR_LABEL_VALUE}'` };

export interface RouteReflectorConfig {
  readonly enabled: boolean;
  /** Reflectors per zone (>= 1). */
  readonly perZone: number;
  /** The node label whose value is the zone; nodes without it share the zone "". */
  readonly zoneLabel: string;
  /** Calico selector over node labels: which nodes may serve. */
  readonly nodeSelector: string;
  /** spec.bgp.routeReflectorClusterID of every reflector. */
  readonly clusterID: string;
}

export const DEFAULT_ROUTE_REFLECTOR_CONFIG: RouteReflectorConfig = {
  enabled: false,
  perZone: 2,
  zoneLabel: 'topology.kubernetes.io/zone',
  nodeSelector: 'all()',
  clusterID: '244.0.0.1',
};

/** One node as the choice sees it. */
export interface RrNode {
  readonly node: CalicoNode;
  /** false: Kubernetes says NotReady/Unknown, or its Kubernetes Node is gone; undefined: nothing known (counts as ready). */
  readonly ready?: boolean;
}

export interface RrNodeChange {
  readonly name: string;
  /** true: make it a reflector (label + cluster ID); false: make it a client (remove both). */
  readonly reflector: boolean;
}

export interface RrPlan {
  /** The chosen reflectors, sorted by name. */
  readonly reflectors: readonly string[];
  /** Zone -> its chosen reflectors (for logs and status). */
  readonly zones: ReadonlyMap<string, readonly string[]>;
  /** Nodes to turn into reflectors or back into clients. */
  readonly changes: readonly RrNodeChange[];
  /** The mesh setting the BGPConfiguration `default` should have. */
  readonly meshEnabled: boolean;
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** True when the node carries both halves of being a reflector as this configuration wants it. */
export function isConfiguredReflector(n: CalicoNode, clusterID: string): boolean {
  return n.metadata.labels?.[RR_LABEL] === RR_LABEL_VALUE && n.spec?.bgp?.routeReflectorClusterID === clusterID;
}

const hasLabel = (n: CalicoNode): boolean => n.metadata.labels?.[RR_LABEL] === RR_LABEL_VALUE;
const hasAddress = (n: CalicoNode): boolean => !!(n.spec?.bgp?.ipv4Address || n.spec?.bgp?.ipv6Address);

/** The decision (see the file comment). Throws SelectorError on a bad nodeSelector (config parsing checks it first). */
export function planRouteReflectors(nodes: readonly RrNode[], cfg: RouteReflectorConfig): RrPlan {
  const selector = compileSelector(cfg.nodeSelector);
  const eligible = (n: RrNode): boolean => n.ready !== false && hasAddress(n.node) && selector.matches(n.node.metadata.labels ?? {});
  const zonesOf = new Map<string, RrNode[]>();
  for (const n of [...nodes].sort((a, b) => byName(a.node.metadata.name, b.node.metadata.name))) {
    const zone = n.node.metadata.labels?.[cfg.zoneLabel] ?? '';
    zonesOf.set(zone, [...(zonesOf.get(zone) ?? []), n]);
  }
  const zones = new Map<string, string[]>();
  for (const [zone, members] of [...zonesOf].sort(([a], [b]) => byName(a, b))) {
    const ok = members.filter(eligible);
    const kept = ok.filter((n) => hasLabel(n.node)).slice(0, cfg.perZone);
    const added = ok.filter((n) => !hasLabel(n.node)).slice(0, cfg.perZone - kept.length);
    const chosen = [...kept, ...added].map((n) => n.node.metadata.name).sort(byName);
    if (chosen.length > 0) zones.set(zone, chosen);
  }
  const reflectors = [...zones.values()].flat().sort(byName);
  const want = new Set(reflectors);
  const changes: RrNodeChange[] = [];
  for (const n of nodes) {
    const name = n.node.metadata.name;
    if (want.has(name) && !isConfiguredReflector(n.node, cfg.clusterID)) changes.push({ name, reflector: true });
    else if (!want.has(name) && (hasLabel(n.node) || n.node.spec?.bgp?.routeReflectorClusterID !== undefined)) changes.push({ name, reflector: false });
  }
  changes.sort((a, b) => byName(a.name, b.name));
  return { reflectors, zones, changes, meshEnabled: reflectors.length === 0 };
}

/** The node with a change applied (the apply step re-applies it to the fresh copy inside its compare-and-swap loop). */
export function withReflectorRole(n: CalicoNode, reflector: boolean, clusterID: string): CalicoNode {
  const labels = { ...(n.metadata.labels ?? {}) };
  const bgp = { ...(n.spec?.bgp ?? {}) };
  if (reflector) {
    labels[RR_LABEL] = RR_LABEL_VALUE;
    bgp.routeReflectorClusterID = clusterID;
  } else {
    delete labels[RR_LABEL];
    delete bgp.routeReflectorClusterID;
  }
  const { bgp: _old, ...rest } = n.spec ?? {};
  return { ...n, metadata: { ...n.metadata, labels }, spec: Object.keys(bgp).length === 0 ? rest : { ...rest, bgp } };
}
