// The network-policy-api conformance suite v0.1.7 (anp-cases.ts: every standard AdminNetworkPolicy and
// BaselineAdminNetworkPolicy test, and the experimental named-port ones) replayed on a real two-node lab, the agents
// enforcing: the houses fixture applied once with `gingham lab apply -f` (testdata/anp/fixture.yaml), then per test its
// policies applied, its sub-tests run in order with their patches applied cumulatively (each a `gingham lab apply` of
// the changed policies, `lab delete` of removed ones), each poke a real connection from one pod's network namespace
// (lab-prober.ts). After a change the runner waits until the chain of every policy present, and of none removed, is
// reachable from the base chains of the agents' nftables tables, then re-probes until every poke of the sub-test
// holds or 20 s pass (upstream's PokeServer polls too).
// SCTP pokes skip, printing the kernel's reason, only where socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP) fails; a test
// made only of SCTP pokes is skipped whole. Node-peer tests are listed and skipped with the reason (anp-cases.ts).
//
// Every sub-test's pokes are also put to `gingham policy explain` (one `--batch` run inside master1, overlapping the
// pokes) and each verdict must equal the observed result.
// Per-probe hook: every poke judged is recorded as a ConformanceProbe (from/to pod and address, protocol, port,
// expected and observed result); with GINGHAM_CONFORMANCE_PROBES=<file> the list is written there as JSON when the
// suite ends, so another tool (`gingham policy explain`) can replay exactly the probes this suite made.
// Needs `npm run build`.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeIf, requireTools } from '../lib/tools';
import { ANP_CASES, POD_IDS, POD_NAMES, namespaceOf, parseProbe, type AnpCase, type PodId, type PolicyObject, type Probe } from './anp-cases';
import { TestLab, eventually, labObjects } from './lab-harness';
import { explainBatch, explainSays, probeFrom, programmedPolicies, sctpUnavailable } from './lab-prober';

const PROBE_TIMEOUT_S = 0.5;
const PROGRAMMED_DEADLINE_MS = 10_000;
const PROBES_DEADLINE_MS = 20_000;

/** One poke as judged: what `gingham policy explain` must agree with. */
export interface ConformanceProbe {
  readonly suite: 'network-policy-api v0.1.7';
  readonly test: string;
  readonly subTest: string;
  readonly from: string;
  readonly fromIp: string;
  readonly to: string;
  readonly toIp: string;
  readonly protocol: Probe['protocol'];
  readonly port: number;
  readonly expected: boolean;
  readonly observed: boolean;
}

const ok = requireTools('network-policy-api conformance', ['ip', 'etcd', 'etcdctl', 'python3', 'nft'], { root: true });
const sctp = ok ? sctpUnavailable() : undefined;
const houseOf = (p: PodId): 'g' | 's' | 'h' | 'r' => p[0] as 'g' | 's' | 'h' | 'r';
const podName = (p: PodId): string => `${POD_NAMES[houseOf(p)]}-${p[1]}`;
const keyOf = (o: PolicyObject): string => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;
/** The policy id the agents' rule comments carry for each policy (its converted Calico name). */
function policyId(o: PolicyObject): string {
  if (o.kind === 'AdminNetworkPolicy') return `kanp.adminnetworkpolicy.${o.metadata.name}`;
  if (o.kind === 'BaselineAdminNetworkPolicy') return `kbanp.baselineadminnetworkpolicy.${o.metadata.name}`;
  return `${o.metadata.namespace}/knp.default.${o.metadata.name}`;
}
const onlySctp = (c: AnpCase): boolean => c.subTests.every((t) => t.probes.every((p) => parseProbe(p).protocol === 'SCTP'));

