// Network policy in Kubernetes mode, end to end, on a real kernel: `gingham node run` (GINGHAM_POLICY=enforce) in a
// node namespace, on the kubernetes datastore against the API-server TEST FIXTURE under the gingham-node ClusterRole;
// pods wired by the installed CNI plugin (Kubernetes mode, gingham-cni-plugin ClusterRole); a NetworkPolicy and
// namespace labels changed on the API server only. The agent reads them as Calico does in KDD mode (no controllers):
// networking.k8s.io/v1 NetworkPolicy → NetworkPolicy knp.default.*, Namespace → Profile kns.* (pcns.* labels),
// Pod → WorkloadEndpoint. Real TCP between the pod namespaces. Needs `npm run build`.
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { endpointFromKubeconfig, HttpKubeApi } from '../../src/datastore/kubernetes/http-api';
import { KubernetesDatastore } from '../../src/datastore/kubernetes/kubernetes-datastore';
import { API_VERSION } from '../../src/datastore/types';
import { startKubeFixture, type KubeFixture } from '../k8s-fixture/server';
import { cleanupAll, makeWorkDir, spawnDaemon, stopProcess, waitFor, type ManagedProcess } from '../lib/process';
import { describeIf, requireTools } from '../lib/tools';
import { addNetns, addNodeNamespace, deleteNetns, invokePlugin, installKubernetesCni, relayIntoNamespace, resultIp } from '../cni/cni-lab';

const ok = requireTools('policy-kubernetes', ['ip', 'nsenter', 'nft', 'python3'], { root: true });

const ROOT = path.join(__dirname, '..', '..');
const GINGHAM = path.join(ROOT, 'dist/cmd/gingham.js');
const suffix = `${process.pid % 10000}${Date.now() % 1000}`;
const HOST = `gh-polk-host-${suffix}`;
const NODE = `gh-polk-node-${suffix}`;
const HOST_IP = '10.248.0.1';
const NAMESPACES = { group: '', version: 'v1', plural: 'namespaces' };
const nps = (ns: string): { group: string; version: string; plural: string; namespace: string } => ({ group: 'networking.k8s.io', version: 'v1', plural: 'networkpolicies', namespace: ns });

/** Pods: the server shop/till, and two clients, shop/cart and guest/visitor. */
const PODS = [
  { ns: 'shop', name: 'till', labels: { app: 'till' } },
  { ns: 'shop', name: 'cart', labels: { app: 'cart' } },
  { ns: 'guest', name: 'visitor', labels: { app: 'visitor' } },
] as const;
type PodName = (typeof PODS)[number]['name'];
const podNs = (p: PodName): string => `gh-polk-${p}-${suffix}`;

const SERVER = `require('net').createServer((s) => { s.on('error', () => {}); s.end('till'); }).listen(80, '0.0.0.0'); setInterval(() => {}, 1 << 30);`;
const CLIENT = `const s = require('net').connect(80, process.argv[1], () => { process.stdout.write('connected'); process.exit(0); });
s.on('error', () => process.exit(1)); setTimeout(() => process.exit(1), 700);`;

