// The gingham-node ClusterRole (src/api/rbac.ts, rendered into the chart) against what the node agent does in
// Kubernetes mode: every collection behind a kind it watches (node/calc/kinds.ts nodeKinds, read through
// datastore/kubernetes) must be granted list and watch; the collections the policy views read (Namespaces,
// ServiceAccounts, NetworkPolicies: read-only views, never fetched one by one by the agent) are granted exactly
// list and watch, as in Calico's calico-node role.
import { RBAC_RULES } from '../api/rbac';
import { collectionsOf } from '../datastore/kubernetes/kubernetes-datastore';
import { nodeKinds } from '../node/calc/kinds';

function verbs(group: string, resource: string): Set<string> {
  const out = new Set<string>();
  for (const r of RBAC_RULES) {
    if (r.process === 'node' && r.apiGroup === group && r.resources.includes(resource) && r.resourceNames === undefined) for (const v of r.verbs) out.add(v);
  }
  return out;
}

describe('gingham-node ClusterRole and the node agent in Kubernetes mode', () => {
  const watched = nodeKinds(true).flatMap((kind) => collectionsOf(kind).map((c) => ({ kind, group: c.group, plural: c.plural })));

  it('reads at least the policy views from Kubernetes collections', () => {
    expect(watched.filter((w) => w.kind === 'Profile' || w.kind === 'NetworkPolicy').map((w) => `${w.kind} ${w.group}/${w.plural}`)).toEqual([
      'NetworkPolicy crd.projectcalico.org/networkpolicies',
      'NetworkPolicy networking.k8s.io/networkpolicies',
      'Profile /namespaces',
      'Profile /serviceaccounts',
    ]);
  });

  it.each(nodeKinds(true).flatMap((kind) => collectionsOf(kind).map((c) => [kind, c.group, c.plural] as const)))('%s: list and watch on %s/%s', (_kind, group, plural) => {
    const granted = verbs(group, plural);
    expect(granted.has('list') && granted.has('watch')).toBe(true);
  });

  it.each([
    ['', 'namespaces'],
    ['', 'serviceaccounts'],
    ['networking.k8s.io', 'networkpolicies'],
  ])('%s/%s: exactly list and watch', (group, plural) => {
    expect([...verbs(group, plural)].sort()).toEqual(['list', 'watch']);
  });
});
