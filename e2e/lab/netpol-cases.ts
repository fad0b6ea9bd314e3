// The upstream Kubernetes network-policy conformance cases K8S-01..48 (kubernetes/kubernetes
// test/e2e/network/netpol/network_policy.go, `[sig-network] Netpol`), as a pure table on the x/y/z fixture: the policies
// exactly as upstream builds them (policyTypes written out as its helpers set them) and the expected 9x9 reachability per
// probe (port/protocol), evaluated on all nine pods. Expectations are written in the notation of the case list: every
// ordered pair connects except the denied ones; `*->xa` = every other pod to x/a, `{xb,xc}->ya` = x/b and x/c to y/a;
// a pod to itself is never judged (upstream ignoreLoopback). Each entry carries upstream's count of denied pairs, checked
// when the table loads, so a transcription slip fails loudly.

export const PODS = ['xa', 'xb', 'xc', 'ya', 'yb', 'yc', 'za', 'zb', 'zc'] as const;
export type PodId = (typeof PODS)[number];
export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface NetworkPolicyObject {
  readonly apiVersion: 'networking.k8s.io/v1';
  readonly kind: 'NetworkPolicy';
  readonly metadata: { readonly name: string; readonly namespace: string };
  readonly spec: Record<string, unknown>;
}

export interface ProbeExpectation {
  readonly protocol: Protocol;
  readonly port: number;
  /** Denied pairs "from>to"; every other non-loopback pair connects. */
  readonly denied: ReadonlySet<string>;
}

export interface LabelChange {
  readonly kind: 'pod' | 'namespace';
  readonly namespace?: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface CaseStep {
  readonly title: string;
  /** The complete set of policies present during the step (given the pod IPs); undefined = unchanged from the last step. */
  readonly policies?: (ip: (pod: PodId) => string) => NetworkPolicyObject[];
  readonly labels?: readonly LabelChange[];
  readonly probes: readonly ProbeExpectation[];
}

export interface ConformanceCase {
  readonly id: string;
  readonly name: string;
  readonly steps: readonly CaseStep[];
}

/** Parses "*->xa; {xb,xc}->ya" (→ accepted too) into the set of denied "from>to" pairs, loopback left out. */
export function parseDenied(text: string): Set<string> {
  const out = new Set<string>();
  if (text.trim() === '') return out;
  for (const part of text.split(';').map((s) => s.trim()).filter((s) => s !== '')) {
    const m = /^(\*|\{([a-z,\s]+)\})\s*(?:->|→)\s*([xyz][abc])$/.exec(part);
    if (!m) throw new Error(`netpol case notation: cannot read "${part}"`);
    const to = m[3] as PodId;
    const froms = m[1] === '*' ? [...PODS] : m[2]!.split(',').map((s) => s.trim());
    for (const f of froms) {
      if (!(PODS as readonly string[]).includes(f)) throw new Error(`netpol case notation: unknown pod "${f}" in "${part}"`);
      if (f !== to) out.add(`${f}>${to}`);
    }
  }
  return out;
}

function probe(spec: string, count: number, denied: string): ProbeExpectation {
  const [protocol, port] = spec.split('/') as [Protocol, string];
  const set = parseDenied(denied);
  if (set.size !== count) throw new Error(`netpol case table: ${spec} "${denied}" has ${set.size} denied pairs, upstream counts ${count}`);
  return { protocol, port: Number(port), denied: set };
}

function np(namespace: string, name: string, spec: Record<string, unknown>): NetworkPolicyObject {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec };
}

const pod = (p: string): Record<string, unknown> => ({ matchLabels: { pod: p } });
const nsName = (n: string): Record<string, unknown> => ({ matchLabels: { 'kubernetes.io/metadata.name': n } });
const nsNameExpr = (op: 'In' | 'NotIn', v: string): Record<string, unknown> => ({ matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: op, values: [v] }] });
const ALL = '';
const ALL_X = '*->xa; *->xb; *->xc';
const X_OUT = '{xb,xc}->xa; {xa,xc}->xb; {xa,xb}->xc; {xa,xb,xc}->ya; {xa,xb,xc}->yb; {xa,xb,xc}->yc; {xa,xb,xc}->za; {xa,xb,xc}->zb; {xa,xb,xc}->zc';
const X_ALL = `${ALL_X}; {xa,xb,xc}->ya; {xa,xb,xc}->yb; {xa,xb,xc}->yc; {xa,xb,xc}->za; {xa,xb,xc}->zb; {xa,xb,xc}->zc`;
const XA_OUT = '{xa}->xb; {xa}->xc; {xa}->ya; {xa}->yb; {xa}->yc; {xa}->za; {xa}->zb; {xa}->zc';

