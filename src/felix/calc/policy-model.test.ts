import type { GlobalNetworkPolicy } from '../../api/kind-global-network-policy';
import { k8sNetworkPolicyToCalico } from '../../api/k8s';
import { compileSelector } from '../../api/selector';
import { comparePolicies, entitySelector, globalNetworkPolicyModel, networkPolicyModel, type PolicyModel } from './policy-model';

describe('policy model (updateprocessors)', () => {
  it.each<[string, Parameters<typeof entitySelector>[0], string | undefined, string]>([
    ['no selector in a namespaced policy: no selector at all', { nets: ['10.0.0.0/8'] }, 'x', ''],
    ['selector limited to the namespace', { selector: "app == 'a'" }, 'x', '(projectcalico.org/namespace == "x" && app == "a")'],
    ['namespaceSelector replaces the namespace limit, pcns-prefixed', { selector: 'all()', namespaceSelector: "ns == 'y'" }, 'x', '(pcns.ns == "y" && all())'],
    ['namespaceSelector all() = any namespace', { namespaceSelector: 'all()' }, 'x', 'has(projectcalico.org/namespace)'],
    ['namespaceSelector global() = no namespace', { namespaceSelector: 'global()' }, undefined, '!has(projectcalico.org/namespace)'],
    ['notSelector alone still limits to the namespace', { notSelector: "app == 'a'" }, 'x', 'projectcalico.org/namespace == "x"'],
    ['global policy: selector as written', { selector: "app == 'a'" }, undefined, 'app == "a"'],
    [
      'service accounts: names and pcsa selector',
      { serviceAccounts: { names: ['b', 'a'], selector: "role == 'r'" } },
      'x',
      '(projectcalico.org/namespace == "x" && (pcsa.role == "r" && projectcalico.org/serviceaccount in {"a", "b"}))',
    ],
  ])('%s', (_n, e, ns, want) => {
    expect(entitySelector(e, ns)).toBe(want);
  });

  it('a converted Kubernetes policy selects its namespace only and keeps the AND of namespace and pod selectors', () => {
    const m = networkPolicyModel(
      k8sNetworkPolicyToCalico({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'p', namespace: 'x' },
        spec: { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: 'y' } }, podSelector: { matchLabels: { pod: 'b' } } }] }] },
      }),
    );
    expect(m).toMatchObject({ id: 'x/knp.default.p', tier: 'default', order: 1000, ingress: true, egress: false });
    const subject = compileSelector(m.selector);
    expect(subject.matches({ 'projectcalico.org/namespace': 'x', 'projectcalico.org/orchestrator': 'k8s' })).toBe(true);
    expect(subject.matches({ 'projectcalico.org/namespace': 'y', 'projectcalico.org/orchestrator': 'k8s' })).toBe(false);
    const src = compileSelector(m.inbound[0]?.src.selector ?? '');
    const yb = { 'pcns.ns': 'y', pod: 'b', 'projectcalico.org/orchestrator': 'k8s', 'projectcalico.org/namespace': 'y' };
    expect(src.matches(yb)).toBe(true);
    expect(src.matches({ ...yb, pod: 'a' })).toBe(false);
    expect(src.matches({ ...yb, 'pcns.ns': 'x' })).toBe(false);
  });

  it('a global policy ANDs its namespaceSelector (pcns) and serviceAccountSelector (pcsa)', () => {
    const gnp: GlobalNetworkPolicy = {
      apiVersion: 'projectcalico.org/v3',
      kind: 'GlobalNetworkPolicy',
      metadata: { name: 'g' },
      spec: { selector: "app == 'a'", namespaceSelector: "env == 'prod'", serviceAccountSelector: 'all()', types: ['Ingress'] },
    };
    expect(globalNetworkPolicyModel(gnp).selector).toBe('(app == "a" && pcns.env == "prod" && has(projectcalico.org/serviceaccount))');
  });

  it('orders by order (absent last), then name/namespace/kind', () => {
    const p = (name: string, order?: number, namespace?: string): PolicyModel => ({
      id: name,
      kind: namespace ? 'NetworkPolicy' : 'GlobalNetworkPolicy',
      name,
      ...(namespace ? { namespace } : {}),
      ...(order !== undefined ? { order } : {}),
      tier: 'default',
      selector: 'all()',
      ingress: true,
      egress: false,
      inbound: [],
      outbound: [],
    });
    const sorted = [p('z'), p('b', 10), p('a', 10, 'y'), p('a', 10, 'x'), p('c', 1)].sort(comparePolicies);
    expect(sorted.map((x) => `${x.name}/${x.namespace ?? ''}`)).toEqual(['c/', 'a/x', 'a/y', 'b/', 'z/']);
  });
});
