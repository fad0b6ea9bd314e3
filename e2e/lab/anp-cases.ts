// The network-policy-api conformance suite at v0.1.7 (kubernetes-sigs/network-policy-api conformance/tests/*.go, the
// policies of conformance/base/**) as a pure table on its "houses" fixture (testdata/anp/fixture.yaml): four
// namespaces network-policy-conformance-{gryffindor,slytherin,hufflepuff,ravenclaw} with two pods each (harry-potter,
// draco-malfoy, cedric-diggory, luna-lovegood -0/-1), written g0, g1, s0, s1, h0, h1, r0, r1 here. Each test applies
// its policies, then runs its sub-tests in order, each mutating the policies cumulatively as upstream patches them and
// poking servers: "r0>g0 tcp/80 +" = from luna-lovegood-0 to harry-potter-0's address, TCP port 80, must connect
// ("-": must not). The per-protocol suites share one shape upstream (allow/deny/pass a whole house, deny/pass a house
// at a port, allow a house at a port then deny it the rest), built here by tierRules().

export const HOUSES = { g: 'gryffindor', s: 'slytherin', h: 'hufflepuff', r: 'ravenclaw' } as const;
export type House = keyof typeof HOUSES;
export const POD_IDS = ['g0', 'g1', 's0', 's1', 'h0', 'h1', 'r0', 'r1'] as const;
export type PodId = (typeof POD_IDS)[number];
export const POD_NAMES: Readonly<Record<House, string>> = { g: 'harry-potter', s: 'draco-malfoy', h: 'cedric-diggory', r: 'luna-lovegood' };
export const namespaceOf = (h: House): string => `network-policy-conformance-${HOUSES[h]}`;

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface Probe {
  readonly from: PodId;
  readonly to: PodId;
  readonly protocol: Protocol;
  readonly port: number;
  readonly connected: boolean;
}

/** "r0>g0 tcp/80 +" */
export function parseProbe(text: string): Probe {
  const m = /^([gshr][01])>([gshr][01]) (tcp|udp|sctp)\/(\d+) ([+-])$/.exec(text.trim());
  if (!m) throw new Error(`anp case notation: cannot read "${text}"`);
  return { from: m[1] as PodId, to: m[2] as PodId, protocol: m[3]!.toUpperCase() as Protocol, port: Number(m[4]), connected: m[5] === '+' };
}

export type PolicyObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; spec: Record<string, unknown> };

export interface SubTest {
  readonly title: string;
  /** Changes the test's policies in place before probing (upstream's Patch); `ip` gives a pod's address. */
  readonly mutate?: (policies: PolicyObject[], ip: (pod: PodId) => string) => void;
  readonly probes: readonly string[];
}

export interface AnpCase {
  /** Upstream's ShortName. */
  readonly id: string;
  readonly experimental?: boolean;
  /** Why the lab does not run it (the test is listed, skipped with this reason). */
  readonly unsupported?: string;
  readonly policies: () => PolicyObject[];
  readonly subTests: readonly SubTest[];
}

type Port = readonly [Protocol, number];
type Action = 'Allow' | 'Deny' | 'Pass';
const API = 'policy.networking.k8s.io/v1alpha1';
const NAME_LABEL = 'kubernetes.io/metadata.name';

const nsByName = (h: House): Record<string, unknown> => ({ namespaces: { matchLabels: { [NAME_LABEL]: namespaceOf(h) } } });
const nsByHouse = (h: House): Record<string, unknown> => ({ namespaces: { matchLabels: { 'conformance-house': HOUSES[h] } } });
const podsOfHouse = (h: House): Record<string, unknown> => ({ pods: { namespaceSelector: { matchLabels: { 'conformance-house': HOUSES[h] } }, podSelector: { matchLabels: { 'conformance-house': HOUSES[h] } } } });
const portList = (ports: readonly Port[]): Array<Record<string, unknown>> => ports.map(([protocol, port]) => ({ portNumber: { protocol, port } }));

function rule(dir: 'ingress' | 'egress', action: Action, peer: Record<string, unknown>, name: string, ports?: readonly Port[]): Record<string, unknown> {
  return { name, action, [dir === 'ingress' ? 'from' : 'to']: [peer], ...(ports ? { ports: portList(ports) } : {}) };
}

