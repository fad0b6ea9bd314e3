// CNI through the node agent, against the real kernel and a real etcd: `gingham node run --cni-socket` in a node
// namespace serves CNI and writes the conflist naming its socket; the installed `gingham` executable (the compiled shim,
// with the Node plugin beside it for DEL while the agent is down) is
// invoked the way a container runtime invokes it, with that conflist's entry on stdin. Covers: ADD/CHECK/DEL through
// the agent (veth, address, WorkloadEndpoint, handle, ping to the host), idempotent re-ADD, 50 concurrent ADDs on one
// node all succeeding with `ipam check` clean, a dual-stack pod's IPv6 address usable the moment ADD returns, and the agent down: ADD fails fast with code 11, DEL (with only the
// compiled shim on the host) is queued and the restarted agent replays it before serving; the agent killed during 20 concurrent ADDs and restarted: it reconciles before serving,
// `ipam check` is clean and the retried ADDs succeed with distinct addresses. Needs `npm run build`.
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { WorkloadEndpoint } from '../../src/api/kind-workload-endpoint';
import { runCheck } from '../../src/cli/ipam-check';
import { CNI_SHIM_BINARY, CONFLIST_NAME, buildConflist, installCni } from '../../src/cni/install';
import { vethNameForWorkload } from '../../src/cni/veth-name';
import { EtcdDatastore } from '../../src/datastore/etcd/etcd-datastore';
import { API_VERSION } from '../../src/datastore/types';
import { IpamAllocator } from '../../src/ipam';
import { startEtcd, type EtcdServer } from '../lib/etcd';
import { cleanupAll, makeWorkDir, spawnDaemon, stopProcess, waitFor, type ManagedProcess } from '../lib/process';
import { describeIf, requireTools } from '../lib/tools';
import { addNetns, addNodeNamespace, deleteNetns, execIn, invokePlugin, ipIn, ping, relayIntoNamespace, resultIp, type PluginRun } from './cni-lab';

const ok = requireTools('cni-agent', ['ip', 'nsenter', 'etcd', 'python3'], { root: true });

const ROOT = path.join(__dirname, '..', '..');
const GINGHAM = path.join(ROOT, 'dist/cmd/gingham.js');
const DIST_PLUGIN = path.join(ROOT, 'dist/cmd/cni-gingham.js');
const DIST_IPAM = path.join(ROOT, 'dist/cmd/cni-gingham-ipam.js');
const suffix = `${process.pid % 10000}${Date.now() % 1000}`;
const HOST = `gh-cnia-host-${suffix}`;
const podNs = (p: string): string => `gh-cnia-${p}-${suffix}`;
const NODE = `gh-cnia-node-${suffix}`;
const POOL = '10.249.0.0/24';
const HOST_IP = '10.248.0.1';
const POOL6 = 'fd00:249::/120';
const HOST_IP6 = 'fd00:248::1';
const CONCURRENT = 50;

