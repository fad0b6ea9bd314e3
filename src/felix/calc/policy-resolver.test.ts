import { namespaceToProfile } from '../../api/k8s';
import { ipSetId, ipSetKey } from './ip-sets';
import { profileModel, type PolicyModel, type RuleModel } from './policy-model';
import { PolicyResolver, type EndpointModel } from './policy-resolver';

function ep(id: string, labels: Record<string, string>, ip: string, local = true, extra: Partial<EndpointModel> = {}): EndpointModel {
  const ns = id.split('/')[0] ?? 'x';
  return {
    id,
    interfaceName: `cali${id.replace(/\W/g, '')}`,
    labels: { ...labels, 'projectcalico.org/namespace': ns, 'projectcalico.org/orchestrator': 'k8s' },
    profiles: [`kns.${ns}`],
    ipNets: [`${ip}/32`],
    local,
    ...extra,
  };
}

function pol(id: string, selector: string, opts: Partial<PolicyModel> = {}): PolicyModel {
  return { id, kind: 'GlobalNetworkPolicy', name: id, tier: 'default', selector, ingress: true, egress: false, inbound: [], outbound: [], ...opts };
}

const allowFrom = (selector: string): RuleModel => ({ action: 'Allow', src: { selector }, dst: {} });

function setup(): PolicyResolver {
  const r = new PolicyResolver();
  for (const ns of ['x', 'y']) r.setProfile(profileModel(namespaceToProfile({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { ns } } })));
  return r;
}

