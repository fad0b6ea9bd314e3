// Issue 12 acceptance, Calico semantics, one test body run by lab-policy-calico-noencap and lab-policy-calico-vxlan
// (one lab per file): two nodes enforcing policy (the default), clients on master1 and one server per semantic on node1,
// so every probe crosses nodes (directly, or through vxlan.calico). Calico v3 resources go through `gingham lab apply`
// (the lab datastore), the pods through the lab's Kubernetes objects. All probes of a step run in parallel.
//   tiers:  Tier `security` (order 100) before `default`; its policy denies a, passes b; c matches nothing and meets
//           the tier's defaultAction: Pass lets c on to the default tier (which allows b and c), Deny stops it.
//   order:  a-deny and b-allow share order 10 (ties by name: a-deny first); 0-no-order has none, so it comes last
//           although its name sorts first, and its Deny of b never decides.
//   rules:  Log (c), Deny (a), Allow: the Deny decides before the later Allow; Log continues, and its line appears in
//           the kernel log (the lab sets net.netfilter.nf_log_all_netns=1, src/lab/lab-netns-log.ts).
//   global: a GlobalNetworkPolicy selecting the server in namespace beta admits only a pod of namespace alpha.
//   nets:   source nets [a, b] with notNets [b]: only a.
//   icmp:   ICMP echo (type 8) allowed from a; from b only ICMP that is not type 8 (so its ping is dropped).
//   named:  destination port `http` resolves to the server's container port 80; its port 8080 stays closed.
// Needs `npm run build`.
import { spawnSync } from 'node:child_process';
import { describeIf, requireTools } from '../lib/tools';
import { eventually } from './lab-harness';
import { labPod, usePolicyLab, type Reach } from './lab-policy-probes';

const SERVERS = ['alpha/tiers', 'alpha/order', 'alpha/rules', 'beta/global', 'alpha/nets', 'alpha/icmp', 'alpha/named'];

function pod(ref: string, node: string, labels: Record<string, string>, ports: Array<[string, number]> = [['http', 80]]): string {
  const [ns, name] = ref.split('/') as [string, string];
  return `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  namespace: ${ns}
  labels: ${JSON.stringify(labels)}
spec:
  nodeName: ${node}
  containers:
  - name: c
    image: pod-test
    ports: ${JSON.stringify(ports.map(([n, p]) => ({ name: n, containerPort: p, protocol: 'TCP' })))}
`;
}

const PODS = [
  'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: alpha\n',
  'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: beta\n',
  ...['a', 'b', 'c'].map((r) => pod(`alpha/${r}`, 'master1', { role: r })),
  pod('beta/x', 'master1', { role: 'x' }),
  ...SERVERS.map((s) => pod(s, 'node1', { test: s.split('/')[1]! }, s.endsWith('named') ? [['http', 80], ['alt', 8080]] : undefined)),
].join('---\n');

const tier = (defaultAction: 'Pass' | 'Deny'): string => `apiVersion: projectcalico.org/v3
kind: Tier
metadata:
  name: security
spec:
  order: 100
  defaultAction: ${defaultAction}
`;

const np = (name: string, spec: string, kind = 'NetworkPolicy', ns = 'alpha'): string =>
  `apiVersion: projectcalico.org/v3\nkind: ${kind}\nmetadata:\n  name: ${name}\n${kind === 'NetworkPolicy' ? `  namespace: ${ns}\n` : ''}spec:\n${spec}`;

const policies = (ip: (ref: string) => string): string =>
  [
    tier('Pass'),
    np('security.fence', `  tier: security\n  order: 10\n  selector: test == 'tiers'\n  types: [Ingress]\n  ingress:\n  - action: Deny\n    source: {selector: role == 'a'}\n  - action: Pass\n    source: {selector: role == 'b'}\n`, 'GlobalNetworkPolicy'),
    np('allow-bc', `  selector: test == 'tiers'\n  types: [Ingress]\n  ingress:\n  - action: Allow\n    source: {selector: "role in {'b', 'c'}"}\n`),
    np('b-allow', `  order: 10\n  selector: test == 'order'\n  types: [Ingress]\n  ingress:\n  - action: Allow\n`),
    np('a-deny', `  order: 10\n  selector: test == 'order'\n  types: [Ingress]\n  ingress:\n  - action: Deny\n    source: {selector: role == 'a'}\n`),
    np('0-no-order', `  selector: test == 'order'\n  types: [Ingress]\n  ingress:\n  - action: Deny\n    source: {selector: role == 'b'}\n`),
    np('log-deny-allow', `  selector: test == 'rules'\n  types: [Ingress]\n  ingress:\n  - action: Log\n    source: {selector: role == 'c'}\n  - action: Deny\n    source: {selector: role == 'a'}\n  - action: Allow\n`),
    np('cross-ns', `  namespaceSelector: kubernetes.io/metadata.name == 'beta'\n  selector: test == 'global'\n  types: [Ingress]\n  ingress:\n  - action: Allow\n    source:\n      namespaceSelector: kubernetes.io/metadata.name == 'alpha'\n      selector: role == 'a'\n`, 'GlobalNetworkPolicy'),
    np('nets', `  selector: test == 'nets'\n  types: [Ingress]\n  ingress:\n  - action: Allow\n    source:\n      nets: [${ip('alpha/a')}/32, ${ip('alpha/b')}/32]\n      notNets: [${ip('alpha/b')}/32]\n`),
    np('icmp', `  selector: test == 'icmp'\n  types: [Ingress]\n  ingress:\n  - action: Allow\n    protocol: ICMP\n    icmp: {type: 8}\n    source: {selector: role == 'a'}\n  - action: Allow\n    protocol: ICMP\n    notICMP: {type: 8}\n    source: {selector: role == 'b'}\n`),
    np('named', `  selector: test == 'named'\n  types: [Ingress]\n  ingress:\n  - action: Allow\n    protocol: TCP\n    destination: {ports: [http]}\n`),
  ].join('---\n');

