import { stagedToEnforced, type StagedPolicy } from './kind-staged-policies';
import { applyDefaults, resolveKind } from './resource';
import { make, problemsOf } from './testing';

type Case = { name: string; kind: string; spec: Record<string, unknown>; want: string[] };

describe('staged policy validation', () => {
  const cases: Case[] = [
    { name: 'a staged Calico policy with rules', kind: 'StagedNetworkPolicy', spec: { selector: "app == 'db'", ingress: [{ action: 'Deny' }] }, want: [] },
    { name: 'the policy rules are checked as the enforced kind checks them', kind: 'StagedNetworkPolicy', spec: { ingress: [{ action: 'Accept' }] }, want: ['spec.ingress[0].action: must be one of Allow, Deny, Log, Pass'] },
    { name: 'an unknown stagedAction', kind: 'StagedGlobalNetworkPolicy', spec: { stagedAction: 'Remove' }, want: ['spec.stagedAction: must be one of Set, Delete, Learn, Ignore'] },
    { name: 'GlobalNetworkPolicy rules apply to its staged kind', kind: 'StagedGlobalNetworkPolicy', spec: { preDNAT: true, applyOnForward: true, egress: [{ action: 'Allow' }] }, want: ['spec.egress: a preDNAT policy cannot have egress rules'] },
    { name: 'Delete with only a tier', kind: 'StagedNetworkPolicy', spec: { stagedAction: 'Delete', tier: 'default' }, want: [] },
    {
      name: 'Delete names every field that is set',
      kind: 'StagedGlobalNetworkPolicy',
      spec: { stagedAction: 'Delete', selector: 'all()', order: 3 },
      want: ['spec.order: must be empty when spec.stagedAction is Delete', 'spec.selector: must be empty when spec.stagedAction is Delete'],
    },
    { name: 'a staged Kubernetes policy is checked as the API server checks one', kind: 'StagedKubernetesNetworkPolicy', spec: { podSelector: {}, policyTypes: ['Sideways'] }, want: ['spec.policyTypes[0]: must be Ingress or Egress'] },
    { name: 'a staged Kubernetes Delete has no podSelector either', kind: 'StagedKubernetesNetworkPolicy', spec: { stagedAction: 'Delete', podSelector: { matchLabels: { a: 'b' } } }, want: ['spec.podSelector: must be empty when spec.stagedAction is Delete'] },
    { name: 'a staged Kubernetes Delete', kind: 'StagedKubernetesNetworkPolicy', spec: { stagedAction: 'Delete' }, want: [] },
  ];
  it.each(cases)('$name', ({ kind, spec, want }) => {
    expect(problemsOf(make(kind, 'p', spec)).sort()).toEqual(want);
  });

  it('defaults stagedAction to Set, and a Delete keeps no types', () => {
    expect(applyDefaults(make('StagedNetworkPolicy', 'p', {})).spec).toEqual({ stagedAction: 'Set', tier: 'default', types: ['Ingress'] });
    expect(applyDefaults(make('StagedGlobalNetworkPolicy', 'p', { stagedAction: 'Delete', types: ['Ingress'] })).spec).toEqual({ stagedAction: 'Delete', tier: 'default' });
  });

  it("is found by calicoctl's names", () => {
    expect(resolveKind('sgnp')?.kind).toBe('StagedGlobalNetworkPolicy');
    expect(resolveKind('snp')?.kind).toBe('StagedNetworkPolicy');
    expect(resolveKind('sknp')?.kind).toBe('StagedKubernetesNetworkPolicy');
  });
});

describe('stagedToEnforced', () => {
  it('a StagedNetworkPolicy is the NetworkPolicy of the same name, without stagedAction, uid or resourceVersion', () => {
    const staged = make('StagedNetworkPolicy', 'db', { stagedAction: 'Learn', tier: 'default', selector: 'all()' }, { namespace: 'shop', uid: 'u', resourceVersion: '7' }) as StagedPolicy;
    expect(stagedToEnforced(staged)).toEqual({
      action: 'Learn',
      enforced: { apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', metadata: { name: 'db', namespace: 'shop' }, spec: { tier: 'default', selector: 'all()' } },
    });
  });

  it('a StagedKubernetesNetworkPolicy is the knp.default. policy its Kubernetes policy converts to', () => {
    const staged = make('StagedKubernetesNetworkPolicy', 'deny', { podSelector: { matchLabels: { app: 'db' } }, policyTypes: ['Ingress'] }, { namespace: 'shop' }) as StagedPolicy;
    const { action, enforced } = stagedToEnforced(staged);
    expect(action).toBe('Set');
    expect(enforced.metadata).toEqual({ name: 'knp.default.deny', namespace: 'shop' });
    expect(enforced.spec).toMatchObject({ tier: 'default', order: 1000, selector: "projectcalico.org/orchestrator == 'k8s' && app == 'db'", types: ['Ingress'] });
  });
});
