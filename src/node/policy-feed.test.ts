import type { GlobalNetworkPolicy } from '../api/kind-global-network-policy';
import type { CacheUpdate } from '../datastore';
import type { StoredResource } from '../datastore/types';
import { feedPolicy, type PolicySink } from './policy-feed';

/** A sink that records the GlobalNetworkPolicy calls (the only ones admin policies make). */
function recorder(): { sink: PolicySink; calls: string[]; set: GlobalNetworkPolicy[] } {
  const calls: string[] = [];
  const set: GlobalNetworkPolicy[] = [];
  const fail = (): never => {
    throw new Error('unexpected call');
  };
  const sink = {
    setTier: fail,
    deleteTier: fail,
    setNetworkPolicy: fail,
    deleteNetworkPolicy: fail,
    setGlobalNetworkPolicy: (p: GlobalNetworkPolicy) => {
      calls.push(`set ${p.metadata.name}`);
      set.push(p);
    },
    deleteGlobalNetworkPolicy: (name: string) => calls.push(`delete ${name}`),
    setProfile: fail,
    deleteProfile: fail,
    setNetworkSet: fail,
    deleteNetworkSet: fail,
    setWorkloadEndpoint: fail,
    deleteWorkloadEndpoint: fail,
  } as unknown as PolicySink;
  return { sink, calls, set };
}

const anp = {
  apiVersion: 'policy.networking.k8s.io/v1alpha1',
  kind: 'AdminNetworkPolicy',
  metadata: { name: 'guard' },
  spec: { priority: 7, subject: { namespaces: {} }, egress: [{ name: 'nodes', action: 'Deny', to: [{ nodes: {} }] }] },
} as unknown as StoredResource;

describe('feedPolicy: admin policies', () => {
  it('feeds an AdminNetworkPolicy as its GlobalNetworkPolicy in tier kube-admin and reports what fails closed', () => {
    const { sink, calls, set } = recorder();
    const warnings: string[] = [];
    const updates: CacheUpdate[] = [{ type: 'set', key: '', object: anp }];
    expect(feedPolicy(sink, 'AdminNetworkPolicy', updates, (m) => warnings.push(m))).toBe(true);
    expect(calls).toEqual(['set kanp.adminnetworkpolicy.guard']);
    expect(set[0]?.spec).toMatchObject({ tier: 'kube-admin', order: 7, egress: [{ action: 'Deny' }] });
    expect(warnings).toEqual(['AdminNetworkPolicy guard: spec.egress[0] ("nodes") cannot be converted: nodes peers are not supported: replaced by a deny-all rule (fail closed)']);
  });

  it('deletes by the converted name', () => {
    const { sink, calls } = recorder();
    const banp = { ...anp, kind: 'BaselineAdminNetworkPolicy', metadata: { name: 'default' } } as StoredResource;
    feedPolicy(sink, 'AdminNetworkPolicy', [{ type: 'deleted', key: '', object: anp }]);
    feedPolicy(sink, 'BaselineAdminNetworkPolicy', [{ type: 'deleted', key: '', object: banp }]);
    expect(calls).toEqual(['delete kanp.adminnetworkpolicy.guard', 'delete kbanp.baselineadminnetworkpolicy.default']);
  });
});
