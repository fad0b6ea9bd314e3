// The lab of the CNI e2e test: network namespaces standing in for a node ("host") and its pods, an etcd reachable
// from inside the host namespace, the plugin invoked the way a container runtime invokes it, and ICMP echo between
// namespaces. Nothing is added to the machine's own network namespace: the host namespace reaches the test's etcd on
// 127.0.0.1 through a relay over a unix socket (the filesystem is shared between namespaces, loopback is not).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { buildConflist, installCni } from '../../src/cni/install';

export function ipIn(ns: string, args: string[], timeoutMs = 10000): string {
  const res = spawnSync('ip', ['-n', ns, ...args], { encoding: 'utf8', timeout: timeoutMs });
  if (res.status !== 0) throw new Error(`ip -n ${ns} ${args.join(' ')}: ${res.stderr}${res.error ? String(res.error) : ''}`);
  return res.stdout;
}

export function execIn(ns: string, cmd: string[], timeoutMs = 10000): { status: number | null; stdout: string; stderr: string } {
  const res = spawnSync('ip', ['netns', 'exec', ns, ...cmd], { encoding: 'utf8', timeout: timeoutMs });
  return { status: res.status, stdout: res.stdout ?? '', stderr: (res.stderr ?? '') + (res.error ? String(res.error) : '') };
}

export function addNetns(name: string): void {
  const res = spawnSync('ip', ['netns', 'add', name], { encoding: 'utf8', timeout: 10000 });
  if (res.status !== 0) throw new Error(`ip netns add ${name}: ${res.stderr}`);
  ipIn(name, ['link', 'set', 'lo', 'up']);
}

export function deleteNetns(name: string): void {
  spawnSync('ip', ['netns', 'delete', name], { timeout: 10000 });
}

/**
 * Relays connections on a unix socket to 127.0.0.1:port (jest side). close() destroys the relayed connections too, so
 * neither this server nor the service behind it waits on keep-alive sockets.
 */
export function unixToTcpRelay(socketPath: string, port: number): Promise<{ close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket): void => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  };
  const server = net.createServer((c) => {
    const u = net.connect(port, '127.0.0.1');
    track(c);
    track(u);
    c.pipe(u).pipe(c);
    c.on('error', () => u.destroy());
    u.on('error', () => c.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () =>
      resolve({
        close: () =>
          new Promise<void>((r) => {
            for (const s of sockets) s.destroy();
            server.close(() => r());
          }),
      }),
    );
  });
}

/** Inside `ns`, listens on 127.0.0.1:port and relays each connection to the unix socket. Resolves when listening. */
export async function tcpToUnixRelayIn(ns: string, port: number, socketPath: string): Promise<ChildProcess> {
  const script = `const net=require('net');
    net.createServer((c)=>{const u=net.connect(${JSON.stringify(socketPath)});c.pipe(u).pipe(c);
      c.on('error',()=>u.destroy());u.on('error',()=>c.destroy());})
    .listen(${port},'127.0.0.1',()=>console.log('ready'));`;
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('relay in namespace did not start')), 10000);
    child.stdout?.once('data', () => {
      clearTimeout(t);
      resolve();
    });
    child.once('exit', (c) => {
      clearTimeout(t);
      reject(new Error(`relay exited ${c}`));
    });
  });
  return child;
}

// ICMP echo over a raw socket (this machine has no ping binary; Node cannot open ICMP sockets): up to 3 requests,
// exit 0 on the first matching reply.
const PING_PY = `
import os, socket, struct, sys, time
dst = sys.argv[1]
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.settimeout(1.0)
ident = os.getpid() & 0xffff
def csum(b):
    if len(b) % 2: b += b'\\0'
    t = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    t = (t >> 16) + (t & 0xffff); t += t >> 16
    return ~t & 0xffff
for seq in range(1, 4):
    body = struct.pack('!BBHHH', 8, 0, 0, ident, seq) + b'gingham-cni'
    pkt = struct.pack('!BBHHH', 8, 0, csum(body), ident, seq) + b'gingham-cni'
    s.sendto(pkt, (dst, 0))
    end = time.time() + 1.0
    while time.time() < end:
        try:
            r, addr = s.recvfrom(2048)
        except socket.timeout:
            break
        ihl = (r[0] & 15) * 4
        t, _c, _k, i, q = struct.unpack('!BBHHH', r[ihl:ihl + 8])
        if t == 0 and i == ident and addr[0] == dst:
            print('reply from %s seq %d' % (addr[0], q)); sys.exit(0)
print('no reply from %s' % dst); sys.exit(1)
`;

