import type { BGPFilter } from '../api/kind-bgp-filter';
import { bgpFilterRules } from './bgp-filter-rules';

const filter = (name: string, spec: BGPFilter['spec']): BGPFilter => ({ apiVersion: 'projectcalico.org/v3', kind: 'BGPFilter', metadata: { name }, spec });

describe('bgpFilterRules', () => {
  it("concatenates a peer's BGPFilters in its order, and reports missing and untranslatable filters", () => {
    const missing: string[] = [];
    const invalid: string[] = [];
    const rules = bgpFilterRules(
      [
        filter('a', { exportV4: [{ action: 'Reject', cidr: '10.0.0.0/8', matchOperator: 'In' }] }),
        filter('b', { exportV4: [{ action: 'Accept', operations: [{ addCommunity: { value: '65000:1' } }] }] }),
        // Accepted by no datastore validation, but if it got there it must not become a rule.
        filter('bad', { importV4: [{ action: 'Reject', cidr: '2001:db8::/32', matchOperator: 'In' }] }),
      ],
      (name, problems) => invalid.push(`${name}: ${problems.join('; ')}`),
    );
    expect(invalid).toEqual(['bad: spec.importV4[0].cidr: must be an IPv4 CIDR in a V4 rule list']);
    const f = rules.forPeer(['b', 'gone', 'a'], (name) => missing.push(`peer-1/${name}`));
    expect(f?.exportV4).toEqual([
      { action: 'accept', match: {}, operations: [{ kind: 'add-community', community: { kind: 'standard', value: 65000 * 65536 + 1 } }] },
      { action: 'reject', match: { prefix: { prefix: { family: 'ipv4', address: '10.0.0.0', length: 8 }, operator: 'in' } } },
    ]);
    expect(missing).toEqual(['peer-1/gone']);
    expect(rules.forPeer([], () => undefined)).toBeUndefined();
  });
});