const denyIngressX = (name: string) => np('x', name, { podSelector: {}, policyTypes: ['Ingress'], ingress: [] });
const denyAllX = () => np('x', 'deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [], egress: [] });
const fromNsYOnA = (name: string, ports?: unknown[]) =>
  np('x', name, { podSelector: pod('a'), policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: nsName('y') }], ...(ports ? { ports } : {}) }] });
const fromYaOnXa = () =>
  np('x', 'allow-ns-y-pod-a-via-namespace-pod-selector', { podSelector: pod('a'), policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: nsName('y'), podSelector: pod('a') }] }] });
const cidrEgressXa = (to: Record<string, unknown>) =>
  np('x', 'allow-client-a-via-cidr-egress-rule', { podSelector: pod('a'), policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: to }] }] });

const one = (id: string, name: string, policies: CaseStep['policies'], ...probes: ProbeExpectation[]): ConformanceCase => ({ id, name, steps: [{ title: 'policies applied', policies, probes }] });

export const CASES: readonly ConformanceCase[] = [
  one('K8S-01', "should support a 'default-deny-ingress' policy", () => [denyIngressX('deny-ingress')], probe('TCP/80', 24, ALL_X)),
  one('K8S-02', "should support a 'default-deny-all' policy", () => [denyAllX()], probe('TCP/80', 42, X_ALL)),
  one('K8S-03', 'should enforce policy to allow traffic from pods within server namespace based on PodSelector',
    () => [np('x', 'x-a-allows-x-b', { podSelector: pod('a'), policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: pod('b') }] }] })],
    probe('TCP/80', 7, '{xc,ya,yb,yc,za,zb,zc}->xa')),
  one('K8S-04', 'should enforce policy to allow ingress traffic for a target',
    () => [denyIngressX('deny-all'), np('x', 'allow-all-to-a', { podSelector: pod('a'), policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: {}, namespaceSelector: {} }] }] })],
    probe('TCP/80', 16, '*->xb; *->xc')),
  one('K8S-05', 'should enforce policy to allow ingress traffic from pods in all namespaces',
    () => [np('x', 'allow-from-another-ns', { podSelector: pod('a'), policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: {} }] }] })],
    probe('TCP/80', 0, ALL)),
  one('K8S-06', 'should enforce policy to allow traffic only from a different namespace, based on NamespaceSelector',
    () => [fromNsYOnA('allow-client-a-via-ns-selector')], probe('TCP/80', 5, '{xb,xc,za,zb,zc}->xa')),
  one('K8S-07', 'should enforce policy based on PodSelector with MatchExpressions',
    () => [np('x', 'x-a-allows-x-b', { podSelector: pod('a'), policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: 'pod', operator: 'In', values: ['b'] }] } }] }] })],
    probe('TCP/80', 7, '{xc,ya,yb,yc,za,zb,zc}->xa')),
  one('K8S-08', 'should enforce policy based on NamespaceSelector with MatchExpressions',
    () => [np('x', 'allow-ns-y-match-selector', { podSelector: pod('a'), policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: nsNameExpr('In', 'y') }] }] })],
    probe('TCP/80', 5, '{xb,xc,za,zb,zc}->xa')),
  one('K8S-09', 'should enforce policy based on PodSelector or NamespaceSelector',
    () => [np('x', 'allow-ns-y-match-selector', { podSelector: pod('a'), policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: nsNameExpr('NotIn', 'x') }, { podSelector: pod('b') }] }] })],
    probe('TCP/80', 1, '{xc}->xa')),
  one('K8S-10', 'should enforce policy based on PodSelector and NamespaceSelector',
    () => [np('x', 'allow-ns-y-podselector-and-nsselector', { podSelector: pod('a'), policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: nsNameExpr('NotIn', 'x'), podSelector: pod('b') }] }] })],
    probe('TCP/80', 6, '{xb,xc,ya,yc,za,zc}->xa')),
  one('K8S-11', 'should enforce policy based on Multiple PodSelectors and NamespaceSelectors',
    () => [np('x', 'allow-ns-y-z-pod-b-c', { podSelector: pod('a'), policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: nsNameExpr('NotIn', 'x'), podSelector: { matchExpressions: [{ key: 'pod', operator: 'In', values: ['b', 'c'] }] } }] }] })],
    probe('TCP/80', 4, '{xb,xc,ya,za}->xa')),
  one('K8S-12', 'should enforce policy based on any PodSelectors',
    () => [np('x', 'allow-ns-x-pod-b-c', { podSelector: pod('a'), policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: pod('b') }, { podSelector: pod('c') }] }] })],
    probe('TCP/80', 6, '{ya,yb,yc,za,zb,zc}->xa')),
  one('K8S-13', 'should enforce policy to allow traffic only from a pod in a different namespace based on PodSelector and NamespaceSelector',
    () => [fromYaOnXa()], probe('TCP/80', 7, '{xb,xc,yb,yc,za,zb,zc}->xa')),
  one('K8S-14', 'should enforce policy based on Ports',
    () => [fromNsYOnA('allow-client-a-via-ns-selector', [{ port: 81, protocol: 'TCP' }])],
    probe('TCP/81', 5, '{xb,xc,za,zb,zc}->xa'), probe('TCP/80', 8, '*->xa')),
  {
    id: 'K8S-15',
    name: 'should enforce multiple, stacked policies with overlapping podSelectors',
    steps: [
      { title: 'step1: only allow-81', policies: () => [fromNsYOnA('allow-client-a-via-ns-selector', [{ port: 81, protocol: 'TCP' }])], probes: [probe('TCP/81', 5, '{xb,xc,za,zb,zc}->xa'), probe('TCP/80', 8, '*->xa')] },
      {
        title: 'step2: + allow-80',
        policies: () => [fromNsYOnA('allow-client-a-via-ns-selector', [{ port: 81, protocol: 'TCP' }]), fromNsYOnA('allow-client-a-via-ns-selector-80', [{ port: 80, protocol: 'TCP' }])],
        probes: [probe('TCP/80', 5, '{xb,xc,za,zb,zc}->xa')],
      },
    ],
  },
  one('K8S-16', 'should support allow-all policy', () => [np('x', 'allow-all', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{}] })], probe('TCP/80', 0, ALL), probe('TCP/81', 0, ALL)),
  one('K8S-17', 'should allow ingress access on one named port',
    () => [np('x', 'allow-all', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 'serve-81-tcp' }] }] })],
    probe('TCP/81', 0, ALL), probe('TCP/80', 24, ALL_X)),
  one('K8S-18', 'should allow ingress access from namespace on one named port',
    () => [fromNsYOnA('allow-client-a-via-ns-selector-80', [{ port: 'serve-80-tcp', protocol: 'TCP' }])],
    probe('TCP/80', 5, '{xb,xc,za,zb,zc}->xa'), probe('TCP/81', 8, '*->xa')),
  one('K8S-19', 'should allow egress access on one named port',
    () => [np('x', 'allow-egress', { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'serve-80-tcp' }] }] })],
    probe('TCP/80', 0, ALL), probe('TCP/81', 24, X_OUT)),
  {
    id: 'K8S-20',
    name: 'should enforce updated policy',
    steps: [
      { title: 'step1: allow-all ingress', policies: () => [np('x', 'allow-all-mutate-to-deny-all', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{}] })], probes: [probe('TCP/81', 0, ALL)] },
      { title: 'step2: updated to ingress: []', policies: () => [denyIngressX('allow-all-mutate-to-deny-all')], probes: [probe('TCP/81', 24, ALL_X)] },
    ],
  },
  {
    id: 'K8S-21',
    name: 'should allow ingress access from updated namespace',
    steps: [
      {
        title: 'step1: ns y unlabelled',
        policies: () => [np('x', 'allow-client-a-via-ns-selector', { podSelector: pod('a'), policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns2: 'updated' } } }] }] })],
        probes: [probe('TCP/80', 8, '*->xa')],
      },
      { title: 'step2: label ns y ns2=updated', labels: [{ kind: 'namespace', name: 'y', labels: { ns2: 'updated' } }], probes: [probe('TCP/80', 5, '{xb,xc,za,zb,zc}->xa')] },
    ],
  },
  {
    id: 'K8S-22',
    name: 'should allow ingress access from updated pod',
    steps: [
      {
        title: 'step1: x/b labels {pod:b}',
        policies: () => [np('x', 'allow-client-a-via-pod-selector', { podSelector: pod('a'), policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b', pod2: 'updated' } } }] }] })],
        probes: [probe('TCP/80', 8, '*->xa')],
      },
      { title: 'step2: x/b labels += pod2=updated', labels: [{ kind: 'pod', namespace: 'x', name: 'b', labels: { pod2: 'updated' } }], probes: [probe('TCP/80', 7, '{xc,ya,yb,yc,za,zb,zc}->xa')] },
    ],
  },
  one('K8S-23', 'should deny ingress from pods on other namespaces',
    () => [np('x', 'deny-empty-policy', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: {} }] }] })],
    probe('TCP/80', 18, '{ya,yb,yc,za,zb,zc}->xa; {ya,yb,yc,za,zb,zc}->xb; {ya,yb,yc,za,zb,zc}->xc')),
  {
    id: 'K8S-24',
    name: 'should deny ingress access to updated pod',
    steps: [
      { title: 'step1: no pod has target=isolated', policies: () => [np('x', 'deny-ingress-via-label-selector', { podSelector: { matchLabels: { target: 'isolated' } }, policyTypes: ['Ingress'], ingress: [] })], probes: [probe('TCP/80', 0, ALL)] },
      { title: 'step2: x/a labels += target=isolated', labels: [{ kind: 'pod', namespace: 'x', name: 'a', labels: { target: 'isolated' } }], probes: [probe('TCP/80', 8, '*->xa')] },
    ],
  },
  one('K8S-25', 'should deny egress from pods based on PodSelector', () => [np('x', 'deny-egress-pod-a', { podSelector: pod('a'), policyTypes: ['Egress'], egress: [] })], probe('TCP/80', 8, XA_OUT)),
  one('K8S-26', 'should deny egress from all pods in a namespace', () => [np('x', 'deny-egress-ns-x', { podSelector: {}, policyTypes: ['Egress'], egress: [] })], probe('TCP/80', 24, X_OUT)),
  one('K8S-27', 'should work with Ingress, Egress specified together',
    () => [np('x', 'allow-client-a-via-pod-selector', { podSelector: pod('a'), policyTypes: ['Egress', 'Ingress'], ingress: [{ from: [{ podSelector: pod('b') }] }], egress: [{ ports: [{ port: 80 }] }] })],
    probe('TCP/80', 7, '{xc,ya,yb,yc,za,zb,zc}->xa'), probe('TCP/81', 15, `{xc,ya,yb,yc,za,zb,zc}->xa; ${XA_OUT}`)),
  one('K8S-28', 'should support denying of egress traffic on the client side (even if the server explicitly allows this traffic)',
    () => [
      np('x', 'allow-to-ns-y-pod-a', { podSelector: pod('a'), policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: nsName('y'), podSelector: pod('a') }] }] }),
      np('y', 'allow-from-xa-on-ya-match-selector', { podSelector: pod('a'), policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: nsName('x'), podSelector: pod('a') }] }] }),
      np('y', 'allow-from-xa-on-yb-match-selector', { podSelector: pod('b'), policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: nsName('x'), podSelector: pod('a') }] }] }),
    ],
    probe('TCP/80', 21, '{xa}->xb; {xa}->xc; {xb,xc,yb,yc,za,zb,zc}->ya; *->yb; {xa}->yc; {xa}->za; {xa}->zb; {xa}->zc')),
  one('K8S-29', 'should enforce egress policy allowing traffic to a server in a different namespace based on PodSelector and NamespaceSelector',
    () => [np('x', 'allow-to-ns-y-pod-a', { podSelector: pod('a'), policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: nsName('y'), podSelector: pod('a') }] }] })],
    probe('TCP/80', 7, '{xa}->xb; {xa}->xc; {xa}->yb; {xa}->yc; {xa}->za; {xa}->zb; {xa}->zc')),
  one('K8S-30', 'should enforce ingress policy allowing any port traffic to a server on a specific protocol',
    () => [np('x', 'allow-ingress-by-proto', { podSelector: pod('a'), policyTypes: ['Ingress'], ingress: [{ ports: [{ protocol: 'TCP' }] }] })],
    probe('TCP/80', 0, ALL), probe('UDP/80', 8, '*->xa')),
  {
    id: 'K8S-31',
    name: 'should enforce multiple ingress policies with ingress allow-all policy taking precedence',
    steps: [
      { title: 'step1: allow port 80 only', policies: () => [np('x', 'allow-ingress-port-80', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 80 }] }] })], probes: [probe('TCP/81', 24, ALL_X)] },
      {
        title: 'step2: + allow-all ingress',
        policies: () => [np('x', 'allow-ingress-port-80', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 80 }] }] }), np('x', 'allow-ingress', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{}] })],
        probes: [probe('TCP/81', 0, ALL)],
      },
    ],
  },
  {
    id: 'K8S-32',
    name: 'should enforce multiple egress policies with egress allow-all policy taking precedence',
    steps: [
      { title: 'step1: allow egress port 80 only', policies: () => [np('x', 'allow-egress-port-80', { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 80 }] }] })], probes: [probe('TCP/81', 24, X_OUT)] },
      {
        title: 'step2: + allow-all egress',
        policies: () => [np('x', 'allow-egress-port-80', { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 80 }] }] }), np('x', 'allow-egress', { podSelector: {}, policyTypes: ['Egress'], egress: [{}] })],
        probes: [probe('TCP/81', 0, ALL)],
      },
    ],
  },
  {
    id: 'K8S-33',
    name: 'should stop enforcing policies after they are deleted',
    steps: [
      { title: 'step1: deny-all in x', policies: () => [denyAllX()], probes: [probe('TCP/80', 42, X_ALL)] },
      { title: 'step2: all policies deleted', policies: () => [], probes: [probe('TCP/80', 0, ALL)] },
    ],
  },
  one('K8S-34', 'should allow egress access to server in CIDR block', (ip) => [cidrEgressXa({ cidr: `${ip('yb')}/32` })],
    probe('TCP/80', 7, '{xa}->xb; {xa}->xc; {xa}->ya; {xa}->yc; {xa}->za; {xa}->zb; {xa}->zc')),
  one('K8S-35', 'should enforce except clause while egress access to server in CIDR block', (ip) => [cidrEgressXa({ cidr: '0.0.0.0/4', except: [`${ip('xb')}/32`] })],
    probe('TCP/80', 1, '{xa}->xb')),
  {
    id: 'K8S-36',
    name: 'should ensure an IP overlapping both IPBlock.CIDR and IPBlock.Except is allowed',
    steps: [
      { title: 'step1: cidr /4 except x/b', policies: (ip) => [cidrEgressXa({ cidr: '0.0.0.0/4', except: [`${ip('xb')}/32`] })], probes: [probe('TCP/80', 1, '{xa}->xb')] },
      { title: 'step2: same-name policy UPDATED to to: [ipBlock x/b/32]', policies: (ip) => [cidrEgressXa({ cidr: `${ip('xb')}/32` })], probes: [probe('TCP/80', 7, '{xa}->xc; {xa}->ya; {xa}->yb; {xa}->yc; {xa}->za; {xa}->zb; {xa}->zc')] },
    ],
  },
  {
    id: 'K8S-37',
    name: 'should enforce policies to check ingress and egress policies can be controlled independently based on PodSelector',
    steps: [
      { title: 'step1: allow-egress-for-target', policies: () => [np('x', 'allow-egress-for-target', { podSelector: pod('a'), policyTypes: ['Egress'], egress: [{}] })], probes: [probe('TCP/80', 0, ALL)] },
      {
        title: 'step2: + deny-ingress-via-label-selector',
        policies: () => [np('x', 'allow-egress-for-target', { podSelector: pod('a'), policyTypes: ['Egress'], egress: [{}] }), np('x', 'deny-ingress-via-label-selector', { podSelector: pod('a'), policyTypes: ['Ingress'], ingress: [] })],
        probes: [probe('TCP/80', 8, '*->xa')],
      },
    ],
  },
  one('K8S-38', "should not mistakenly treat 'protocol: SCTP' as 'protocol: TCP', even if the plugin doesn't support SCTP",
    () => [denyIngressX('deny-ingress'), np('x', 'allow-only-sctp-ingress-on-port-81', { podSelector: pod('a'), policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 81, protocol: 'SCTP' }] }] })],
    probe('TCP/81', 24, ALL_X)),
  one('K8S-39', "should properly isolate pods that are selected by a policy allowing SCTP, even if the plugin doesn't support SCTP",
    () => [np('x', 'allow-only-sctp-ingress-on-port-80', { podSelector: pod('a'), policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 80, protocol: 'SCTP' }] }] })],
    probe('TCP/81', 8, '*->xa')),
  one('K8S-40', 'should not allow access by TCP when a policy specifies only UDP',
    () => [np('x', 'allow-only-udp-ingress-on-port-81', { podSelector: pod('a'), policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 81, protocol: 'UDP' }] }] })],
    probe('TCP/81', 8, '*->xa')),
  one('K8S-41', 'should enforce policy to allow traffic based on NamespaceSelector with MatchLabels using default ns label',
    () => [fromNsYOnA('allow-client-a-via-ns-selector-for-immutable-ns-label')], probe('TCP/80', 5, '{xb,xc,za,zb,zc}->xa')),
  one('K8S-42', 'should enforce policy based on NamespaceSelector with MatchExpressions using default ns label',
    () => [np('x', 'allow-ns-y-match-selector-for-immutable-ns-label', { podSelector: pod('a'), policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: nsNameExpr('NotIn', 'y') }] }] })],
    probe('TCP/80', 3, '{xa}->ya; {xa}->yb; {xa}->yc')),
  one('K8S-43', "[UDP] should support a 'default-deny-ingress' policy", () => [denyIngressX('deny-all')], probe('UDP/80', 24, ALL_X)),
  one('K8S-44', '[UDP] should enforce policy based on Ports', () => [fromNsYOnA('allow-ingress-on-port-81-ns-x', [{ port: 81, protocol: 'UDP' }])], probe('UDP/81', 5, '{xb,xc,za,zb,zc}->xa')),
  one('K8S-45', '[UDP] should enforce policy to allow traffic only from a pod in a different namespace based on PodSelector and NamespaceSelector',
    () => [fromYaOnXa()], probe('UDP/80', 7, '{xb,xc,yb,yc,za,zb,zc}->xa')),
  one('K8S-46', "[SCTP] should support a 'default-deny-ingress' policy", () => [denyIngressX('deny-all')], probe('SCTP/80', 24, ALL_X)),
  one('K8S-47', '[SCTP] should enforce policy based on Ports', () => [fromNsYOnA('allow-ingress-on-port-81-ns-x', [{ port: 81, protocol: 'SCTP' }])], probe('SCTP/81', 5, '{xb,xc,za,zb,zc}->xa')),
  one('K8S-48', '[SCTP] should enforce policy to allow traffic only from a pod in a different namespace based on PodSelector and NamespaceSelector',
    () => [fromYaOnXa()], probe('SCTP/80', 7, '{xb,xc,yb,yc,za,zb,zc}->xa')),
];

/** True where a case probes SCTP (skipped, with the kernel's reason, where socket(SCTP) fails). */
export function probesSctp(c: ConformanceCase): boolean {
  return c.steps.some((s) => s.probes.some((p) => p.protocol === 'SCTP'));
}

/** The matrix as text (X denied, . connected, - not judged), `actual` marking mismatches with `!`. */
export function renderMatrix(expected: ReadonlySet<string>, actual?: ReadonlyMap<string, boolean>): string {
  const rows = [`from\\to ${PODS.join(' ')}`];
  for (const f of PODS) {
    const cells = PODS.map((t) => {
      if (f === t) return ' -';
      const want = !expected.has(`${f}>${t}`);
      const got = actual?.get(`${f}>${t}`);
      const c = want ? '.' : 'X';
      return got === undefined || got === want ? ` ${c}` : ` ${got ? '.' : 'X'}!`.slice(-2);
    });
    rows.push(`${f}     ${cells.join(' ')}`);
  }
  return rows.join('\n');
}