describe('PolicyResolver', () => {
  it('orders tiers by order (missing tier last) and policies by order then name, per direction', () => {
    const r = setup();
    r.setTier({ name: 'security', order: 10, defaultAction: 'Pass' });
    r.setEndpoint(ep('x/a', { app: 'a' }, '10.0.0.1'));
    r.setPolicy(pol('late', 'all()'));
    r.setPolicy(pol('early', 'all()', { order: 5 }));
    r.setPolicy(pol('sec', "app == 'a'", { tier: 'security', order: 100 }));
    r.setPolicy(pol('ghost', 'all()', { tier: 'nosuchtier', order: 1 }));
    r.setPolicy(pol('out', 'all()', { ingress: false, egress: true }));
    r.takeChanges();
    expect(r.endpointPolicies('x/a')).toEqual({
      ingress: [
        { tier: 'security', defaultAction: 'Pass', policies: ['sec'] },
        { tier: 'default', defaultAction: 'Deny', policies: ['early', 'late'] },
        { tier: 'nosuchtier', defaultAction: 'Deny', policies: ['ghost'] },
      ],
      egress: [{ tier: 'default', defaultAction: 'Deny', policies: ['out'] }],
      profiles: ['kns.x'],
    });
  });

  it('an endpoint selected by no policy has no tiers (unrestricted) and keeps its profile', () => {
    const r = setup();
    r.setEndpoint(ep('y/b', {}, '10.0.0.2'));
    r.setPolicy(pol('only-x', "projectcalico.org/namespace == 'x'"));
    r.takeChanges();
    expect(r.endpointPolicies('y/b')).toEqual({ ingress: [], egress: [], profiles: ['kns.y'] });
  });

  it('builds IP sets for rule selectors of active policies only, from all endpoints and network sets', () => {
    const r = setup();
    r.setEndpoint(ep('x/a', { app: 'a' }, '10.0.0.1'));
    r.setEndpoint(ep('y/b', { app: 'b' }, '10.0.1.2', false));
    r.setNetworkSet({ id: 'ext', labels: { app: 'b' }, nets: ['192.0.2.0/24'] });
    r.setPolicy(pol('inactive', "app == 'nobody'", { inbound: [allowFrom("app == 'c'")] }));
    r.setPolicy(pol('p', "app == 'a'", { inbound: [allowFrom("app == 'b'")] }));
    const ch = r.takeChanges();
    const id = ipSetId(ipSetKey('net', "app == 'b'"));
    expect(r.ipSet(id)?.members()).toEqual(['10.0.1.2/32', '192.0.2.0/24']);
    expect(r.ipSet(ipSetId(ipSetKey('net', "app == 'c'")))).toBeUndefined();
    expect(ch.ipSets.has(id)).toBe(true);
    expect(r.activePolicy('inactive')).toBeUndefined();
    // The remote endpoint is relabelled: it leaves the set.
    r.setEndpoint(ep('y/b', { app: 'z' }, '10.0.1.2', false));
    expect(r.ipSet(id)?.members()).toEqual(['192.0.2.0/24']);
    expect(r.takeChanges().ipSets.has(id)).toBe(true);
    // The policy stops applying to any local endpoint: its set goes.
    r.setEndpoint(ep('x/a', { app: 'other' }, '10.0.0.1'));
    expect(r.ipSet(id)).toBeUndefined();
  });

  it('matches namespaces through the kns profile labels and follows a namespace relabel', () => {
    const r = setup();
    r.setEndpoint(ep('x/a', {}, '10.0.0.1'));
    r.setEndpoint(ep('y/b', {}, '10.0.1.2'));
    r.setPolicy(pol('p', 'all()', { inbound: [allowFrom('pcns.ns == "y"')] }));
    const id = ipSetId(ipSetKey('net', 'pcns.ns == "y"'));
    expect(r.ipSet(id)?.members()).toEqual(['10.0.1.2/32']);
    r.setProfile(profileModel(namespaceToProfile({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x', labels: { ns: 'y' } } })));
    expect(r.ipSet(id)?.members()).toEqual(['10.0.0.1/32', '10.0.1.2/32']);
  });

  it('fills named-port sets from the endpoints declaring that name and protocol', () => {
    const r = setup();
    const ports = [
      { name: 'serve-80-tcp', protocol: 'tcp', port: 80 },
      { name: 'serve-80-udp', protocol: 'udp', port: 80 },
    ];
    r.setEndpoint(ep('x/a', {}, '10.0.0.1', true, { ports }));
    r.setEndpoint(ep('x/b', {}, '10.0.0.2', true, { ports: [{ name: 'serve-80-tcp', protocol: 'tcp', port: 8080 }] }));
    r.setPolicy(pol('p', 'all()', { inbound: [{ action: 'Allow', protocol: 'tcp', src: {}, dst: { ports: ['serve-80-tcp'] } }] }));
    const id = PolicyResolver.ipSetIdFor('named-port', 'all()', 'tcp', 'serve-80-tcp');
    expect(r.ipSet(id)?.members()).toEqual(['10.0.0.1/32 tcp 80', '10.0.0.2/32 tcp 8080']);
    r.setEndpoint(ep('x/b', {}, '10.0.0.9', true, { ports: [{ name: 'serve-80-tcp', protocol: 'tcp', port: 8080 }] }));
    expect(r.ipSet(id)?.members()).toEqual(['10.0.0.1/32 tcp 80', '10.0.0.9/32 tcp 8080']);
  });

  it('relabelling one endpoint or changing one policy resolves only the endpoints it touches', () => {
    const r = setup();
    for (let i = 0; i < 100; i++) r.setEndpoint(ep(`x/p${i}`, { app: `app${i % 10}` }, `10.0.0.${i}`));
    for (let i = 0; i < 200; i++) r.setPolicy(pol(`pol${i}`, `app == 'app${i % 10}'`, { order: i, inbound: [allowFrom(`app == 'app${(i + 1) % 10}'`)] }));
    r.takeChanges();
    r.stats.endpointResolutions = 0;
    r.subjects.stats.evaluations = 0;
    r.peers.stats.evaluations = 0;
    r.setEndpoint(ep('x/p3', { app: 'app4' }, '10.0.0.3'));
    const ch = r.takeChanges();
    expect(r.stats.endpointResolutions).toBe(1);
    expect([...ch.endpoints]).toEqual(['x/p3']);
    // 20 policies select app4 (the others are never evaluated); 1 rule selector set of app4 as a peer.
    expect(r.subjects.stats.evaluations).toBe(20);
    expect(r.peers.stats.evaluations).toBe(1);
    expect(r.ipSet(ipSetId(ipSetKey('net', "app == 'app4'")))?.has('10.0.0.3/32')).toBe(true);
    r.stats.endpointResolutions = 0;
    r.setPolicy(pol('pol7', "app == 'app7'", { order: 1000, inbound: [] }));
    r.takeChanges();
    // Only the 10 endpoints labelled app7 are re-resolved after the order change.
    expect(r.stats.endpointResolutions).toBe(10);
  });

  it('a tier change re-resolves only endpoints with policies in that tier', () => {
    const r = setup();
    r.setEndpoint(ep('x/a', { app: 'a' }, '10.0.0.1'));
    r.setEndpoint(ep('x/b', { app: 'b' }, '10.0.0.2'));
    r.setPolicy(pol('p', "app == 'a'", { tier: 'sec' }));
    r.takeChanges();
    r.stats.endpointResolutions = 0;
    r.setTier({ name: 'sec', order: 1, defaultAction: 'Pass' });
    r.takeChanges();
    expect(r.stats.endpointResolutions).toBe(1);
    expect(r.endpointPolicies('x/a')?.ingress[0]).toEqual({ tier: 'sec', defaultAction: 'Pass', policies: ['p'] });
  });

  it('drops a deleted local endpoint and reports it', () => {
    const r = setup();
    r.setEndpoint(ep('x/a', {}, '10.0.0.1'));
    r.takeChanges();
    r.deleteEndpoint('x/a');
    expect([...r.takeChanges().endpoints]).toEqual(['x/a']);
    expect(r.endpointPolicies('x/a')).toBeUndefined();
  });
});

describe('PolicyResolver staged view', () => {
  const staged = (replaces: string, selector: string, opts: Partial<PolicyModel> = {}): PolicyModel =>
    pol(`staged:${replaces}`, selector, { kind: 'StagedGlobalNetworkPolicy', name: replaces, staged: { replaces, deletes: false }, ...opts });

  it('an endpoint no staged policy concerns has no staged view', () => {
    const r = setup();
    r.setEndpoint(ep('x/a', { app: 'a' }, '10.0.0.1'));
    r.setPolicy(pol('p', 'all()'));
    r.setPolicy(staged('q', "app == 'other'"));
    r.takeChanges();
    expect(r.endpointPolicies('x/a')?.staged).toBeUndefined();
  });

  it('a staged policy stands in for its enforced namesake, in its own order, only in the staged view', () => {
    const r = setup();
    r.setEndpoint(ep('x/a', { app: 'a' }, '10.0.0.1'));
    r.setPolicy(pol('first', 'all()', { order: 1 }));
    r.setPolicy(pol('p', 'all()', { order: 10 }));
    r.setPolicy(staged('p', 'all()', { order: 0 }));
    r.takeChanges();
    const got = r.endpointPolicies('x/a');
    expect(got?.ingress).toEqual([{ tier: 'default', defaultAction: 'Deny', policies: ['first', 'p'] }]);
    expect(got?.staged).toEqual({ ingress: [{ tier: 'default', defaultAction: 'Deny', policies: ['staged:p', 'first'] }] });
    expect(r.activePolicy('staged:p')?.staged).toEqual({ replaces: 'p', deletes: false });
  });

  it('a staged Delete takes the enforced policy out of the staged view; deleting the staged policy ends the view', () => {
    const r = setup();
    r.setEndpoint(ep('x/a', { app: 'a' }, '10.0.0.1'));
    r.setPolicy(pol('keep', 'all()'));
    r.setPolicy(pol('gone', 'all()'));
    r.takeChanges();
    r.setPolicy(staged('gone', '', { staged: { replaces: 'gone', deletes: true }, ingress: false }));
    expect(r.takeChanges().endpoints).toEqual(new Set(['x/a']));
    expect(r.endpointPolicies('x/a')?.staged).toEqual({ ingress: [{ tier: 'default', defaultAction: 'Deny', policies: ['keep'] }] });
    r.deletePolicy('staged:gone');
    expect(r.takeChanges().endpoints).toEqual(new Set(['x/a']));
    expect(r.endpointPolicies('x/a')?.staged).toBeUndefined();
  });

  it('a staged policy whose selector no longer matches removes its namesake from the staged view', () => {
    const r = setup();
    r.setEndpoint(ep('x/a', { app: 'a' }, '10.0.0.1'));
    r.setPolicy(pol('p', 'all()'));
    r.setPolicy(staged('p', "app == 'b'"));
    r.takeChanges();
    expect(r.endpointPolicies('x/a')?.staged).toEqual({ ingress: [] });
  });

  it('a tier takes part in the staged view when only a staged policy selects the endpoint in it', () => {
    const r = setup();
    r.setTier({ name: 'security', order: 10, defaultAction: 'Deny' });
    r.setEndpoint(ep('x/a', { app: 'a' }, '10.0.0.1'));
    r.setPolicy(pol('p', 'all()', { egress: true }));
    r.setPolicy(staged('s', "app == 'a'", { tier: 'security' }));
    r.takeChanges();
    const got = r.endpointPolicies('x/a');
    expect(got?.ingress).toEqual([{ tier: 'default', defaultAction: 'Deny', policies: ['p'] }]);
    // Ingress only: the egress view is the enforced one, so it is not repeated.
    expect(got?.staged).toEqual({
      ingress: [
        { tier: 'security', defaultAction: 'Deny', policies: ['staged:s'] },
        { tier: 'default', defaultAction: 'Deny', policies: ['p'] },
      ],
    });
  });
});
