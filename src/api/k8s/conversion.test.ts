import type { PolicyRule } from '../policy-common';
import {
  convertUid,
  k8sNetworkPolicyToCalico,
  k8sSelectorToCalico,
  namespaceToProfile,
  podEndpointLabels,
  podEndpointPorts,
  podProfiles,
  serviceAccountToProfile,
  simplifyPorts,
} from './conversion';
import type { K8sNetworkPolicy, K8sNetworkPolicySpec, K8sPod } from './types';

const ORCH = "projectcalico.org/orchestrator == 'k8s'";

function np(spec: Partial<K8sNetworkPolicySpec>, name = 'p', namespace = 'x'): K8sNetworkPolicy {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec: { podSelector: {}, ...spec } };
}

describe('k8sSelectorToCalico (conversion.go k8sSelectorToCalico)', () => {
  it.each<[string, Parameters<typeof k8sSelectorToCalico>[0], 'pod' | 'namespace', string]>([
    ['absent pod selector', undefined, 'pod', ORCH],
    ['empty pod selector', {}, 'pod', ORCH],
    ['absent namespace selector = own namespace', undefined, 'namespace', ''],
    ['empty namespace selector = all namespaces', {}, 'namespace', 'all()'],
    ['matchLabels sorted by key', { matchLabels: { b: '2', a: '1' } }, 'pod', `${ORCH} && a == '1' && b == '2'`],
    [
      'every operator',
      {
        matchExpressions: [
          { key: 'k', operator: 'In', values: ['a', 'b'] },
          { key: 'k', operator: 'NotIn', values: ['c'] },
          { key: 'e', operator: 'Exists' },
          { key: 'd', operator: 'DoesNotExist' },
        ],
      },
      'namespace',
      "k in { 'a', 'b' } && k not in { 'c' } && has(e) && ! has(d)",
    ],
  ])('%s', (_name, sel, type, want) => {
    expect(k8sSelectorToCalico(sel, type)).toBe(want);
  });
});

describe('simplifyPorts (conversion.go SimplifyPorts)', () => {
  it.each<[Array<number | string>, Array<number | string>]>([
    [[80], [80]],
    [[80, 81, 82, 9090, 'foo'], ['foo', '80:82', 9090]],
    [[81, 80, 80], ['80:81']],
    [['a', 80], ['a', 80]],
    [['1000:1002', 1003, 5], [5, '1000:1003']],
  ])('%j -> %j', (input, want) => {
    expect(simplifyPorts(input)).toEqual(want);
  });
});

describe('k8sNetworkPolicyToCalico', () => {
  it('names, tier, order, selector and types as Calico does', () => {
    const out = k8sNetworkPolicyToCalico(np({ podSelector: { matchLabels: { pod: 'a' } }, ingress: [{}] }, 'allow', 'y'));
    expect(out.metadata).toEqual({ name: 'knp.default.allow', namespace: 'y' });
    expect(out.spec).toEqual({ tier: 'default', order: 1000, selector: `${ORCH} && pod == 'a'`, ingress: [{ action: 'Allow' }], types: ['Ingress'] });
  });

  it.each<[string, Partial<K8sNetworkPolicySpec>, { ingress?: PolicyRule[]; egress?: PolicyRule[]; types: string[] }]>([
    ['ingress: [] denies all ingress (no rules, type Ingress)', { ingress: [] }, { types: ['Ingress'] }],
    ['ingress: [{}] allows all', { ingress: [{}] }, { ingress: [{ action: 'Allow' }], types: ['Ingress'] }],
    ['egress rules without policyTypes default to Ingress+Egress', { egress: [{}] }, { egress: [{ action: 'Allow' }], types: ['Ingress', 'Egress'] }],
    ['egress: [] without policyTypes isolates only ingress', { egress: [] }, { types: ['Ingress'] }],
    ['explicit Egress only', { policyTypes: ['Egress'], egress: [] }, { types: ['Egress'] }],
    [
      'namespaceSelector and podSelector in one peer are ANDed in one rule',
      { ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: 'y' } }, podSelector: { matchLabels: { pod: 'b' } } }] }] },
      { ingress: [{ action: 'Allow', source: { selector: `${ORCH} && pod == 'b'`, namespaceSelector: "ns == 'y'" } }], types: ['Ingress'] },
    ],
    [
      'separate peers are ORed as separate rules; namespaceSelector alone keeps the orchestrator selector',
      { ingress: [{ from: [{ namespaceSelector: {} }, { podSelector: { matchLabels: { pod: 'c' } } }] }] },
      {
        ingress: [
          { action: 'Allow', source: { selector: ORCH, namespaceSelector: 'all()' } },
          { action: 'Allow', source: { selector: `${ORCH} && pod == 'c'` } },
        ],
        types: ['Ingress'],
      },
    ],
    [
      'ipBlock with except becomes nets/notNets, masked',
      { ingress: [{ from: [{ ipBlock: { cidr: '10.1.2.3/16', except: ['10.1.2.0/24'] } }] }] },
      { ingress: [{ action: 'Allow', source: { nets: ['10.1.0.0/16'], notNets: ['10.1.2.0/24'] } }], types: ['Ingress'] },
    ],
    [
      'ports: protocol defaults to TCP, endPort makes a range, one rule per protocol sorted, named ports kept',
      {
        ingress: [
          {
            from: [{ podSelector: {} }],
            ports: [{ port: 80 }, { port: 81 }, { protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 8000, endPort: 8080 }, { port: 'serve-81-tcp' }],
          },
        ],
      },
      {
        ingress: [
          { action: 'Allow', protocol: 'TCP', source: { selector: ORCH }, destination: { ports: ['serve-81-tcp', '80:81', '8000:8080'] } },
          { action: 'Allow', protocol: 'UDP', source: { selector: ORCH }, destination: { ports: [53] } },
        ],
        types: ['Ingress'],
      },
    ],
    [
      'a protocol without port allows all its ports, winning over listed ports',
      { egress: [{ ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'UDP' }, { protocol: 'SCTP', port: 80 }] }] },
      {
        egress: [
          { action: 'Allow', protocol: 'SCTP', destination: { ports: [80] } },
          { action: 'Allow', protocol: 'UDP' },
        ],
        types: ['Ingress', 'Egress'],
      },
    ],
    [
      'egress peer and ports share the destination',
      { policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }], ports: [{ port: 443 }] }] },
      { egress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: [443], nets: ['0.0.0.0/0'], notNets: ['10.0.0.0/8'] } }], types: ['Egress'] },
    ],
  ])('%s', (_name, spec, want) => {
    const out = k8sNetworkPolicyToCalico(np(spec)).spec;
    expect({ ingress: out?.ingress, egress: out?.egress, types: out?.types }).toEqual({ ingress: want.ingress, egress: want.egress, types: want.types });
  });

  it('derives the UID as ConvertUID does and keeps the resourceVersion', () => {
    const p = np({});
    p.metadata.uid = '30316465-6365-4463-ad63-3564622d3638';
    p.metadata.resourceVersion = '42';
    const out = k8sNetworkPolicyToCalico(p);
    // Reversing each byte's bits twice gives the input back; bytes 6 and 8 (version, variant) are untouched.
    expect(out.metadata.uid).not.toBe(p.metadata.uid);
    expect(convertUid(out.metadata.uid ?? '')).toBe(p.metadata.uid);
    expect(out.metadata.uid?.slice(14, 16)).toBe('44');
    expect(out.metadata.uid?.slice(19, 21)).toBe('ad');
    expect(out.metadata.resourceVersion).toBe('42');
  });
});

