// Issue 12 (the lab becomes a small cluster) and issue 11 items 10-12 on a real two-node lab: the tutorial's namespace,
// Deployment and Service applied from YAML; curl from a pod to a pod IP and to the ClusterIP answers with the
// tutorial image's line; UDP through the service; a label changed live reaches the WorkloadEndpoint and the service's
// endpoints; lab Nodes carry kubelet's labels; two agents restarted at once keep both PIDs; etcd stopped and started
// with `lab status` telling the truth; and `down` removes everything of this lab but nothing of another lab whose
// prefix extends this one's. Needs `npm run build`.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { alive } from '../lib/process';
import { describeIf, requireTools } from '../lib/tools';
import { TestLab, eventually } from './lab-harness';

const ok = requireTools('lab cluster', ['ip', 'etcd', 'etcdctl', 'nft', 'curl', 'python3'], { root: true });
const YAML = path.join(__dirname, 'testdata', 'develop.yaml');
const LINE = /^kubernetes pod-test v0\.1!! ClientIP: (\d+\.\d+\.\d+\.\d+), ServerName: (pod-deployment-[bcdfghjklmnpqrstvwxz2456789]{1,10}-[bcdfghjklmnpqrstvwxz2456789]{5}), ServerIP: (\d+\.\d+\.\d+\.\d+)!$/;

interface Pod {
  name: string;
  node: string;
  namespace: string;
  k8sNamespace: string;
  ip?: string;
}

