import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { BGPConfiguration } from '../api/kind-bgp-configuration';
import type { BGPPeer } from '../api/kind-bgp-peer';
import type { CalicoNode } from '../api/kind-node';
import { computePeers, splitPeerIp, type DesiredPeer } from './bgp-peers';

function node(name: string, ip: string, extra: { labels?: Record<string, string>; asn?: number; clusterId?: string } = {}): CalicoNode {
  return {
    apiVersion: 'projectcalico.org/v3',
    kind: 'Node',
    metadata: { name, ...(extra.labels ? { labels: extra.labels } : {}) },
    spec: { bgp: { ipv4Address: `${ip}/24`, ...(extra.asn ? { asNumber: extra.asn } : {}), ...(extra.clusterId ? { routeReflectorClusterID: extra.clusterId } : {}) } },
  };
}
const peer = (name: string, spec: BGPPeer['spec']): BGPPeer => ({ apiVersion: 'projectcalico.org/v3', kind: 'BGPPeer', metadata: { name }, spec });
const config = (spec: BGPConfiguration['spec'], name = 'default'): BGPConfiguration => ({ apiVersion: 'projectcalico.org/v3', kind: 'BGPConfiguration', metadata: { name }, spec });

// The tutorial's cluster.
const master1 = node('master1', '10.0.0.12');
const node1 = node('node1', '10.0.0.15');
const node2 = node('node2', '10.0.0.16');
const NODES = [master1, node1, node2];

function rows(peers: readonly DesiredPeer[]): string[] {
  return peers.map((p) => `${p.name} ${p.type} AS${p.asn}${p.passive ? ' passive' : ''}${p.routeReflectorClient ? ' rr-client' : ''}${p.notStarted ? ' NOT STARTED' : ''}`);
}

function tutorial(file: string): unknown {
  return parse(readFileSync(path.join(__dirname, '..', 'api', 'testdata', 'tutorial', file), 'utf8'));
}

describe('computePeers: node-to-node mesh', () => {
  it('peers every node with every other; only the lower address connects (numeric order, not string order)', () => {
    const nodes = [...NODES, node('node9', '10.0.0.9')];
    const out = computePeers({ nodeName: 'node1', nodes, peers: [], configs: [] });
    expect(out.local).toEqual({ address: '10.0.0.15', asn: 64512, routerId: '10.0.0.15', listenPort: 179 });
    expect(rows(out.peers)).toEqual(['Mesh_10_0_0_9 node-to-node mesh AS64512 passive', 'Mesh_10_0_0_12 node-to-node mesh AS64512 passive', 'Mesh_10_0_0_16 node-to-node mesh AS64512']);
    expect(out.peers.every((p) => p.localAddress === '10.0.0.15')).toBe(true);
  });

  it('uses the global AS and per-node AS numbers, and a node without an address gets no peers (with the reason)', () => {
    const out = computePeers({ nodeName: 'master1', nodes: [master1, node('node1', '10.0.0.15', { asn: 65001 })], peers: [], configs: [config({ asNumber: 63400 })] });
    expect(rows(out.peers)).toEqual(['Mesh_10_0_0_15 node-to-node mesh AS65001']);
    expect(out.peers[0]?.localAsn).toBe(63400);
    const bare: CalicoNode = { apiVersion: 'projectcalico.org/v3', kind: 'Node', metadata: { name: 'x' }, spec: {} };
    expect(computePeers({ nodeName: 'x', nodes: [bare, node1], peers: [], configs: [] })).toMatchObject({ peers: [], reason: 'Node x has no spec.bgp.ipv4Address' });
  });

  it('a mesh with a nodeMeshPassword is listed but not started', () => {
    const out = computePeers({ nodeName: 'node1', nodes: NODES, peers: [], configs: [config({ nodeMeshPassword: { secretKeyRef: { name: 's', key: 'k' } } })] });
    expect(out.peers.every((p) => p.notStarted?.includes('TCP MD5'))).toBe(true);
  });
});

describe('computePeers: the tutorial route reflector, with its YAML verbatim', () => {
  const rr = tutorial('01-calico-reflector-master.yaml') as CalicoNode;
  // YAML reads `route-reflector: true` as a boolean; the API layer stores labels as strings.
  const rrNode: CalicoNode = { ...rr, metadata: { ...rr.metadata, labels: { 'route-reflector': 'true' } } };
  const bgpPeer = tutorial('02-calico-reflector-bgppeer.yaml') as BGPPeer;
  const meshOff = tutorial('03-calico-reflector-defaultconfig.yaml') as BGPConfiguration;
  const nodes = [rrNode, node1, node2];

  it('with the mesh still on: clients keep the mesh among themselves and add a node specific peering to the reflector', () => {
    expect(rows(computePeers({ nodeName: 'node1', nodes, peers: [bgpPeer], configs: [] }).peers)).toEqual([
      'Node_10_0_0_12 node specific AS64512',
      'Mesh_10_0_0_16 node-to-node mesh AS64512',
    ]);
    // The reflector left the mesh: it peers back with every client, as route-reflector clients.
    expect(rows(computePeers({ nodeName: 'master1', nodes, peers: [bgpPeer], configs: [] }).peers)).toEqual([
      'Node_10_0_0_15 node specific AS64512 rr-client',
      'Node_10_0_0_16 node specific AS64512 rr-client',
    ]);
  });

  it('with nodeToNodeMeshEnabled: false and AS 63400: only the reflector sessions are left', () => {
    const out = computePeers({ nodeName: 'node2', nodes, peers: [bgpPeer], configs: [meshOff] });
    expect(rows(out.peers)).toEqual(['Node_10_0_0_12 node specific AS63400']);
    expect(computePeers({ nodeName: 'master1', nodes, peers: [bgpPeer], configs: [meshOff] }).local).toMatchObject({ clusterId: '1.1.1.1', asn: 63400 });
  });

  it('reversePeering: Manual leaves the reflector side to its own BGPPeers', () => {
    const manual = peer('manual', { ...bgpPeer.spec, reversePeering: 'Manual' });
    expect(computePeers({ nodeName: 'master1', nodes, peers: [manual], configs: [meshOff] }).peers).toEqual([]);
  });
});

