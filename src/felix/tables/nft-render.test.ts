import type { Chain, NamedSet, Ruleset } from '../rules/ir';
import { renderTable, TableRenderer } from './nft-render';

const chain: Chain = { name: 'pi-p', rules: [{ matches: [{ kind: 'addrSet', dir: 'src', set: 's1' }], verdict: { kind: 'accept' }, comment: 'policy p' }] };
const other: Chain = { name: 'pi-q', rules: [{ matches: [], verdict: { kind: 'drop' } }] };
const hosts: NamedSet = { name: 's1', type: 'host', elements: ['10.0.0.1', '10.0.0.2'] };
const nets: NamedSet = { name: 's1', type: 'addr', elements: ['10.0.0.0/24'] };

function rs(set: NamedSet, chains: Chain[] = [chain, other]): Ruleset {
  return { family: 4, chains: new Map(chains.map((c) => [c.name, c])), sets: new Map([[set.name, set]]), maps: new Map() };
}

describe('nft rendering', () => {
  it('renders a host set as a hash set and a set with prefixes as an interval set under another name', () => {
    expect(renderTable(rs(hosts), 't').objects.get('set:s1')).toEqual({ kind: 'set', name: 's1', decl: 'set s1 { type ipv4_addr; }', body: ['10.0.0.1', '10.0.0.2'] });
    const t = renderTable(rs(nets), 't');
    expect(t.objects.get('set:s1-net')).toEqual({ kind: 'set', name: 's1-net', decl: 'set s1-net { type ipv4_addr; flags interval; }', body: ['10.0.0.0/24'] });
    expect(t.objects.get('chain:pi-p')?.body).toEqual(['ip saddr @s1-net accept comment "policy p"']);
  });

  it('the caching renderer reuses unchanged objects and equals a fresh render, also when a set changes type', () => {
    const r = new TableRenderer('t');
    const first = r.render(rs(hosts));
    const second = r.render(rs(hosts));
    expect(second.objects.get('chain:pi-p')).toBe(first.objects.get('chain:pi-p'));
    expect(second.objects.get('set:s1')).toBe(first.objects.get('set:s1'));
    // Same chain object, but the set it names became an interval set: the chain is rendered again.
    const third = r.render(rs(nets));
    expect(third).toEqual(renderTable(rs(nets), 't'));
    expect(third.objects.get('chain:pi-q')).toBe(first.objects.get('chain:pi-q'));
    const changed: Chain = { ...other, rules: [] };
    expect(r.render(rs(nets, [chain, changed]))).toEqual(renderTable(rs(nets, [chain, changed]), 't'));
  });

  it('renders an nflog verdict as a log statement to the group, rule evaluation continuing', () => {
    const c: Chain = { name: 'pi-p', rules: [{ matches: [], verdict: { kind: 'nflog', group: 7, prefix: 'gr/i/default/p/0' } }] };
    expect(renderTable(rs(hosts, [c]), 't').objects.get('chain:pi-p')?.body).toEqual(['log prefix "gr/i/default/p/0" group 7']);
  });

  it('counts a rule with a ref into its named counter, declared once per ref, and renders a limit match', () => {
    const ref = { tier: 'default', policy: 'x/p', direction: 'ingress' as const, rule: 1 };
    const c: Chain = {
      name: 'pi-p',
      rules: [
        { matches: [{ kind: 'limit', perSecond: 100, burst: 20 }], verdict: { kind: 'nflog', group: 7, prefix: 'gr/i/default/x/p/1' } },
        { matches: [{ kind: 'protocol', protocols: ['tcp'] }], verdict: { kind: 'drop' }, ref },
        { matches: [{ kind: 'protocol', protocols: ['udp'] }], verdict: { kind: 'drop' }, ref },
      ],
    };
    const t = renderTable(rs(hosts, [c]), 't');
    expect(t.objects.get('chain:pi-p')?.body).toEqual([
      'limit rate 100/second burst 20 packets log prefix "gr/i/default/x/p/1" group 7',
      'meta l4proto tcp counter name "gr/i/default/x/p/1" drop',
      'meta l4proto udp counter name "gr/i/default/x/p/1" drop',
    ]);
    expect([...t.objects.values()].filter((o) => o.kind === 'counter')).toEqual([{ kind: 'counter', name: 'gr/i/default/x/p/1', decl: 'counter gr/i/default/x/p/1', body: [] }]);
  });
});
