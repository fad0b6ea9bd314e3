// explain against the ruleset the agent renders: a scenario with tiers (Pass and Deny defaults), Pass, Log, Deny,
// named ports, ipBlock except, notPorts, ICMP, namespace and service-account selectors, network sets, a staged policy
// (its staged chain is entered after an enforced accept) and profiles; every packet between its endpoints and outside
// addresses is judged twice, by explainPacket and by running the nftables IR that RulesetBuilder builds for the kernel
// (base chains, verdict maps, marks) in the small interpreter below. The two must agree on every packet.
import { namespaceToProfile } from '../api/k8s';
import { profileModel, type PolicyModel, type RuleModel } from './calc/policy-model';
import type { PolicyResolver } from './calc/policy-resolver';
import type { WorkloadEndpoint } from '../api/kind-workload-endpoint';
import { PolicyInputs } from './policy-inputs';
import { explainPacket, type ExplainPeer } from './policy-explain';
import type { Chain, Match, Ruleset } from './rules/ir';
import { matchHolds, type Packet } from './rules/ir-match';
import { RulesetBuilder } from './rules/ruleset';

/** A pod's endpoint through the agent's own conversion (policy-inputs.ts), every one local. */
function wep(ns: string, pod: string, ip: string, labels: Record<string, string>, spec: Partial<WorkloadEndpoint['spec']> = {}): WorkloadEndpoint {
  return {
    apiVersion: 'projectcalico.org/v3',
    kind: 'WorkloadEndpoint',
    metadata: { name: pod, namespace: ns, labels: { ...labels, 'projectcalico.org/namespace': ns, 'projectcalico.org/orchestrator': 'k8s' } },
    spec: { node: 'n1', interfaceName: `cali${ns}${pod}`, ipNetworks: [`${ip}/32`], profiles: [`kns.${ns}`], ...spec },
  };
}

function pol(id: string, selector: string, opts: Partial<PolicyModel>): PolicyModel {
  return { id, kind: 'GlobalNetworkPolicy', name: id, tier: 'default', selector, ingress: false, egress: false, inbound: [], outbound: [], ...opts };
}

const rule = (action: RuleModel['action'], more: Partial<RuleModel> = {}): RuleModel => ({ action, src: {}, dst: {}, ...more });

