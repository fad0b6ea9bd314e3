import { namespaceToProfile } from '../../api/k8s';
import { profileModel, type PolicyModel } from '../calc/policy-model';
import { PolicyResolver, type EndpointModel } from '../calc/policy-resolver';
import { CHAIN_FORWARD, CHAIN_FROM_WL, CHAIN_INPUT, MAP_FROM_WL, MAP_TO_WL, RulesetBuilder, policyChainName } from './ruleset';

function ep(id: string, iface: string, labels: Record<string, string>, ips: string[]): EndpointModel {
  return { id, interfaceName: iface, labels: { ...labels, 'projectcalico.org/namespace': 'x' }, profiles: ['kns.x'], ipNets: ips, local: true };
}

function pol(id: string, selector: string, opts: Partial<PolicyModel> = {}): PolicyModel {
  return { id, kind: 'GlobalNetworkPolicy', name: id, tier: 'default', selector, ingress: true, egress: false, inbound: [], outbound: [], ...opts };
}

function setup(): PolicyResolver {
  const r = new PolicyResolver();
  r.setProfile(profileModel(namespaceToProfile({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } })));
  r.setEndpoint(ep('x/a', 'calia', { app: 'web' }, ['10.0.0.1/32', 'fd00::1/128']));
  r.setEndpoint(ep('x/b', 'calib', { app: 'web' }, ['10.0.0.2/32', 'fd00::2/128']));
  r.setEndpoint(ep('x/c', 'calic', { app: 'db' }, ['10.0.0.3/32', 'fd00::3/128']));
  return r;
}

