// Light checks of the bench's own code (the generator and the iptables translator), run by bench:policy before it
// measures anything (jest's unit project only covers src/). Throws AssertionError on the first failure.

import { deepStrictEqual, notDeepStrictEqual, ok, strictEqual, throws } from 'node:assert';
import type { Chain, Ruleset } from '../../src/felix/rules/ir';
import { generateCluster, type ClusterSpec } from './cluster';
import { changedChains, ipsetName, ipsetScript, iptablesScript, iptChainName, IptTranslateError, translateRuleset } from './iptables-render';

const SMALL: ClusterSpec = { seed: 7, policies: 50, endpoints: 400, localEndpoints: 10, namespaces: 6, apps: 20, globalShare: 0.2 };

function generator(): void {
  const a = generateCluster(SMALL);
  deepStrictEqual(generateCluster(SMALL), a, 'same seed, same cluster');
  notDeepStrictEqual(generateCluster({ ...SMALL, seed: 8 }), a, 'another seed, another cluster');
  strictEqual(a.pods.length, 400);
  strictEqual(a.pods.filter((p) => p.local).length, 10);
  strictEqual(a.k8sPolicies.length + a.globalPolicies.length, 50);
  strictEqual(a.globalPolicies.length, 10);
  strictEqual(new Set(a.pods.map((p) => p.ip)).size, 400, 'pod IPs are unique');
  strictEqual(new Set(a.pods.map((p) => p.iface)).size, 400, 'interface names are unique');
  ok(a.pods.every((p) => p.iface.length <= 15), 'interface names fit IFNAMSIZ');
  for (const key of ['app', 'tier', 'team', 'env']) ok(a.pods.every((p) => p.pod.metadata.labels?.[key]), `every pod has label ${key}`);
  ok(a.k8sPolicies.some((p) => p.spec.ingress?.some((r) => r.from?.some((f) => f.ipBlock?.except?.length))), 'some ipBlocks with except');
  ok(a.k8sPolicies.some((p) => p.spec.ingress?.some((r) => r.from?.some((f) => f.namespaceSelector))), 'some namespaceSelectors');
  ok(a.k8sPolicies.some((p) => p.spec.egress?.length), 'some egress rules');
  // Skew: the most common app has clearly more pods than the average.
  const perApp = new Map<string, number>();
  for (const p of a.pods) perApp.set(p.pod.metadata.labels?.app as string, (perApp.get(p.pod.metadata.labels?.app as string) ?? 0) + 1);
  ok(Math.max(...perApp.values()) > (2 * 400) / perApp.size, 'apps are skewed');
}

function chain(name: string, rules: Chain['rules'], hook?: Chain['hook']): [string, Chain] {
  return [name, { name, rules, ...(hook ? { hook } : {}) }];
}

