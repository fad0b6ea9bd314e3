import { applyDefaults } from './resource';
import { make, problemsOf } from './testing';

type Case = { name: string; spec: Record<string, unknown>; want: string[] };

describe('policy defaults', () => {
  const cases: Array<{ name: string; spec: Record<string, unknown>; types: string[] }> = [
    { name: 'no rules: Ingress', spec: {}, types: ['Ingress'] },
    { name: 'ingress only', spec: { ingress: [{ action: 'Allow' }] }, types: ['Ingress'] },
    { name: 'egress only', spec: { egress: [{ action: 'Allow' }] }, types: ['Egress'] },
    { name: 'both', spec: { ingress: [{ action: 'Allow' }], egress: [{ action: 'Deny' }] }, types: ['Ingress', 'Egress'] },
    { name: 'explicit types kept', spec: { types: ['Egress'] }, types: ['Egress'] },
  ];
  it.each(cases)('$name', ({ spec, types }) => {
    for (const kind of ['NetworkPolicy', 'GlobalNetworkPolicy']) {
      const out = applyDefaults(make(kind, 'p', spec));
      expect(out.spec).toMatchObject({ tier: 'default', types });
    }
  });

  it('puts a NetworkPolicy without namespace in "default"', () => {
    expect(applyDefaults(make('NetworkPolicy', 'p', {})).metadata.namespace).toBe('default');
    expect(applyDefaults(make('GlobalNetworkPolicy', 'p', {})).metadata.namespace).toBeUndefined();
  });
});

describe('NetworkPolicy validation', () => {
  const cases: Case[] = [
    {
      name: 'Calico docs example',
      spec: {
        selector: "role == 'database'",
        types: ['Ingress', 'Egress'],
        order: 100,
        ingress: [
          {
            action: 'Allow',
            metadata: { annotations: { from: 'frontend', to: 'database' } },
            protocol: 'TCP',
            source: { selector: "role == 'frontend'" },
            destination: { ports: [6379, '8000:8080', 'redis'] },
          },
          { action: 'Allow', protocol: 'ICMP', icmp: { type: 8, code: 0 } },
        ],
        egress: [{ action: 'Allow', destination: { nets: ['10.0.0.0/8', '192.168.1.1'], notNets: ['10.1.0.0/16'] } }],
      },
      want: [],
    },
    { name: 'action required', spec: { ingress: [{ protocol: 'TCP' }] }, want: ['spec.ingress[0].action: is required'] },
    { name: 'bad action', spec: { ingress: [{ action: 'Accept' }] }, want: ['spec.ingress[0].action: must be one of Allow, Deny, Log, Pass'] },
    { name: 'ports need a port protocol', spec: { ingress: [{ action: 'Allow', destination: { ports: [80] } }] }, want: ['spec.ingress[0].destination.ports: requires protocol TCP, UDP, SCTP or UDPLite'] },
    { name: 'bad port range', spec: { ingress: [{ action: 'Allow', protocol: 'UDP', destination: { ports: ['90:80'] } }] }, want: ['spec.ingress[0].destination.ports[0]: port range must be "min:max" within 0-65535'] },
    { name: 'bad protocol', spec: { ingress: [{ action: 'Allow', protocol: 'GRE' }] }, want: ['spec.ingress[0].protocol: must be TCP, UDP, ICMP, ICMPv6, SCTP, UDPLite or a number 1-255'] },
    { name: 'icmp without ICMP protocol', spec: { ingress: [{ action: 'Allow', protocol: 'TCP', icmp: { type: 8 } }] }, want: ['spec.ingress[0].icmp: requires protocol ICMP or ICMPv6'] },
    { name: 'icmp code needs type', spec: { ingress: [{ action: 'Allow', protocol: 'ICMP', icmp: { code: 0 } }] }, want: ['spec.ingress[0].icmp.code: requires type'] },
    { name: 'bad net', spec: { egress: [{ action: 'Allow', destination: { nets: ['10.0.0.0/40'] } }] }, want: ['spec.egress[0].destination.nets[0]: "10.0.0.0/40" is not a valid IP address or CIDR'] },
    { name: 'ipVersion mismatch', spec: { egress: [{ action: 'Allow', ipVersion: 6, destination: { nets: ['10.0.0.0/8'] } }] }, want: ['spec.egress[0].destination.nets[0]: must be IPv6 to match ipVersion'] },
    { name: 'bad selector', spec: { selector: 'role == database' }, want: ['spec.selector: invalid selector: expected a quoted string at column 9'] },
    { name: 'bad type', spec: { types: ['Ingress', 'Both'] }, want: ['spec.types[1]: must be one of Ingress, Egress'] },
    { name: 'egress rules without Egress type', spec: { types: ['Ingress'], egress: [{ action: 'Allow' }] }, want: ['spec.egress: rules are set but spec.types does not include Egress'] },
    { name: 'GNP-only field', spec: { doNotTrack: true }, want: ['spec.doNotTrack: unknown field'] },
  ];
  it.each(cases)('$name', ({ spec, want }) => {
    expect(problemsOf(make('NetworkPolicy', 'p', spec, { namespace: 'develop' }))).toEqual(want);
  });
});

describe('GlobalNetworkPolicy validation', () => {
  const cases: Case[] = [
    {
      name: 'tutorial policy',
      spec: {
        order: 0.0,
        namespaceSelector: 'name not in {"kube-system","kubernetes-dashboard","logs","monitoring"}',
        types: ['Ingress', 'Egress'],
        ingress: [{ action: 'Allow', source: { namespaceSelector: 'name in {"kube-system","kubernetes-dashboard","logs","monitoring"}' } }],
        egress: [{ action: 'Allow' }],
      },
      want: [],
    },
    { name: 'preDNAT needs applyOnForward', spec: { preDNAT: true, ingress: [{ action: 'Deny' }] }, want: ['spec.applyOnForward: must be true when spec.doNotTrack or spec.preDNAT is true'] },
    {
      name: 'preDNAT and doNotTrack exclusive',
      spec: { preDNAT: true, doNotTrack: true, applyOnForward: true },
      want: ['spec.preDNAT: cannot be true together with spec.doNotTrack'],
    },
    { name: 'preDNAT without egress', spec: { preDNAT: true, applyOnForward: true, egress: [{ action: 'Allow' }] }, want: ['spec.egress: a preDNAT policy cannot have egress rules'] },
    { name: 'bad namespaceSelector', spec: { namespaceSelector: 'name not in ("a")' }, want: ['spec.namespaceSelector: invalid selector: expected a set literal "{...}" at column 13'] },
  ];
  it.each(cases)('$name', ({ spec, want }) => {
    expect(problemsOf(make('GlobalNetworkPolicy', 'namespaces-default', spec))).toEqual(want);
  });

  it('refuses a namespace on a cluster-wide kind', () => {
    expect(problemsOf(make('GlobalNetworkPolicy', 'g', {}, { namespace: 'x' }))).toEqual(['metadata.namespace: must not be set: GlobalNetworkPolicy is not namespaced']);
  });
});
