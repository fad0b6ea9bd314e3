// The OCI image (`npm run image`, scripts/image.sh): built from Debian packages with debootstrap and umoci, then run
// with Debian's runc as a container runtime would run it: `gingham version`, and `gingham node run` inside a network
// namespace the test made, against a real etcd, as the DaemonSet runs it (privileged, host network = that namespace).
// Where runc cannot run containers here (the probe's error is printed), the unpacked root filesystem runs with chroot.
// The Debian root filesystem is cached by scripts/image.sh (the first build runs debootstrap: about a minute).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { API_VERSION } from '../../src/datastore';
import { EtcdDatastore } from '../../src/datastore/etcd/etcd-datastore';
import { addNetns, deleteNetns, execIn, ipIn, relayIntoNamespace } from '../cni/cni-lab';
import { startEtcd, type EtcdServer } from '../lib/etcd';
import { cleanupAll, makeWorkDir, spawnDaemon, stopProcess, waitFor, type ManagedProcess } from '../lib/process';
import { describeIf, requireTools } from '../lib/tools';

const ROOT = path.join(__dirname, '..', '..');
const VERSION = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const ok = requireTools('image', ['debootstrap', 'umoci', 'runc', 'etcd', 'curl'], { root: true });
const NS = `gimg-${process.pid}`;
const NODE_IP = '10.213.0.1';

type OciConfig = {
  process: { terminal?: boolean; args: string[]; env?: string[]; capabilities?: Record<string, string[]> };
  root: { readonly?: boolean };
  linux: { namespaces: Array<{ type: string; path?: string }>; maskedPaths?: string[]; readonlyPaths?: string[]; resources?: unknown };
  mounts: Array<{ destination: string; options?: string[] }>;
};