function translator(): void {
  const shared = 'tw-0123456789abcdef';
  const rs: Ruleset = {
    family: 4,
    chains: new Map([
      chain('forward', [{ matches: [{ kind: 'oifname', name: 'cali*' }], verdict: { kind: 'jump', chain: 'to-wl-dispatch' }, comment: 'to workload' }], { hook: 'forward', priority: 0 }),
      chain('to-wl-dispatch', [{ matches: [], verdict: { kind: 'vmap', key: 'oifname', map: 'to-wl' } }, { matches: [], verdict: { kind: 'drop' } }]),
      chain(shared, [
        { matches: [], verdict: { kind: 'clearMark', bits: 0x30000 } },
        { matches: [{ kind: 'mark', mask: 0x20000, value: 0 }], verdict: { kind: 'jump', chain: 'pi-ns-1/knp.default.a-policy-with-a-rather-long-name' } },
      ]),
      chain('pi-ns-1/knp.default.a-policy-with-a-rather-long-name', [
        {
          matches: [
            { kind: 'protocol', protocols: ['tcp', 'udp'] },
            { kind: 'addrSet', dir: 'src', set: 's:abc' },
            { kind: 'ports', dir: 'dst', ports: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, [16, 20]] },
          ],
          verdict: { kind: 'markReturn', bits: 0x10000 },
        },
        { matches: [{ kind: 'addr', dir: 'src', elements: ['10.0.0.0-10.0.0.255'] }, { kind: 'namedPortSet', dir: 'dst', set: 'n:def' }], verdict: { kind: 'drop' } },
      ]),
    ]),
    sets: new Map([
      ['s:abc', { name: 's:abc', type: 'addr' as const, elements: ['10.64.0.1/32'] }],
      ['n:def', { name: 'n:def', type: 'addr-proto-port' as const, elements: ['10.64.0.2 . tcp . 8080'] }],
    ]),
    maps: new Map([['to-wl', { name: 'to-wl', key: 'ifname' as const, entries: new Map([['calia', shared], ['calib', shared]]) }]]),
  };
  const st = translateRuleset(rs);
  ok(!st.chains.has(iptChainName(shared)), 'shared endpoint chains are not written as such');
  deepStrictEqual(st.chains.get('cali-to-wl-dispatch'), ['-A cali-to-wl-dispatch -o calia -g cali-tw-calia', '-A cali-to-wl-dispatch -o calib -g cali-tw-calib', '-A cali-to-wl-dispatch -j DROP']);
  deepStrictEqual(st.chains.get('cali-tw-calia')?.map((l) => l.replace('cali-tw-calia', 'X')), st.chains.get('cali-tw-calib')?.map((l) => l.replace('cali-tw-calib', 'X')), 'one chain per endpoint, same rules');
  for (const n of st.chains.keys()) ok(n.length <= 28, `chain name ${n} fits iptables`);
  const pol = st.chains.get(iptChainName('pi-ns-1/knp.default.a-policy-with-a-rather-long-name')) ?? [];
  // 2 protocols x 2 port chunks, each rule as MARK then RETURN; then the drop rule.
  strictEqual(pol.length, 9);
  ok(pol[0]?.includes('-p tcp') && pol[0].includes('--dports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15') && pol[0].endsWith('-j MARK --set-xmark 0x10000/0x10000'));
  ok(pol[1]?.endsWith('-j RETURN') && pol[1].includes(`--match-set ${ipsetName('s:abc')} src`));
  ok(pol[2]?.includes('--dports 16:20'));
  ok(pol[4]?.includes('-p udp'));
  ok(pol[8]?.includes(`--match-set ${ipsetName('n:def')} dst,dst`) && pol[8].endsWith('-j DROP'));
  deepStrictEqual(st.sets.get(ipsetName('n:def')), { type: 'hash:ip,port', members: ['10.64.0.2,tcp:8080'] });
  deepStrictEqual(st.sets.get(ipsetName('anon:10.0.0.0-10.0.0.255')), { type: 'hash:net', members: ['10.0.0.0-10.0.0.255'] });
  ok(iptablesScript(st, st.chains.keys(), [], true).includes('-A FORWARD -j cali-FORWARD'));
  throws(() => translateRuleset({ ...rs, family: 6 }), IptTranslateError);

  // Deltas: one endpoint gone, one set member changed.
  const rs2: Ruleset = {
    ...rs,
    sets: new Map([...rs.sets, ['s:abc', { name: 's:abc', type: 'addr' as const, elements: ['10.64.0.3/32'] }]]),
    maps: new Map([['to-wl', { name: 'to-wl', key: 'ifname' as const, entries: new Map([['calia', shared]]) }]]),
  };
  const st2 = translateRuleset(rs2);
  deepStrictEqual(changedChains(st2, st), { changed: ['cali-to-wl-dispatch'], deleted: ['cali-tw-calib'] });
  const d = ipsetScript(st2, st);
  strictEqual(d.script, `add ${ipsetName('s:abc')} 10.64.0.3/32\ndel ${ipsetName('s:abc')} 10.64.0.1/32\n`);
  strictEqual(d.destroy, '');
  ok(iptablesScript(st2, ['cali-to-wl-dispatch'], ['cali-tw-calib']).includes('-X cali-tw-calib'));
}

export function selfTest(): void {
  generator();
  translator();
}

if (require.main === module) {
  selfTest();
  process.stdout.write('bench:policy self-test passed\n');
}
