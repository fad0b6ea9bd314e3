import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CNI_WIRE_VERSION, type CniWireReply } from '../api/wire/cni';
import { CNI_SOCKET_KEY, runShim } from '../cni/forward';
import { runPlugin } from '../cni/run-plugin';
import { cniEnv, confText, hostedParts, makeWorld, type World } from '../cni/testing/fakes';
import { requestUnixJson } from '../lib/unix-json-client';
import { createLogger } from '../lib/logger';
import { CniServer, serveCni, type CniServerDeps } from './cni-server';

function deps(w: World): CniServerDeps {
  return {
    nodeName: 'node-1',
    ...hostedParts(w),
    logger: createLogger({ format: 'text', levels: 'error' }),
  };
}

const req = (env: NodeJS.ProcessEnv, stdin: string, plugin: 'gingham' | 'gingham-ipam' = 'gingham'): unknown => ({
  version: CNI_WIRE_VERSION,
  plugin,
  env: Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)),
  stdin,
});

async function standalone(env: NodeJS.ProcessEnv, stdin: string, w: World): Promise<{ exitCode: number; stdout: string }> {
  let stdout = '';
  const exitCode = await runPlugin('gingham', { env, readStdin: async () => stdin, stdout: (t) => (stdout += t), stderr: () => undefined }, async () => w.context(stdin, env));
  return { exitCode, stdout };
}

describe('the agent CNI server', () => {
  it('answers ADD, CHECK and DEL exactly as the standalone plugin does', async () => {
    const hosted = new CniServer(deps(makeWorld()));
    const local = makeWorld();
    const add = (await hosted.handle(req(cniEnv('ADD'), confText()))) as CniWireReply;
    expect(add).toMatchObject({ version: CNI_WIRE_VERSION, exitCode: 0 });
    expect(JSON.parse(add.stdout)).toEqual(JSON.parse((await standalone(cniEnv('ADD'), confText(), local)).stdout));
    const checkConf = confText({ prevResult: JSON.parse(add.stdout) });
    expect(await hosted.handle(req(cniEnv('CHECK'), checkConf))).toMatchObject({ exitCode: 0, stdout: '' });
    expect(await hosted.handle(req(cniEnv('DEL'), confText()))).toMatchObject({ exitCode: 0, stdout: '' });
    // After DEL, CHECK fails with the same error object as standalone.
    await standalone(cniEnv('DEL'), confText(), local);
    const hostedCheck = (await hosted.handle(req(cniEnv('CHECK'), checkConf))) as CniWireReply;
    expect(hostedCheck.exitCode).toBe(1);
    expect(JSON.parse(hostedCheck.stdout)).toEqual(JSON.parse((await standalone(cniEnv('CHECK'), checkConf, local)).stdout));
  });

  it.each([
    { name: 'unknown command', env: { ...cniEnv('ADD'), CNI_COMMAND: 'GC' }, stdin: confText(), code: 4 },
    { name: 'malformed configuration', env: cniEnv('ADD'), stdin: '{"cniVersion":', code: 6 },
    { name: 'bad field', env: cniEnv('ADD'), stdin: confText({ mtu: -1 }), code: 7 },
  ])('gives the standalone error code for $name ($code)', async ({ env, stdin, code }) => {
    const r = (await new CniServer(deps(makeWorld())).handle(req(env, stdin))) as CniWireReply;
    expect(r.exitCode).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse((await standalone(env, stdin, makeWorld())).stdout));
    expect(JSON.parse(r.stdout).code).toBe(code);
  });

  it('rejects another protocol version with code 1 and a malformed request with code 6', async () => {
    const s = new CniServer(deps(makeWorld()));
    const other = (await s.handle({ ...(req(cniEnv('ADD'), confText()) as object), version: 'gingham.cni.v9' })) as CniWireReply;
    expect(JSON.parse(other.stdout)).toMatchObject({ code: 1, msg: 'gingham CNI protocol "gingham.cni.v9" is not served; this agent speaks gingham.cni.v1' });
    const bad = (await s.handle({ version: CNI_WIRE_VERSION, plugin: 'gingham', env: { CNI_COMMAND: 7 }, stdin: '' })) as CniWireReply;
    expect(JSON.parse(bad.stdout)).toMatchObject({ code: 6, details: 'request.env: not a map of strings' });
  });

  it('serialises one container: concurrent re-ADDs of one container get one address; other containers get their own', async () => {
    const w = makeWorld();
    for (const id of ['c2', 'c3']) w.spaces.add(`/var/run/netns/${id}`);
    const s = new CniServer(deps(w));
    const env = (id: string, ns: string, pod: string): NodeJS.ProcessEnv => ({ ...cniEnv('ADD', id, pod), CNI_NETNS: ns });
    const replies = (await Promise.all([
      s.handle(req(cniEnv('ADD'), confText())),
      s.handle(req(cniEnv('ADD'), confText())),
      s.handle(req(env('c2', '/var/run/netns/c2', 'web-2'), confText())),
      s.handle(req(env('c3', '/var/run/netns/c3', 'web-3'), confText())),
    ])) as CniWireReply[];
    expect(replies.map((r) => r.exitCode)).toEqual([0, 0, 0, 0]);
    const ips = replies.map((r) => (JSON.parse(r.stdout) as { ips: Array<{ address: string }> }).ips[0]!.address);
    expect(ips[0]).toBe(ips[1]);
    expect(new Set(ips).size).toBe(3);
  });

  it('serves the shim over a real unix socket (mode 0600)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-cnis-'));
    const sock = path.join(dir, 'cni.sock');
    const server = await serveCni(sock, deps(makeWorld()));
    try {
      expect(fs.statSync(sock).mode & 0o777).toBe(0o600);
      let out = '';
      const code = await runShim(
        'gingham',
        { env: cniEnv('ADD'), readStdin: async () => confText({ [CNI_SOCKET_KEY]: sock }), stdout: (t) => (out += t), stderr: () => undefined },
        { request: requestUnixJson, standalone: async () => Promise.reject(new Error('must not run standalone')) },
      );
      expect(code).toBe(0);
      expect(JSON.parse(out)).toMatchObject({ cniVersion: '1.0.0', ips: [{ address: '10.244.0.0/32', interface: 1 }] });
    } finally {
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
