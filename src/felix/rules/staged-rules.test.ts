import { namespaceToProfile } from '../../api/k8s';
import { profileModel, type PolicyModel } from '../calc/policy-model';
import { PolicyResolver, type EndpointModel } from '../calc/policy-resolver';
import { MAP_TO_WL, RulesetBuilder } from './ruleset';
import { MARK_STAGED_DECIDED, MARK_STAGED_PASS, type Ruleset } from './ir';
import { nflogPrefix } from './rule-ref';
import { stagedPolicyChainName } from './staged-rules';

function ep(id: string, iface: string, labels: Record<string, string>): EndpointModel {
  return { id, interfaceName: iface, labels: { ...labels, 'projectcalico.org/namespace': 'x' }, profiles: ['kns.x'], ipNets: ['10.0.0.1/32'], local: true };
}

function pol(id: string, selector: string, opts: Partial<PolicyModel> = {}): PolicyModel {
  return { id, kind: 'GlobalNetworkPolicy', name: id, tier: 'default', selector, ingress: true, egress: false, inbound: [], outbound: [], ...opts };
}

const stagedDeny = (replaces: string, selector: string): PolicyModel =>
  pol(`staged:${replaces}`, selector, { kind: 'StagedGlobalNetworkPolicy', name: replaces, order: 1, staged: { replaces, deletes: false }, inbound: [{ action: 'Deny', protocol: 'tcp', src: {}, dst: { ports: [80] } }] });

function setup(): PolicyResolver {
  const r = new PolicyResolver();
  r.setProfile(profileModel(namespaceToProfile({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } })));
  r.setEndpoint(ep('x/web', 'caliweb', { app: 'web' }));
  r.setEndpoint(ep('x/db', 'calidb', { app: 'db' }));
  r.setPolicy(pol('allow-web', "app == 'web'", { order: 10, inbound: [{ action: 'Allow', src: {}, dst: {} }] }));
  return r;
}

const build = (r: PolicyResolver, log = false): Ruleset => {
  r.takeChanges();
  return new RulesetBuilder(4, log ? { denialLog: { group: 7, perSecond: 10, burst: 5 } } : {}).build(r);
};

describe('staged evaluation chains', () => {
  it('leave the chains of endpoints no staged policy concerns exactly as they are', () => {
    const before = build(setup());
    const r = setup();
    r.setPolicy(stagedDeny('nobody', "app == 'none'"));
    const after = build(r);
    expect([...after.chains.keys()].sort()).toEqual([...before.chains.keys()].sort());
    for (const [name, c] of before.chains) expect(after.chains.get(name)?.rules).toEqual(c.rules);
  });

  it('walk the staged view after the enforced verdict accepts, counting a would-be denial under a staged ref', () => {
    const r = setup();
    r.setPolicy(stagedDeny('allow-web', "app == 'web'"));
    const rs = build(r, true);
    const webIn = rs.chains.get(rs.maps.get(MAP_TO_WL)?.entries.get('caliweb') ?? '');
    const dbIn = rs.chains.get(rs.maps.get(MAP_TO_WL)?.entries.get('calidb') ?? '');
    // db has no staged view: its chain still returns.
    expect(dbIn?.rules.some((x) => x.verdict.kind === 'goto')).toBe(false);
    const gotos = webIn?.rules.filter((x) => x.verdict.kind === 'goto') ?? [];
    expect(gotos.map((x) => x.comment)).toEqual(['return if policy allow-web accepted', 'return if profile kns.x accepted']);
    const stagedName = (gotos[0]?.verdict as { chain: string }).chain;
    expect(stagedName).toMatch(/^stw-/);
    expect(rs.chains.get(stagedName)?.rules.map((x) => x.comment)).toEqual([
      'staged evaluation: clear its marks',
      'staged: start of tier default',
      'staged: policy staged:allow-web',
      'staged: return if policy staged:allow-web decided',
      `log denial of ${nflogPrefix({ tier: 'default', policy: '', direction: 'ingress', rule: 'end-of-tier', staged: true })}`,
      'staged: end of tier default would deny',
      'staged: profile kns.x',
      'staged: return if profile kns.x decided',
      `log denial of ${nflogPrefix({ tier: '', policy: '', direction: 'ingress', rule: 'end-of-tier', staged: true })}`,
      'staged: no profile matched, would deny',
    ]);
    const shadow = rs.chains.get(stagedPolicyChainName('staged:allow-web', true));
    // Counted under the name of the policy it would be: the ref's staged flag tells it from the enforced allow-web.
    const ref = { tier: 'default', policy: 'allow-web', direction: 'ingress', rule: 0, staged: true };
    expect(shadow?.rules.map((x) => ({ verdict: x.verdict, ref: x.ref }))).toEqual([
      { verdict: expect.objectContaining({ kind: 'nflog', group: 7 }), ref: undefined },
      { verdict: { kind: 'markReturn', bits: MARK_STAGED_DECIDED }, ref },
    ]);
  });

  it('never drop or accept, and use only their own marks', () => {
    const r = setup();
    r.setTier({ name: 'sec', order: 5, defaultAction: 'Pass' });
    r.setPolicy(stagedDeny('allow-web', "app == 'web'"));
    r.setPolicy(pol('staged:p', 'all()', { kind: 'StagedGlobalNetworkPolicy', tier: 'sec', staged: { replaces: 'p', deletes: false }, inbound: [{ action: 'Pass', src: {}, dst: {} }] }));
    const rs = build(r, true);
    const staged = [...rs.chains.values()].filter((c) => /^(stw|sfw|spi|spo|spri|spro)-/.test(c.name));
    expect(staged.length).toBeGreaterThan(3);
    // nft identifiers: a staged policy id's colon must not reach a chain name.
    for (const name of rs.chains.keys()) expect(name).toMatch(/^[A-Za-z0-9/._-]+$/);
    for (const c of staged) {
      for (const x of c.rules) {
        expect(['drop', 'accept']).not.toContain(x.verdict.kind);
        if (x.verdict.kind === 'markReturn' || x.verdict.kind === 'clearMark') expect(x.verdict.bits & ~(MARK_STAGED_DECIDED | MARK_STAGED_PASS)).toBe(0);
        if (x.ref) expect(x.ref.staged).toBe(true);
      }
    }
    expect(rs.chains.get(stagedPolicyChainName('staged:p', true))?.rules[0]?.verdict).toEqual({ kind: 'markReturn', bits: MARK_STAGED_PASS });
  });
});
