import { applyDefaults, decodeResource } from './resource';
import { make, problemsOf } from './testing';

type Case = { name: string; kind: string; resName: string; spec: unknown; ns?: string; want: string[] };

describe('Tier, NetworkSet, GlobalNetworkSet, Profile', () => {
  const cases: Case[] = [
    { name: 'tier with order and Pass', kind: 'Tier', resName: 'security', spec: { order: 100, defaultAction: 'Pass' }, want: [] },
    { name: 'tier without order (applies last)', kind: 'Tier', resName: 'last', spec: {}, want: [] },
    { name: 'tier action', kind: 'Tier', resName: 'security', spec: { defaultAction: 'Allow' }, want: ['spec.defaultAction: must be one of Deny, Pass'] },
    { name: 'tier name is a DNS label', kind: 'Tier', resName: 'a.b', spec: {}, want: ['metadata.name: must be a DNS label (lower-case letters, digits and "-", at most 63 characters)'] },
    { name: 'default tier is fixed', kind: 'Tier', resName: 'default', spec: { order: 5, defaultAction: 'Pass' }, want: ["spec.order: the \"default\" tier's order must be 1000000", 'spec.defaultAction: the "default" tier must have default action Deny'] },
    { name: 'kube-admin tier', kind: 'Tier', resName: 'kube-admin', spec: { order: 1000, defaultAction: 'Pass' }, want: [] },
    { name: 'global network set', kind: 'GlobalNetworkSet', resName: 'dns', spec: { nets: ['8.8.8.8/32', '2001:db8::/32', '1.1.1.1'] }, want: [] },
    { name: 'global network set bad net', kind: 'GlobalNetworkSet', resName: 'dns', spec: { nets: ['8.8.8/32'] }, want: ['spec.nets[0]: "8.8.8/32" is not a valid IP address or CIDR'] },
    { name: 'network set is namespaced', kind: 'NetworkSet', resName: 'ext', ns: 'x', spec: { nets: ['192.0.2.0/24'] }, want: [] },
    { name: 'profile rules are checked', kind: 'Profile', resName: 'kns.x', spec: { ingress: [{ action: 'Accept' }] }, want: ['spec.ingress[0].action: must be one of Allow, Deny, Log, Pass'] },
  ];
  it.each(cases)('$name', ({ kind, resName, spec, ns, want }) => {
    expect(problemsOf(make(kind, resName, spec, ns ? { namespace: ns } : {}))).toEqual(want);
  });

  it('defaults a tier to Deny and the default tier to its fixed order', () => {
    expect(applyDefaults(make('Tier', 'security', {})).spec).toEqual({ defaultAction: 'Deny' });
    expect(applyDefaults(make('Tier', 'default', undefined)).spec).toEqual({ order: 1_000_000, defaultAction: 'Deny' });
  });

  it('decodes the kinds from manifests and rejects unknown fields', () => {
    expect(() => decodeResource({ apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkSet', metadata: { name: 'a' }, spec: { nets: ['10.0.0.0/8'] } })).not.toThrow();
    expect(() => decodeResource({ apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: 'a' }, spec: { ordr: 1 } })).toThrow('spec.ordr: unknown field');
  });
});