/**
 * The rules every per-protocol suite uses: Allow, Deny (and for an ANP Pass) house `all`; Deny (and Pass) house
 * `port` at `portsP`; Allow house `allowed` at `portsH`, then Deny it everything else.
 */
function tierRules(dir: 'ingress' | 'egress', baseline: boolean, all: House, port: House, portsP: readonly Port[], allowed: House, portsH: readonly Port[]): Array<Record<string, unknown>> {
  const w = dir === 'ingress' ? 'from' : 'to';
  const at = (ports: readonly Port[]): string => `at-port-${ports.map((p) => p[1]).join('-')}`;
  return [
    rule(dir, 'Allow', nsByName(all), `allow-${w}-${HOUSES[all]}-everything`),
    rule(dir, 'Deny', nsByName(all), `deny-${w}-${HOUSES[all]}-everything`),
    ...(baseline ? [] : [rule(dir, 'Pass', nsByName(all), `pass-${w}-${HOUSES[all]}-everything`)]),
    rule(dir, 'Deny', nsByName(port), `deny-${w}-${HOUSES[port]}-${at(portsP)}`, portsP),
    ...(baseline ? [] : [rule(dir, 'Pass', nsByName(port), `pass-${w}-${HOUSES[port]}-${at(portsP)}`, portsP)]),
    rule(dir, 'Allow', nsByName(allowed), `allow-${w}-${HOUSES[allowed]}-${at(portsH)}`, portsH),
    rule(dir, 'Deny', nsByName(allowed), `deny-${w}-${HOUSES[allowed]}-everything-else`),
  ];
}

function anp(name: string, priority: number, subject: Record<string, unknown>, spec: { ingress?: unknown[]; egress?: unknown[] }): PolicyObject {
  return { apiVersion: API, kind: 'AdminNetworkPolicy', metadata: { name }, spec: { priority, subject, ...spec } };
}

function banp(subject: Record<string, unknown>, spec: { ingress?: unknown[]; egress?: unknown[] }): PolicyObject {
  return { apiVersion: API, kind: 'BaselineAdminNetworkPolicy', metadata: { name: 'default' }, spec: { subject, ...spec } };
}

const rulesOf = (p: PolicyObject[], dir: 'ingress' | 'egress'): Array<Record<string, unknown>> => (p[0]!.spec[dir] as Array<Record<string, unknown>>);

/** Upstream's "swap rules at index i and j" patch. */
function swap(dirs: ReadonlyArray<'ingress' | 'egress'>, i: number, j: number): SubTest['mutate'] {
  return (p) => {
    for (const dir of dirs) {
      const rules = rulesOf(p, dir);
      [rules[i], rules[j]] = [rules[j]!, rules[i]!];
    }
  };
}

/** The policy of one per-protocol suite (its base manifest). */
interface Shape {
  readonly dir: 'ingress' | 'egress';
  readonly name: string;
  readonly priority: number;
  readonly subject: House;
  readonly all: House;
  readonly port: House;
  readonly portsP: readonly Port[];
  readonly allowed: House;
  readonly portsH: readonly Port[];
}

const SHAPES: Readonly<Record<string, Shape>> = {
  IngressTCP: { dir: 'ingress', name: 'ingress-tcp', priority: 3, subject: 'g', all: 'r', port: 's', portsP: [['TCP', 80]], allowed: 'h', portsH: [['TCP', 80]] },
  IngressUDP: { dir: 'ingress', name: 'ingress-udp', priority: 4, subject: 'h', all: 'r', port: 's', portsP: [['UDP', 5353]], allowed: 'g', portsH: [['UDP', 53]] },
  IngressSCTP: { dir: 'ingress', name: 'ingress-sctp', priority: 5, subject: 'r', all: 'g', port: 's', portsP: [['SCTP', 9003]], allowed: 'h', portsH: [['SCTP', 9003]] },
  EgressTCP: { dir: 'egress', name: 'egress-tcp', priority: 6, subject: 'g', all: 'r', port: 's', portsP: [['TCP', 80]], allowed: 'h', portsH: [['TCP', 8080]] },
  EgressUDP: { dir: 'egress', name: 'egress-udp', priority: 7, subject: 'h', all: 'r', port: 's', portsP: [['UDP', 5353]], allowed: 'g', portsH: [['UDP', 53]] },
  EgressSCTP: { dir: 'egress', name: 'egress-sctp', priority: 8, subject: 'r', all: 'g', port: 's', portsP: [['SCTP', 9003]], allowed: 'h', portsH: [['SCTP', 9003]] },
};