export function ping(fromNs: string, dst: string): { ok: boolean; text: string } {
  const r = execIn(fromNs, ['python3', '-c', PING_PY, dst], 15000);
  return { ok: r.status === 0, text: (r.stdout + r.stderr).trim() };
}

export interface PluginRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly json: Record<string, unknown> | undefined;
}

/** The first address of an ADD result, without its prefix length. */
export function resultIp(r: PluginRun): string {
  const a = (r.json?.ips as Array<{ address: string }> | undefined)?.[0]?.address;
  if (!a) throw new Error(`no address in ${r.stdout} ${r.stderr}`);
  return a.split('/')[0]!;
}

export interface Invocation {
  readonly command: string;
  readonly containerId?: string;
  readonly netns?: string;
  readonly ifName?: string;
  readonly pod?: string;
  readonly namespace?: string;
  readonly cniPath: string;
}

/** Runs a plugin executable inside the host namespace with the CNI_* environment and the configuration on stdin. */
export function invokePlugin(hostNs: string, bin: string, inv: Invocation, stdin: string): Promise<PluginRun> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, CNI_COMMAND: inv.command, CNI_PATH: inv.cniPath };
  if (inv.containerId !== undefined) env.CNI_CONTAINERID = inv.containerId;
  if (inv.netns !== undefined) env.CNI_NETNS = inv.netns;
  env.CNI_IFNAME = inv.ifName ?? 'eth0';
  if (inv.pod !== undefined) env.CNI_ARGS = `IgnoreUnknown=1;K8S_POD_NAMESPACE=${inv.namespace ?? 'default'};K8S_POD_NAME=${inv.pod};K8S_POD_INFRA_CONTAINER_ID=${inv.containerId}`;
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', hostNs, bin], { env, stdio: ['pipe', 'pipe', 'pipe'], timeout: 60000, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      let json: Record<string, unknown> | undefined;
      try {
        json = stdout.trim() === '' ? undefined : (JSON.parse(stdout) as Record<string, unknown>);
      } catch {
        json = undefined;
      }
      resolve({ code, stdout, stderr, json });
    });
    child.stdin.end(stdin);
  });
}

/**
 * The "node": a namespace with an uplink veth holding the host's address and a default route, as a real node has.
 * Proxy ARP answers the pods' 169.254.1.1 only because the host routes it out of another interface.
 */
export function addNodeNamespace(name: string, hostIp: string, gateway: string): void {
  addNetns(name);
  ipIn(name, ['link', 'add', 'up0', 'type', 'veth', 'peer', 'name', 'up1']);
  ipIn(name, ['addr', 'add', `${hostIp}/24`, 'dev', 'up0']);
  ipIn(name, ['link', 'set', 'up0', 'up']);
  ipIn(name, ['link', 'set', 'up1', 'up']);
  ipIn(name, ['route', 'add', 'default', 'via', gateway, 'dev', 'up0']);
}

/** A TCP service on 127.0.0.1:port of the root namespace made reachable on 127.0.0.1:port inside `ns`. */
export async function relayIntoNamespace(ns: string, port: number, socketPath: string): Promise<{ close(): Promise<void> }> {
  const server = await unixToTcpRelay(socketPath, port);
  let child: ChildProcess;
  try {
    child = await tcpToUnixRelayIn(ns, port, socketPath);
  } catch (err) {
    await server.close();
    throw err;
  }
  return {
    close: async () => {
      if (child.exitCode === null && child.pid !== undefined) child.kill('SIGKILL');
      await server.close();
    },
  };
}

/**
 * Installs the built plugins (dist/) under `work`/bin with a Kubernetes-mode conflist naming `kubeconfig`; returns the
 * plugin's configuration as a container runtime passes it on stdin (state files kept under `work`).
 */
export function installKubernetesCni(root: string, work: string, kubeconfig: string, nodename: string): string {
  const list = buildConflist({ datastoreType: 'kubernetes', kubeconfig, nodename });
  installCni({
    binDir: path.join(work, 'bin'),
    confDir: path.join(work, 'net.d'),
    node: process.execPath,
    entries: { gingham: path.join(root, 'dist/cmd/cni-gingham.js'), 'gingham-ipam': path.join(root, 'dist/cmd/cni-gingham-ipam.js') },
    conflist: list,
  });
  const plugin = (list.plugins as Array<Record<string, unknown>>)[0];
  return JSON.stringify({ ...plugin, name: list.name, cniVersion: list.cniVersion, mtu_file: path.join(work, 'mtu'), ipam_lock_file: path.join(work, 'ipam.lock'), log_file_path: path.join(work, 'cni.log') });
}