function scenario(): PolicyResolver {
  const inputs = new PolicyInputs(() => true);
  const r = inputs.resolver;
  r.setProfile(profileModel(namespaceToProfile({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x', labels: { team: 'a' } } })));
  r.setProfile(profileModel(namespaceToProfile({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'y', labels: { team: 'b' } } })));
  // A profile that passes ingress: the next profile decides.
  r.setProfile({ name: 'closed', labels: {}, inbound: [rule('Pass')], outbound: [] });
  inputs.setWorkloadEndpoint(wep('x', 'web', '10.0.0.1', { app: 'web' }, { ports: [{ name: 'http', protocol: 'TCP', port: 8080 }] }));
  inputs.setWorkloadEndpoint(wep('x', 'db', '10.0.0.2', { app: 'db' }));
  inputs.setWorkloadEndpoint(wep('y', 'web', '10.0.1.1', { app: 'web', 'projectcalico.org/serviceaccount': 'front' }, { ports: [{ name: 'http', protocol: 'TCP', port: 9090 }] }));
  inputs.setWorkloadEndpoint(wep('y', 'client', '10.0.1.2', { app: 'client' }, { profiles: ['closed', 'kns.y'] }));
  r.setNetworkSet({ id: 'ext', labels: { role: 'partner' }, nets: ['198.51.100.0/24'] });
  r.setTier({ name: 'security', order: 100, defaultAction: 'Pass' });
  r.setTier({ name: 'strict', order: 200, defaultAction: 'Deny' });
  r.setPolicy(pol('log-all', 'all()', { tier: 'security', order: 1, ingress: true, egress: true, inbound: [rule('Log')], outbound: [rule('Log')] }));
  r.setPolicy(pol('pass-clients', "app == 'web'", { tier: 'security', order: 2, ingress: true, inbound: [rule('Pass', { src: { selector: "app == 'client'" } }), rule('Deny', { protocol: 'tcp', dst: { ports: [22] } })] }));
  r.setPolicy(pol('db-udp', "app == 'db'", { tier: 'strict', order: 1, ingress: true, inbound: [rule('Pass', { protocol: 'udp' })] }));
  r.setPolicy(pol('db-guard', "app == 'db'", { tier: 'strict', ingress: true, inbound: [rule('Allow', { protocol: 'tcp', src: { selector: 'pcns.team == "a"' }, dst: { ports: ['5432'] } })] }));
  r.setPolicy(
    pol('x/web', "app == 'web'", {
      kind: 'NetworkPolicy',
      namespace: 'x',
      ingress: true,
      order: 10,
      inbound: [
        rule('Allow', { protocol: 'tcp', dst: { ports: ['http'] } }),
        rule('Allow', { protocol: 'tcp', src: { nets: ['10.0.0.0/16'], notNets: ['10.0.1.0/24'] }, dst: { ports: [443] } }),
        rule('Allow', { protocol: 'tcp', src: { selector: "role == 'partner'" }, dst: { ports: ['1000:2000'] } }),
        rule('Allow', { src: { selector: "projectcalico.org/serviceaccount == 'front'" }, protocol: 'udp' }),
      ],
    }),
  );
  r.setPolicy(
    pol('client-out', "app == 'client'", {
      egress: true,
      outbound: [
        rule('Allow', { protocol: 'icmp', icmp: { type: 8 } }),
        rule('Deny', { protocol: 'tcp', dst: { notPorts: [80, 'http'] } }),
        rule('Allow', { protocol: 'tcp' }),
        rule('Allow', { protocol: 'udp', dst: { nets: ['10.0.0.0/24'], ports: [53] } }),
      ],
    }),
  );
  // Staged: db-guard replaced by a Deny of everything (the kernel walks it after an enforced accept, never dropping).
  inputs.setStagedPolicy({
    apiVersion: 'projectcalico.org/v3',
    kind: 'StagedGlobalNetworkPolicy',
    metadata: { name: 'db-guard' },
    spec: { tier: 'strict', selector: "app == 'db'", types: ['Ingress'], ingress: [{ action: 'Deny' }] },
  });
  r.takeChanges();
  return r;
}

/** Runs the IR as nftables would for one packet; 'accept' or 'drop'. */
function kernelVerdict(rs: Ruleset, p: Packet, iif: string, oif: string): 'accept' | 'drop' {
  let mark = 0;
  const holds = (m: Match): boolean => {
    if (m.kind === 'iifname' || m.kind === 'oifname') {
      const name = m.kind === 'iifname' ? iif : oif;
      const hit = m.name.endsWith('*') ? name.startsWith(m.name.slice(0, -1)) : name === m.name;
      return m.negate ? !hit : hit;
    }
    if (m.kind === 'mark') return ((mark & m.mask) === m.value) !== (m.negate === true);
    return matchHolds(m, p, (n) => rs.sets.get(n));
  };
  const run = (chain: Chain): 'accept' | 'drop' | 'return' => {
    for (const r of chain.rules) {
      if (!r.matches.every(holds)) continue;
      const v = r.verdict;
      switch (v.kind) {
        case 'accept':
        case 'drop':
          return v.kind;
        case 'return':
          return 'return';
        case 'markReturn':
          mark |= v.bits;
          return 'return';
        case 'clearMark':
          mark &= ~v.bits;
          break;
        case 'jump':
        case 'goto': {
          const out = run(rs.chains.get(v.chain) as Chain);
          if (out !== 'return' || v.kind === 'goto') return out;
          break;
        }
        case 'vmap': {
          const target = rs.maps.get(v.map)?.entries.get(v.key === 'iifname' ? iif : oif);
          // Entries are `goto` (nft-render.ts): the endpoint chain's end is the dispatch chain's end.
          if (target !== undefined) return run(rs.chains.get(target) as Chain);
          break;
        }
        default:
          break;
      }
    }
    return 'return';
  };
  const out = run(rs.chains.get('forward') as Chain);
  return out === 'drop' ? 'drop' : 'accept';
}

describe('explainPacket agrees with the rendered ruleset', () => {
  const r = scenario();
  const rs = new RulesetBuilder(4).build(r);
  const endpoints = r.localEndpoints();
  const peers: Array<{ peer: ExplainPeer; iface: string }> = [
    ...endpoints.map((e) => ({ peer: { kind: 'endpoint' as const, id: e.id, node: 'n1', ip: (e.ipNets[0] as string).split('/')[0] as string }, iface: e.interfaceName })),
    { peer: { kind: 'address', ip: '198.51.100.7' }, iface: 'eth0' },
    { peer: { kind: 'address', ip: '10.0.3.9' }, iface: 'eth0' },
    { peer: { kind: 'address', ip: '10.0.1.200' }, iface: 'eth0' },
  ];
  // protocol/port, or icmp/type.
  const probes = ['tcp/80', 'tcp/22', 'tcp/443', 'tcp/1500', 'tcp/5432', 'tcp/8080', 'tcp/9090', 'udp/53', 'udp/4789', 'sctp/80', 'icmp/8', 'icmp/13'].map((t) => {
    const [protocol, n] = t.split('/') as [string, string];
    return protocol === 'icmp' ? { protocol, icmpType: Number(n) } : { protocol, port: Number(n) };
  });
  const cells: string[] = [];
  const verdicts = new Set<string>();
  for (const from of peers) {
    for (const to of peers) {
      if (from === to || (from.peer.kind === 'address' && to.peer.kind === 'address')) continue;
      for (const pr of probes) {
        const q = { from: from.peer, to: to.peer, ...pr, sourcePort: 40000 };
        const explained = explainPacket(r, q);
        const kernel = kernelVerdict(rs, explained.packet, from.iface, to.iface);
        verdicts.add(`${explained.verdict}`);
        if ((kernel === 'accept') !== (explained.verdict === 'allow')) cells.push(`${from.peer.ip} -> ${to.peer.ip} ${pr.protocol}/${pr.port ?? pr.icmpType}: kernel ${kernel}, explain ${explained.verdict}`);
      }
    }
  }

  it('on every packet', () => {
    expect(cells).toEqual([]);
    // The scenario exercises both outcomes.
    expect([...verdicts].sort()).toEqual(['allow', 'deny']);
  });
});

describe('explainPacket walks', () => {
  const r = scenario();
  const peer = (id: string, ip: string): ExplainPeer => ({ kind: 'endpoint', id, node: 'n1', ip });
  const web = peer('x/web', '10.0.0.1');
  const db = peer('x/db', '10.0.0.2');
  const yweb = peer('y/web', '10.0.1.1');
  const client = peer('y/client', '10.0.1.2');

  const cases: Array<{ name: string; from: ExplainPeer; to: ExplainPeer; protocol: string; port?: number; want: unknown }> = [
    {
      name: 'Log continues, Pass skips the rest of its tier and the next tier decides',
      from: client,
      to: web,
      protocol: 'tcp',
      port: 8080,
      want: {
        verdict: 'allow',
        ingress: {
          decidedBy: { kind: 'rule', tier: 'default', policy: 'x/web', rule: 0, action: 'Allow' },
          tiers: [
            { tier: 'security', defaultAction: 'Pass', policies: [{ policy: 'log-all', outcome: 'no match', logged: [0] }, { policy: 'pass-clients', outcome: 'Pass', rule: 0, logged: [] }] },
            { tier: 'default', defaultAction: 'Deny', policies: [{ policy: 'x/web', outcome: 'Allow', rule: 0, logged: [] }] },
          ],
        },
      },
    },
    {
      name: "a Deny tier's end drops what no policy of it allowed",
      from: yweb,
      to: db,
      protocol: 'tcp',
      port: 5432,
      want: { verdict: 'deny', ingress: { decidedBy: { kind: 'end-of-tier', tier: 'strict' } } },
    },
    {
      name: 'namespace selector through the namespace profile labels',
      from: web,
      to: db,
      protocol: 'tcp',
      port: 5432,
      want: { verdict: 'allow', ingress: { decidedBy: { kind: 'rule', tier: 'strict', policy: 'db-guard', rule: 0, action: 'Allow' } } },
    },
    {
      name: 'a policy Deny in an earlier tier',
      from: db,
      to: web,
      protocol: 'tcp',
      port: 22,
      want: { verdict: 'deny', ingress: { decidedBy: { kind: 'rule', tier: 'security', policy: 'pass-clients', rule: 1, action: 'Deny' } } },
    },
    {
      name: 'the workload egress guard drops VXLAN before any policy',
      from: client,
      to: web,
      protocol: 'udp',
      port: 4789,
      want: { verdict: 'deny', egress: { decidedBy: { kind: 'guard', reason: 'drop VXLAN sent by a workload' }, tiers: [] } },
    },
    {
      name: 'no policy selects the source: its profile decides',
      from: db,
      to: yweb,
      protocol: 'udp',
      port: 9,
      want: { egress: { noPolicy: false, decidedBy: { kind: 'profile', profile: 'kns.x', rule: 0, action: 'Allow' } } },
    },
  ];
  for (const c of cases) it(c.name, () => expect(explainPacket(r, { from: c.from, to: c.to, protocol: c.protocol, ...(c.port !== undefined ? { port: c.port } : {}) })).toMatchObject(c.want as object));

  it('walks the staged view beside the enforced one, never letting it decide', () => {
    const out = explainPacket(r, { from: web, to: db, protocol: 'tcp', port: 5432 });
    expect(out).toMatchObject({
      verdict: 'allow',
      ingress: {
        decidedBy: { kind: 'rule', policy: 'db-guard' },
        staged: { verdict: 'deny', decidedBy: { kind: 'rule', tier: 'strict', policy: 'staged:db-guard', rule: 0, action: 'Deny' } },
      },
    });
    const tier = out.ingress.policed ? out.ingress.staged?.tiers.find((t) => t.tier === 'strict') : undefined;
    expect(tier?.policies.find((p) => p.policy === 'staged:db-guard')?.staged).toBe(true);
  });

  it('a Pass in a profile ends only that profile', () => {
    const out = explainPacket(r, { from: { kind: 'address', ip: '203.0.113.1' }, to: client, protocol: 'tcp', port: 80 });
    expect(out.ingress).toMatchObject({
      decidedBy: { kind: 'profile', profile: 'kns.y', rule: 0, action: 'Allow' },
      profiles: [
        { profile: 'closed', outcome: 'Pass', rule: 0 },
        { profile: 'kns.y', outcome: 'Allow', rule: 0 },
      ],
    });
  });

  it("a pod's own address and a host to its own pod are not policed", () => {
    expect(explainPacket(r, { from: web, to: web, protocol: 'tcp', port: 1 })).toMatchObject({ verdict: 'allow', egress: { policed: false }, ingress: { policed: false } });
    expect(explainPacket(r, { from: { kind: 'address', ip: '192.168.0.1', hostOf: 'n1' }, to: db, protocol: 'tcp', port: 1 })).toMatchObject({ verdict: 'allow', ingress: { policed: false } });
  });

  it('a family the agents program no policy for is not policed', () => {
    const out = explainPacket(r, { from: { ...web, ip: 'fd00::1' }, to: { kind: 'address', ip: 'fd00::9' }, protocol: 'tcp', port: 22 }, [4]);
    expect(out).toMatchObject({ verdict: 'allow', egress: { policed: false, reason: 'the agents program no IPv6 policy' } });
  });

  it('refuses ends of two families', () => {
    expect(() => explainPacket(r, { from: web, to: { kind: 'address', ip: 'fd00::1' }, protocol: 'tcp', port: 1 })).toThrow(expect.objectContaining({ code: 'EXPLAIN_FAMILY_MISMATCH' }));
  });
});