describe('RulesetBuilder', () => {
  it('dispatches per interface to chains shared by endpoints with the same policies', () => {
    const r = setup();
    r.setPolicy(pol('web', "app == 'web'", { inbound: [{ action: 'Allow', src: { selector: "app == 'db'" }, dst: {} }] }));
    r.takeChanges();
    const rs = new RulesetBuilder(4).build(r);
    const to = rs.maps.get(MAP_TO_WL)?.entries;
    expect(to?.get('calia')).toBe(to?.get('calib'));
    expect(to?.get('calia')).not.toBe(to?.get('calic'));
    // Egress: no policy selects anyone for egress, so all three share the profile-only chain.
    const from = rs.maps.get(MAP_FROM_WL)?.entries;
    expect(new Set(from?.values()).size).toBe(1);
    const webIn = rs.chains.get(to?.get('calia') ?? '');
    expect(webIn?.rules.map((x) => x.comment)).toEqual([
      'clear accept and pass marks',
      'start of tier default',
      'policy web',
      'return if policy web accepted',
      'end of tier default: drop if no policy passed the packet',
      'profile kns.x',
      'return if profile kns.x accepted',
      'drop if no profile matched',
    ]);
    const unselected = rs.chains.get(to?.get('calic') ?? '');
    expect(unselected?.rules.map((x) => x.comment)).toEqual(['clear accept and pass marks', 'profile kns.x', 'return if profile kns.x accepted', 'drop if no profile matched']);
    expect(rs.chains.get(policyChainName('web', true))?.rules[0]?.comment).toBe('policy web ingress rule 0');
    const set = [...rs.sets.values()][0];
    expect(set?.elements).toEqual(['10.0.0.3']);
  });

  it('marks every rule rendered from a policy or profile rule, and the end-of-tier and end-of-profiles drops, with its RuleRef', () => {
    const r = setup();
    r.setPolicy(pol('x/web', "app == 'web'", { kind: 'NetworkPolicy', inbound: [{ action: 'Allow', src: {}, dst: { ports: [80, 'http'] } }, { action: 'Deny', src: {}, dst: {} }] }));
    r.takeChanges();
    const rs = new RulesetBuilder(4).build(r);
    const refs = (name: string): unknown[] => (rs.chains.get(name)?.rules ?? []).map((x) => x.ref);
    const rule0 = { tier: 'default', policy: 'x/web', direction: 'ingress', rule: 0 };
    // Two port alternatives of rule 0 count under the same ref.
    expect(refs(policyChainName('x/web', true))).toEqual([rule0, rule0, { ...rule0, rule: 1 }]);
    expect(refs('pri-kns.x')).toEqual([{ tier: '', policy: 'kns.x', direction: 'ingress', rule: 0 }]);
    const webIn = rs.chains.get(rs.maps.get(MAP_TO_WL)?.entries.get('calia') ?? '');
    expect(webIn?.rules.filter((x) => x.ref).map((x) => x.ref)).toEqual([
      { tier: 'default', policy: '', direction: 'ingress', rule: 'end-of-tier' },
      { tier: '', policy: '', direction: 'ingress', rule: 'end-of-tier' },
    ]);
  });

  it('a Pass tier has no end-of-tier drop and the next tier follows', () => {
    const r = setup();
    r.setTier({ name: 'sec', order: 1, defaultAction: 'Pass' });
    r.setPolicy(pol('s', 'all()', { tier: 'sec', inbound: [{ action: 'Pass', src: {}, dst: {} }] }));
    r.setPolicy(pol('d', 'all()', { inbound: [{ action: 'Deny', src: {}, dst: {} }] }));
    r.takeChanges();
    const rs = new RulesetBuilder(4).build(r);
    const chain = rs.chains.get(rs.maps.get(MAP_TO_WL)?.entries.get('calia') ?? '');
    expect(chain?.rules.map((x) => x.comment)).toEqual([
      'clear accept and pass marks',
      'start of tier sec',
      'policy s',
      'return if policy s accepted',
      'start of tier default',
      'policy d',
      'return if policy d accepted',
      'end of tier default: drop if no policy passed the packet',
      'profile kns.x',
      'return if profile kns.x accepted',
      'drop if no profile matched',
    ]);
  });

  it('base chains: non-workload traffic untouched, conntrack first, unknown workload interface dropped', () => {
    const rs = new RulesetBuilder(4).build(setup());
    expect(rs.chains.get(CHAIN_FORWARD)?.rules.map((x) => x.comment)).toEqual([
      'not workload traffic',
      'conntrack: reply or related to an allowed connection',
      'conntrack: invalid',
      'egress policy of the source workload',
      'ingress policy of the destination workload',
      'policy accepted packet',
    ]);
    expect(rs.chains.get(CHAIN_FROM_WL)?.rules.map((x) => x.verdict.kind)).toEqual(['vmap', 'drop']);
    expect(rs.chains.get(CHAIN_INPUT)?.rules.some((x) => x.comment?.startsWith('ICMPv6'))).toBe(false);
  });

  it('IPv6: sets hold IPv6 members and the input chain lets ND through', () => {
    const r = setup();
    r.setPolicy(pol('web', "app == 'web'", { inbound: [{ action: 'Allow', src: { selector: "app == 'web'" }, dst: {} }] }));
    r.takeChanges();
    const rs = new RulesetBuilder(6).build(r);
    // Host members only: a host set of canonical addresses.
    expect([...rs.sets.values()][0]).toMatchObject({ type: 'host', elements: ['fd00::1', 'fd00::2'] });
    expect(rs.chains.get(CHAIN_INPUT)?.rules.filter((x) => x.comment?.startsWith('ICMPv6')).length).toBe(3);
  });

  it('a set with a prefix member becomes disjoint intervals (adjacent addresses merged), and a host set again without it', () => {
    const r = setup();
    r.setPolicy(pol('web', "app == 'web'", { inbound: [{ action: 'Allow', src: { selector: "app == 'web'" }, dst: {} }] }));
    r.setNetworkSet({ id: 'n1', labels: { app: 'web', 'projectcalico.org/namespace': 'x' }, nets: ['10.0.1.0/24', '10.0.0.0/31'] });
    const b = new RulesetBuilder(4);
    const rs = b.build(r, r.takeChanges());
    expect([...rs.sets.values()][0]).toMatchObject({ type: 'addr', elements: ['10.0.0.0-10.0.0.2', '10.0.1.0/24'] });
    r.deleteNetworkSet('n1');
    const again = b.build(r, r.takeChanges());
    expect([...again.sets.values()][0]).toMatchObject({ type: 'host', elements: ['10.0.0.1', '10.0.0.2'] });
  });
});