function shapePolicy(key: string, baseline: boolean): () => PolicyObject[] {
  const s = SHAPES[key]!;
  const spec = { [s.dir]: tierRules(s.dir, baseline, s.all, s.port, s.portsP, s.allowed, s.portsH) };
  return () => [baseline ? banp(nsByName(s.subject), spec) : anp(s.name, s.priority, nsByName(s.subject), spec)];
}

/** Upstream's six sub-tests of a per-protocol ANP suite (the BANP suites run the first four). */
const PROTOCOL_PROBES: Readonly<Record<string, readonly (readonly string[])[]>> = {
  IngressTCP: [
    ['r0>g0 tcp/80 +', 'r1>g0 tcp/8080 +'],
    ['h0>g1 tcp/80 +', 'h1>g1 tcp/8080 -'],
    ['r0>g1 tcp/80 -', 'r1>g1 tcp/8080 -'],
    ['s0>g0 tcp/80 -', 's1>g0 tcp/8080 +'],
    ['r0>g0 tcp/80 +', 'r1>g0 tcp/8080 +'],
    ['s0>g0 tcp/80 +', 's1>g0 tcp/8080 +'],
  ],
  IngressUDP: [
    ['r0>h0 udp/53 +', 'r1>h0 udp/5353 +'],
    ['g0>h1 udp/53 +', 'g1>h1 udp/5353 -'],
    ['r0>h1 udp/53 -', 'r1>h1 udp/5353 -'],
    ['s0>h0 udp/5353 -', 's1>h0 udp/53 +'],
    ['r0>h1 udp/5353 +', 'r1>h1 udp/53 +'],
    ['s0>h0 udp/5353 +', 's1>h0 udp/53 +'],
  ],
  IngressSCTP: [
    ['g0>r0 sctp/9003 +', 'g1>r0 sctp/9005 +'],
    ['h0>r1 sctp/9003 +', 'h1>r1 sctp/9005 -'],
    ['g0>r1 sctp/9003 -', 'g1>r1 sctp/9005 -'],
    ['s0>r0 sctp/9003 -', 's1>r0 sctp/9005 +'],
    ['g0>r1 sctp/9003 +', 'g1>r1 sctp/9005 +'],
    ['s0>r0 sctp/9003 +', 's1>r0 sctp/9005 +'],
  ],
  EgressTCP: [
    ['g0>r0 tcp/80 +', 'g1>r0 tcp/8080 +'],
    ['g0>h1 tcp/8080 +', 'g1>h1 tcp/80 -'],
    ['g0>r1 tcp/80 -', 'g1>r1 tcp/8080 -'],
    ['g0>s0 tcp/80 -', 'g1>s0 tcp/8080 +'],
    ['g0>r0 tcp/80 +', 'g1>r0 tcp/8080 +'],
    ['g0>s0 tcp/80 +', 'g1>s0 tcp/8080 +'],
  ],
  EgressUDP: [
    ['h0>r0 udp/53 +', 'h1>r0 udp/5353 +'],
    ['h0>g1 udp/53 +', 'h1>g1 udp/5353 -'],
    ['h0>r1 udp/53 -', 'h1>r1 udp/5353 -'],
    ['h0>s0 udp/5353 -', 'h1>s0 udp/53 +'],
    ['h0>r1 udp/5353 +', 'h1>r1 udp/53 +'],
    ['h0>s0 udp/5353 +', 'h1>s0 udp/53 +'],
  ],
  EgressSCTP: [
    ['r0>g0 sctp/9003 +', 'r1>g0 sctp/9005 +'],
    ['r0>h1 sctp/9003 +', 'r1>h1 sctp/9005 -'],
    ['r0>g1 sctp/9003 -', 'r1>g1 sctp/9005 -'],
    ['r0>s0 sctp/9003 -', 'r1>s0 sctp/9005 +'],
    ['r0>g1 sctp/9003 +', 'r1>g1 sctp/9005 +'],
    ['r0>s0 sctp/9003 +', 'r1>s0 sctp/9005 +'],
  ],
};

