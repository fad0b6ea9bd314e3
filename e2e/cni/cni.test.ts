// The gingham and gingham-ipam CNI plugins against the real kernel and a real etcd, invoked the way a container
// runtime invokes them: the installed executables (written by the install step) run with CNI_* environment variables
// and the network configuration on stdin. A namespace this test creates plays the node ("host"); pods are further
// namespaces. Covers: two pods pinging each other and the host, the host-side veth (name, MAC, proxy ARP, /32 route),
// the WorkloadEndpoint and IPAM handle in etcd, CHECK, idempotent DEL that frees the address, ADD after DEL reusing
// nothing still in use, concurrent ADDs under the host lock, host-local delegation with usePodCidr, VERSION, and CNI
// error JSON for malformed configurations and unknown commands. Needs `npm run build` (the executables are the
// built dist/cmd entry points).
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { WorkloadEndpoint } from '../../src/api/kind-workload-endpoint';
import { vethNameForWorkload } from '../../src/cni/veth-name';
import { CONFLIST_NAME, buildConflist, installCni } from '../../src/cni/install';
import { EtcdDatastore } from '../../src/datastore/etcd/etcd-datastore';
import { API_VERSION } from '../../src/datastore/types';
import { IpamAllocator } from '../../src/ipam';
import { startEtcd, type EtcdServer } from '../lib/etcd';
import { describeIf, requireTools } from '../lib/tools';
import { addNetns, addNodeNamespace, deleteNetns, execIn, invokePlugin, ipIn, ping, relayIntoNamespace, resultIp, type Invocation, type PluginRun } from './cni-lab';

const ok = requireTools('cni', ['ip', 'nsenter', 'etcd', 'python3', '/usr/lib/cni/host-local'], { root: true });

const ROOT = path.join(__dirname, '..', '..');
const DIST_PLUGIN = path.join(ROOT, 'dist/cmd/cni-gingham.js');
const DIST_IPAM = path.join(ROOT, 'dist/cmd/cni-gingham-ipam.js');
const suffix = `${process.pid % 10000}${Date.now() % 1000}`;
const HOST = `gh-cni-host-${suffix}`;
const podNs = (p: string): string => `gh-cni-p${p}-${suffix}`;
const NODE = `gh-cni-node-${suffix}`;
const POOL = '10.250.0.0/24';
const POD_CIDR = '10.251.7.0/24';
const HOST_IP = '10.253.0.1';

function noStack(r: PluginRun): void {
  expect(r.stdout).not.toMatch(/\n\s+at /);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}


