import type { StagedPolicy } from '../../api/kind-staged-policies';
import { newResource } from '../../api/resource';
import { stagedIdOf, stagedPolicyId, stagedPolicyModel } from './staged-policy-model';

const staged = (kind: StagedPolicy['kind'], name: string, spec: Record<string, unknown>, namespace?: string): StagedPolicy =>
  newResource(kind, { name, ...(namespace ? { namespace } : {}) }, spec) as StagedPolicy;

describe('stagedPolicyModel', () => {
  it('names staged policies as Calico does and points at the enforced id they replace', () => {
    expect(stagedPolicyId('shop/db')).toBe('shop/staged:db');
    expect(stagedPolicyId('global')).toBe('staged:global');
    expect(stagedIdOf('StagedKubernetesNetworkPolicy', 'shop', 'deny')).toBe('shop/staged:knp.default.deny');
    expect(stagedIdOf('StagedGlobalNetworkPolicy', undefined, 'g')).toBe('staged:g');
  });

  it('a Set policy is the model of its enforced policy under the staged id', () => {
    const m = stagedPolicyModel(staged('StagedNetworkPolicy', 'db', { tier: 'default', order: 5, selector: "app == 'db'", types: ['Ingress'], ingress: [{ action: 'Deny' }] }, 'shop'));
    expect(m).toMatchObject({
      id: 'shop/staged:db',
      kind: 'StagedNetworkPolicy',
      name: 'db',
      namespace: 'shop',
      order: 5,
      selector: '(app == "db" && projectcalico.org/namespace == "shop")',
      ingress: true,
      egress: false,
      staged: { replaces: 'shop/db', deletes: false },
    });
    expect(m?.inbound).toHaveLength(1);
  });

  it('a staged Kubernetes policy replaces knp.default.<name>', () => {
    const m = stagedPolicyModel(staged('StagedKubernetesNetworkPolicy', 'deny', { podSelector: {}, policyTypes: ['Ingress'] }, 'shop'));
    expect(m).toMatchObject({ id: 'shop/staged:knp.default.deny', order: 1000, staged: { replaces: 'shop/knp.default.deny', deletes: false } });
  });

  it('Delete selects nothing and carries no rules; Ignore has no model', () => {
    expect(stagedPolicyModel(staged('StagedGlobalNetworkPolicy', 'g', { stagedAction: 'Delete' }))).toMatchObject({
      id: 'staged:g',
      ingress: false,
      egress: false,
      inbound: [],
      outbound: [],
      staged: { replaces: 'g', deletes: true },
    });
    expect(stagedPolicyModel(staged('StagedGlobalNetworkPolicy', 'g', { stagedAction: 'Ignore', selector: 'all()' }))).toBeUndefined();
  });
});