describe('computePeers: explicit BGPPeers', () => {
  it('a global peerIP peer (a ToR router) on every node, with its options; a node specific duplicate is dropped', () => {
    const tor = peer('tor', { peerIP: '10.0.0.1', asNumber: 65000, keepaliveTime: '20s', maxRestartTime: '2m', nextHopMode: 'Self', numAllowedLocalASNumbers: 1, filters: ['f1'] });
    const dup = peer('tor-node1', { node: 'node1', peerIP: '10.0.0.1', asNumber: 65000 });
    const out = computePeers({ nodeName: 'node1', nodes: NODES, peers: [dup, tor], configs: [config({ nodeToNodeMeshEnabled: false })] });
    expect(out.peers).toEqual([
      {
        name: 'Global_10_0_0_1',
        type: 'global',
        address: '10.0.0.1',
        port: 179,
        asn: 65000,
        localAsn: 64512,
        localAddress: '10.0.0.15',
        passive: false,
        routeReflectorClient: false,
        keepaliveTime: 20,
        maxRestartTime: 120,
        nextHopMode: 'self',
        allowOwnAs: 1,
        filters: ['f1'],
        calicoNode: false,
      },
    ]);
  });

  it('node and nodeSelector scope a peer; localASNumber, a port, sourceAddress None and a password are honoured', () => {
    const labelled = node('node2', '10.0.0.16', { labels: { rack: 'r1' } });
    const peers = [
      peer('one', { node: 'node1', peerIP: '10.0.0.1:1790', asNumber: 65000, localASNumber: 65010, sourceAddress: 'None' }),
      peer('rack', { nodeSelector: 'rack == "r1"', peerIP: '10.0.0.2', asNumber: 65000, password: { secretKeyRef: { name: 'bgp', key: 'pw' } } }),
      peer('bad', { nodeSelector: 'rack ==', peerIP: '10.0.0.3', asNumber: 65000 }),
    ];
    const n1 = computePeers({ nodeName: 'node1', nodes: [master1, node1, labelled], peers, configs: [config({ nodeToNodeMeshEnabled: false })] });
    expect(n1.peers.map((p) => [p.name, p.port, p.localAsn, p.localAddress])).toEqual([['Node_10_0_0_1_port_1790', 1790, 65010, undefined]]);
    expect(n1.problems.join('\n')).toMatch(/BGPPeer bad: spec.nodeSelector/);
    const n2 = computePeers({ nodeName: 'node2', nodes: [master1, node1, labelled], peers, configs: [config({ nodeToNodeMeshEnabled: false })] });
    expect(rows(n2.peers)).toEqual(['Node_10_0_0_2 node specific AS65000 NOT STARTED']);
  });

  it('a global peerIP that is another Calico node is one-sided like the mesh, and reverse-peered', () => {
    const p = peer('to-master', { peerIP: '10.0.0.12', asNumber: 64512 });
    const cfg = [config({ nodeToNodeMeshEnabled: false })];
    expect(rows(computePeers({ nodeName: 'node1', nodes: NODES, peers: [p], configs: cfg }).peers)).toEqual(['Global_10_0_0_12 global AS64512 passive']);
    expect(rows(computePeers({ nodeName: 'master1', nodes: NODES, peers: [p], configs: cfg }).peers)).toEqual(['Global_10_0_0_15 global AS64512', 'Global_10_0_0_16 global AS64512']);
  });

  it('an eBGP peer of a reflector is never its client; an iBGP reflector of another cluster ID is', () => {
    const rrA = node('rr-a', '10.0.0.20', { clusterId: '1.1.1.1', labels: { rr: 'a' } });
    const rrB = node('rr-b', '10.0.0.21', { clusterId: '2.2.2.2', labels: { rr: 'b' } });
    const peers = [peer('rrs', { node: 'rr-a', peerSelector: 'has(rr)' }), peer('ext', { node: 'rr-a', peerIP: '192.0.2.1', asNumber: 65099 })];
    const out = computePeers({ nodeName: 'rr-a', nodes: [rrA, rrB, node1], peers, configs: [] });
    expect(rows(out.peers)).toEqual(['Node_10_0_0_21 node specific AS64512 rr-client', 'Node_192_0_2_1 node specific AS65099']);
  });
});

describe('splitPeerIp', () => {
  it.each([
    ['10.0.0.1', { ip: '10.0.0.1' }],
    ['10.0.0.1:1790', { ip: '10.0.0.1', port: 1790 }],
    ['[fd00::1]:1790', { ip: 'fd00::1', port: 1790 }],
    ['fd00::1', { ip: 'fd00::1' }],
  ])('%s', (text, want) => {
    expect(splitPeerIp(text)).toEqual(want);
  });
});
