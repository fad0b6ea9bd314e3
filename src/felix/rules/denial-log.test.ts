import { profileModel } from '../calc/policy-model';
import { PolicyResolver } from '../calc/policy-resolver';
import { namespaceToProfile } from '../../api/k8s';
import { MAP_TO_WL, RulesetBuilder, policyChainName } from './ruleset';

describe('denial logging', () => {
  const resolver = (): PolicyResolver => {
    const r = new PolicyResolver();
    r.setProfile(profileModel(namespaceToProfile({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } })));
    r.setEndpoint({ id: 'x/a', interfaceName: 'calia', labels: { 'projectcalico.org/namespace': 'x' }, profiles: ['kns.x'], ipNets: ['10.0.0.1/32'], local: true });
    r.setPolicy({ id: 'x/p', kind: 'NetworkPolicy', name: 'p', tier: 'default', selector: 'all()', ingress: true, egress: false, outbound: [], inbound: [{ action: 'Allow', src: {}, dst: { ports: [80] }, protocol: 'TCP' }, { action: 'Deny', src: {}, dst: {} }] });
    r.takeChanges();
    return r;
  };

  it('puts a rate-limited nflog rule before every drop of a policy rule and every end-of-tier drop, nothing else', () => {
    const rs = new RulesetBuilder(4, { denialLog: { group: 7, perSecond: 100, burst: 20 } }).build(resolver());
    const limit = { kind: 'limit', perSecond: 100, burst: 20 };
    const pol = rs.chains.get(policyChainName('x/p', true))?.rules ?? [];
    expect(pol.map((r) => [r.verdict.kind, r.ref?.rule])).toEqual([['markReturn', 0], ['nflog', undefined], ['drop', 1]]);
    expect(pol[1]).toEqual({ matches: [limit], verdict: { kind: 'nflog', group: 7, prefix: 'gr/i/default/x/p/1' }, comment: 'log denial of gr/i/default/x/p/1' });
    const ep = rs.chains.get(rs.maps.get(MAP_TO_WL)?.entries.get('calia') ?? '')?.rules ?? [];
    expect(ep.filter((r) => r.verdict.kind === 'nflog').map((r) => [r.matches.length, r.verdict])).toEqual([
      [2, { kind: 'nflog', group: 7, prefix: 'gr/i/default//end' }],
      [1, { kind: 'nflog', group: 7, prefix: 'gr/i///end' }],
    ]);
  });

  it('logs nothing when off', () => {
    const rs = new RulesetBuilder(4).build(resolver());
    expect([...rs.chains.values()].flatMap((c) => c.rules).filter((r) => r.verdict.kind === 'nflog')).toEqual([]);
  });
});