describeIf(ok)('CNI served by the node agent (real kernel, real etcd)', () => {
  let etcd: EtcdServer;
  let store: EtcdDatastore;
  let ipam: IpamAllocator;
  let work: string;
  let binDir: string;
  let relay: { close(): Promise<void> } | undefined;
  let agent: ManagedProcess | undefined;
  let baseConf: Record<string, unknown>;
  const namespaces: string[] = [];
  const socket = (): string => path.join(work, 'run', 'cni.sock');

  const run = (command: string, pod: string, containerId: string, stdin: string): Promise<PluginRun> =>
    invokePlugin(HOST, path.join(binDir, 'gingham'), { command, containerId, netns: `/var/run/netns/${podNs(pod)}`, pod, namespace: 'default', cniPath: `${binDir}:/usr/lib/cni` }, stdin);
  const conf = (extra: Record<string, unknown> = {}): string => JSON.stringify({ ...baseConf, ...extra });
  const newPod = (p: string): void => {
    addNetns(podNs(p));
    namespaces.push(podNs(p));
  };

  async function startAgent(): Promise<void> {
    // A killed agent leaves its socket file behind: wait for the new agent's own.
    rmSync(socket(), { force: true });
    agent = spawnDaemon({
      name: `agent-${Date.now()}`,
      cmd: 'ip',
      args: ['netns', 'exec', HOST, process.execPath, GINGHAM, 'node', 'run', '--cni-socket', socket(), '--cni-conf-dir', path.join(work, 'net.d'), '--cni-policy-setup-timeout', '60', '--status-socket', path.join(work, 'node.sock'), '--health-host', '127.0.0.1', '--health-port', '0', '--nodename-file', path.join(work, 'nodename'), '--mtu-file', path.join(work, 'mtu')],
      workDir: work,
      // Policy enforced: ADD answers once the pod's policy is in the kernel (a 60 s bound, so a miss shows in the log).
      env: { PATH: process.env.PATH, NODENAME: NODE, IP: `${HOST_IP}/24`, DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: etcd.endpoint, GINGHAM_POLICY: 'enforce' },
    });
    const a = agent;
    await waitFor(() => (a.exited() ? Promise.reject(new Error(`agent exited: ${a.logTail()}`)) : existsSync(socket())), 30000, 'the agent to serve CNI');
  }

  beforeAll(async () => {
    for (const f of [GINGHAM, DIST_PLUGIN, DIST_IPAM, path.join(ROOT, 'dist/netlink/netns-child.js'), CNI_SHIM_BINARY]) {
      if (!existsSync(f)) throw new Error(`${f} is missing: run \`npm run build:native && npm run build\` before the CNI e2e test`);
    }
    work = makeWorkDir('cni-agent');
    etcd = await startEtcd();
    store = new EtcdDatastore({ endpoints: [etcd.endpoint] });
    ipam = new IpamAllocator(store);
    // The pods' namespace profile lets everything through, so the policy programmed for each pod allows the pings.
    await store.create({ apiVersion: API_VERSION, kind: 'Profile', metadata: { name: 'kns.default' }, spec: { ingress: [{ action: 'Allow' }], egress: [{ action: 'Allow' }] } });
    await store.create({ apiVersion: API_VERSION, kind: 'IPPool', metadata: { name: 'cnia-pool' }, spec: { cidr: POOL, blockSize: 26, ipipMode: 'Never', vxlanMode: 'Never', natOutgoing: false, nodeSelector: 'all()' } });
    namespaces.push(HOST);
    addNodeNamespace(HOST, HOST_IP, '10.248.0.2');
    relay = await relayIntoNamespace(HOST, Number(new URL(etcd.endpoint).port), path.join(work, 'etcd.sock'));
    binDir = path.join(work, 'bin');
    // The executables only; the conflist is the agent's to write.
    installCni({ binDir, confDir: path.join(work, 'scratch'), node: process.execPath, entries: { gingham: DIST_PLUGIN, 'gingham-ipam': DIST_IPAM }, conflist: buildConflist({ datastoreType: 'etcdv3' }), shim: CNI_SHIM_BINARY });
    writeFileSync(path.join(work, 'mtu'), '1400\n');
    expect(existsSync(path.join(work, 'net.d', CONFLIST_NAME))).toBe(false);
    await startAgent();
    const list = JSON.parse(readFileSync(path.join(work, 'net.d', CONFLIST_NAME), 'utf8')) as { name: string; cniVersion: string; plugins: Array<Record<string, unknown>> };
    expect(list.plugins[0]).toMatchObject({ type: 'gingham', cni_socket: socket(), nodename: NODE, etcd_endpoints: etcd.endpoint });
    baseConf = { ...list.plugins[0], name: list.name, cniVersion: list.cniVersion, ipam_lock_file: path.join(work, 'ipam.lock'), log_file_path: path.join(work, 'cni.log') };
  }, 90000);

  afterAll(async () => {
    if (agent) await stopProcess(agent.pid).catch(() => undefined);
    for (const ns of namespaces.reverse()) deleteNetns(ns);
    await relay?.close();
    await store?.close();
    await etcd?.stop();
    await cleanupAll();
  }, 90000);

  it('ADD, re-ADD, CHECK and DEL through the agent', async () => {
    newPod('a');
    const add = await run('ADD', 'a', 'ctr-a', conf());
    expect(add.code).toBe(0);
    const ip = resultIp(add);
    expect(ip.startsWith('10.249.0.')).toBe(true);
    expect(add.json).toMatchObject({ cniVersion: '1.0.0', interfaces: [{ name: vethNameForWorkload('default', 'a'), mac: 'ee:ee:ee:ee:ee:ee' }, { name: 'eth0' }], ips: [{ address: `${ip}/32`, interface: 1 }] });
    expect(ping(podNs('a'), HOST_IP).ok).toBe(true);
    // The ADD was answered by the programmed-endpoint notification, not by the 60 s policy timeout.
    expect(agent!.logTail(500)).not.toContain('not programmed within');
    expect(execIn(HOST, ['nft', 'list', 'table', 'ip', 'gingham']).stdout).toContain(vethNameForWorkload('default', 'a'));
    const wep = (await store.list<WorkloadEndpoint>('WorkloadEndpoint')).items.find((w) => w.spec?.containerID === 'ctr-a');
    expect(wep?.spec).toMatchObject({ node: NODE, pod: 'a', ipNetworks: [`${ip}/32`], interfaceName: vethNameForWorkload('default', 'a') });
    expect(await ipam.ipsByHandle('k8s-pod-network.ctr-a')).toEqual([ip]);
    // The runtime lost the result and asks again: same address, nothing leaked.
    const again = await run('ADD', 'a', 'ctr-a', conf());
    expect(again.code).toBe(0);
    expect(resultIp(again)).toBe(ip);
    expect(ping(podNs('a'), HOST_IP).ok).toBe(true);
    const check = await run('CHECK', 'a', 'ctr-a', conf({ prevResult: again.json }));
    expect(check).toMatchObject({ code: 0, stdout: '' });
    const del = await run('DEL', 'a', 'ctr-a', conf());
    expect(del).toMatchObject({ code: 0, stdout: '' });
    expect(await ipam.ipsByHandle('k8s-pod-network.ctr-a')).toEqual([]);
    expect(execIn(HOST, ['ip', 'link', 'show', vethNameForWorkload('default', 'a')]).status).not.toBe(0);
    // CHECK after DEL: the standalone plugin's error object, through the agent.
    const gone = await run('CHECK', 'a', 'ctr-a', conf({ prevResult: again.json }));
    expect(gone.code).toBe(1);
    expect(gone.json).toMatchObject({ cniVersion: '1.0.0', code: 999, msg: 'CHECK: IPAM handle k8s-pod-network.ctr-a holds no addresses' });
  }, 60000);

  it(`${CONCURRENT} concurrent ADDs on one node all succeed, with distinct addresses and ipam check clean`, async () => {
    const pods = Array.from({ length: CONCURRENT }, (_, i) => `m${i}`);
    for (const p of pods) newPod(p);
    const t0 = Date.now();
    const adds = await Promise.all(pods.map((p) => run('ADD', p, `ctr-${p}`, conf())));
    const wallMs = Date.now() - t0;
    process.stdout.write(`${CONCURRENT} concurrent ADDs through the agent: ${wallMs} ms\n`);
    expect(adds.filter((r) => r.code !== 0).map((r) => r.stdout)).toEqual([]);
    const ips = adds.map(resultIp);
    expect(new Set(ips).size).toBe(CONCURRENT);
    const check = await runCheck(store, {}, Date.now());
    expect(check.text).toContain('Check complete; found 0 problems.');
    expect(ping(podNs('m7'), HOST_IP).ok).toBe(true);
    const dels = await Promise.all(pods.map((p) => run('DEL', p, `ctr-${p}`, conf())));
    expect(dels.filter((r) => r.code !== 0).map((r) => r.stdout)).toEqual([]);
    for (const p of pods) expect(await ipam.ipsByHandle(`k8s-pod-network.ctr-${p}`)).toEqual([]);
    expect((await runCheck(store, {}, Date.now())).text).toContain('Check complete; found 0 problems.');
  }, 240000);

  it('a dual-stack pod: its IPv6 address is usable the moment ADD returns (no DAD) and IPv6 traffic flows at once', async () => {
    await store.create({ apiVersion: API_VERSION, kind: 'IPPool', metadata: { name: 'cnia-pool6' }, spec: { cidr: POOL6, blockSize: 122, ipipMode: 'Never', vxlanMode: 'Never', natOutgoing: false, nodeSelector: 'all()' } });
    ipIn(HOST, ['-6', 'addr', 'add', `${HOST_IP6}/64`, 'dev', 'up0', 'nodad']);
    newPod('v6');
    const add = await run('ADD', 'v6', 'ctr-v6', conf({ ipam: { type: 'gingham-ipam', assign_ipv4: 'true', assign_ipv6: 'true' } }));
    expect({ code: add.code, out: add.stdout }).toMatchObject({ code: 0 });
    // Read right after ADD returned, before anything else runs in the pod.
    const flags = ipIn(podNs('v6'), ['-6', 'addr', 'show', 'dev', 'eth0']);
    const ips = (add.json?.ips as Array<{ address: string }>).map((i) => i.address);
    const v6 = ips.find((a) => a.includes(':'))!;
    // Any address of the pool, its first (fd00:249::, interface ID zero) included: IPAM hands out every ordinal.
    expect(v6).toMatch(/^fd00:249::([0-9a-f]+)?\/128$/);
    expect(ips.some((a) => a.startsWith('10.249.0.'))).toBe(true);
    const line = flags.split('\n').find((l) => l.includes(v6.split('/')[0]!));
    expect(line).toBeDefined();
    expect(line).not.toMatch(/tentative|dadfailed/);
    // The first echo request gets its answer: no DAD wait on either end (the pod's address, the gateway's link-local).
    const t0 = Date.now();
    const p = execIn(podNs('v6'), ['ping', '-6', '-c', '1', '-W', '1', HOST_IP6], 5000);
    process.stdout.write(`first IPv6 ping after ADD: ${p.status === 0 ? 'answered' : 'lost'} in ${Date.now() - t0} ms\n`);
    expect({ status: p.status, out: p.stdout + p.stderr }).toMatchObject({ status: 0 });
    expect((await run('DEL', 'v6', 'ctr-v6', conf({ ipam: { type: 'gingham-ipam', assign_ipv4: 'true', assign_ipv6: 'true' } }))).code).toBe(0);
    expect(await ipam.ipsByHandle('k8s-pod-network.ctr-v6')).toEqual([]);
  }, 60000);

  it('agent down: ADD fails fast with code 11, DEL is queued and the restarted agent releases the address before serving', async () => {
    newPod('d');
    const add = await run('ADD', 'd', 'ctr-d', conf());
    expect(add.code).toBe(0);
    expect(resultIp(add).startsWith('10.249.0.')).toBe(true);
    await stopProcess(agent!.pid);
    agent = undefined;
    expect(existsSync(socket())).toBe(false);
    newPod('e');
    const t0 = Date.now();
    const refused = await run('ADD', 'e', 'ctr-e', conf());
    const ms = Date.now() - t0;
    process.stdout.write(`ADD with the agent down: code ${String(refused.json?.code)} after ${ms} ms (process start included)\n`);
    expect(refused.code).toBe(1);
    expect(refused.json).toMatchObject({ cniVersion: '1.0.0', code: 11, msg: 'gingham node agent not reachable' });
    // Wall time includes `ip netns exec` on a shared 2-core machine; the compiled shim's refused connect is immediate.
    expect(ms).toBeLessThan(3000);
    const status = await run('STATUS', 'e', 'ctr-e', conf());
    expect(status.json).toMatchObject({ code: 50 });
    expect(await ipam.ipsByHandle('k8s-pod-network.ctr-e')).toEqual([]);
    // A host with only the compiled shim (no Node plugin beside it): DEL is queued for the agent and succeeds at once.
    const nodePlugins = ['gingham-node', 'gingham-ipam-node'].map((n) => path.join(binDir, n));
    for (const f of nodePlugins) renameSync(f, `${f}.off`);
    const addressOfD = await ipam.ipsByHandle('k8s-pod-network.ctr-d');
    let del: PluginRun;
    try {
      del = await run('DEL', 'd', 'ctr-d', conf());
    } finally {
      for (const f of nodePlugins) renameSync(`${f}.off`, f);
    }
    expect(del).toMatchObject({ code: 0, stdout: '' });
    expect(del.stderr).toContain('DEL queued for it in');
    const queue = path.join(work, 'run', 'cni-del-queue');
    expect(readdirSync(queue)).toEqual(['ctr-d.eth0.gingham']);
    // Nothing released yet: only the agent can (the datastore is its to reach).
    expect(await ipam.ipsByHandle('k8s-pod-network.ctr-d')).toEqual(addressOfD);
    // The runtime deletes the pod's namespace once DEL succeeded: the veth pair goes with it.
    deleteNetns(podNs('d'));
    await waitFor(() => execIn(HOST, ['ip', 'link', 'show', vethNameForWorkload('default', 'd')]).status !== 0, 10000, 'the veth to go with the namespace');
    await startAgent();
    // Replayed before the socket opened (startAgent returns once the socket exists).
    expect(await ipam.ipsByHandle('k8s-pod-network.ctr-d')).toEqual([]);
    expect((await store.list<WorkloadEndpoint>('WorkloadEndpoint')).items.filter((w) => w.spec?.containerID === 'ctr-d')).toEqual([]);
    expect(readdirSync(queue)).toEqual([]);
    expect(agent!.logTail(500)).toContain('CNI DEL queue drained before serving: 1 replayed');
    expect((await runCheck(store, {}, Date.now())).text).toContain('Check complete; found 0 problems.');
    const back = await run('ADD', 'e', 'ctr-e', conf());
    expect(back.code).toBe(0);
    expect(resultIp(back).startsWith('10.249.0.')).toBe(true);
    expect((await run('DEL', 'e', 'ctr-e', conf())).code).toBe(0);
    expect((await runCheck(store, {}, Date.now())).text).toContain('Check complete; found 0 problems.');
  }, 120000);

  it('agent killed during 20 concurrent ADDs, then restarted: no leaked or duplicated address; the retried ADDs succeed', async () => {
    const pods = Array.from({ length: 20 }, (_, i) => `k${i}`);
    for (const p of pods) newPod(p);
    const inFlight = Promise.all(pods.map((p) => run('ADD', p, `ctr-${p}`, conf())));
    // Kill once some addresses are committed and others are not: mid-batch, as a crash would.
    const handles = async (): Promise<number> => (await store.list('IPAMHandle')).items.filter((h) => h.metadata.name.includes('.ctr-k')).length;
    await waitFor(async () => (await handles()) >= 1, 60000, 'the first ADDs to reach IPAM', 10);
    process.kill(agent!.pid, 'SIGKILL');
    const killedAt = await handles();
    agent = undefined;
    const first = await inFlight;
    process.stdout.write(`agent killed with ${killedAt} handles committed; ${first.filter((r) => r.code === 0).length} of 20 ADDs had succeeded\n`);
    await startAgent();
    // The restarted agent released what unfinished ADDs held before serving.
    expect((await runCheck(store, {}, Date.now())).text).toContain('Check complete; found 0 problems.');
    // The runtime retries every ADD it saw fail (and repeats the ones whose result it may have lost).
    const retried = await Promise.all(pods.map((p) => run('ADD', p, `ctr-${p}`, conf())));
    expect(retried.filter((r) => r.code !== 0).map((r) => r.stdout)).toEqual([]);
    const ips = retried.map(resultIp);
    expect(new Set(ips).size).toBe(20);
    first.forEach((r, i) => {
      if (r.code === 0) expect(ips[i]).toBe(resultIp(r));
    });
    expect((await runCheck(store, {}, Date.now())).text).toContain('Check complete; found 0 problems.');
    const dels = await Promise.all(pods.map((p) => run('DEL', p, `ctr-${p}`, conf())));
    expect(dels.filter((r) => r.code !== 0).map((r) => r.stdout)).toEqual([]);
    expect((await runCheck(store, {}, Date.now())).text).toContain('Check complete; found 0 problems.');
  }, 240000);
});