function protocolCase(key: string, baseline: boolean): AnpCase {
  const dir = SHAPES[key]!.dir;
  const probes = PROTOCOL_PROBES[key]!;
  const titles = [`allow-${dir} whole house; rule order`, `allow-${dir} at the port`, `deny-${dir} whole house (rules 0,1 swapped)`, `deny-${dir} at the port`, `pass-${dir} whole house (rules 0,2 swapped)`, `pass-${dir} at the port (rules 3,4 swapped)`];
  const mutations: Array<SubTest['mutate']> = [undefined, undefined, swap([dir], 0, 1), undefined, swap([dir], 0, 2), swap([dir], 3, 4)];
  const n = baseline ? 4 : 6;
  return {
    id: `${baseline ? 'Baseline' : ''}AdminNetworkPolicy${key}`,
    policies: shapePolicy(key, baseline),
    subTests: probes.slice(0, n).map((p, i) => ({ title: titles[i]!, ...(mutations[i] ? { mutate: mutations[i] } : {}), probes: p })),
  };
}

const GRESS_PORTS_P: readonly Port[] = [['TCP', 80], ['UDP', 53], ['SCTP', 9003]];
function gressPolicy(baseline: boolean): () => PolicyObject[] {
  const spec = {
    ingress: tierRules('ingress', baseline, 'r', 's', GRESS_PORTS_P, 'h', [['TCP', 80], ['UDP', 5353], ['SCTP', 9003]]),
    egress: tierRules('egress', baseline, 'r', 's', GRESS_PORTS_P, 'h', [['TCP', 8080], ['UDP', 5353], ['SCTP', 9003]]),
  };
  return () => [baseline ? banp(nsByName('g'), spec) : anp('gress-rules', 15, nsByName('g'), spec)];
}

/** "a>to proto/x okA" and "b>to proto/y okB" for each (proto, x, y): the combined suites' per-port pokes. */
function portPairs(a: PodId, b: PodId, to: PodId, ports: ReadonlyArray<readonly [string, number, number]>, okA: '+' | '-', okB: '+' | '-'): string[] {
  return ports.flatMap(([proto, x, y]) => [`${a}>${to} ${proto}/${x} ${okA}`, `${b}>${to} ${proto}/${y} ${okB}`]);
}
const ALLOWED_OUT = [['tcp', 8080, 80], ['udp', 5353, 53], ['sctp', 9003, 9005]] as const;
const ALLOWED_IN = [['tcp', 80, 8080], ['udp', 5353, 53], ['sctp', 9003, 9005]] as const;
const AT_PORTS = [['tcp', 80, 8080], ['udp', 53, 5353], ['sctp', 9003, 9005]] as const;

const GRESS_SUBTESTS: readonly SubTest[] = [
  {
    title: 'allow-gress across protocols',
    probes: ['g0>r0 tcp/80 +', 'g1>r0 udp/53 +', 'g0>r0 sctp/9003 +', 'r0>g0 tcp/80 +', 'r1>g0 udp/53 +', 'r1>g0 sctp/9003 +'],
  },
  { title: 'allow-gress across protocols at the ports', probes: [...portPairs('g0', 'g1', 'h1', ALLOWED_OUT, '+', '-'), ...portPairs('h0', 'h1', 'g1', ALLOWED_IN, '+', '-')] },
  {
    title: 'deny-gress across protocols (rules 0,1 swapped both ways)',
    mutate: swap(['egress', 'ingress'], 0, 1),
    probes: ['g0>r1 tcp/80 -', 'g1>r1 udp/53 -', 'g0>r1 sctp/9003 -', 'r0>g1 tcp/80 -', 'r1>g1 udp/53 -', 'r1>g1 sctp/9003 -'],
  },
  { title: 'deny-gress across protocols at the ports', probes: [...portPairs('g0', 'g1', 's0', AT_PORTS, '-', '+'), ...portPairs('s0', 's1', 'g0', AT_PORTS, '-', '+')] },
  {
    title: 'pass-gress across protocols (rules 0,2 swapped both ways)',
    mutate: swap(['egress', 'ingress'], 0, 2),
    probes: ['g0>r0 tcp/80 +', 'g0>r0 udp/5353 +', 'g0>r0 sctp/9003 +', 'r0>g0 tcp/80 +', 'r1>g0 udp/53 +', 'r1>g0 sctp/9003 +'],
  },
  {
    title: 'pass-gress across protocols at the ports (rules 3,4 swapped both ways)',
    mutate: swap(['egress', 'ingress'], 3, 4),
    probes: [...portPairs('g0', 'g1', 's0', AT_PORTS, '+', '+'), ...portPairs('s0', 's1', 'g0', AT_PORTS, '+', '+')],
  },
];

