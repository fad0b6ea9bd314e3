// The gingham plugin in Kubernetes datastore mode (the conflist's default), against the Kubernetes API server TEST
// FIXTURE (e2e/k8s-fixture) reached from inside the node namespace: IPAM blocks, affinities and handles go to the
// crd.projectcalico.org/v1 resources, the WorkloadEndpoint is recorded as the pod's cni.projectcalico.org annotations,
// and DEL clears them and frees the address; then ADD, CHECK and DEL through `gingham node run --cni-socket` on that
// datastore (without policy: e2e/cni/cni-agent.test.ts covers policy before traffic). Real kernel, real namespaces;
// needs `npm run build`.
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
import { addNetns, addNodeNamespace, deleteNetns, installKubernetesCni, invokePlugin, ipIn, ping, relayIntoNamespace, type PluginRun } from './cni-lab';

const ok = requireTools('cni-kubernetes', ['ip', 'nsenter', 'python3'], { root: true });

const ROOT = path.join(__dirname, '..', '..');
const suffix = `${process.pid % 10000}${Date.now() % 1000}`;
const HOST = `gh-cnik-host-${suffix}`;
const podNs = (p: string): string => `gh-cnik-p${p}-${suffix}`;
const NODE = `gh-cnik-node-${suffix}`;
const PODS = { group: '', version: 'v1', plural: 'pods', namespace: 'shop' };

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

  it('through the node agent (kubernetes datastore): ADD, CHECK and DEL', async () => {
    const run = path.join(work, 'run');
    const agent = spawnDaemon({
      name: 'agent',
      cmd: 'ip',
      args: ['netns', 'exec', HOST, process.execPath, path.join(ROOT, 'dist/cmd/gingham.js'), 'node', 'run', '--cni-socket', path.join(run, 'cni.sock'), '--cni-conf-dir', path.join(work, 'agent-net.d'), '--status-socket', path.join(run, 'node.sock'), '--health-host', '127.0.0.1', '--health-port', '0', '--nodename-file', path.join(work, 'nodename'), '--mtu-file', path.join(work, 'mtu')],
      workDir: work,
      env: { PATH: process.env.PATH, NODENAME: NODE, IP: '10.248.0.1/24', DATASTORE_TYPE: 'kubernetes', KUBECONFIG: path.join(work, 'kubeconfig') },
    });
    try {
      await waitFor(() => (agent.exited() ? Promise.reject(new Error(`agent exited: ${agent.logTail()}`)) : existsSync(path.join(work, 'agent-net.d', CONFLIST_NAME))), 60000, 'the agent to serve CNI');
      const list = JSON.parse(readFileSync(path.join(work, 'agent-net.d', CONFLIST_NAME), 'utf8')) as { name: string; cniVersion: string; plugins: Array<Record<string, unknown>> };
      expect(list.plugins[0]).toMatchObject({ cni_socket: path.join(run, 'cni.sock'), datastore_type: 'kubernetes' });
      const viaAgent = JSON.stringify({ ...list.plugins[0], name: list.name, cniVersion: list.cniVersion, log_file_path: path.join(work, 'cni.log') });
      await api.create(PODS, { metadata: { name: 'bag', labels: { app: 'bag' } }, spec: { nodeName: NODE, containers: [{ name: 'c', image: 'x' }] }, status: { phase: 'Pending' } });
      namespaces.push(podNs('bag'));
      addNetns(podNs('bag'));
      const inv = (command: string) => ({ command, containerId: 'ctr-bag', netns: `/var/run/netns/${podNs('bag')}`, pod: 'bag', namespace: 'shop', cniPath: `${work}/bin:/usr/lib/cni` });
      const add = await invokePlugin(HOST, path.join(work, 'bin', 'gingham'), inv('ADD'), viaAgent);
      expect({ code: add.code, out: add.stdout, err: add.stderr }).toMatchObject({ code: 0 });
      const ip = (add.json?.ips as Array<{ address: string }>)[0]!.address;
      expect((await api.get(PODS, 'bag')).metadata.annotations).toMatchObject({ 'cni.projectcalico.org/podIP': ip, 'cni.projectcalico.org/containerID': 'ctr-bag' });
      expect(ipIn(HOST, ['link', 'show'])).toContain(vethNameForWorkload('shop', 'bag'));
      const check = await invokePlugin(HOST, path.join(work, 'bin', 'gingham'), inv('CHECK'), JSON.stringify({ ...JSON.parse(viaAgent), prevResult: add.json }));
      expect({ code: check.code, out: check.stdout }).toMatchObject({ code: 0, out: '' });
      const del = await invokePlugin(HOST, path.join(work, 'bin', 'gingham'), inv('DEL'), viaAgent);
      expect({ code: del.code, out: del.stdout }).toMatchObject({ code: 0, out: '' });
      expect((await api.get(PODS, 'bag')).metadata.annotations?.['cni.projectcalico.org/podIP']).toBeUndefined();
      expect(await new IpamAllocator(store).ipsByHandle('k8s-pod-network.ctr-bag')).toEqual([]);
    } finally {
      await stopProcess(agent.pid).catch(() => undefined);
    }
  }, 120000);
});
