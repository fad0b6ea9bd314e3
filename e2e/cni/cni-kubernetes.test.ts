// The gingham plugin in Kubernetes datastore mode (the conflist's default), against the Kubernetes API server TEST
// FIXTURE (e2e/k8s-fixture) reached from inside the node namespace: IPAM blocks, affinities and handles go to the
// crd.projectcalico.org/v1 resources, the WorkloadEndpoint is recorded as the pod's cni.projectcalico.org annotations,
// and DEL clears them and frees the address; then ADD, CHECK and DEL through `gingham node run --cni-socket` on that
// datastore with policy enforced: a networking.k8s.io NetworkPolicy created first blocks and admits real packets
// between pods the moment their ADDs return (policy before traffic). Real kernel, real namespaces; needs `npm run build`.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CONFLIST_NAME } from '../../src/cni/install';
import { vethNameForWorkload } from '../../src/cni/veth-name';
import { endpointFromKubeconfig, HttpKubeApi } from '../../src/datastore/kubernetes/http-api';
import { KubernetesDatastore } from '../../src/datastore/kubernetes/kubernetes-datastore';
import { API_VERSION } from '../../src/datastore/types';
import { IpamAllocator } from '../../src/ipam';
import { startKubeFixture, type KubeFixture } from '../k8s-fixture/server';
import { describeIf, requireTools } from '../lib/tools';
import { spawnDaemon, stopProcess, waitFor } from '../lib/process';
import { addNetns, addNodeNamespace, deleteNetns, execIn, installKubernetesCni, invokePlugin, ipIn, ping, relayIntoNamespace, type PluginRun } from './cni-lab';

const ok = requireTools('cni-kubernetes', ['ip', 'nsenter', 'python3'], { root: true });

const ROOT = path.join(__dirname, '..', '..');
const suffix = `${process.pid % 10000}${Date.now() % 1000}`;
const HOST = `gh-cnik-host-${suffix}`;
const podNs = (p: string): string => `gh-cnik-p${p}-${suffix}`;
const NODE = `gh-cnik-node-${suffix}`;
const PODS = { group: '', version: 'v1', plural: 'pods', namespace: 'shop' };
const NPS = { group: 'networking.k8s.io', version: 'v1', plural: 'networkpolicies', namespace: 'shop' };