function cidrCase(baseline: boolean): AnpCase {
  const egress = () => [rule('egress', 'Allow', podsOfHouse('s'), 'allow-egress-to-slytherin'), rule('egress', 'Deny', { networks: ['0.0.0.0/0', '::/0'] }, 'deny-egress-to-internet')];
  const all = (to: PodId, c: '+' | '-'): string[] => [`g1>${to} tcp/80 ${c}`, `g1>${to} udp/53 ${c}`, `g1>${to} sctp/9003 ${c}`];
  return {
    id: `${baseline ? 'Baseline' : ''}AdminNetworkPolicyEgressInlineCIDRPeers`,
    policies: () => [baseline ? banp(nsByName('g'), { egress: egress() }) : anp('inline-cidr-as-peers-example', 85, podsOfHouse('g'), { egress: egress() })],
    subTests: [
      { title: 'deny-egress to the internet CIDR, allow to slytherin pods', probes: [...all('r0', '-'), ...all('h0', '-'), ...all('s0', '+')] },
      {
        title: 'allow-egress to two pods by /32 networks (rule inserted first)',
        mutate: (p, ip) => rulesOf(p, 'egress').unshift(rule('egress', 'Allow', { networks: [`${ip('r0')}/32`, `${ip('h0')}/32`] }, 'allow-egress-to-specific-podIPs')),
        probes: [...all('r0', '+'), ...all('h0', '+'), ...all('r1', '-'), ...all('h1', '-')],
      },
    ],
  };
}

/** An experimental named-port suite: the base manifest of a per-protocol suite with one rule's ports made a named port. */
function namedPortCase(id: string, key: string, baseline: boolean, dir: 'ingress' | 'egress', index: number, portName: string, probes: readonly string[]): AnpCase {
  return {
    id,
    experimental: true,
    policies: shapePolicy(key, baseline),
    subTests: [{ title: `allow-${dir} for named port ${portName}`, mutate: (p) => void (rulesOf(p, dir)[index]!.ports = [{ namedPort: portName }]), probes }],
  };
}

const NODE_PEERS =
  'nodes peers are not supported: the rule fails closed as in Calico (a Deny/Pass becomes a deny-all rule, an Allow is dropped), and the lab has no host-network pods to serve on a node';

/** The suites ANP and BANP share (upstream's file order), with each kind's two named-port tests. */
function tierSuite(baseline: boolean, namedPorts: readonly [AnpCase, AnpCase]): AnpCase[] {
  const prefix = baseline ? 'Baseline' : '';
  return [
    namedPorts[0],
    { id: `${prefix}AdminNetworkPolicyEgressNodePeers`, experimental: true, unsupported: NODE_PEERS, policies: () => [], subTests: [] },
    namedPorts[1],
    cidrCase(baseline),
    ...['EgressSCTP', 'EgressTCP', 'EgressUDP'].map((k) => protocolCase(k, baseline)),
    { id: `${prefix}AdminNetworkPolicyGress`, policies: gressPolicy(baseline), subTests: baseline ? GRESS_SUBTESTS.slice(0, 4) : GRESS_SUBTESTS },
    ...['IngressSCTP', 'IngressTCP', 'IngressUDP'].map((k) => protocolCase(k, baseline)),
  ];
}

