// Cases follow libcalico-go conversion/adminnetworkpolicy_test.go (v3.31.0) where Calico has one.
import type { PolicyRule } from '../policy-common';
import { adminPolicyOf, adminPolicyToCalico, describeAdminWarning } from './admin-conversion';
import type { AdminNetworkPolicy, AdminNetworkPolicySpec, BaselineAdminNetworkPolicy, BaselineAdminNetworkPolicySpec } from './admin-types';

const anp = (spec: Partial<AdminNetworkPolicySpec>, name = 'test.policy'): AdminNetworkPolicy => ({
  apiVersion: 'policy.networking.k8s.io/v1alpha1',
  kind: 'AdminNetworkPolicy',
  metadata: { name },
  spec: { priority: 100, subject: { namespaces: {} }, ...spec },
});
const banp = (spec: Partial<BaselineAdminNetworkPolicySpec>): BaselineAdminNetworkPolicy => ({
  apiVersion: 'policy.networking.k8s.io/v1alpha1',
  kind: 'BaselineAdminNetworkPolicy',
  metadata: { name: 'default' },
  spec: { subject: { namespaces: {} }, ...spec },
});
const ORCH = "projectcalico.org/orchestrator == 'k8s'";

describe('adminPolicyToCalico', () => {
  it('converts a basic AdminNetworkPolicy (Calico: "should parse a basic k8s AdminNetworkPolicy")', () => {
    const { policy, warnings } = adminPolicyToCalico({
      ...anp({
        subject: { namespaces: { matchLabels: { label2: 'value2', label: 'value' } } },
        ingress: [{ name: 'The first ingress rule', action: 'Allow', ports: [{ portNumber: { port: 80 } }], from: [{ namespaces: { matchLabels: { k: 'v', k2: 'v2' } } }] }],
      }),
      metadata: { name: 'test.policy', uid: '30316465-6365-4463-ad63-3564622d3638' },
    });
    expect(warnings).toEqual([]);
    expect(policy.metadata.name).toBe('kanp.adminnetworkpolicy.test.policy');
    expect(policy.metadata.uid).toBeDefined();
    expect(policy.spec).toEqual({
      tier: 'kube-admin',
      order: 100,
      namespaceSelector: "label == 'value' && label2 == 'value2'",
      selector: ORCH,
      ingress: [{ action: 'Allow', metadata: { annotations: { name: 'The first ingress rule' } }, protocol: 'TCP', source: { namespaceSelector: "k == 'v' && k2 == 'v2'" }, destination: { ports: [80] } }],
      types: ['Ingress'],
    });
  });

  const cases: Array<{ name: string; spec: Partial<AdminNetworkPolicySpec>; ingress?: PolicyRule[]; egress?: PolicyRule[]; selectors?: { namespaceSelector?: string; selector: string } }> = [
    {
      name: 'pods subject: namespace and pod selectors; {} namespaces is all()',
      spec: { subject: { pods: { namespaceSelector: {}, podSelector: { matchLabels: { app: 'db' } } } }, egress: [{ action: 'Deny', to: [{ pods: { namespaceSelector: { matchLabels: { ns: 'x' } }, podSelector: {} } }] }] },
      egress: [{ action: 'Deny', destination: { selector: ORCH, namespaceSelector: "ns == 'x'" } }],
      selectors: { namespaceSelector: 'all()', selector: `${ORCH} && app == 'db'` },
    },
    {
      name: 'one rule per protocol (sorted) and peer, ports simplified into ranges',
      spec: {
        ingress: [
          {
            action: 'Pass',
            ports: [{ portNumber: { protocol: 'UDP', port: 53 } }, { portNumber: { port: 81 } }, { portNumber: { port: 80 } }, { portRange: { protocol: 'TCP', start: 82, end: 90 } }],
            from: [{ namespaces: { matchLabels: { a: '1' } } }, { pods: { namespaceSelector: {}, podSelector: { matchLabels: { b: '2' } } } }],
          },
        ],
      },
      ingress: [
        { action: 'Pass', protocol: 'TCP', source: { namespaceSelector: "a == '1'" }, destination: { ports: ['80:90'] } },
        { action: 'Pass', protocol: 'TCP', source: { selector: `${ORCH} && b == '2'`, namespaceSelector: 'all()' }, destination: { ports: ['80:90'] } },
        { action: 'Pass', protocol: 'UDP', source: { namespaceSelector: "a == '1'" }, destination: { ports: [53] } },
        { action: 'Pass', protocol: 'UDP', source: { selector: `${ORCH} && b == '2'`, namespaceSelector: 'all()' }, destination: { ports: [53] } },
      ],
    },
    {
      name: 'egress networks become nets (canonical), ports beside them',
      spec: { egress: [{ action: 'Allow', ports: [{ portNumber: { protocol: 'TCP', port: 8080 } }], to: [{ networks: ['10.1.2.3/16', '192.168.0.0/24'] }] }] },
      egress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: [8080], nets: ['10.1.0.0/16', '192.168.0.0/24'] } }],
    },
    {
      name: 'no ports: any protocol',
      spec: { egress: [{ action: 'Deny', to: [{ namespaces: {} }] }] },
      egress: [{ action: 'Deny', destination: { namespaceSelector: 'all()' } }],
    },
    {
      name: 'a named port is matched under each protocol',
      spec: { ingress: [{ action: 'Allow', ports: [{ namedPort: 'web' }, { portNumber: { port: 8080 } }], from: [{ namespaces: {} }] }] },
      ingress: [
        { action: 'Allow', protocol: 'SCTP', source: { namespaceSelector: 'all()' }, destination: { ports: ['web'] } },
        { action: 'Allow', protocol: 'TCP', source: { namespaceSelector: 'all()' }, destination: { ports: ['web', 8080] } },
        { action: 'Allow', protocol: 'UDP', source: { namespaceSelector: 'all()' }, destination: { ports: ['web'] } },
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { policy, warnings } = adminPolicyToCalico(anp(c.spec));
      expect(warnings).toEqual([]);
      expect(policy.spec?.ingress).toEqual(c.ingress);
      expect(policy.spec?.egress).toEqual(c.egress);
      if (c.selectors) expect({ namespaceSelector: policy.spec?.namespaceSelector, selector: policy.spec?.selector }).toEqual(c.selectors);
    });
  }

  it('fails closed on unsupported peers: Deny/Pass become deny-all in place, Allow is dropped; warnings name policy and rule', () => {
    const { policy, warnings } = adminPolicyToCalico(
      anp(
        {
          egress: [
            { name: 'first', action: 'Allow', to: [{ namespaces: {} }] },
            { name: 'to-nodes', action: 'Deny', to: [{ nodes: { matchLabels: { a: 'b' } } }] },
            { action: 'Pass', to: [{ domainNames: ['example.com'] }] },
            { name: 'allow-dns', action: 'Allow', to: [{ domainNames: ['*.example.com'] }] },
            { action: 'Allow', to: [{ networks: ['10.0.0.0/8'] }] },
          ],
        },
        'guard',
      ),
    );
    expect(policy.spec?.egress).toEqual([
      { action: 'Allow', metadata: { annotations: { name: 'first' } }, destination: { namespaceSelector: 'all()' } },
      { action: 'Deny' },
      { action: 'Deny' },
      { action: 'Allow', destination: { nets: ['10.0.0.0/8'] } },
    ]);
    expect(warnings.map(describeAdminWarning)).toEqual([
      'AdminNetworkPolicy guard: spec.egress[1] ("to-nodes") cannot be converted: nodes peers are not supported: replaced by a deny-all rule (fail closed)',
      'AdminNetworkPolicy guard: spec.egress[2] cannot be converted: domainNames peers are not supported: replaced by a deny-all rule (fail closed)',
      'AdminNetworkPolicy guard: spec.egress[3] ("allow-dns") cannot be converted: domainNames peers are not supported: dropped (fail closed)',
    ]);
  });

  it('drops a rule with an unknown action (Calico: "should drop rules with invalid action")', () => {
    const { policy, warnings } = adminPolicyToCalico(anp({ ingress: [{ action: 'Log' as 'Allow', from: [{ namespaces: {} }] }] }));
    expect(policy.spec?.ingress).toBeUndefined();
    expect(policy.spec?.types).toBeUndefined();
    expect(warnings[0]?.reason).toBe('unsupported action "Log"');
  });

  it('converts the BaselineAdminNetworkPolicy into tier kube-baseline at order 1000; Pass is not a BANP action', () => {
    const { policy, warnings } = adminPolicyToCalico(
      banp({
        subject: { pods: { namespaceSelector: { matchLabels: { x: 'y' } }, podSelector: {} } },
        ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }],
        egress: [{ action: 'Pass' as 'Deny', to: [{ namespaces: {} }] }],
      }),
    );
    expect(policy.metadata.name).toBe('kbanp.baselineadminnetworkpolicy.default');
    expect(policy.spec).toEqual({
      tier: 'kube-baseline',
      order: 1000,
      namespaceSelector: "x == 'y'",
      selector: ORCH,
      ingress: [{ action: 'Deny', source: { namespaceSelector: 'all()' } }],
      types: ['Ingress'],
    });
    expect(warnings).toHaveLength(1);
  });

  it('maps converted names back', () => {
    expect(adminPolicyOf('kanp.adminnetworkpolicy.a.b')).toEqual({ kind: 'AdminNetworkPolicy', name: 'a.b' });
    expect(adminPolicyOf('kbanp.baselineadminnetworkpolicy.default')).toEqual({ kind: 'BaselineAdminNetworkPolicy', name: 'default' });
    expect(adminPolicyOf('knp.default.x')).toBeUndefined();
  });
});