describeIf(ok)('network policy in Kubernetes mode: the agent against the API server (real kernel)', () => {
  let fx: KubeFixture;
  let api: HttpKubeApi;
  let admin: KubernetesDatastore;
  let work: string;
  let relay: { close(): Promise<void> } | undefined;
  let agent: ManagedProcess | undefined;
  const ips = new Map<PodName, string>();
  const netnses: string[] = [];
  const servers: ManagedProcess[] = [];

  /** Whether `from` opens a TCP connection to till:80. */
  const connects = (from: PodName): boolean =>
    spawnSync('ip', ['netns', 'exec', podNs(from), process.execPath, '-e', CLIENT, ips.get('till') ?? ''], { encoding: 'utf8', timeout: 10000 }).stdout === 'connected';

  /** Waits (bounded) until cart and visitor reach till exactly as wanted; the agent applies changes asynchronously. */
  async function expectReach(want: { cart: boolean; visitor: boolean }, what: string): Promise<void> {
    let seen = { cart: !want.cart, visitor: !want.visitor };
    try {
      await waitFor(() => {
        seen = { cart: connects('cart'), visitor: connects('visitor') };
        return seen.cart === want.cart && seen.visitor === want.visitor;
      }, 20000, what);
    } catch {
      throw new Error(`${what}: wanted ${JSON.stringify(want)}, saw ${JSON.stringify(seen)}; agent log: ${agent?.logTail() ?? ''}`);
    }
  }

  async function setNamespaceLabels(name: string, labels: Record<string, string>): Promise<void> {
    const ns = await api.get(NAMESPACES, name);
    await api.replace(NAMESPACES, name, { ...ns, metadata: { ...ns.metadata, labels } });
  }

  beforeAll(async () => {
    for (const f of [GINGHAM, 'dist/cmd/cni-gingham.js', 'dist/cmd/cni-gingham-ipam.js', 'dist/netlink/netns-child.js'].map((x) => path.resolve(ROOT, x))) {
      if (!existsSync(f)) throw new Error(`${f} is missing: run \`npm run build\` before this e2e test`);
    }
    work = makeWorkDir('policy-kubernetes');
    fx = await startKubeFixture();
    api = new HttpKubeApi(endpointFromKubeconfig(fx.kubeconfig));
    admin = new KubernetesDatastore({ api: new HttpKubeApi(endpointFromKubeconfig(fx.kubeconfig)), retryDelaysMs: [20, 50, 100] });
    // The cluster: the node as its kubelet registers it, two namespaces, three pods, a pool.
    await api.create({ group: '', version: 'v1', plural: 'nodes' }, { metadata: { name: NODE, labels: { 'kubernetes.io/hostname': NODE } }, spec: { podCIDRs: ['10.252.9.0/24'] } });
    await api.create(NAMESPACES, { metadata: { name: 'shop', labels: { team: 'red' } } });
    await api.create(NAMESPACES, { metadata: { name: 'guest' } });
    for (const p of PODS) {
      await api.create(
        { group: '', version: 'v1', plural: 'pods', namespace: p.ns },
        { metadata: { name: p.name, labels: p.labels }, spec: { nodeName: NODE, containers: [{ name: 'c', image: 'x', ports: [{ name: 'http', containerPort: 80 }] }] } },
      );
    }
    await admin.create({ apiVersion: API_VERSION, kind: 'IPPool', metadata: { name: 'polk-pool' }, spec: { cidr: '10.249.0.0/24', blockSize: 29, ipipMode: 'Never', vxlanMode: 'Never', nodeSelector: 'all()' } });

    netnses.push(HOST);
    addNodeNamespace(HOST, HOST_IP, '10.248.0.2');
    relay = await relayIntoNamespace(HOST, Number(new URL(fx.url).port), path.join(work, 'kube.sock'));
    writeFileSync(path.join(work, 'node.kubeconfig'), fx.kubeconfigFor('kube-system', 'gingham-node'));
    writeFileSync(path.join(work, 'cni.kubeconfig'), fx.kubeconfigFor('kube-system', 'gingham-cni-plugin'));

    // The agent first, as on a node: it enforces policy from its first sync.
    agent = spawnDaemon({
      name: 'agent',
      cmd: 'ip',
      args: ['netns', 'exec', HOST, process.execPath, GINGHAM, 'node', 'run', '--status-socket', path.join(work, 'node.sock'), '--health-host', '127.0.0.1', '--health-port', '0', '--nodename-file', path.join(work, 'nodename'), '--mtu-file', path.join(work, 'mtu')],
      workDir: work,
      env: { PATH: process.env.PATH, NODENAME: NODE, IP: `${HOST_IP}/24`, DATASTORE_TYPE: 'kubernetes', KUBECONFIG: path.join(work, 'node.kubeconfig'), GINGHAM_POLICY: 'enforce' },
    });
    const a = agent;
    await waitFor(() => (a.exited() ? Promise.reject(new Error(`agent exited: ${a.logTail()}`)) : existsSync(path.join(work, 'node.sock'))), 30000, 'the agent to start');

    // The pods, wired by the CNI plugin as a container runtime invokes it.
    const stdin = installKubernetesCni(ROOT, work, path.join(work, 'cni.kubeconfig'), NODE);
    for (const p of PODS) {
      netnses.push(podNs(p.name));
      addNetns(podNs(p.name));
      const r = await invokePlugin(
        HOST,
        path.join(work, 'bin', 'gingham'),
        { command: 'ADD', containerId: `ctr-${p.name}`, netns: `/var/run/netns/${podNs(p.name)}`, pod: p.name, namespace: p.ns, cniPath: `${work}/bin:/usr/lib/cni` },
        stdin,
      );
      if (r.code !== 0) throw new Error(`CNI ADD ${p.ns}/${p.name}: ${r.stdout} ${r.stderr}`);
      ips.set(p.name, resultIp(r));
    }
    servers.push(spawnDaemon({ name: 'till', cmd: 'ip', args: ['netns', 'exec', podNs('till'), process.execPath, '-e', SERVER], workDir: work }));
  }, 120000);

  afterAll(async () => {
    try {
      for (const s of servers) await stopProcess(s.pid);
      if (agent) await stopProcess(agent.pid).catch(() => undefined);
    } finally {
      for (const ns of netnses.reverse()) deleteNetns(ns);
      await relay?.close();
      await admin?.close();
      api?.close();
      await fx?.close();
      await cleanupAll();
    }
  }, 60000);

  it('enforces a NetworkPolicy created on the API server, follows namespace labels, and lifts it when deleted', async () => {
    // No policy selects till: everyone reaches it (the endpoints are programmed, so traffic is not dropped).
    await expectReach({ cart: true, visitor: true }, 'without policy');
    const nft = spawnSync('ip', ['netns', 'exec', HOST, 'nft', 'list', 'table', 'ip', 'gingham'], { encoding: 'utf8', timeout: 10000 });
    expect(nft.status).toBe(0);

    // Only pods in namespaces labelled team=blue may reach till: nobody is, yet.
    await api.create(nps('shop'), {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'till-from-blue' },
      spec: { podSelector: { matchLabels: { app: 'till' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'blue' } } }], ports: [{ port: 'http' }] }] },
    });
    await expectReach({ cart: false, visitor: false }, 'the policy created');
    // The agent programmed the converted policy (its rules name it).
    expect(spawnSync('ip', ['netns', 'exec', HOST, 'nft', 'list', 'table', 'ip', 'gingham'], { encoding: 'utf8', timeout: 10000 }).stdout).toContain('knp.default.till-from-blue');

    // Labelling the guest namespace team=blue lets the visitor in (Profile kns.guest, label pcns.team), not the cart.
    await setNamespaceLabels('guest', { team: 'blue' });
    await expectReach({ cart: false, visitor: true }, 'guest labelled team=blue');
    await setNamespaceLabels('guest', {});
    await expectReach({ cart: false, visitor: false }, 'guest unlabelled');

    await api.delete(nps('shop'), 'till-from-blue');
    await expectReach({ cart: true, visitor: true }, 'the policy deleted');
  }, 120000);
});