/** Kernel log lines (dmesg) that contain every one of the given strings. */
function kernelLog(...parts: string[]): string[] {
  const r = spawnSync('dmesg', [], { encoding: 'utf8', timeout: 10_000, maxBuffer: 64 * 1024 * 1024 });
  return r.stdout.split('\n').filter((l) => parts.every((p) => l.includes(p)));
}

export function describeCalicoSemantics(encap: 'none' | 'vxlan'): void {
  const ok = requireTools(`lab policy calico (${encap})`, ['ip', 'etcd', 'etcdctl', 'nft', 'python3', 'ping', 'dmesg', 'sysctl'], { root: true });

  describeIf(ok)(`Calico policy semantics in the lab, encap ${encap}`, () => {
    const pl = usePolicyLab(encap === 'vxlan' ? 'cv' : 'cn', ['--nodes', '2', '--pods-per-node', '0', '--encap', encap], (p) => p.apply('pods', PODS));
    const expectReach = (set: readonly Reach[]): Promise<void> => pl.reach(set);
    const from = (clients: string[], to: string, want: boolean[], why: string, extra: Partial<Reach> = {}): Reach[] =>
      clients.map((c, i) => ({ from: c, to, want: want[i]!, why, ...extra }));

    it('every client reaches every server before any policy', async () => {
      await expectReach(SERVERS.flatMap((s) => from(['alpha/a', 'alpha/b', 'alpha/c', 'beta/x'], s, [true, true, true, true], 'no policy')));
      // The clients' node routes the servers' block as the mode says: through the tunnel, or to node1 directly.
      const block = `${labPod(pl.lab, 'alpha/tiers').ip.split('.').slice(0, 3).join('.')}.0/24 `;
      expect(pl.lab.routes('master1').find((r) => r.startsWith(block))).toMatch(encap === 'vxlan' ? / dev vxlan\.calico / : / via 10\.0\.0\.15 dev eth0 /);
    }, 60_000);

    it('tiers, order, Deny before Allow, GlobalNetworkPolicy, nets/notNets, ICMP and named ports', async () => {
      pl.apply('policies', policies((ref) => labPod(pl.lab, ref).ip));
      const abc = ['alpha/a', 'alpha/b', 'alpha/c'];
      await expectReach([
        ...from(abc, 'alpha/tiers', [false, true, true], 'security tier: Deny a, Pass b; c meets defaultAction Pass; default tier allows b, c'),
        ...from(abc, 'alpha/order', [false, true, true], 'a-deny before b-allow (same order, by name); 0-no-order last'),
        ...from(abc, 'alpha/rules', [false, true, true], 'Deny a before the later Allow; Log continues'),
        ...from([...abc, 'beta/x'], 'beta/global', [true, false, false, false], 'the global policy admits namespace alpha, role a only'),
        ...from(abc, 'alpha/nets', [true, false, false], 'nets [a, b] notNets [b]'),
        ...from(abc, 'alpha/icmp', [true, false, false], 'ICMP type 8 from a; not type 8 from b', { protocol: 'icmp' }),
        { from: 'alpha/a', to: 'alpha/icmp', want: false, why: 'only ICMP is allowed' },
        { from: 'alpha/a', to: 'alpha/named', port: 80, want: true, why: 'named port http = 80' },
        { from: 'alpha/a', to: 'alpha/named', port: 8080, want: false, why: 'port alt (8080) is not named in the rule' },
      ]);
    }, 120_000);

    it("the tier's defaultAction Deny stops what matched none of its rules; an explicit Pass still goes on", async () => {
      pl.apply('tier-deny', tier('Deny'));
      await expectReach(from(['alpha/a', 'alpha/b', 'alpha/c'], 'alpha/tiers', [false, true, false], 'security tier: Deny a, Pass b, defaultAction Deny for c'));
    }, 60_000);

    it('Log writes a kernel log line for the packet and lets it on', async () => {
      const c = labPod(pl.lab, 'alpha/c').ip;
      const server = labPod(pl.lab, 'alpha/rules').ip;
      const parts = ['calico-packet: ', `SRC=${c} `, `DST=${server} `, 'DPT=80 '];
      const before = kernelLog(...parts).length;
      await expectReach([{ from: 'alpha/c', to: 'alpha/rules', want: true, why: 'Log, then the Allow' }]);
      expect(await eventually(() => kernelLog(...parts).length > before, 10_000, 200)).toBe(true);
    }, 60_000);
  });
}
