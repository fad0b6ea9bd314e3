import { ValidationError } from '../errors';
import { decodeNamespace, decodePod } from './core';
import { decodeK8sNetworkPolicy, defaultK8sNetworkPolicy } from './network-policy';

function manifest(spec: unknown): unknown {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'p', namespace: 'x' }, spec };
}

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValidationError) return err.problems.map((p) => `${p.path}: ${p.rule}`);
    throw err;
  }
  return [];
}

describe('NetworkPolicy as the API server handles it', () => {
  it.each<[string, unknown, string[]]>([
    ['no policyTypes, no egress', { podSelector: {} }, ['Ingress']],
    ['no policyTypes, ingress and egress rules', { podSelector: {}, ingress: [{}], egress: [{}] }, ['Ingress', 'Egress']],
    ['no policyTypes, egress: []', { podSelector: {}, egress: [] }, ['Ingress']],
    ['explicit types kept', { podSelector: {}, policyTypes: ['Egress'] }, ['Egress']],
  ])('defaults policyTypes: %s', (_n, spec, want) => {
    expect(defaultK8sNetworkPolicy(decodeK8sNetworkPolicy(manifest(spec))).spec.policyTypes).toEqual(want);
  });

  it('defaults a port protocol to TCP and keeps ingress: [] distinct from [{}]', () => {
    const d = defaultK8sNetworkPolicy(decodeK8sNetworkPolicy(manifest({ podSelector: {}, ingress: [{ ports: [{ port: 80 }] }], egress: [] })));
    expect(d.spec.ingress?.[0]?.ports).toEqual([{ protocol: 'TCP', port: 80 }]);
    expect(d.spec.egress).toEqual([]);
  });

  it.each<[string, unknown, string]>([
    ['unknown field', { podSelector: {}, ingres: [] }, 'spec.ingres: unknown field (did you mean ingress?)'],
    ['ipBlock with a selector', { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} }] }] }, 'spec.ingress[0].from[0]: may not specify both ipBlock and another peer'],
    ['empty peer', { podSelector: {}, ingress: [{ from: [{}] }] }, 'spec.ingress[0].from[0]: must specify a peer'],
    ['except outside cidr', { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/16', except: ['10.1.0.0/24'] } }] }] }, 'spec.ingress[0].from[0].ipBlock.except[0]: must be a strict subset of ipBlock.cidr 10.0.0.0/16'],
    ['bad cidr', { podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: '10.0.0/8' } }] }] }, 'spec.egress[0].to[0].ipBlock.cidr: "10.0.0/8" is not a valid CIDR'],
    ['endPort below port', { podSelector: {}, ingress: [{ ports: [{ port: 90, endPort: 80 }] }] }, 'spec.ingress[0].ports[0].endPort: must be greater than or equal to port'],
    ['endPort with a named port', { podSelector: {}, ingress: [{ ports: [{ port: 'http', endPort: 80 }] }] }, 'spec.ingress[0].ports[0].endPort: may not be specified when port is a named port'],
    ['bad protocol', { podSelector: {}, ingress: [{ ports: [{ protocol: 'ICMP' }] }] }, 'spec.ingress[0].ports[0].protocol: must be TCP, UDP or SCTP'],
    ['In without values', { podSelector: { matchExpressions: [{ key: 'a', operator: 'In' }] } }, 'spec.podSelector.matchExpressions[0].values: must be specified when operator is In'],
    ['bad policy type', { podSelector: {}, policyTypes: ['Both'] }, 'spec.policyTypes[0]: must be Ingress or Egress'],
  ])('rejects %s naming the field', (_n, spec, want) => {
    expect(problems(() => decodeK8sNetworkPolicy(manifest(spec)))).toContain(want);
  });

  it('labels a namespace with its name and defaults a pod service account', () => {
    expect(decodeNamespace({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'develop' } }).metadata.labels).toEqual({ 'kubernetes.io/metadata.name': 'develop' });
    const pod = decodePod({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' }, spec: { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80 }] }] } });
    expect(pod.metadata.namespace).toBe('default');
    expect(pod.spec.serviceAccountName).toBe('default');
    expect(pod.spec.containers[0]?.ports?.[0]?.protocol).toBe('TCP');
    expect(problems(() => decodePod({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' }, spec: { containers: [] } }))).toEqual(['spec.containers: is required']);
  });
});
