// The compiled shim (native/cni-shim.c, built by scripts/build-native.js) against a fake agent on a real unix socket:
// VERSION answered alone, a request forwarded whole, the reply passed through byte for byte, the agent's absence
// answered as the Node shim (forward.ts) answers it except DEL, which is queued for the agent (node/cni-del-queue.ts
// reads it back), everything else handed to `<name>-node` with stdin replayed.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CNI_WIRE_VERSION, delQueueDir, queuedContainer, queuedRequestProblem, type CniWireRequest } from '../api/wire/cni';
import { serveUnixJson, type UnixJsonServer } from '../lib/unix-json';
import { versionResult } from './cni-version';
import { CNI_SHIM_BINARY, installCni } from './install';

describe('the compiled CNI shim', () => {
  let dir = '';
  let bin = '';
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'gh-cni-shim-'));
    // The Node side stands in as a script that records what it was given.
    const fake = path.join(dir, 'fake-node-plugin.sh');
    writeFileSync(fake, `#!/bin/sh\necho "$CNI_COMMAND" > "${dir}/node-called"\ncat > "${dir}/node-stdin"\necho '{"from":"node"}'\n`, { mode: 0o755 });
    bin = path.join(dir, 'bin');
    installCni({ binDir: bin, confDir: path.join(dir, 'net.d'), node: '/bin/sh', entries: { gingham: fake, 'gingham-ipam': fake }, conflist: {}, shim: CNI_SHIM_BINARY });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = (name: string, env: Record<string, string>, stdin: string) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      // Asynchronous: the fake agent in this process must keep answering while the shim runs.
      const c = spawn(path.join(bin, name), [], { env: { PATH: '/usr/bin:/bin', ...env } });
      let stdout = '';
      let stderr = '';
      c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      c.on('close', (status) => resolve({ status, stdout, stderr }));
      c.stdin.end(stdin);
    });

  it('answers VERSION exactly as the plugin does', () => {
    const r = spawnSync(path.join(bin, 'gingham'), { env: { CNI_COMMAND: 'VERSION' }, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(versionResult());
  });

  it('forwards the request whole and passes the reply through', async () => {
    const socket = path.join(dir, 'agent.sock');
    const seen: CniWireRequest[] = [];
    const server: UnixJsonServer = await serveUnixJson(socket, async (req) => {
      seen.push(req as CniWireRequest);
      return { version: CNI_WIRE_VERSION, exitCode: 3, stdout: '{"é":"\\u0001 ✓ 😀"}\n', stderr: 'warn "x"\n', datastoreRequests: 2 };
    }, { badRequest: (p) => ({ version: CNI_WIRE_VERSION, exitCode: 1, stdout: '', stderr: p }) });
    try {
      const conf = JSON.stringify({ cniVersion: '0.4.0', name: 'k8s-pod-network', type: 'gingham', nested: { cni_socket: 'not this' }, cni_socket: socket, note: 'tab\there "q" \\ ü' });
      const r = await run('gingham-ipam', { CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'c1', CNI_NETNS: '/var/run/netns/x', CNI_IFNAME: 'eth0', CNI_ARGS: 'K8S_POD_NAME=p', CNI_PATH: '/opt/cni/bin', IGNORED: 'x' }, conf);
      expect(r).toEqual({ status: 3, stdout: '{"é":"\\u0001 ✓ 😀"}\n', stderr: 'warn "x"\n' });
      expect(seen).toEqual([
        { version: CNI_WIRE_VERSION, plugin: 'gingham-ipam', env: { CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'c1', CNI_NETNS: '/var/run/netns/x', CNI_IFNAME: 'eth0', CNI_ARGS: 'K8S_POD_NAME=p', CNI_PATH: '/opt/cni/bin', PATH: '/usr/bin:/bin' }, stdin: conf },
      ]);
    } finally {
      await server.close();
    }
  });

  it('agent not reachable: ADD and CHECK get code 11, STATUS 50, at once; DEL is queued for the agent and succeeds', async () => {
    const sock = path.join(dir, 'down', 'nobody.sock');
    const conf = JSON.stringify({ cniVersion: '0.4.0', name: 'n', type: 'gingham', cni_socket: sock });
    const add = await run('gingham', { CNI_COMMAND: 'ADD' }, conf);
    expect(add.status).toBe(1);
    expect(JSON.parse(add.stdout)).toMatchObject({ cniVersion: '0.4.0', code: 11, msg: 'gingham node agent not reachable' });
    expect(add.stderr).toBe('gingham: gingham node agent not reachable\n');
    expect(JSON.parse((await run('gingham', { CNI_COMMAND: 'STATUS' }, conf)).stdout)).toMatchObject({ code: 50 });
    rmSync(path.join(dir, 'node-called'), { force: true });
    const env = { CNI_COMMAND: 'DEL', CNI_CONTAINERID: 'ab/c.1', CNI_NETNS: '/var/run/netns/x', CNI_IFNAME: 'eth0', CNI_ARGS: 'K8S_POD_NAME=p', CNI_PATH: '/opt/cni/bin' };
    const del = await run('gingham-ipam', env, conf);
    const queue = delQueueDir(sock);
    const entry = 'ab%2Fc%2E1.eth0.gingham-ipam';
    expect(del).toEqual({ status: 0, stdout: '', stderr: expect.stringContaining(`DEL queued for it in ${queue}/${entry}`) as unknown });
    expect(existsSync(path.join(dir, 'node-called'))).toBe(false);
    // Exactly the request the agent would have been sent, under a name the agent reads back to the container.
    expect(readdirSync(queue)).toEqual([entry]);
    expect(statSync(queue).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(queue, entry)).mode & 0o777).toBe(0o600);
    const text = readFileSync(path.join(queue, entry), 'utf8');
    expect(JSON.parse(text)).toEqual({ version: CNI_WIRE_VERSION, plugin: 'gingham-ipam', env: { ...env, PATH: '/usr/bin:/bin' }, stdin: conf });
    expect(queuedRequestProblem(text)).toBeUndefined();
    expect(queuedContainer(entry)).toBe('ab/c.1');
    // A second DEL of the same container replaces the entry.
    expect((await run('gingham-ipam', env, conf)).status).toBe(0);
    expect(readdirSync(queue)).toEqual([entry]);
  });

  it('agent not reachable and the DEL cannot be queued: the Node plugin runs it', async () => {
    const blocker = path.join(dir, 'blocked');
    writeFileSync(blocker, 'not a folder');
    const conf = JSON.stringify({ cniVersion: '0.4.0', name: 'n', type: 'gingham', cni_socket: path.join(blocker, 'agent.sock') });
    const del = await run('gingham', { CNI_COMMAND: 'DEL', CNI_CONTAINERID: 'c1', CNI_IFNAME: 'eth0' }, conf);
    expect(del).toMatchObject({ status: 0, stdout: '{"from":"node"}\n' });
    expect(readFileSync(path.join(dir, 'node-called'), 'utf8')).toBe('DEL\n');
    expect(readFileSync(path.join(dir, 'node-stdin'), 'utf8')).toBe(conf);
  });

  it('a configuration without cni_socket runs the Node plugin on the same stdin', async () => {
    const conf = '{"cniVersion":"1.0.0","name":"n","type":"gingham"}';
    const r = await run('gingham', { CNI_COMMAND: 'ADD' }, conf);
    expect(r).toMatchObject({ status: 0, stdout: '{"from":"node"}\n' });
    expect(readFileSync(path.join(dir, 'node-stdin'), 'utf8')).toBe(conf);
  });
});
