import { ValidationError } from '../errors';
import { decodeAdminNetworkPolicy, decodeBaselineAdminNetworkPolicy } from './admin-network-policy';

const base = { apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'AdminNetworkPolicy', metadata: { name: 'p' } };

function problems(raw: unknown, baseline = false): string[] {
  try {
    if (baseline) decodeBaselineAdminNetworkPolicy(raw);
    else decodeAdminNetworkPolicy(raw);
  } catch (err) {
    if (err instanceof ValidationError) return err.problems.map((p) => `${p.path}: ${p.rule}`);
    throw err;
  }
  return [];
}

describe('decodeAdminNetworkPolicy', () => {
  it('accepts a valid policy and defaults port protocols to TCP', () => {
    const pol = decodeAdminNetworkPolicy({
      ...base,
      spec: { priority: 3, subject: { namespaces: {} }, egress: [{ action: 'Deny', to: [{ networks: ['10.0.0.0/8'] }], ports: [{ portNumber: { port: 80 } }, { portRange: { start: 1, end: 2 } }] }] },
    });
    expect(pol.spec.egress?.[0]?.ports).toEqual([{ portNumber: { protocol: 'TCP', port: 80 } }, { portRange: { protocol: 'TCP', start: 1, end: 2 } }]);
  });

  const cases: Array<{ name: string; spec: unknown; want: string[] }> = [
    { name: 'priority out of range', spec: { priority: 1001, subject: { namespaces: {} } }, want: ['spec.priority: must be between 0 and 1000'] },
    { name: 'priority missing', spec: { subject: { namespaces: {} } }, want: ['spec.priority: is required'] },
    { name: 'subject with both fields', spec: { priority: 1, subject: { namespaces: {}, pods: { namespaceSelector: {}, podSelector: {} } } }, want: ['spec.subject: must set exactly one of namespaces, pods (has namespaces, pods)'] },
    { name: 'subject empty', spec: { priority: 1, subject: {} }, want: ['spec.subject: must set exactly one of namespaces, pods (has none)'] },
    {
      name: 'more than 100 rules',
      spec: { priority: 1, subject: { namespaces: {} }, ingress: Array.from({ length: 101 }, () => ({ action: 'Allow', from: [{ namespaces: {} }] })) },
      want: ['spec.ingress: must have at most 100 items'],
    },
    { name: 'bad action', spec: { priority: 1, subject: { namespaces: {} }, ingress: [{ action: 'Log', from: [{ namespaces: {} }] }] }, want: ['spec.ingress[0].action: must be one of Allow, Deny, Pass'] },
    { name: 'no peers', spec: { priority: 1, subject: { namespaces: {} }, egress: [{ action: 'Deny', to: [] }] }, want: ['spec.egress[0].to: must have at least 1 item'] },
    { name: 'bad CIDR', spec: { priority: 1, subject: { namespaces: {} }, egress: [{ action: 'Deny', to: [{ networks: ['10.0.0.300/8'] }] }] }, want: ['spec.egress[0].to[0].networks[0]: "10.0.0.300/8": Invalid CIDR format provided'] },
    {
      name: 'port range start >= end and port out of range',
      spec: { priority: 1, subject: { namespaces: {} }, ingress: [{ action: 'Deny', from: [{ namespaces: {} }], ports: [{ portRange: { start: 90, end: 80 } }, { portNumber: { port: 0, protocol: 'ICMP' } }] }] },
      want: ['spec.ingress[0].ports[0].portRange: start must be less than end', 'spec.ingress[0].ports[1].portNumber.protocol: must be TCP, UDP or SCTP', 'spec.ingress[0].ports[1].portNumber.port: must be between 1 and 65535'],
    },
    {
      name: 'named port with a networks peer',
      spec: { priority: 1, subject: { namespaces: {} }, egress: [{ action: 'Allow', to: [{ networks: ['10.0.0.0/8'] }], ports: [{ namedPort: 'web' }] }] },
      want: ['spec.egress[0]: networks/nodes/domainNames peer cannot be set with namedPorts since there are no namedPorts for networks/nodes/domainNames'],
    },
    { name: 'unknown field', spec: { priority: 1, subject: { namespaces: {} }, tier: 'x' }, want: ['spec.tier: unknown field'] },
  ];
  for (const c of cases) {
    it(`names the field: ${c.name}`, () => {
      const got = problems({ ...base, spec: c.spec });
      for (const w of c.want) expect(got.some((g) => g.startsWith(w.split(': ')[0]!) && g.includes(w.slice(w.indexOf(': ') + 2)))).toBe(true);
      expect(got).toHaveLength(c.want.length);
    });
  }
});

describe('decodeBaselineAdminNetworkPolicy', () => {
  const banp = { ...base, kind: 'BaselineAdminNetworkPolicy', metadata: { name: 'default' } };
  it('accepts the singleton', () => {
    expect(problems({ ...banp, spec: { subject: { namespaces: {} }, ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }] } }, true)).toEqual([]);
  });
  it('refuses another name, Pass, a priority and domainNames', () => {
    const got = problems(
      { ...banp, metadata: { name: 'other' }, spec: { priority: 1, subject: { namespaces: {} }, ingress: [{ action: 'Pass', from: [{ namespaces: {} }] }], egress: [{ action: 'Deny', to: [{ domainNames: ['a.com'] }] }] } },
      true,
    );
    expect(got).toEqual(
      expect.arrayContaining([
        'metadata.name: Only one baseline admin network policy with metadata.name="default" can be created in the cluster',
        'spec.ingress[0].action: must be one of Allow, Deny',
      ]),
    );
    expect(got.some((g) => g.startsWith('spec.priority'))).toBe(true);
    expect(got.some((g) => g.startsWith('spec.egress[0].to[0].domainNames'))).toBe(true);
  });
});