describe('profiles and pod endpoints', () => {
  it('a Namespace becomes kns.<ns> with pcns.* labels and allow-all rules', () => {
    const p = namespaceToProfile({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x', labels: { ns: 'x', 'kubernetes.io/metadata.name': 'x' } } });
    expect(p.metadata.name).toBe('kns.x');
    expect(p.spec).toEqual({
      ingress: [{ action: 'Allow' }],
      egress: [{ action: 'Allow' }],
      labelsToApply: { 'pcns.ns': 'x', 'pcns.kubernetes.io/metadata.name': 'x', 'pcns.projectcalico.org/name': 'x' },
    });
  });

  it('a ServiceAccount becomes ksa.<ns>.<sa> with pcsa.* labels and no rules', () => {
    const p = serviceAccountToProfile({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot', namespace: 'y', labels: { team: 'a' } } });
    expect(p.metadata.name).toBe('ksa.y.robot');
    expect(p.spec).toEqual({ labelsToApply: { 'pcsa.team': 'a', 'pcsa.projectcalico.org/name': 'robot' } });
  });

  const pod: K8sPod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'a', namespace: 'x', labels: { pod: 'a' } },
    spec: {
      serviceAccountName: 'default',
      containers: [
        {
          name: 'c',
          ports: [
            { name: 'serve-80-tcp', containerPort: 80 },
            { name: 'serve-80-udp', containerPort: 80, protocol: 'UDP' },
            { containerPort: 8080 },
            { containerPort: 9090, hostPort: 19090 },
          ],
        },
      ],
      initContainers: [{ name: 'i', ports: [{ name: 'serve-81-sctp', containerPort: 81, protocol: 'SCTP' }] }],
    },
  };

  it('pod endpoint labels carry namespace, orchestrator and service account', () => {
    expect(podEndpointLabels(pod)).toEqual({
      pod: 'a',
      'projectcalico.org/namespace': 'x',
      'projectcalico.org/orchestrator': 'k8s',
      'projectcalico.org/serviceaccount': 'default',
    });
    expect(podProfiles(pod)).toEqual(['kns.x', 'ksa.x.default']);
  });

  it('pod endpoint ports: named or hostPort ones, init containers too, protocol lower-case', () => {
    expect(podEndpointPorts(pod)).toEqual([
      { name: 'serve-80-tcp', protocol: 'tcp', port: 80 },
      { name: 'serve-80-udp', protocol: 'udp', port: 80 },
      { name: '', protocol: 'tcp', port: 9090, hostPort: 19090 },
      { name: 'serve-81-sctp', protocol: 'sctp', port: 81 },
    ]);
  });
});
