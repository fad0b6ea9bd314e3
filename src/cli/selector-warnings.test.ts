import type { Resource } from '../api/resource';
import { selectorWarnings } from './selector-warnings';

const res = (kind: string, name: string, spec: unknown, labels?: Record<string, string>): Resource =>
  ({ apiVersion: 'projectcalico.org/v3', kind, metadata: { name, ...(labels ? { labels } : {}) }, spec }) as Resource;

const NODES = [res('Node', 'master1', {}, { 'route-reflector': 'true' }), res('Node', 'node1', {})];

describe('selectorWarnings', () => {
  it('names a BGPPeer or IPPool selector that matches no node, and a peer node that does not exist', () => {
    expect(
      selectorWarnings(
        [
          res('BGPPeer', 'rr', { nodeSelector: 'all()', peerSelector: 'route-reflecter == "true"' }),
          res('BGPPeer', 'tor', { node: 'node9', peerIP: '10.0.0.1', asNumber: 64512 }),
          res('IPPool', 'edge', { cidr: '10.9.0.0/16', nodeSelector: 'zone == "edge"' }),
        ],
        NODES,
      ),
    ).toEqual([
      'BGPPeer rr: peerSelector "route-reflecter == "true"" matches no node: the selected nodes get no peer from it',
      'BGPPeer tor: node "node9" does not exist: no node will start this peering',
      'IPPool edge: nodeSelector "zone == "edge"" matches no node: no node will allocate from this pool',
    ]);
  });

  it('says nothing when a selector matches, or before any node exists', () => {
    expect(selectorWarnings([res('BGPPeer', 'rr', { nodeSelector: 'all()', peerSelector: 'route-reflector == "true"' }), res('IPPool', 'p', { cidr: '10.9.0.0/16', nodeSelector: 'all()' })], NODES)).toEqual([]);
    expect(selectorWarnings([res('IPPool', 'edge', { cidr: '10.9.0.0/16', nodeSelector: 'zone == "edge"' })], [])).toEqual([]);
  });
});
