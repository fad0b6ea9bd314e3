// The incremental build (caches kept, sets re-derived only when the resolver reports them changed) must equal a
// full rebuild after any sequence of changes.

import fc from 'fast-check';
import type { PolicyModel, RuleModel } from '../calc/policy-model';
import { PolicyResolver } from '../calc/policy-resolver';
import type { Family } from './ir';
import { RulesetBuilder } from './ruleset';

const APPS = ['a', 'b', 'c'];
const SELECTORS = ["app == 'a'", "app == 'b'", "app in {'a', 'c'}", 'has(app)', "tier == 'x'", 'all()'];

const labels = fc.record({ app: fc.constantFrom(...APPS), tier: fc.constantFrom('x', 'y') });
const ipNets: fc.Arbitrary<readonly string[]> = fc.constantFrom(['10.0.0.1/32', 'fd00::1/128'], ['10.0.0.2/32', 'fd00::2/128'], ['10.0.0.5/32'], ['10.0.0.3/32', 'fd00::3/128'], ['10.0.1.0/24'], ['10.0.0.4/32', 'fd00::/64'], []);
const rule: fc.Arbitrary<RuleModel> = fc.record({
  action: fc.constantFrom('Allow' as const, 'Deny' as const, 'Pass' as const),
  src: fc.record({ selector: fc.constantFrom(...SELECTORS) }),
  dst: fc.oneof(fc.constant({}), fc.record({ notSelector: fc.constantFrom(...SELECTORS) }), fc.constant({ selector: "app == 'a'", ports: ['http'] })),
});

type Op =
  | { op: 'ep'; id: number; labels: Record<string, string>; ipNets: readonly string[]; local: boolean; ports: boolean }
  | { op: 'delEp'; id: number }
  | { op: 'pol'; id: number; selector: string; inbound: RuleModel[]; outbound: RuleModel[]; order: number }
  | { op: 'delPol'; id: number }
  | { op: 'staged'; id: number; selector: string; inbound: RuleModel[]; order: number; deletes: boolean }
  | { op: 'delStaged'; id: number }
  | { op: 'netset'; id: number; labels: Record<string, string>; nets: readonly string[] }
  | { op: 'delNetset'; id: number }
  | { op: 'sync' };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('ep' as const), id: fc.nat(5), labels, ipNets, local: fc.boolean(), ports: fc.boolean() }),
  fc.record({ op: fc.constant('delEp' as const), id: fc.nat(5) }),
  fc.record({ op: fc.constant('pol' as const), id: fc.nat(3), selector: fc.constantFrom(...SELECTORS), inbound: fc.array(rule, { maxLength: 2 }), outbound: fc.array(rule, { maxLength: 2 }), order: fc.nat(3) }),
  fc.record({ op: fc.constant('delPol' as const), id: fc.nat(3) }),
  fc.record({ op: fc.constant('staged' as const), id: fc.nat(3), selector: fc.constantFrom(...SELECTORS), inbound: fc.array(rule, { maxLength: 2 }), order: fc.nat(3), deletes: fc.boolean() }),
  fc.record({ op: fc.constant('delStaged' as const), id: fc.nat(3) }),
  fc.record({ op: fc.constant('netset' as const), id: fc.nat(1), labels, nets: fc.constantFrom(['192.168.0.0/16'], ['10.0.0.2/32'], ['fd01::/48', '10.9.0.0/31']) }),
  fc.record({ op: fc.constant('delNetset' as const), id: fc.nat(1) }),
  fc.constant({ op: 'sync' as const }),
);