describeIf(ok)('CNI plugins (real kernel, real etcd)', () => {
  let etcd: EtcdServer;
  let store: EtcdDatastore;
  let ipam: IpamAllocator;
  let work: string;
  let binDir: string;
  let relay: { close(): Promise<void> } | undefined;
  let baseConf: Record<string, unknown>;
  const namespaces: string[] = [];

  const conf = (extra: Record<string, unknown> = {}): string => JSON.stringify({ ...baseConf, ...extra });
  const run = (bin: 'gingham' | 'gingham-ipam', inv: Omit<Invocation, 'cniPath'>, stdin: string): Promise<PluginRun> =>
    invokePlugin(HOST, path.join(binDir, bin), { ...inv, cniPath: `${binDir}:/usr/lib/cni` }, stdin);
  const add = (pod: string, containerId: string, extra: Record<string, unknown> = {}): Promise<PluginRun> =>
    run('gingham', { command: 'ADD', containerId, netns: `/var/run/netns/${podNs(pod)}`, pod, namespace: 'default' }, conf(extra));
  const del = (pod: string, containerId: string, extra: Record<string, unknown> = {}, netns = `/var/run/netns/${podNs(pod)}`): Promise<PluginRun> =>
    run('gingham', { command: 'DEL', containerId, netns, pod, namespace: 'default' }, conf(extra));
  const newPod = (p: string): void => {
    addNetns(podNs(p));
    namespaces.push(podNs(p));
  };

  beforeAll(async () => {
    for (const f of [DIST_PLUGIN, DIST_IPAM, path.join(ROOT, 'dist/netlink/netns-child.js')]) {
      if (!existsSync(f)) throw new Error(`${f} is missing: run \`npm run build\` before the CNI e2e test`);
    }
    work = mkdtempSync(path.join(tmpdir(), 'gh-cni-'));
    etcd = await startEtcd();
    store = new EtcdDatastore({ endpoints: [etcd.endpoint] });
    ipam = new IpamAllocator(store);
    await store.create({ apiVersion: API_VERSION, kind: 'IPPool', metadata: { name: 'cni-pool' }, spec: { cidr: POOL, blockSize: 28, ipipMode: 'Never', vxlanMode: 'Never', natOutgoing: false, nodeSelector: 'all()' } });
    await store.create({ apiVersion: API_VERSION, kind: 'Node', metadata: { name: NODE }, spec: { bgp: { ipv4Address: `${HOST_IP}/24` } }, status: { podCIDRs: [POD_CIDR] } });

    namespaces.push(HOST);
    addNodeNamespace(HOST, HOST_IP, '10.253.0.2');
    relay = await relayIntoNamespace(HOST, Number(new URL(etcd.endpoint).port), path.join(work, 'etcd.sock'));

    binDir = path.join(work, 'bin');
    installCni({
      binDir,
      confDir: path.join(work, 'net.d'),
      node: process.execPath,
      entries: { gingham: DIST_PLUGIN, 'gingham-ipam': DIST_IPAM },
      conflist: buildConflist({ datastoreType: 'etcdv3', etcdEndpoints: etcd.endpoint, nodename: NODE }),
    });
    const list = JSON.parse(readFileSync(path.join(work, 'net.d', CONFLIST_NAME), 'utf8')) as { name: string; cniVersion: string; plugins: Array<Record<string, unknown>> };
    writeFileSync(path.join(work, 'mtu'), '1400\n');
    // What a runtime passes: the plugin's entry with the list's name and cniVersion; plus this test's file paths.
    baseConf = {
      ...list.plugins[0],
      name: list.name,
      cniVersion: list.cniVersion,
      mtu_file: path.join(work, 'mtu'),
      ipam_lock_file: path.join(work, 'ipam.lock'),
      log_file_path: path.join(work, 'cni.log'),
    };
  }, 60000);

  afterAll(async () => {
    for (const ns of namespaces.reverse()) deleteNetns(ns);
    await relay?.close();
    await store?.close();
    await etcd?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  }, 60000);

  let ipA = '';
  let ipB = '';
  let resultA: Record<string, unknown> | undefined;

  it('ADD of two pods: veth, addresses, routes, WorkloadEndpoints and IPAM handles', async () => {
    newPod('a');
    newPod('b');
    const a = await add('a', 'ctr-a');
    expect(a.code).toBe(0);
    noStack(a);
    const b = await add('b', 'ctr-b');
    expect(b.code).toBe(0);
    resultA = a.json;
    ipA = resultIp(a);
    ipB = resultIp(b);
    expect(ipA).not.toBe(ipB);
    for (const ip of [ipA, ipB]) expect(ip.startsWith('10.250.0.')).toBe(true);

    const caliA = vethNameForWorkload('default', 'a');
    expect(a.json).toEqual({
      cniVersion: '1.0.0',
      interfaces: [
        { name: caliA, mac: 'ee:ee:ee:ee:ee:ee' },
        { name: 'eth0', mac: expect.stringMatching(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/), sandbox: `/var/run/netns/${podNs('a')}` },
      ],
      ips: [{ address: `${ipA}/32`, interface: 1 }],
      routes: [{ dst: '0.0.0.0/0', gw: '169.254.1.1' }],
      dns: {},
    });

    // Host side.
    const link = JSON.parse(ipIn(HOST, ['-j', 'link', 'show', caliA])) as Array<{ address: string; mtu: number; operstate: string }>;
    expect(link[0]).toMatchObject({ address: 'ee:ee:ee:ee:ee:ee', mtu: 1400 });
    expect(JSON.parse(ipIn(HOST, ['-d', '-j', 'route', 'show', `${ipA}/32`]))).toEqual([expect.objectContaining({ dst: ipA, dev: caliA, scope: 'link', protocol: '81' })]);
    expect(execIn(HOST, ['cat', `/proc/sys/net/ipv4/conf/${caliA}/proxy_arp`]).stdout.trim()).toBe('1');
    expect(execIn(HOST, ['cat', `/proc/sys/net/ipv4/neigh/${caliA}/proxy_delay`]).stdout.trim()).toBe('0');
    expect(execIn(HOST, ['cat', `/proc/sys/net/ipv4/conf/${caliA}/forwarding`]).stdout.trim()).toBe('1');

    // Container side.
    expect(ipIn(podNs('a'), ['-4', 'addr', 'show', 'eth0'])).toContain(`inet ${ipA}/32`);
    const routes = ipIn(podNs('a'), ['route', 'show']);
    expect(routes).toContain('default via 169.254.1.1 dev eth0');
    expect(routes).toContain('169.254.1.1 dev eth0');
    expect(JSON.parse(ipIn(podNs('a'), ['-j', 'link', 'show', 'eth0']))[0]).toMatchObject({ mtu: 1400 });

    // Datastore.
    const wep = await store.get<WorkloadEndpoint>('WorkloadEndpoint', `${NODE.replace(/-/g, '--')}-k8s-a-eth0`, 'default');
    expect(wep.spec).toMatchObject({ node: NODE, pod: 'a', containerID: 'ctr-a', interfaceName: caliA, ipNetworks: [`${ipA}/32`], orchestrator: 'k8s', endpoint: 'eth0' });
    expect(await ipam.ipsByHandle('k8s-pod-network.ctr-a')).toEqual([ipA]);
    const attrs = await ipam.getAssignmentAttributes(ipA);
    expect(attrs?.attrs).toMatchObject({ pod: 'a', namespace: 'default', node: NODE });
    expect(attrs?.blockAffinity).toBe(`host:${NODE}`);
  }, 60000);

  it('the pods ping each other and the host, and the host pings them', () => {
    for (const [from, to] of [
      [podNs('a'), ipB],
      [podNs('b'), ipA],
      [podNs('a'), HOST_IP],
      [HOST, ipB],
    ] as const) {
      const r = ping(from, to);
      expect({ from, to, ok: r.ok, text: r.text }).toMatchObject({ ok: true });
    }
  }, 60000);

  it('CHECK passes with the previous result and fails once the pod is broken', async () => {
    const netns = `/var/run/netns/${podNs('a')}`;
    const good = await run('gingham', { command: 'CHECK', containerId: 'ctr-a', netns, pod: 'a' }, conf({ prevResult: resultA }));
    expect(good).toMatchObject({ code: 0, stdout: '' });
    ipIn(podNs('a'), ['addr', 'del', `${ipA}/32`, 'dev', 'eth0']);
    const bad = await run('gingham', { command: 'CHECK', containerId: 'ctr-a', netns, pod: 'a' }, conf({ prevResult: resultA }));
    expect(bad.code).not.toBe(0);
    expect(bad.json).toMatchObject({ code: 999, msg: `CHECK: address ${ipA}/32 is missing on eth0` });
    ipIn(podNs('a'), ['addr', 'add', `${ipA}/32`, 'dev', 'eth0']);
  }, 60000);

  it('DEL removes the veth, the endpoint and frees the address; DEL again (even without a netns) succeeds', async () => {
    const caliA = vethNameForWorkload('default', 'a');
    const r = await del('a', 'ctr-a');
    expect(r).toMatchObject({ code: 0, stdout: '' });
    expect(spawnSync('ip', ['-n', HOST, 'link', 'show', caliA], { encoding: 'utf8' }).status).not.toBe(0);
    expect(ipIn(podNs('a'), ['link', 'show'])).not.toContain('eth0');
    expect(ipIn(HOST, ['route', 'show'])).not.toContain(`${ipA} `);
    expect(await ipam.ipsByHandle('k8s-pod-network.ctr-a')).toEqual([]);
    expect(await ipam.getAssignmentAttributes(ipA)).toBeUndefined();
    await expect(store.get('WorkloadEndpoint', `${NODE.replace(/-/g, '--')}-k8s-a-eth0`, 'default')).rejects.toThrow('not found');
    expect((await del('a', 'ctr-a')).code).toBe(0);
    expect((await del('a', 'ctr-a', {}, '')).code).toBe(0);
    const log = readFileSync(path.join(work, 'cni.log'), 'utf8');
    expect(log).toContain(`gingham ADD container=ctr-a pod=default/a: ok ${ipA}/32`);
    expect(log).toContain('gingham DEL container=ctr-a pod=default/a: ok');
  }, 60000);

  it('ADD after DEL reuses nothing still in use, and the new pod reaches the old one', async () => {
    newPod('c');
    const c = await add('c', 'ctr-c');
    expect(c.code).toBe(0);
    const ipC = resultIp(c);
    expect(ipC).not.toBe(ipB);
    expect(await ipam.ipsByHandle('k8s-pod-network.ctr-b')).toEqual([ipB]);
    expect(ping(podNs('c'), ipB).ok).toBe(true);
    expect((await del('c', 'ctr-c')).code).toBe(0);
  }, 60000);

  it('concurrent ADDs on one node, serialised by the host lock, get distinct addresses', async () => {
    const pods = ['p1', 'p2', 'p3', 'p4'];
    pods.forEach(newPod);
    const results = await Promise.all(pods.map((p) => add(p, `ctr-${p}`)));
    for (const r of results) expect({ code: r.code, err: r.stderr }).toMatchObject({ code: 0 });
    const ips = results.map(resultIp);
    expect(new Set([...ips, ipB]).size).toBe(ips.length + 1);
    expect(existsSync(path.join(work, 'ipam.lock'))).toBe(false);
    const dels = await Promise.all(pods.map((p) => del(p, `ctr-${p}`)));
    for (const r of dels) expect(r.code).toBe(0);
    for (const ip of ips) expect(await ipam.getAssignmentAttributes(ip)).toBeUndefined();
  }, 120000);

  it('ipam host-local with subnet usePodCidr delegates to the reference plugin with the node pod CIDR', async () => {
    newPod('h');
    const dataDir = path.join(work, 'host-local');
    const extra = { ipam: { type: 'host-local', subnet: 'usePodCidr', dataDir } };
    const r = await add('h', 'ctr-h', extra);
    expect({ code: r.code, out: r.stdout }).toMatchObject({ code: 0 });
    const ip = resultIp(r);
    expect(ip.startsWith('10.251.7.')).toBe(true);
    expect(ipIn(podNs('h'), ['-4', 'addr', 'show', 'eth0'])).toContain(`inet ${ip}/32`);
    expect(readdirSync(path.join(dataDir, 'k8s-pod-network'))).toContain(ip);
    expect(ping(podNs('h'), ipB).ok).toBe(true);
    expect((await del('h', 'ctr-h', extra)).code).toBe(0);
    expect(readdirSync(path.join(dataDir, 'k8s-pod-network'))).not.toContain(ip);
  }, 60000);

  it('gingham-ipam on its own: ADD gives an IPAM result, DEL releases the handle', async () => {
    const ipamConf = conf({ type: 'gingham-ipam' });
    const r = await run('gingham-ipam', { command: 'ADD', containerId: 'ctr-ipam', netns: '/var/run/netns/none', pod: 'solo' }, ipamConf);
    expect(r.code).toBe(0);
    expect(r.json).toEqual({ cniVersion: '1.0.0', ips: [{ address: expect.stringMatching(/^10\.250\.0\.\d+\/32$/) }], dns: {} });
    expect(await ipam.ipsByHandle('k8s-pod-network.ctr-ipam')).toHaveLength(1);
    expect((await run('gingham-ipam', { command: 'DEL', containerId: 'ctr-ipam', pod: 'solo' }, ipamConf)).code).toBe(0);
    expect(await ipam.ipsByHandle('k8s-pod-network.ctr-ipam')).toEqual([]);
  }, 60000);

  it('answers VERSION, and in the 0.3.1 / 0.4.0 shapes when configured so', async () => {
    const v = await run('gingham', { command: 'VERSION' }, '{"cniVersion":"1.0.0"}');
    expect(v.json).toEqual({ cniVersion: '1.0.0', supportedVersions: ['0.3.0', '0.3.1', '0.4.0', '1.0.0'] });
    newPod('v');
    const r = await add('v', 'ctr-v', { cniVersion: '0.3.1' });
    expect(r.json).toMatchObject({ cniVersion: '0.3.1', ips: [{ version: '4', interface: 1 }] });
    expect((await del('v', 'ctr-v', { cniVersion: '0.4.0' })).code).toBe(0);
  }, 60000);

  const errorCases: Array<{ name: string; command: string; stdin: () => string; code: number; msg: RegExp }> = [
    { name: 'malformed JSON', command: 'ADD', stdin: () => '{"cniVersion": "1.0.0", ', code: 6, msg: /not valid JSON/ },
    { name: 'unknown command', command: 'FROBNICATE', stdin: () => conf(), code: 4, msg: /CNI_COMMAND "FROBNICATE"/ },
    { name: 'unsupported cniVersion', command: 'ADD', stdin: () => conf({ cniVersion: '0.1.0' }), code: 1, msg: /incompatible CNI versions/ },
    { name: 'missing ipam', command: 'ADD', stdin: () => conf({ ipam: undefined }), code: 7, msg: /ipam is required/ },
    { name: 'bad mtu', command: 'ADD', stdin: () => conf({ mtu: 'jumbo' }), code: 7, msg: /mtu must be/ },
    { name: 'unknown IPAM plugin', command: 'ADD', stdin: () => conf({ ipam: { type: 'no-such-ipam' } }), code: 7, msg: /IPAM plugin "no-such-ipam" not found/ },
  ];
  let errorPods = 0;
  it.each(errorCases)('$name gives CNI error JSON code $code, never a stack trace', async ({ command, stdin, code, msg }) => {
    const pod = `err${++errorPods}`;
    newPod(pod);
    const r = await run('gingham', { command, containerId: 'ctr-err', netns: `/var/run/netns/${podNs(pod)}`, pod }, stdin());
    expect(r.code).not.toBe(0);
    expect(r.json).toMatchObject({ code });
    expect(String(r.json?.msg)).toMatch(msg);
    noStack(r);
  }, 60000);

  it('`gingham cni install` writes the executables and the conflist', () => {
    const dir = path.join(work, 'install');
    const res = spawnSync(
      process.execPath,
      [path.join(ROOT, 'dist/cmd/gingham.js'), 'cni', 'install', '--bin-dir', `${dir}/bin`, '--conf-dir', `${dir}/net.d`, '--datastore-type', 'etcdv3', '--etcd-endpoints', etcd.endpoint, '--nodename', NODE],
      { encoding: 'utf8', timeout: 30000 },
    );
    expect({ status: res.status, stderr: res.stderr }).toMatchObject({ status: 0 });
    const list = JSON.parse(readFileSync(`${dir}/net.d/10-gingham.conflist`, 'utf8')) as { plugins: Array<{ type: string }> };
    expect(list.plugins.map((p) => p.type)).toEqual(['gingham', 'portmap']);
    const v = spawnSync(`${dir}/bin/gingham`, [], { env: { PATH: process.env.PATH, CNI_COMMAND: 'VERSION' }, encoding: 'utf8', timeout: 30000 });
    expect(JSON.parse(v.stdout)).toMatchObject({ cniVersion: '1.0.0' });
  }, 60000);
});
