import { k8sNetworkPolicyToCalico, namespaceToProfile } from '../api/k8s';
import { cliHarness, type CliHarness } from './testing/cli-harness';

const API = 'projectcalico.org/v3';

async function cluster(): Promise<CliHarness> {
  const h = cliHarness();
  for (const ns of ['x', 'y']) await h.store.create(namespaceToProfile({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'kubernetes.io/metadata.name': ns } } }));
  const pods: Array<[string, string, string, string]> = [
    ['x', 'a', 'n1', '10.65.0.1'],
    ['x', 'b', 'n2', '10.65.1.1'],
    ['y', 'a', 'n2', '10.65.1.2'],
  ];
  for (const [ns, pod, node, ip] of pods) {
    await h.store.create({
      apiVersion: API,
      kind: 'WorkloadEndpoint',
      metadata: { name: `${node}-k8s-${pod}-eth0`, namespace: ns, labels: { pod, 'projectcalico.org/namespace': ns, 'projectcalico.org/orchestrator': 'k8s' } },
      spec: { node, pod, endpoint: 'eth0', interfaceName: `cali${ns}${pod}`, ipNetworks: [`${ip}/32`], profiles: [`kns.${ns}`], ports: [{ name: 'web', protocol: 'TCP', port: 8080 }] },
    });
  }
  await h.store.create({ apiVersion: API, kind: 'Node', metadata: { name: 'n2' }, spec: { bgp: { ipv4Address: '192.168.0.2/24' } } });
  // x/a accepts only from pods of namespace x, on the named port.
  await h.store.create(
    k8sNetworkPolicyToCalico({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'a-from-x', namespace: 'x' },
      spec: { podSelector: { matchLabels: { pod: 'a' } }, ingress: [{ from: [{ podSelector: {} }], ports: [{ port: 'web' }] }] },
    }),
  );
  return h;
}

