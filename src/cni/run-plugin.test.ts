import { runPlugin, type ContextFactory, type PluginKind } from './run-plugin';
import { cniEnv, confText, makeWorld, type World } from './testing/fakes';

async function run(kind: PluginKind, env: NodeJS.ProcessEnv, stdin: string, world: World = makeWorld()) {
  let out = '';
  let err = '';
  const factory: ContextFactory = async (_conf, _env) => world.context(stdin, env);
  const code = await runPlugin(kind, { env, readStdin: async () => stdin, stdout: (t) => (out += t), stderr: (t) => (err += t) }, factory);
  return { code, json: out === '' ? undefined : (JSON.parse(out) as Record<string, unknown>), out, err };
}

describe('runPlugin', () => {
  it('answers VERSION without a configuration', async () => {
    const r = await run('gingham', { CNI_COMMAND: 'VERSION' }, '');
    expect(r.code).toBe(0);
    expect(r.json).toEqual({ cniVersion: '1.0.0', supportedVersions: ['0.3.0', '0.3.1', '0.4.0', '1.0.0'] });
  });

  const errors: Array<{ name: string; env: NodeJS.ProcessEnv; stdin: string; code: number; version: string }> = [
    { name: 'unknown command', env: { ...cniEnv('ADD'), CNI_COMMAND: 'FROB' }, stdin: confText(), code: 4, version: '1.0.0' },
    { name: 'no command', env: { ...cniEnv('ADD'), CNI_COMMAND: undefined }, stdin: confText(), code: 4, version: '1.0.0' },
    { name: 'malformed JSON', env: cniEnv('ADD'), stdin: '{"cniVersion":"0.4.0",', code: 6, version: '1.0.0' },
    { name: 'empty stdin', env: cniEnv('ADD'), stdin: '', code: 6, version: '1.0.0' },
    { name: 'invalid field, error in the conf version', env: cniEnv('ADD'), stdin: confText({ cniVersion: '0.4.0', mtu: -1 }), code: 7, version: '0.4.0' },
    { name: 'unsupported version', env: cniEnv('ADD'), stdin: confText({ cniVersion: '2.0.0' }), code: 1, version: '1.0.0' },
    { name: 'missing CNI_NETNS', env: { ...cniEnv('ADD'), CNI_NETNS: undefined }, stdin: confText(), code: 4, version: '1.0.0' },
    { name: 'CHECK below 0.4.0', env: cniEnv('CHECK'), stdin: confText({ cniVersion: '0.3.1', prevResult: { ips: [] } }), code: 1, version: '0.3.1' },
    { name: 'CHECK without prevResult', env: cniEnv('CHECK'), stdin: confText(), code: 7, version: '1.0.0' },
  ];
  it.each(errors)('prints CNI error JSON for $name (code $code), never a stack', async ({ env, stdin, code, version }) => {
    const r = await run('gingham', env, stdin);
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ cniVersion: version, code });
    expect(typeof r.json?.msg).toBe('string');
    expect(r.out).not.toMatch(/\n\s+at /);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('turns an unexpected failure into code 999 with its message', async () => {
    const w = makeWorld();
    w.ipam.failNextAssign = new TypeError('boom');
    const r = await run('gingham', cniEnv('ADD'), confText(), w);
    expect(r.json).toEqual({ cniVersion: '1.0.0', code: 999, msg: 'IPAM assign for k8s-pod-network.c0ffee1234567890: boom' });
  });

  it('ADD prints the result in the configuration version; DEL prints nothing', async () => {
    const w = makeWorld();
    const add = await run('gingham', cniEnv('ADD'), confText({ cniVersion: '0.3.1' }), w);
    expect(add.code).toBe(0);
    expect(add.json).toMatchObject({ cniVersion: '0.3.1', ips: [{ version: '4', address: '10.244.0.0/32', interface: 1 }] });
    const del = await run('gingham', cniEnv('DEL'), confText({ cniVersion: '0.3.1' }), w);
    expect(del).toMatchObject({ code: 0, out: '' });
  });

  it('gingham-ipam ADD returns an IPAM result without interfaces; CHECK and DEL follow the handle', async () => {
    const w = makeWorld();
    const conf = confText({ type: 'gingham-ipam' });
    const add = await run('gingham-ipam', cniEnv('ADD'), conf, w);
    expect(add.json).toEqual({ cniVersion: '1.0.0', ips: [{ address: '10.244.0.0/32' }], dns: {} });
    const prev = confText({ type: 'gingham-ipam', prevResult: add.json });
    expect((await run('gingham-ipam', cniEnv('CHECK'), prev, w)).code).toBe(0);
    expect((await run('gingham-ipam', cniEnv('DEL'), conf, w)).code).toBe(0);
    const check = await run('gingham-ipam', cniEnv('CHECK'), prev, w);
    expect(check.json).toMatchObject({ code: 999, msg: 'CHECK: IPAM handle k8s-pod-network.c0ffee1234567890 holds no addresses' });
  });

  it('STATUS succeeds when the datastore answers and fails with 50 when it does not', async () => {
    const w = makeWorld();
    expect((await run('gingham', { ...cniEnv('STATUS') }, confText(), w)).code).toBe(0);
    await w.datastore.close();
    expect((await run('gingham', { ...cniEnv('STATUS') }, confText(), w)).json).toMatchObject({ code: 50 });
  });
});

describe('CNI log file', () => {
  it('appends one line per invocation to log_file_path, with the outcome', async () => {
    const w = makeWorld();
    const lines: Array<[string, string]> = [];
    const io = (env: NodeJS.ProcessEnv, stdin: string) => ({
      env,
      readStdin: async () => stdin,
      stdout: () => undefined,
      stderr: () => undefined,
      appendLog: (f: string, l: string) => void lines.push([f, l]),
    });
    const stdin = confText({ log_file_path: '/var/log/gingham/cni.log' });
    await runPlugin('gingham', io(cniEnv('ADD'), stdin), async () => w.context(stdin, cniEnv('ADD')));
    await runPlugin('gingham', io({ ...cniEnv('ADD'), CNI_IFNAME: '' }, stdin), async () => w.context(stdin, cniEnv('ADD')));
    expect(lines.map(([f]) => f)).toEqual(['/var/log/gingham/cni.log', '/var/log/gingham/cni.log']);
    expect(lines[0]![1]).toMatch(/^\S+Z gingham ADD container=c0ffee1234567890 pod=default\/web-0: ok 10\.244\.0\.0\/32\n$/);
    expect(lines[1]![1]).toContain('error 4: CNI_IFNAME is required for ADD');
  });
});

describe('datastore outages', () => {
  it('a DEL that cannot reach the datastore answers code 11 (try again later)', async () => {
    const w = makeWorld();
    await w.datastore.close();
    let out = '';
    const env = cniEnv('DEL');
    const code = await runPlugin('gingham', { env, readStdin: async () => confText(), stdout: (t) => (out += t), stderr: () => undefined }, async () => w.context(confText(), env));
    expect(code).toBe(1);
    expect(JSON.parse(out)).toMatchObject({ code: 11, msg: 'datastore unavailable' });
  });
});
