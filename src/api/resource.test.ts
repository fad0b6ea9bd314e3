import { ValidationError } from './errors';
import { API_VERSION, KINDS, applyDefaults, decodeResource, kindInfo, resolveKind, resourceId, validateResource } from './resource';
import { make, problemsOf } from './testing';

describe('kind registry', () => {
  const aliases: Array<{ input: string; want: string | undefined }> = [
    { input: 'ippools', want: 'IPPool' },
    { input: 'ippool', want: 'IPPool' },
    { input: 'ipp', want: 'IPPool' },
    { input: 'IPPools', want: 'IPPool' },
    { input: 'ipPools', want: 'IPPool' },
    { input: 'bgpPeer', want: 'BGPPeer' },
    { input: 'bgppeers', want: 'BGPPeer' },
    { input: 'bgpconfig', want: 'BGPConfiguration' },
    { input: 'bgpconfigurations', want: 'BGPConfiguration' },
    { input: 'nodes', want: 'Node' },
    { input: 'gnp', want: 'GlobalNetworkPolicy' },
    { input: 'networkpolicy', want: 'NetworkPolicy' },
    { input: 'wep', want: 'WorkloadEndpoint' },
    { input: 'felixconfig', want: 'FelixConfiguration' },
    { input: 'ipamconfig', want: 'IPAMConfiguration' },
    { input: 'clusterinfo', want: 'ClusterInformation' },
    { input: 'caliconodestatus', want: 'CalicoNodeStatus' },
    { input: 'pods', want: undefined },
  ];
  it.each(aliases)('$input -> $want', ({ input, want }) => expect(resolveKind(input)?.kind).toBe(want));

  it('has unique kinds, plurals and aliases, and lower-case plurals', () => {
    const names = KINDS.flatMap((k) => [k.kind.toLowerCase(), k.plural, ...k.aliases.map((a) => a.toLowerCase())]);
    const perKind = KINDS.map((k) => new Set([k.kind.toLowerCase(), k.plural, ...k.aliases.map((a) => a.toLowerCase())]));
    expect(perKind.reduce((n, s) => n + s.size, 0)).toBe(new Set(names).size);
    for (const k of KINDS) expect(k.plural).toBe(k.plural.toLowerCase());
  });

  it('matches manifest kinds exactly', () => {
    expect(kindInfo('IPPool')?.plural).toBe('ippools');
    expect(kindInfo('ippool')).toBeUndefined();
    expect(KINDS.filter((k) => k.namespaced).map((k) => k.kind).sort()).toEqual(['NetworkPolicy', 'NetworkSet', 'StagedKubernetesNetworkPolicy', 'StagedNetworkPolicy', 'WorkloadEndpoint']);
  });
});

describe('metadata validation', () => {
  const cases: Array<{ name: string; meta: Record<string, unknown>; want: string[] }> = [
    { name: 'plain name', meta: { name: 'default-ipv4-ippool' }, want: [] },
    { name: 'dotted name', meta: { name: 'node.master1' }, want: [] },
    { name: 'missing name', meta: { name: '' }, want: ['metadata.name: is required'] },
    {
      name: 'upper case name',
      meta: { name: 'Pool1' },
      want: ['metadata.name: "Pool1" must consist of lower case letters, digits, "-" and ".", start and end with a letter or digit, and be at most 253 characters'],
    },
    { name: 'namespace on a cluster kind', meta: { name: 'p', namespace: 'default' }, want: ['metadata.namespace: must not be set: IPPool is not namespaced'] },
    { name: 'unknown metadata field', meta: { name: 'p', colour: 'red' }, want: ['metadata.colour: unknown field'] },
  ];
  it.each(cases)('$name', ({ meta, want }) => {
    const res = make('IPPool', 'x', { cidr: '10.0.0.0/16' });
    res.metadata = meta as unknown as typeof res.metadata;
    expect(problemsOf(res)).toEqual(want);
  });

  it('refuses an unknown kind and a wrong apiVersion', () => {
    expect(problemsOf(make('Pool', 'p', {}))).toEqual(['kind: unknown kind "Pool" (did you mean IPPool?)']);
    const res = make('IPPool', 'p', { cidr: '10.0.0.0/16' });
    (res as { apiVersion: string }).apiVersion = 'v1';
    expect(problemsOf(res)).toEqual([`apiVersion: must be ${API_VERSION}`]);
  });
});

describe('decodeResource', () => {
  it('coerces YAML scalars into string fields as calicoctl does', () => {
    const res = decodeResource({
      apiVersion: API_VERSION,
      kind: 'Node',
      metadata: { name: 'master1', labels: { 'route-reflector': true, rack: 12 } },
      spec: { bgp: { routeReflectorClusterID: '1.1.1.1' } },
    });
    expect(res.metadata.labels).toEqual({ 'route-reflector': 'true', rack: '12' });
  });

  it('lists every shape problem at once', () => {
    let caught: unknown;
    try {
      decodeResource({ apiVersion: API_VERSION, kind: 'IPPool', metadata: { name: 'p' }, spec: { cidr: ['x'], blockSize: '26', extra: 1 } });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    expect((caught as ValidationError).message).toBe('IPPool p: spec.cidr: must be a string; spec.blockSize: must be an integer; spec.extra: unknown field');
  });

  it('drops nulls as Go does for unset fields', () => {
    const res = decodeResource({ apiVersion: API_VERSION, kind: 'IPPool', metadata: { name: 'p', labels: null }, spec: { cidr: '10.0.0.0/16', natOutgoing: null } });
    expect(res.metadata).toEqual({ name: 'p' });
    expect(res.spec).toEqual({ cidr: '10.0.0.0/16' });
  });
});

describe('resource helpers', () => {
  it('resourceId names namespaced resources with their namespace', () => {
    expect(resourceId(make('IPPool', 'p'))).toBe('IPPool(p)');
    expect(resourceId(make('NetworkPolicy', 'np', {}, { namespace: 'develop' }))).toBe('NetworkPolicy(develop/np)');
  });

  it('validateResource passes a defaulted resource and does not mutate it', () => {
    const res = applyDefaults(make('IPPool', 'p', { cidr: '10.0.0.0/16' }));
    const before = JSON.stringify(res);
    expect(() => validateResource(res)).not.toThrow();
    expect(JSON.stringify(res)).toBe(before);
  });
});