/** AdminNetworkPolicyIntegration and AdminNetworkPolicyPriorityField: ANP, NetworkPolicy and BANP together. */
const LAYERED: readonly AnpCase[] = [
  {
    id: 'AdminNetworkPolicyIntegration',
    policies: () => [
      anp('pass-example', 10, nsByHouse('g'), { ingress: [rule('ingress', 'Deny', nsByHouse('s'), 'deny-all-ingress-from-slytherin')], egress: [rule('egress', 'Deny', nsByHouse('s'), 'deny-all-egress-to-slytherin')] }),
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'allow-gress-from-to-slytherin-to-gryffindor', namespace: namespaceOf('g') },
        spec: {
          podSelector: {},
          policyTypes: ['Ingress', 'Egress'],
          ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'conformance-house': 'slytherin' } } }] }],
          egress: [{ to: [{ namespaceSelector: { matchLabels: { 'conformance-house': 'slytherin' } } }] }],
        },
      },
      banp(nsByHouse('g'), { ingress: [rule('ingress', 'Deny', nsByHouse('s'), 'deny-all-ingress-from-slytherin')], egress: [rule('egress', 'Deny', nsByHouse('s'), 'deny-all-egress-to-slytherin')] }),
    ],
    subTests: [
      { title: 'ANP denies ingress from slytherin', probes: ['s0>g0 tcp/80 -', 's1>g0 tcp/8080 -'] },
      { title: 'ANP denies egress to slytherin', probes: ['g0>s0 tcp/80 -', 'g1>s0 tcp/8080 -'] },
      { title: 'ingress Pass: the NetworkPolicy allows', mutate: (p) => void (rulesOf(p, 'ingress')[0]!.action = 'Pass'), probes: ['s0>g0 tcp/80 +', 's1>g0 tcp/8080 +'] },
      { title: 'egress Pass: the NetworkPolicy allows', mutate: (p) => void (rulesOf(p, 'egress')[0]!.action = 'Pass'), probes: ['g0>s0 tcp/80 +', 'g1>s0 tcp/8080 +'] },
      { title: 'NetworkPolicy deleted: the BANP denies ingress', mutate: (p) => void p.splice(1, 1), probes: ['s0>g0 tcp/80 -', 's1>g0 tcp/8080 -'] },
      { title: 'NetworkPolicy deleted: the BANP denies egress', probes: ['g0>s0 tcp/80 -', 'g1>s0 tcp/8080 -'] },
    ],
  },
  {
    id: 'AdminNetworkPolicyPriorityField',
    policies: () => [
      anp('priority-50-example', 50, podsOfHouse('g'), { ingress: [rule('ingress', 'Deny', podsOfHouse('s'), 'deny-all-ingress-from-slytherin')], egress: [rule('egress', 'Deny', podsOfHouse('s'), 'deny-all-egress-to-slytherin')] }),
      anp('old-priority-60-new-priority-40-example', 60, podsOfHouse('g'), { ingress: [rule('ingress', 'Pass', podsOfHouse('s'), 'pass-all-ingress-from-slytherin')], egress: [rule('egress', 'Pass', podsOfHouse('s'), 'pass-all-egress-to-slytherin')] }),
      banp(podsOfHouse('g'), { ingress: [rule('ingress', 'Allow', podsOfHouse('s'), 'allow-all-ingress-from-slytherin')], egress: [rule('egress', 'Allow', podsOfHouse('s'), 'allow-all-egress-to-slytherin')] }),
    ],
    subTests: [
      { title: 'priority 50 denies ingress from slytherin', probes: ['s0>g0 tcp/80 -', 's1>g0 tcp/8080 -'] },
      { title: 'priority 50 denies egress to slytherin', probes: ['g0>s0 tcp/80 -', 'g1>s0 tcp/8080 -'] },
      {
        title: 'priority 60 -> 40: Pass wins, the BANP allows both ways',
        mutate: (p) => void (p[1]!.spec.priority = 40),
        probes: ['s0>g0 tcp/80 +', 's1>g0 tcp/8080 +', 'g0>s0 tcp/80 +', 'g1>s0 tcp/8080 +'],
      },
    ],
  },
];

export const ANP_CASES: readonly AnpCase[] = [
  ...tierSuite(false, [
    namedPortCase('AdminNetworkPolicyEgressNamedPort', 'EgressTCP', false, 'egress', 5, 'web', ['g0>h1 tcp/80 +', 'g1>h1 tcp/8080 -']),
    namedPortCase('AdminNetworkPolicyIngressNamedPort', 'IngressUDP', false, 'ingress', 5, 'dns', ['g0>h1 udp/53 +', 'g1>h1 udp/5353 -']),
  ]),
  ...LAYERED,
  ...tierSuite(true, [
    namedPortCase('BaselineAdminNetworkPolicyEgressNamedPort', 'EgressUDP', true, 'egress', 3, 'dns', ['h0>g1 udp/53 +', 'h1>g1 udp/5353 -']),
    namedPortCase('BaselineAdminNetworkPolicyIngressNamedPort', 'IngressTCP', true, 'ingress', 3, 'web', ['h0>g1 tcp/80 +', 'h1>g1 tcp/8080 -']),
  ]),
];