describeIf(ok)('CNI plugin on the kubernetes datastore (API server fixture)', () => {
  let fx: KubeFixture;
  let api: HttpKubeApi;
  let store: KubernetesDatastore;
  let work: string;
  let relay: { close(): Promise<void> } | undefined;
  let stdin: string;
  const namespaces: string[] = [];

  const call = (command: string, pod: string, containerId: string): Promise<PluginRun> =>
    invokePlugin(
      HOST,
      path.join(work, 'bin', 'gingham'),
      { command, containerId, netns: `/var/run/netns/${podNs(pod)}`, pod, namespace: 'shop', cniPath: `${work}/bin:/usr/lib/cni` },
      stdin,
    );

  beforeAll(async () => {
    for (const f of ['dist/cmd/cni-gingham.js', 'dist/netlink/netns-child.js']) {
      if (!existsSync(path.join(ROOT, f))) throw new Error(`${f} is missing: run \`npm run build\` before the CNI e2e test`);
    }
    work = mkdtempSync(path.join(tmpdir(), 'gh-cnik-'));
    fx = await startKubeFixture();
    api = new HttpKubeApi(endpointFromKubeconfig(fx.kubeconfig));
    store = new KubernetesDatastore({ api, retryDelaysMs: [20, 50, 100] });
    await api.create({ group: '', version: 'v1', plural: 'namespaces' }, { metadata: { name: 'shop' } });
    await api.create({ group: '', version: 'v1', plural: 'nodes' }, { metadata: { name: NODE }, spec: { podCIDRs: ['10.252.9.0/24'] } });
    for (const name of ['cart', 'till']) {
      await api.create(PODS, { metadata: { name, labels: { app: name } }, spec: { nodeName: NODE, containers: [{ name: 'c', image: 'x' }] }, status: { phase: 'Pending' } });
    }
    await store.create({ apiVersion: API_VERSION, kind: 'IPPool', metadata: { name: 'k8s-pool' }, spec: { cidr: '10.249.0.0/24', blockSize: 29, ipipMode: 'Never', vxlanMode: 'Never', nodeSelector: 'all()' } });

    namespaces.push(HOST);
    addNodeNamespace(HOST, '10.248.0.1', '10.248.0.2');
    relay = await relayIntoNamespace(HOST, Number(new URL(fx.url).port), path.join(work, 'kube.sock'));
    writeFileSync(path.join(work, 'kubeconfig'), fx.kubeconfig);
    stdin = installKubernetesCni(ROOT, work, path.join(work, 'kubeconfig'), NODE);
  }, 60000);

  afterAll(async () => {
    for (const ns of namespaces.reverse()) deleteNetns(ns);
    await relay?.close();
    await store?.close();
    await fx?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  }, 60000);

  it('ADD records the endpoint on the pod; the pods reach each other; DEL clears the record and frees the address', async () => {
    const ips: string[] = [];
    for (const pod of ['cart', 'till']) {
      namespaces.push(podNs(pod));
      addNetns(podNs(pod));
      const r = await call('ADD', pod, `ctr-${pod}`);
      expect({ code: r.code, out: r.stdout, err: r.stderr }).toMatchObject({ code: 0 });
      const ip = (r.json?.ips as Array<{ address: string }>)[0]!.address;
      expect(ip).toMatch(/^10\.249\.0\.\d+\/32$/);
      ips.push(ip);
      const p = await api.get(PODS, pod);
      expect(p.metadata.annotations).toMatchObject({ 'cni.projectcalico.org/podIP': ip, 'cni.projectcalico.org/podIPs': ip, 'cni.projectcalico.org/containerID': `ctr-${pod}` });
      const wep = await store.get('WorkloadEndpoint', `${NODE.replace(/-/g, '--')}-k8s-${pod}-eth0`, 'shop');
      expect(wep.spec).toMatchObject({ ipNetworks: [ip], interfaceName: vethNameForWorkload('shop', pod), containerID: `ctr-${pod}` });
    }
    const bare = ips.map((c) => c.split('/')[0]!);
    expect(ping(podNs('cart'), bare[1]!).ok).toBe(true);
    expect(ping(podNs('till'), bare[0]!).ok).toBe(true);
    // The IPAM state lives in the CRDs.
    const ipam = new IpamAllocator(store);
    expect(await ipam.ipsByHandle('k8s-pod-network.ctr-cart')).toEqual([bare[0]]);

    const d = await call('DEL', 'cart', 'ctr-cart');
    expect({ code: d.code, out: d.stdout }).toMatchObject({ code: 0, out: '' });
    expect((await api.get(PODS, 'cart')).metadata.annotations?.['cni.projectcalico.org/podIP']).toBeUndefined();
    expect(await ipam.ipsByHandle('k8s-pod-network.ctr-cart')).toEqual([]);
    expect(ipIn(HOST, ['link', 'show'])).not.toContain(vethNameForWorkload('shop', 'cart'));
    expect((await call('DEL', 'cart', 'ctr-cart')).code).toBe(0);
    expect((await call('DEL', 'till', 'ctr-till')).code).toBe(0);
  }, 90000);

  it('through the node agent (kubernetes datastore): a NetworkPolicy is in the kernel when ADD returns; CHECK and DEL', async () => {
    const run = path.join(work, 'run');
    // The policy first: web admits only app=cli. Each ADD must answer only once its pod's policy is in the kernel.
    await api.create(NPS, { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'web-from-cli' }, spec: { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'cli' } } }] }], policyTypes: ['Ingress'] } });
    const agent = spawnDaemon({
      name: 'agent',
      cmd: 'ip',
      args: ['netns', 'exec', HOST, process.execPath, path.join(ROOT, 'dist/cmd/gingham.js'), 'node', 'run', '--cni-socket', path.join(run, 'cni.sock'), '--cni-conf-dir', path.join(work, 'agent-net.d'), '--cni-policy-setup-timeout', '60', '--status-socket', path.join(run, 'node.sock'), '--health-host', '127.0.0.1', '--health-port', '0', '--nodename-file', path.join(work, 'nodename'), '--mtu-file', path.join(work, 'mtu')],
      workDir: work,
      // Policy enforced (the default, as calico-node): a 60 s bound, so an ADD answered by the timeout shows in the log.
      env: { PATH: process.env.PATH, NODENAME: NODE, IP: '10.248.0.1/24', DATASTORE_TYPE: 'kubernetes', KUBECONFIG: path.join(work, 'kubeconfig') },
    });
    try {
      await waitFor(() => (agent.exited() ? Promise.reject(new Error(`agent exited: ${agent.logTail()}`)) : existsSync(path.join(work, 'agent-net.d', CONFLIST_NAME))), 60000, 'the agent to serve CNI');
      const list = JSON.parse(readFileSync(path.join(work, 'agent-net.d', CONFLIST_NAME), 'utf8')) as { name: string; cniVersion: string; plugins: Array<Record<string, unknown>> };
      expect(list.plugins[0]).toMatchObject({ cni_socket: path.join(run, 'cni.sock'), datastore_type: 'kubernetes' });
      const viaAgent = JSON.stringify({ ...list.plugins[0], name: list.name, cniVersion: list.cniVersion, log_file_path: path.join(work, 'cni.log') });
      const inv = (command: string, pod: string) => ({ command, containerId: `ctr-${pod}`, netns: `/var/run/netns/${podNs(pod)}`, pod, namespace: 'shop', cniPath: `${work}/bin:/usr/lib/cni` });
      const ipOf: Record<string, string> = {};
      const adds: Record<string, PluginRun> = {};
      for (const pod of ['cli', 'rogue', 'web']) {
        await api.create(PODS, { metadata: { name: pod, labels: { app: pod } }, spec: { nodeName: NODE, containers: [{ name: 'c', image: 'x' }] }, status: { phase: 'Pending' } });
        namespaces.push(podNs(pod));
        addNetns(podNs(pod));
        const add = await invokePlugin(HOST, path.join(work, 'bin', 'gingham'), inv('ADD', pod), viaAgent);
        expect({ code: add.code, out: add.stdout, err: add.stderr }).toMatchObject({ code: 0 });
        adds[pod] = add;
        ipOf[pod] = (add.json?.ips as Array<{ address: string }>)[0]!.address.split('/')[0]!;
      }
      // Right after web's ADD returned: its policy is in the kernel (not the 60 s timeout), and it holds.
      expect(agent.logTail(500)).not.toContain('not programmed within');
      expect(ping(podNs('rogue'), ipOf.web!).ok).toBe(false);
      expect(ping(podNs('cli'), ipOf.web!).ok).toBe(true);
      // Unselected pods stay open (the namespace's profile allows all).
      expect(ping(podNs('rogue'), ipOf.cli!).ok).toBe(true);
      expect(execIn(HOST, ['nft', 'list', 'table', 'ip', 'gingham']).stdout).toContain(vethNameForWorkload('shop', 'web'));
      expect((await api.get(PODS, 'web')).metadata.annotations).toMatchObject({ 'cni.projectcalico.org/podIP': `${ipOf.web!}/32`, 'cni.projectcalico.org/containerID': 'ctr-web' });
      const check = await invokePlugin(HOST, path.join(work, 'bin', 'gingham'), inv('CHECK', 'web'), JSON.stringify({ ...JSON.parse(viaAgent), prevResult: adds.web!.json }));
      expect({ code: check.code, out: check.stdout }).toMatchObject({ code: 0, out: '' });
      for (const pod of ['cli', 'rogue', 'web']) {
        const del = await invokePlugin(HOST, path.join(work, 'bin', 'gingham'), inv('DEL', pod), viaAgent);
        expect({ code: del.code, out: del.stdout }).toMatchObject({ code: 0, out: '' });
        expect((await api.get(PODS, pod)).metadata.annotations?.['cni.projectcalico.org/podIP']).toBeUndefined();
        expect(await new IpamAllocator(store).ipsByHandle(`k8s-pod-network.ctr-${pod}`)).toEqual([]);
      }
    } finally {
      await stopProcess(agent.pid).catch(() => undefined);
    }
  }, 120000);
});
