import type { RuleRef } from './ir';
import { nflogPrefix, parseRuleRefId, RefIndex, ruleRefId } from './rule-ref';

describe('rule ref ids', () => {
  it('names a ref readably and reads it back, namespaced ids, profiles, end of tier and staged included', () => {
    const refs: RuleRef[] = [
      { tier: 'default', policy: 'x/knp.default.deny-all', direction: 'ingress', rule: 0 },
      { tier: '', policy: 'kns.x', direction: 'egress', rule: 12 },
      { tier: 'kube-admin', policy: '', direction: 'egress', rule: 'end-of-tier' },
      { tier: 'default', policy: 'x/staged', direction: 'ingress', rule: 3, staged: true },
    ];
    expect(refs.map(ruleRefId)).toEqual(['gr/i/default/x/knp.default.deny-all/0', 'gr/e//kns.x/12', 'gr/e/kube-admin//end', 'gr/si/default/x/staged/3']);
    for (const r of refs) expect(parseRuleRefId(ruleRefId(r))).toEqual(r);
    expect(nflogPrefix(refs[0] as RuleRef)).toBe(ruleRefId(refs[0] as RuleRef));
  });

  it('hashes a ref too long for a log prefix or outside the identifier alphabet; a RefIndex resolves it', () => {
    const long: RuleRef = { tier: 'default', policy: `ns/${'p'.repeat(200)}`, direction: 'ingress', rule: 1 };
    const odd: RuleRef = { tier: 'default', policy: 'ns/a b', direction: 'egress', rule: 0 };
    for (const r of [long, odd]) {
      const id = ruleRefId(r);
      expect(id).toMatch(/^gh\/[0-9a-f]{24}$/);
      expect(parseRuleRefId(id)).toBeUndefined();
      const index = new RefIndex();
      expect(index.add(r)).toBe(id);
      expect(index.resolve(id)).toEqual(r);
    }
    expect(ruleRefId(long)).not.toBe(ruleRefId({ ...long, rule: 2 }));
  });

  it('rejects text that is no ref id', () => {
    for (const s of ['gr/x/default/p/0', 'gr/i/default/p/first', 'gr/i/p', 'calico-packet: ']) expect(parseRuleRefId(s)).toBeUndefined();
  });
});