describeIf(ok)('gingham lab as a small cluster', () => {
  let lab: TestLab;
  let otherNs = '';
  let otherPid: number | undefined;
  const pods = (): Pod[] => (lab.status() as unknown as { pods: Pod[] }).pods;

  beforeAll(() => {
    lab = new TestLab('k');
    lab.up(['--nodes', '2', '--pods-per-node', '1']);
    // Another lab's namespace whose prefix extends this one's, with a process in it: down must leave both alone.
    otherNs = `${lab.prefix}b-lan`;
    spawnSync('ip', ['netns', 'add', otherNs]);
    const sleeper = spawn('ip', ['netns', 'exec', otherNs, 'sleep', '300'], { stdio: 'ignore', detached: true });
    sleeper.unref();
    otherPid = sleeper.pid;
  }, 300_000);

  afterAll(() => {
    if (lab && (lab.leftovers().some((n) => n !== otherNs))) lab.down();
    if (otherPid !== undefined) spawnSync('kill', [String(otherPid)]);
    if (otherNs) spawnSync('ip', ['netns', 'delete', otherNs]);
  }, 120_000);

  it('labels lab Nodes as kubelet does', () => {
    const node = lab.exec('node1', ['gingham', 'get', 'node', 'node1', '-o', 'json']);
    expect(node.status).toBe(0);
    const labels = (JSON.parse(node.stdout) as { metadata: { labels: Record<string, string> } }).metadata.labels;
    expect(labels).toMatchObject({ 'kubernetes.io/hostname': 'node1', 'kubernetes.io/os': 'linux' });
  });

  it('applies the tutorial Namespace, Deployment and Service; pods and the ClusterIP answer as the tutorial image', async () => {
    const r = lab.run(['lab', 'apply', '-f', YAML], 180_000);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const dev = pods().filter((p) => p.k8sNamespace === 'develop');
    expect(dev).toHaveLength(3);
    expect(new Set(dev.map((p) => p.node))).toEqual(new Set(['master1', 'node1']));
    const hash = new Set(dev.map((p) => p.name.split('-')[2]));
    expect(hash.size).toBe(1);
    for (const p of dev) expect(p.name).toMatch(/^pod-deployment-[bcdfghjklmnpqrstvwxz2456789]{1,10}-[bcdfghjklmnpqrstvwxz2456789]{5}$/);

    // The namespace profile with pcns labels, and the pod labels on the WorkloadEndpoints.
    const prof = lab.exec('master1', ['gingham', 'get', 'profile', 'kns.develop', '-o', 'json']);
    expect(prof.status).toBe(0);
    expect(prof.stdout).toContain('"pcns.kubernetes.io/metadata.name": "develop"');
    const weps = lab.exec('master1', ['gingham', 'get', 'workloadendpoints', '-n', 'develop', '-o', 'json']);
    expect(weps.stdout.match(/"app": "pod-deployment"/g)?.length).toBe(3);

    const client = pods().find((p) => p.k8sNamespace === 'default' && p.node === 'master1')!;
    const target = dev.find((p) => p.node === 'node1')!;
    const direct = lab.exec(client.name, ['curl', '-s', '--max-time', '3', `http://${target.ip}/`]);
    expect(direct.status).toBe(0);
    const m = LINE.exec(direct.stdout.trim());
    expect(m).not.toBeNull();
    expect(m![1]).toBe(client.ip);
    expect(m![2]).toBe(target.name);
    expect(m![3]).toBe(target.ip);

    // Through the ClusterIP (DNAT on the client's node): every answer comes from one of the three pods.
    const seen = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const svc = lab.exec(`develop/${dev[0]!.name}`, ['curl', '-s', '--max-time', '3', 'http://10.96.80.213/']);
      expect(svc.status).toBe(0);
      const s = LINE.exec(svc.stdout.trim());
      expect(s).not.toBeNull();
      seen.add(s![2]!);
      expect(dev.map((p) => p.name)).toContain(s![2]);
    }
    expect(seen.size).toBeGreaterThan(1);
    // From a node too.
    expect(LINE.test(lab.exec('node1', ['curl', '-s', '--max-time', '3', 'http://10.96.80.213/']).stdout.trim())).toBe(true);
    const table = spawnSync('ip', ['netns', 'exec', lab.namespace('node1'), 'nft', 'list', 'table', 'ip', 'gingham-lab-kube-proxy'], { encoding: 'utf8' });
    expect(table.stdout).toContain('kube-proxy stand-in');
  }, 240_000);

  it('probes UDP through the service and to a pod, TCP to a closed port is blocked, SCTP says what the kernel lacks', () => {
    const client = pods().find((p) => p.k8sNamespace === 'default')!.name;
    const udp = lab.run(['lab', 'probe', client, 'develop/pod-deployment', '--protocol', 'udp', '--port', '53', '-o', 'json']);
    expect(udp.status).toBe(0);
    const j = JSON.parse(udp.stdout) as { result: string; reply: string; ip: string };
    expect(j).toMatchObject({ result: 'connected', ip: '10.96.80.213' });
    expect(j.reply).toMatch(/^pod-deployment-/);
    const tcp = lab.run(['lab', 'probe', client, 'develop/pod-deployment', '--timeout', '2s']);
    expect(tcp.status).toBe(0);
    expect(tcp.stdout).toMatch(/connected: kubernetes pod-test v0\.1!!/);
    const pod = pods().find((p) => p.k8sNamespace === 'develop')!;
    const closed = lab.run(['lab', 'probe', client, `develop/${pod.name}`, '--port', '81', '--timeout', '1s']);
    expect(closed.status).toBe(1);
    const sctp = lab.run(['lab', 'probe', client, `develop/${pod.name}`, '--protocol', 'sctp', '--port', '80']);
    const has = spawnSync('python3', ['-c', 'import socket; socket.socket(socket.AF_INET, socket.SOCK_STREAM, 132)']).status === 0;
    if (!has) {
      expect(sctp.status).toBe(2);
      expect(sctp.stdout).toMatch(/this kernel has no SCTP/);
    }
    const nope = lab.run(['lab', 'probe', 'nope', '10.0.0.1']);
    expect(nope.status).toBe(2);
  }, 60_000);

  it('changes labels live: the endpoint and the service follow; lab run starts a pod with run=NAME', async () => {
    const pod = pods().find((p) => p.k8sNamespace === 'develop')!;
    const r = lab.run(['lab', 'label', 'pod', '-n', 'develop', pod.name, 'app-', 'tier=web']);
    expect(r.status).toBe(0);
    const wep = lab.exec('master1', ['gingham', 'get', 'workloadendpoints', '-n', 'develop', '-o', 'json']).stdout;
    expect(wep.match(/"app": "pod-deployment"/g)?.length).toBe(2);
    expect(wep).toContain('"tier": "web"');
    const table = spawnSync('ip', ['netns', 'exec', lab.namespace('master1'), 'nft', 'list', 'table', 'ip', 'gingham-lab-kube-proxy'], { encoding: 'utf8' }).stdout;
    expect(table).not.toContain(`${pod.ip}:80`);
    expect(table).not.toContain(`${pod.ip} . 80`);
    const ns = lab.run(['lab', 'label', 'namespace', 'develop', 'team=a']);
    expect(ns.status).toBe(0);
    expect(lab.exec('master1', ['gingham', 'get', 'profile', 'kns.develop', '-o', 'json']).stdout).toContain('"pcns.team": "a"');

    const run = lab.run(['lab', 'run', 'pod-test', '--node', 'node1', '--labels', 'role=client'], 120_000);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/pod\/pod-test created on node1: 10\.244\./);
    const weps = lab.exec('node1', ['gingham', 'get', 'workloadendpoints', '-o', 'json']).stdout;
    expect(weps).toContain('"run": "pod-test"');
    expect(LINE.test(lab.exec('pod-test', ['curl', '-s', '--max-time', '3', 'http://10.96.80.213/']).stdout.trim())).toBe(true);
  }, 120_000);

  it('restarts both agents at once keeping both PIDs; stops and starts etcd with status telling the truth', async () => {
    const a = spawn(process.execPath, [path.join(__dirname, '..', '..', 'dist/cmd/gingham.js'), 'lab', 'restart', 'master1'], { env: { ...process.env, GINGHAM_LAB_DIR: lab.stateDir, GINGHAM_LAB_PREFIX: lab.prefix }, stdio: 'ignore' });
    const b = spawn(process.execPath, [path.join(__dirname, '..', '..', 'dist/cmd/gingham.js'), 'lab', 'restart', 'node1'], { env: { ...process.env, GINGHAM_LAB_DIR: lab.stateDir, GINGHAM_LAB_PREFIX: lab.prefix }, stdio: 'ignore' });
    const codes = await Promise.all([a, b].map((c) => new Promise<number | null>((r) => c.once('close', (code) => r(code)))));
    expect(codes).toEqual([0, 0]);
    const st = lab.status();
    expect(st.nodes.every((n) => n.running && n.pid !== undefined && alive(n.pid))).toBe(true);
    const agents = spawnSync('pgrep', ['-f', `${lab.stateDir}/nodes/.*/node.sock`], { encoding: 'utf8' }).stdout.trim().split('\n').filter((x) => x !== '');
    // One agent per node (pgrep also sees the `ip netns exec` wrappers' children, never a duplicate agent).
    expect(agents.filter((pid) => st.nodes.some((n) => n.pid === Number(pid)))).toHaveLength(2);

    expect(lab.run(['lab', 'stop', 'etcd']).status).toBe(0);
    let s = lab.status() as unknown as { etcd: { running: boolean; stopped: boolean } };
    expect(s.etcd).toMatchObject({ running: false, stopped: true });
    expect(lab.run(['lab', 'status']).stdout).toMatch(/etcd http:\/\/10\.0\.0\.1:2379 in .*: stopped \(gingham lab stop\)/);
    const start = lab.run(['lab', 'start', 'etcd'], 60_000);
    expect(start.status).toBe(0);
    s = lab.status() as unknown as { etcd: { running: boolean; stopped: boolean } };
    expect(s.etcd).toMatchObject({ running: true, stopped: false });
    expect(await eventually(() => lab.exec('master1', ['gingham', 'get', 'nodes']).status === 0, 20_000)).toBe(true);
  }, 180_000);

  it('delete -f removes the Deployment\'s pods (namespaces, servers, endpoints), the Service and the namespace profile', () => {
    const dev = pods().filter((p) => p.k8sNamespace === 'develop');
    const r = lab.run(['lab', 'delete', '-f', YAML], 120_000);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(pods().filter((p) => p.k8sNamespace === 'develop')).toEqual([]);
    for (const p of dev) expect(lab.leftovers()).not.toContain(p.namespace);
    expect(lab.exec('master1', ['gingham', 'get', 'workloadendpoints', '-n', 'develop', '-o', 'json']).stdout).not.toContain('pod-deployment');
    expect(lab.exec('master1', ['gingham', 'get', 'profile', 'kns.develop']).status).not.toBe(0);
    const table = spawnSync('ip', ['netns', 'exec', lab.namespace('master1'), 'nft', 'list', 'table', 'ip', 'gingham-lab-kube-proxy'], { encoding: 'utf8' }).stdout;
    expect(table).not.toContain('10.96.80.213');
  }, 120_000);

  it("down removes every namespace and process of this lab and none of the other lab's", () => {
    const before = pods().map((p) => p.namespace);
    const r = lab.down();
    expect(r.status).toBe(0);
    expect(lab.leftovers()).toEqual([otherNs]);
    for (const ns of before) expect(lab.leftovers()).not.toContain(ns);
    expect(otherPid !== undefined && alive(otherPid)).toBe(true);
  }, 120_000);
});