describeIf(ok)('network-policy-api conformance v0.1.7 (houses on two nodes, agent enforcing)', () => {
  let lab: TestLab;
  const ip = {} as Record<PodId, string>;
  const netns = {} as Record<PodId, string>;
  let nodeNamespaces: string[] = [];
  let etcd = '';
  const dir = mkdtempSync(path.join(tmpdir(), 'gingham-e2e-anp-'));
  let labFile: ReturnType<typeof labObjects>;
  const recorded: ConformanceProbe[] = [];
  let sctpSkipped = 0;


  /** Applies `want` (the changed ones), deletes what left, waits until the agents program exactly that. */
  const setPolicies = async (current: readonly PolicyObject[], want: readonly PolicyObject[]): Promise<void> => {
    const before = new Map(current.map((o) => [keyOf(o), JSON.stringify(o)]));
    const keep = new Set(want.map(keyOf));
    labFile(
      'apply',
      want.filter((o) => before.get(keyOf(o)) !== JSON.stringify(o)),
    );
    labFile(
      'delete',
      current.filter((o) => !keep.has(keyOf(o))),
    );
    const need = want.map(policyId);
    const stale = current.filter((o) => !keep.has(keyOf(o))).map(policyId);
    const programmed = await eventually(
      () => {
        const seen = programmedPolicies(nodeNamespaces);
        return need.every((id) => seen.has(id)) && !stale.some((id) => seen.has(id));
      },
      PROGRAMMED_DEADLINE_MS,
      100,
    );
    if (!programmed) throw new Error(`the agents did not program ${need.join(', ') || 'nothing'} (and drop ${stale.join(', ') || 'nothing'}) within ${PROGRAMMED_DEADLINE_MS} ms: they have ${[...programmedPolicies(nodeNamespaces)].join(', ')}`);
  };

  /** Pokes every probe (in parallel) until all hold or the deadline passes; returns the last observation. */
  const poke = async (probes: readonly Probe[]): Promise<boolean[]> => {
    const once = (): Promise<boolean[]> => Promise.all(probes.map(async (p) => (await probeFrom(netns[p.from], p.protocol, p.port, PROBE_TIMEOUT_S, [ip[p.to]]))[ip[p.to]] === true));
    const end = Date.now() + PROBES_DEADLINE_MS;
    let seen = await once();
    while (seen.some((v, i) => v !== probes[i]!.connected) && Date.now() < end) seen = await once();
    return seen;
  };

  beforeAll(() => {
    if (sctp !== undefined) process.stderr.write(`network-policy-api conformance: SCTP pokes skip: this kernel has no SCTP sockets: socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP): ${sctp}\n`);
    lab = new TestLab('np');
    labFile = labObjects(lab, dir);
    lab.up(['--nodes', '2', '--pods-per-node', '0']);
    const r = lab.run(['lab', 'apply', '-f', path.join(__dirname, 'testdata', 'anp', 'fixture.yaml')], 240_000);
    if (r.status !== 0) throw new Error(`lab apply fixture failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
    const st = lab.status();
    nodeNamespaces = st.nodes.map((n) => n.namespace);
    etcd = st.etcd.endpoint;
    for (const id of POD_IDS) {
      const p = st.pods.find((x) => (x as { k8sNamespace?: string }).k8sNamespace === namespaceOf(houseOf(id)) && x.name === podName(id));
      if (!p?.ip) throw new Error(`fixture pod ${namespaceOf(houseOf(id))}/${podName(id)} has no address: ${JSON.stringify(p)}`);
      ip[id] = p.ip;
      netns[id] = p.namespace;
    }
  }, 420_000);

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    if (sctpSkipped > 0) process.stderr.write(`network-policy-api conformance: ${sctpSkipped} SCTP pokes skipped (no SCTP sockets: ${sctp})\n`);
    const out = process.env.GINGHAM_CONFORMANCE_PROBES;
    if (out) writeFileSync(out, JSON.stringify(recorded, null, 1) + '\n');
    expect(lab?.down().status).toBe(0);
  }, 120_000);

  it('with no policy the houses reach each other (TCP 80/8080, UDP 53/5353)', async () => {
    // The namespaces' profiles must be programmed before anything is judged: allow a slow first sync.
    const probes = ['g0>r1 tcp/80 +', 'r1>g0 tcp/8080 +', 's0>h1 udp/53 +', 'h1>s0 udp/5353 +'].map(parseProbe);
    const end = Date.now() + 90_000;
    let seen = await poke(probes);
    while (seen.some((v) => !v) && Date.now() < end) seen = await poke(probes);
    expect(seen).toEqual([true, true, true, true]);
  }, 120_000);

  for (const c of ANP_CASES) {
    const why = c.unsupported ?? (onlySctp(c) && sctp !== undefined ? `every poke is SCTP and this kernel has no SCTP sockets: ${sctp}` : undefined);
    const name = `${c.id}${c.experimental ? ' (experimental)' : ''}${why ? ` (SKIPPED: ${why})` : ''}`;
    (why ? it.skip : it)(
      name,
      async () => {
        let current: PolicyObject[] = [];
        try {
          const policies = c.policies();
          await setPolicies(current, policies);
          current = structuredClone(policies);
          for (const t of c.subTests) {
            if (t.mutate) {
              t.mutate(policies, (p) => ip[p]);
              await setPolicies(current, policies);
              current = structuredClone(policies);
            }
            const all = t.probes.map(parseProbe);
            const run = all.filter((p) => p.protocol !== 'SCTP' || sctp === undefined);
            sctpSkipped += all.length - run.length;
            const ref = (id: PodId): string => `${namespaceOf(houseOf(id))}/${podName(id)}`;
            // The datastore holds the sub-test's policies now: explain runs while the pokes do.
            const explained = explainBatch(lab, etcd, dir, run.map((p) => ({ from: ref(p.from), to: ref(p.to), protocol: p.protocol.toLowerCase(), port: p.port })));
            explained.catch(() => undefined);
            const seen = await poke(run);
            run.forEach((p, i) =>
              recorded.push({
                suite: 'network-policy-api v0.1.7',
                test: c.id,
                subTest: t.title,
                from: `${namespaceOf(houseOf(p.from))}/${podName(p.from)}`,
                fromIp: ip[p.from],
                to: `${namespaceOf(houseOf(p.to))}/${podName(p.to)}`,
                toIp: ip[p.to],
                protocol: p.protocol,
                port: p.port,
                expected: p.connected,
                observed: seen[i]!,
              }),
            );
            const wrong = run.filter((p, i) => seen[i] !== p.connected).map((p) => `${p.from}->${p.to} ${p.protocol}/${p.port} ${p.connected ? 'blocked' : 'connected'} (want ${p.connected ? 'connected' : 'blocked'})`);
            expect({ subTest: t.title, wrong }).toEqual({ subTest: t.title, wrong: [] });
            const answers = await explained;
            const explainWrong = run.flatMap((p, i) =>
              (answers[i]?.result?.verdict === 'allow') === seen[i] ? [] : [`${p.from}->${p.to} ${p.protocol}/${p.port} observed ${seen[i] ? 'connected' : 'blocked'}, explain ${explainSays(answers[i])}`],
            );
            expect({ subTest: t.title, explainWrong }).toEqual({ subTest: t.title, explainWrong: [] });
          }
        } finally {
          await setPolicies(current, []);
        }
      },
      120_000,
    );
  }
});