function apply(r: PolicyResolver, o: Op): void {
  switch (o.op) {
    case 'ep':
      r.setEndpoint({ id: `e${o.id}`, interfaceName: `cali${o.id}`, labels: o.labels, profiles: [], ipNets: o.ipNets, local: o.local, ...(o.ports ? { ports: [{ name: 'http', protocol: 'TCP', port: 8080 }] } : {}) });
      return;
    case 'delEp':
      r.deleteEndpoint(`e${o.id}`);
      return;
    case 'pol': {
      const p: PolicyModel = { id: `p${o.id}`, kind: 'GlobalNetworkPolicy', name: `p${o.id}`, tier: 'default', order: o.order, selector: o.selector, ingress: true, egress: o.outbound.length > 0, inbound: o.inbound, outbound: o.outbound };
      r.setPolicy(p);
      return;
    }
    case 'delPol':
      r.deletePolicy(`p${o.id}`);
      return;
    case 'staged':
      r.setPolicy({
        id: `staged:p${o.id}`,
        kind: 'StagedGlobalNetworkPolicy',
        name: `p${o.id}`,
        tier: 'default',
        order: o.order,
        selector: o.deletes ? '' : o.selector,
        ingress: !o.deletes,
        egress: false,
        inbound: o.deletes ? [] : o.inbound,
        outbound: [],
        staged: { replaces: `p${o.id}`, deletes: o.deletes },
      });
      return;
    case 'delStaged':
      r.deletePolicy(`staged:p${o.id}`);
      return;
    case 'netset':
      r.setNetworkSet({ id: `n${o.id}`, labels: o.labels, nets: o.nets });
      return;
    case 'delNetset':
      r.deleteNetworkSet(`n${o.id}`);
      return;
    case 'sync':
      return;
  }
}

describe('RulesetBuilder incremental build', () => {
  it.each([4, 6] as Family[])('equals a full rebuild after every sync of a random change sequence (IPv%i)', (family) => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 40 }), (ops) => {
        const r = new PolicyResolver();
        const inc = new RulesetBuilder(family);
        for (const o of ops) {
          apply(r, o);
          if (o.op !== 'sync') continue;
          const got = inc.build(r, r.takeChanges());
          const want = new RulesetBuilder(family).build(r);
          expect(got).toEqual(want);
        }
        const last = inc.build(r, r.takeChanges());
        expect(last).toEqual(new RulesetBuilder(family).build(r));
      }),
      { numRuns: 150 },
    );
  });

  it('keeps the identity of unchanged objects, so the renderer and the table owner can skip them', () => {
    const r = new PolicyResolver();
    r.setEndpoint({ id: 'e1', interfaceName: 'cali1', labels: { app: 'a' }, profiles: [], ipNets: ['10.0.0.1/32'], local: true });
    r.setEndpoint({ id: 'e2', interfaceName: 'cali2', labels: { app: 'b' }, profiles: [], ipNets: ['10.0.0.2/32'], local: false });
    r.setPolicy({ id: 'p', kind: 'GlobalNetworkPolicy', name: 'p', tier: 'default', selector: 'all()', ingress: true, egress: false, inbound: [{ action: 'Allow', src: { selector: "app == 'b'" }, dst: {} }, { action: 'Allow', src: { selector: "app == 'a'" }, dst: {} }], outbound: [] });
    const b = new RulesetBuilder(4);
    const one = b.build(r, r.takeChanges());
    r.setEndpoint({ id: 'e2', interfaceName: 'cali2', labels: { app: 'b' }, profiles: [], ipNets: ['10.0.0.9/32'], local: false });
    const two = b.build(r, r.takeChanges());
    const [setA, setB] = [...one.sets.values()].sort((x, y) => x.elements[0]?.localeCompare(y.elements[0] ?? '') ?? 0);
    // Only the set of app b changed; everything else is the same object.
    expect(two.sets.get(setA?.name ?? '')).toBe(setA);
    expect(two.sets.get(setB?.name ?? '')).not.toBe(setB);
    expect(two.sets.get(setB?.name ?? '')?.elements).toEqual(['10.0.0.9']);
    for (const [name, c] of one.chains) expect(two.chains.get(name)).toBe(c);
  });
});
