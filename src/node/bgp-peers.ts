// Which BGP sessions this node should have, computed from the cluster's resources (Node, BGPPeer, BGPConfiguration)
// the way Calico's confd computes BIRD's peers (confd/pkg/backends/calico/client.go updatePeersV1, rendered by
// confd/etc/calico/confd/templates/bird.cfg.template). Pure: the node agent calls
// it on every change and hands the result to the speaker, which adds, removes or changes only the peers that differ.
//
// - Node-to-node mesh: unless BGPConfiguration default says nodeToNodeMeshEnabled: false, every node without a
//   routeReflectorClusterID peers with every other such node. Only the side with the lower address connects (the
//   other is passive), so each pair has one TCP connection to agree on.
// - BGPPeers apply to one node (`node`), to the nodes `nodeSelector` picks, or to every node (neither). The remote is
//   `peerIP` + `asNumber`, or each Calico node `peerSelector` picks. A node-specific peering to an address that a
//   global BGPPeer already covers is dropped.
// - Reverse peering (unless reversePeering: Manual): a node that a BGPPeer's peerSelector (or peerIP) points at
//   peers back with the nodes that BGPPeer applies to, so Calico-node sessions are always configured on both ends.
// - Route reflection: on a node with a routeReflectorClusterID, an iBGP peer whose cluster ID is empty or different
//   is a route-reflector client. eBGP peers never are.
// - A peering that needs a password (TCP MD5) is listed but not started: it is reported with the reason and is never
//   brought up without its password.
import { parseAsn } from '../api/asn';
import { parseDuration } from '../api/duration';
import { PORTS } from '../api/well-known';
import type { BGPConfiguration } from '../api/kind-bgp-configuration';
import type { BGPPeer } from '../api/kind-bgp-peer';
import type { CalicoNode } from '../api/kind-node';
import { compileSelector } from '../api/selector';
import { parseIp, tryParseIp } from '../lib/ip';
import { describeError } from '../lib/errors';

export const DEFAULT_ASN = 64512;
export const DEFAULT_BGP_PORT = PORTS.bgp;

export type PeerType = 'node-to-node mesh' | 'global' | 'node specific';

export interface DesiredPeer {
  /** BIRD-style protocol name, as `calicoctl node status` users know them: Mesh_10_0_0_15, Global_..., Node_... */
  readonly name: string;
  readonly type: PeerType;
  readonly address: string;
  readonly port: number;
  readonly asn: number;
  readonly localAsn: number;
  /** Source address of outbound connections (sourceAddress UseNodeIP: this node's address). */
  readonly localAddress?: string;
  readonly passive: boolean;
  readonly routeReflectorClient: boolean;
  /** Seconds, when the BGPPeer sets keepaliveTime. */
  readonly keepaliveTime?: number;
  /** Seconds the peer may take to restart (graceful restart), when set. */
  readonly maxRestartTime?: number;
  readonly nextHopMode?: 'auto' | 'self' | 'keep';
  readonly allowOwnAs?: number;
  readonly filters: readonly string[];
  /** The peer is a Calico node (its address is a Node's). */
  readonly calicoNode: boolean;
  /** Why this peering must not be started, when it must not (e.g. it needs a TCP MD5 password). */
  readonly notStarted?: string;
}

export interface PeerComputation {
  /** This node's BGP identity, or why it has none (then `peers` is empty). */
  readonly local?: { readonly address: string; readonly asn: number; readonly routerId: string; readonly clusterId?: string; readonly listenPort: number };
  readonly reason?: string;
  readonly peers: readonly DesiredPeer[];
  /** Resources that could not be used (bad selector, missing AS), with why. */
  readonly problems: readonly string[];
}

export interface PeerInputs {
  readonly nodeName: string;
  readonly nodes: readonly CalicoNode[];
  readonly peers: readonly BGPPeer[];
  readonly configs: readonly BGPConfiguration[];
}

interface NodeView {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly address?: string;
  readonly asn?: number;
  readonly clusterId?: string;
}

function nodeView(n: CalicoNode): NodeView {
  const bgp = n.spec?.bgp;
  const address = bgp?.ipv4Address?.split('/')[0];
  const asn = bgp?.asNumber === undefined ? undefined : parseAsn(bgp.asNumber);
  return {
    name: n.metadata.name,
    labels: n.metadata.labels ?? {},
    ...(address !== undefined && tryParseIp(address) ? { address } : {}),
    ...(asn !== undefined ? { asn } : {}),
    ...(bgp?.routeReflectorClusterID ? { clusterId: bgp.routeReflectorClusterID } : {}),
  };
}