function sh(cmd: string, args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): string {
  const res = spawnSync(cmd, args, { encoding: 'utf8', timeout: opts.timeoutMs ?? 60_000, env: opts.env ?? process.env, maxBuffer: 64 * 1024 * 1024 });
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} (exit ${res.status}): ${res.stderr}${res.error ? String(res.error) : ''}`);
  return res.stdout;
}

/** Linux capability names by number (include/uapi/linux/capability.h), cut at the kernel's cap_last_cap. */
const CAPABILITIES = ['CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP', 'LINUX_IMMUTABLE', 'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER', 'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT', 'SYS_PTRACE', 'SYS_PACCT', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE', 'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD', 'LEASE', 'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP', 'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG', 'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ', 'PERFMON', 'BPF', 'CHECKPOINT_RESTORE'];

/**
 * Every capability this process may hand on (its bounding set: a sandbox may hold fewer than the kernel knows), no
 * masked or read-only /proc paths: Kubernetes' privileged container.
 */
function privileged(c: OciConfig, args: string[], env: string[], netnsPath?: string): OciConfig {
  const bounding = BigInt(`0x${/^CapBnd:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '0'}`);
  const all = CAPABILITIES.filter((_n, i) => (bounding >> BigInt(i)) & 1n).map((n) => `CAP_${n}`);
  return {
    ...c,
    process: { ...c.process, terminal: false, args, env: [...(c.process.env ?? []), ...env], capabilities: { bounding: all, effective: all, permitted: all, ambient: all } },
    root: { ...c.root, readonly: false },
    linux: {
      ...c.linux,
      maskedPaths: [],
      readonlyPaths: [],
      namespaces: c.linux.namespaces.map((n) => (n.type === 'network' && netnsPath ? { type: 'network', path: netnsPath } : n)),
    },
    mounts: c.mounts.map((m) => (m.destination === '/sys' ? { ...m, options: (m.options ?? []).filter((o) => o !== 'ro') } : m)),
  };
}

describeIf(ok)('the OCI image', () => {
  let work: string;
  let bundle: string;
  let baseConfig: OciConfig;
  let runtime: 'runc' | 'chroot' = 'runc';
  let etcd: EtcdServer | undefined;
  let relay: { close(): Promise<void> } | undefined;
  let agent: ManagedProcess | undefined;
  const containers: string[] = [];

  /** A container of the bundle with this process: runc run (foreground), or chroot when runc cannot run here. */
  function command(id: string, args: string[], env: string[], netns?: string): { cmd: string; args: string[] } {
    if (runtime === 'runc') {
      writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(privileged(baseConfig, args, env, netns ? `/var/run/netns/${netns}` : undefined)));
      containers.push(id);
      return { cmd: 'runc', args: ['run', '--bundle', bundle, id] };
    }
    const inRoot = ['env', '-i', ...(baseConfig.process.env ?? []), ...env, 'chroot', path.join(bundle, 'rootfs'), ...args];
    return netns ? { cmd: 'ip', args: ['netns', 'exec', netns, ...inRoot] } : { cmd: inRoot[0] ?? 'env', args: inRoot.slice(1) };
  }

  beforeAll(async () => {
    if (!existsSync(path.join(ROOT, 'dist/cmd/gingham.js'))) throw new Error('dist/ is missing: run `npm run build` before the image e2e test');
    work = makeWorkDir('image');
    const archive = sh('bash', [path.join(ROOT, 'scripts/image.sh')], { timeoutMs: 480_000, env: { ...process.env, GINGHAM_IMAGE_OUT: work, GINGHAM_IMAGE_SKIP_BUILD: '1' } }).trim().split('\n').pop() ?? '';
    sh('mkdir', ['-p', path.join(work, 'layout')]);
    sh('tar', ['-C', path.join(work, 'layout'), '-xf', archive]);
    bundle = path.join(work, 'bundle');
    sh('umoci', ['unpack', '--image', `${path.join(work, 'layout')}:${VERSION}`, bundle], { timeoutMs: 180_000 });
    baseConfig = JSON.parse(readFileSync(path.join(bundle, 'config.json'), 'utf8')) as OciConfig;
    // The probe: a trivial container. Sandboxes without the cgroup or namespace support runc needs refuse it.
    const probe = command(`gimg-probe-${process.pid}`, ['/bin/true'], []);
    const res = spawnSync(probe.cmd, probe.args, { encoding: 'utf8', timeout: 60_000 });
    spawnSync('runc', ['delete', '--force', `gimg-probe-${process.pid}`], { timeout: 10_000 });
    if (res.status !== 0) {
      runtime = 'chroot';
      process.stderr.write(`image: runc cannot run containers in this sandbox (${(res.stderr || String(res.error)).trim()}); running the unpacked root filesystem with chroot instead\n`);
    }
  }, 600_000);

  afterAll(async () => {
    if (agent) await stopProcess(agent.pid);
    for (const id of containers) spawnSync('runc', ['delete', '--force', id], { timeout: 10_000 });
    await relay?.close();
    await etcd?.stop();
    deleteNetns(NS);
    await cleanupAll();
  }, 60_000);

  it('is an OCI archive of two layers (Debian root filesystem, Gingham) named ghcr.io/gingham/gingham:<version>', () => {
    const layout = path.join(work, 'layout');
    const index = JSON.parse(readFileSync(path.join(layout, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string; annotations: Record<string, string> }> };
    expect(index.manifests.map((m) => m.annotations)).toEqual([{ 'org.opencontainers.image.ref.name': VERSION, 'io.containerd.image.name': `ghcr.io/gingham/gingham:${VERSION}` }]);
    const blob = (digest: string): unknown => JSON.parse(readFileSync(path.join(layout, 'blobs', ...digest.split(':')), 'utf8'));
    const manifest = blob(index.manifests[0]?.digest ?? '') as { config: { digest: string }; layers: unknown[] };
    expect(manifest.layers).toHaveLength(2);
    const config = blob(manifest.config.digest) as { config: { Entrypoint: string[]; Cmd: string[] }; history: Array<{ created_by: string }> };
    expect([config.config.Entrypoint, config.config.Cmd]).toEqual([['/usr/local/bin/gingham'], ['version']]);
    expect(config.history.map((h) => h.created_by)[0]).toMatch(/^debootstrap --variant=minbase --include=iproute2,nftables,iptables,ipset,ca-certificates bookworm/);
    for (const tool of ['usr/sbin/nft', 'usr/sbin/ip', 'usr/sbin/ipset', 'usr/sbin/iptables', 'etc/ssl/certs/ca-certificates.crt', 'opt/gingham/dist/cmd/gingham.js', 'opt/gingham/build/Release/gingham_setns.node', 'opt/gingham/build/Release/gingham-cni-shim']) {
      expect({ tool, present: existsSync(path.join(bundle, 'rootfs', tool)) }).toEqual({ tool, present: true });
    }
    // Production dependencies only.
    expect(existsSync(path.join(bundle, 'rootfs/opt/gingham/node_modules/typescript'))).toBe(false);
  });

  it('runs `gingham version` with runc (or chroot where runc cannot run)', () => {
    const c = command(`gimg-version-${process.pid}`, ['gingham', 'version'], []);
    const out = sh(c.cmd, c.args, { timeoutMs: 60_000 });
    process.stderr.write(`image: gingham version ran with ${runtime}\n`);
    expect(out).toContain(`Client Version:    v${VERSION}`);
    expect(out).toMatch(/Node\.js Version:\s+v2\d\./);
  });

  it('starts the node agent inside a network namespace: it writes its Node to etcd and answers /liveness', async () => {
    addNetns(NS);
    // A veth pair inside the namespace gives the node an interface with an address (no dummy module needed).
    ipIn(NS, ['link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0p']);
    ipIn(NS, ['addr', 'add', `${NODE_IP}/24`, 'dev', 'eth0']);
    for (const l of ['eth0', 'eth0p']) ipIn(NS, ['link', 'set', l, 'up']);
    etcd = await startEtcd();
    const port = Number(new URL(etcd.endpoint).port);
    relay = await relayIntoNamespace(NS, port, path.join(work, 'etcd.sock'));
    const c = command(`gimg-agent-${process.pid}`, ['gingham', 'node', 'run'], ['NODENAME=image-node', `IP=${NODE_IP}/24`, 'DATASTORE_TYPE=etcdv3', `ETCD_ENDPOINTS=http://127.0.0.1:${port}`, 'CALICO_IPV4POOL_CIDR=10.214.0.0/16'], NS);
    agent = spawnDaemon({ name: 'agent', cmd: c.cmd, args: c.args, workDir: work, env: process.env });
    const a = agent;
    const store = new EtcdDatastore({ endpoints: [etcd.endpoint] });
    try {
      const node = await waitFor(
        async () => {
          if (a.exited()) throw new Error(`the agent exited: ${a.logTail()}`);
          return store.get('Node', 'image-node').catch(() => undefined);
        },
        60_000,
        'the agent in the image to write its Node',
      );
      expect(node.apiVersion).toBe(API_VERSION);
      expect((node.spec as { bgp?: { ipv4Address?: string } }).bgp?.ipv4Address).toBe(`${NODE_IP}/24`);
      await waitFor(async () => execIn(NS, ['curl', '-fsS', 'http://localhost:9099/liveness']).status === 0, 30_000, '/liveness in the namespace');
      process.stderr.write(`image: gingham node run ran with ${runtime} in network namespace ${NS}\n`);
    } finally {
      await store.close();
    }
  }, 120_000);
});