describe('gingham policy explain', () => {
  it('walks the destination ingress to the deciding rule, the source egress to its profile (text)', async () => {
    const h = await cluster();
    const r = await h.run('policy', 'explain', '--from', 'x/b', '--to', 'x/a', '--port', '8080');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        '10.65.1.1 -> 10.65.0.1 tcp/8080: allowed',
        'from: endpoint x/n2-k8s-b-eth0 on n2 (10.65.1.1)',
        'to  : endpoint x/n1-k8s-a-eth0 on n1 (10.65.0.1)',
        '',
        'egress of x/n2-k8s-b-eth0: allowed by profile kns.x egress rule 0 (no policy selects this endpoint)',
        '  profile kns.x: Allow (rule 0)',
        'ingress of x/n1-k8s-a-eth0: allowed by policy x/knp.default.a-from-x ingress rule 0 (tier default)',
        '  tier default (default action Deny)',
        '    x/knp.default.a-from-x: Allow (rule 0)',
        '',
      ].join('\n'),
    );
  });

  const cases: Array<{ name: string; args: string[]; verdict: 'allow' | 'deny'; ingress: string }> = [
    { name: 'another namespace: end of tier', args: ['--from', 'y/a', '--to', 'x/a', '--port', '8080'], verdict: 'deny', ingress: 'end-of-tier' },
    { name: 'a port the named port does not name', args: ['--from', 'x/b', '--to', 'x/a', '--port', '80'], verdict: 'deny', ingress: 'end-of-tier' },
    { name: 'UDP to the TCP named port', args: ['--from', 'x/b', '--to', 'x/a', '--port', '8080', '--protocol', 'udp'], verdict: 'deny', ingress: 'end-of-tier' },
    { name: 'an outside address to the pod', args: ['--from', '203.0.113.9', '--to', '10.65.0.1', '--port', '8080'], verdict: 'deny', ingress: 'end-of-tier' },
    { name: "a remote host's address is policed", args: ['--from', '192.168.0.2', '--to', 'x/a', '--port', '80'], verdict: 'deny', ingress: 'end-of-tier' },
    { name: 'host to its own pod is not policed', args: ['--from', '192.168.0.2', '--to', 'x/b', '--port', '80'], verdict: 'allow', ingress: 'not policed' },
    { name: 'pod to an outside address: egress only', args: ['--from', 'x/a', '--to', '198.51.100.1', '--port', '443'], verdict: 'allow', ingress: 'not policed' },
  ];
  for (const c of cases) {
    it(`${c.name} (json)`, async () => {
      const h = await cluster();
      const r = await h.run('policy', 'explain', ...c.args, '-o', 'json');
      expect(r.stderr).toBe('');
      const a = JSON.parse(r.stdout) as { result: { verdict: string; ingress: { policed: boolean; decidedBy?: { kind: string } } } };
      expect(a.result.verdict).toBe(c.verdict);
      expect(a.result.ingress.policed ? a.result.ingress.decidedBy?.kind : 'not policed').toBe(c.ingress);
    });
  }

  it('walks a staged policy beside the enforced walk, marked staged, never deciding', async () => {
    const h = await cluster();
    // Staged: the same policy with its only rule turned into a Deny of everything.
    await h.store.create({
      apiVersion: API,
      kind: 'StagedKubernetesNetworkPolicy',
      metadata: { name: 'a-from-x', namespace: 'x' },
      spec: { podSelector: { matchLabels: { pod: 'a' } }, policyTypes: ['Ingress'], ingress: [] },
    });
    const r = await h.run('policy', 'explain', '--from', 'x/b', '--to', 'x/a', '--port', '8080');
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('10.65.1.1 -> 10.65.0.1 tcp/8080: allowed\n');
    expect(r.stdout).toContain(
      [
        'ingress of x/n1-k8s-a-eth0: allowed by policy x/knp.default.a-from-x ingress rule 0 (tier default)',
        '  tier default (default action Deny)',
        '    x/knp.default.a-from-x: Allow (rule 0)',
        '  staged policies (never enforced) would have it denied at the end of tier default: no policy of the tier allowed or passed it',
        '    tier default (default action Deny)',
        '      x/staged:knp.default.a-from-x [staged]: no match',
        '',
      ].join('\n'),
    );
    const j = JSON.parse((await h.run('policy', 'explain', '--from', 'x/b', '--to', 'x/a', '--port', '8080', '-o', 'json')).stdout) as { result: { verdict: string; ingress: { staged?: { verdict: string } } } };
    expect(j.result.verdict).toBe('allow');
    expect(j.result.ingress.staged?.verdict).toBe('deny');
  });

  it('answers a batch of JSON lines in order, errors per line', async () => {
    const h = await cluster();
    h.stdin = ['{"from":"x/b","to":"x/a","protocol":"tcp","port":8080}', '', '{"from":"x/nope","to":"x/a","protocol":"tcp","port":80}', '{"from":"y/a","to":"x/a","protocol":"tcp","port":8080}'].join('\n');
    const r = await h.run('policy', 'explain', '--batch', '-');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { result?: { verdict: string }; error?: { code: string } });
    expect(lines.map((l) => l.result?.verdict ?? l.error?.code)).toEqual(['allow', 'EXPLAIN_UNKNOWN_PEER', 'deny']);
  });

  it('refuses a bad batch line and a missing port with exit 1', async () => {
    const h = await cluster();
    h.stdin = '{"from":"x/b","to":"x/a","protocol":"tcp"}\n';
    expect(await h.run('policy', 'explain', '--batch', '-')).toMatchObject({ code: 1, stderr: expect.stringContaining('stdin:1: --port is needed for tcp') });
    expect(await h.run('policy', 'explain', '--from', 'x/b', '--to', 'x/zz', '--port', '1')).toMatchObject({ code: 1, stderr: expect.stringContaining('"x/zz" is neither') });
  });
});