/** Numeric order of two addresses of one family (not string order: "10.0.0.9" < "10.0.0.15"). */
function lower(a: string, b: string): boolean {
  return parseIp(a).value < parseIp(b).value;
}

const protocolName = (prefix: string, ip: string, port: number): string => `${prefix}_${ip.replace(/[.:]/g, '_')}${port !== DEFAULT_BGP_PORT ? `_port_${port}` : ''}`;

function seconds(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  return ms === undefined ? undefined : Math.round(ms / 1000);
}

export function computePeers(input: PeerInputs): PeerComputation {
  const problems: string[] = [];
  const global = input.configs.find((c) => c.metadata.name === 'default')?.spec ?? {};
  const perNode = input.configs.find((c) => c.metadata.name === `node.${input.nodeName}`)?.spec ?? {};
  const globalAsn = (global.asNumber !== undefined ? parseAsn(global.asNumber) : undefined) ?? DEFAULT_ASN;
  const listenPort = perNode.listenPort ?? global.listenPort ?? DEFAULT_BGP_PORT;
  const nodes = input.nodes.map(nodeView);
  const self = nodes.find((n) => n.name === input.nodeName);
  if (self === undefined) return { reason: `no Node resource named ${input.nodeName}`, peers: [], problems };
  if (self.address === undefined) return { reason: `Node ${self.name} has no spec.bgp.ipv4Address`, peers: [], problems };
  const myAddr = self.address;
  const myAsn = self.asn ?? globalAsn;
  const asnOf = (n: NodeView): number => n.asn ?? globalAsn;
  const byAddress = new Map(nodes.filter((n) => n.address !== undefined).map((n) => [n.address as string, n]));

  const out = new Map<string, DesiredPeer>();
  const add = (p: DesiredPeer): void => {
    // One session per remote address: the first (mesh, then global, then node specific) wins.
    if (!out.has(p.address)) out.set(p.address, p);
  };
  const rrClient = (peerAsn: number, peerClusterId: string | undefined, localAsn: number): boolean =>
    self.clusterId !== undefined && peerAsn === localAsn && peerClusterId !== self.clusterId;

  // Mesh.
  const meshEnabled = global.nodeToNodeMeshEnabled !== false;
  if (meshEnabled && self.clusterId === undefined) {
    const meshPassword = global.nodeMeshPassword?.secretKeyRef !== undefined;
    const restart = seconds(global.nodeMeshMaxRestartTime);
    for (const n of nodes) {
      if (n.name === self.name || n.address === undefined || n.clusterId !== undefined) continue;
      const port = listenPort;
      add({
        name: protocolName('Mesh', n.address, port),
        type: 'node-to-node mesh',
        address: n.address,
        port,
        asn: asnOf(n),
        localAsn: myAsn,
        localAddress: myAddr,
        passive: lower(n.address, myAddr),
        routeReflectorClient: false,
        ...(restart !== undefined ? { maxRestartTime: restart } : {}),
        filters: [],
        calicoNode: true,
        ...(meshPassword ? { notStarted: 'nodeMeshPassword needs TCP MD5, which Gingham does not support yet' } : {}),
      });
    }
  }

  const matches = (sel: string | undefined, labels: Record<string, string>, owner: string): boolean => {
    if (sel === undefined) return false;
    try {
      return compileSelector(sel).matches(labels);
    } catch (err) {
      problems.push(`${owner}: ${describeError(err)}`);
      return false;
    }
  };
  const appliesTo = (p: BGPPeer, n: NodeView): boolean => {
    const s = p.spec ?? {};
    if (s.node !== undefined) return s.node === n.name;
    if (s.nodeSelector !== undefined) return matches(s.nodeSelector, n.labels, `BGPPeer ${p.metadata.name}: spec.nodeSelector`);
    return true;
  };

  // BGPPeers: global ones first, so a node-specific duplicate of a global peering is the one dropped.
  const ordered = [...input.peers].sort((a, b) => Number(isNodeScoped(a)) - Number(isNodeScoped(b)) || a.metadata.name.localeCompare(b.metadata.name));
  const forward = (p: BGPPeer, remote: { address: string; port: number; asn: number; node?: NodeView }): void => {
    const s = p.spec ?? {};
    const type: PeerType = isNodeScoped(p) ? 'node specific' : 'global';
    const localAsn = (s.localASNumber !== undefined ? parseAsn(s.localASNumber) : undefined) ?? myAsn;
    const ebgp = remote.asn !== localAsn;
    const nextHopMode = s.nextHopMode === 'Self' ? 'self' : s.nextHopMode === 'Keep' || (s.keepOriginalNextHop && ebgp) ? 'keep' : undefined;
    const keepalive = seconds(s.keepaliveTime);
    const restart = seconds(s.maxRestartTime);
    add({
      name: protocolName(type === 'global' ? 'Global' : 'Node', remote.address, remote.port),
      type,
      address: remote.address,
      port: remote.port,
      asn: remote.asn,
      localAsn,
      ...(s.sourceAddress !== 'None' ? { localAddress: myAddr } : {}),
      // A global peering with another Calico node is one-sided like the mesh; explicit peerings are never passive.
      passive: type === 'global' && remote.node !== undefined && s.peerSelector === undefined ? lower(remote.address, myAddr) : false,
      routeReflectorClient: rrClient(remote.asn, remote.node?.clusterId, localAsn),
      ...(keepalive !== undefined ? { keepaliveTime: keepalive } : {}),
      ...(restart !== undefined ? { maxRestartTime: restart } : {}),
      ...(nextHopMode !== undefined ? { nextHopMode } : {}),
      ...(s.numAllowedLocalASNumbers !== undefined ? { allowOwnAs: s.numAllowedLocalASNumbers } : {}),
      filters: s.filters ?? [],
      calicoNode: remote.node !== undefined,
      ...(s.password?.secretKeyRef !== undefined ? { notStarted: 'password needs TCP MD5, which Gingham does not support yet' } : {}),
    });
  };

  for (const p of ordered) {
    const s = p.spec ?? {};
    // Forward: this node is one the BGPPeer applies to.
    if (appliesTo(p, self)) {
      if (s.peerSelector !== undefined) {
        for (const n of nodes) {
          if (n.name === self.name || n.address === undefined) continue;
          if (matches(s.peerSelector, n.labels, `BGPPeer ${p.metadata.name}: spec.peerSelector`)) forward(p, { address: n.address, port: listenPort, asn: asnOf(n), node: n });
        }
      } else if (s.peerIP !== undefined) {
        const { ip, port } = splitPeerIp(s.peerIP);
        const node = byAddress.get(ip);
        const asn = (s.asNumber !== undefined ? parseAsn(s.asNumber) : undefined) ?? (node ? asnOf(node) : undefined);
        if (asn === undefined) problems.push(`BGPPeer ${p.metadata.name}: spec.asNumber is required with spec.peerIP ${s.peerIP}`);
        else if (ip !== myAddr) forward(p, { address: ip, port: port ?? listenPort, asn, ...(node ? { node } : {}) });
      }
    }
    // Reverse: this node is the remote end the BGPPeer names; peer back with every node it applies to.
    if (s.reversePeering === 'Manual') continue;
    const pointsAtMe =
      (s.peerSelector !== undefined && matches(s.peerSelector, self.labels, `BGPPeer ${p.metadata.name}: spec.peerSelector`)) ||
      (s.peerIP !== undefined && splitPeerIp(s.peerIP).ip === myAddr);
    if (!pointsAtMe) continue;
    for (const n of nodes) {
      if (n.name === self.name || n.address === undefined || !appliesTo(p, n)) continue;
      forward(p, { address: n.address, port: listenPort, asn: asnOf(n), node: n });
    }
  }

  const peers = [...out.values()].sort((a, b) => (lower(a.address, b.address) ? -1 : a.address === b.address ? 0 : 1));
  return {
    local: { address: myAddr, asn: myAsn, routerId: myAddr, ...(self.clusterId !== undefined ? { clusterId: self.clusterId } : {}), listenPort },
    peers,
    problems,
  };
}

function isNodeScoped(p: BGPPeer): boolean {
  return p.spec?.node !== undefined || p.spec?.nodeSelector !== undefined;
}

/** "10.0.0.1", "10.0.0.1:1790", "[fd00::1]:1790" -> address and optional port. */
export function splitPeerIp(text: string): { ip: string; port?: number } {
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(text);
  if (v6) return { ip: v6[1] as string, port: Number(v6[2]) };
  const v4 = /^([\d.]+):(\d+)$/.exec(text);
  if (v4) return { ip: v4[1] as string, port: Number(v4[2]) };
  return { ip: text };
}
