import { desiredClusterInformation } from './cluster-information';

const guid = (): string => '0123456789abcdef0123456789abcdef';

describe('desiredClusterInformation', () => {
  it('creates it with a GUID, the version and ",kdd" on the Kubernetes datastore (issue 14 defect 6)', () => {
    expect(desiredClusterInformation(undefined, { clusterType: 'k8s,bgp', calicoVersion: 'v0.1.0', kdd: true }, guid)).toEqual({
      clusterGUID: guid(),
      calicoVersion: 'v0.1.0',
      clusterType: 'k8s,bgp,kdd',
      datastoreReady: true,
    });
  });

  it('has no ",kdd" on etcd', () => {
    expect(desiredClusterInformation(undefined, { clusterType: 'k8s,bgp', calicoVersion: 'v0.1.0', kdd: false }, guid)?.clusterType).toBe('k8s,bgp');
  });

  it('keeps an existing GUID and datastoreReady, adds missing types once, and writes nothing when all is there', () => {
    const cur = { clusterGUID: 'ffffffffffffffffffffffffffffffff', clusterType: 'k8s', calicoVersion: 'v0.0.9', datastoreReady: false };
    const next = desiredClusterInformation(cur, { clusterType: 'k8s,bgp', calicoVersion: 'v0.1.0', kdd: true }, guid);
    expect(next).toEqual({ clusterGUID: cur.clusterGUID, clusterType: 'k8s,bgp,kdd', calicoVersion: 'v0.1.0', datastoreReady: false });
    expect(desiredClusterInformation(next, { clusterType: 'k8s,bgp', calicoVersion: 'v0.1.0', kdd: true }, guid)).toBeUndefined();
  });
});
