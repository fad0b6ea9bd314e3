import { CNI_WIRE_VERSION, type CniWireRequest } from '../api/wire/cni';
import { UNIX_JSON_ERR, UnixJsonError } from '../lib/unix-json-client';
import { CNI_SOCKET_KEY, runShim, type ShimDeps } from './forward';
import { cniEnv, confText } from './testing/fakes';

interface Ran {
  code: number;
  out: string;
  err: string;
  sent: Array<{ path: string; body: CniWireRequest }>;
  standalone: string[];
}

async function shim(env: NodeJS.ProcessEnv, stdin: string, request: ShimDeps['request']): Promise<Ran> {
  const r: Ran = { code: -1, out: '', err: '', sent: [], standalone: [] };
  r.code = await runShim(
    'gingham',
    { env, readStdin: async () => stdin, stdout: (t) => (r.out += t), stderr: (t) => (r.err += t) },
    {
      request: async (p, body, opts) => {
        r.sent.push({ path: p, body: body as CniWireRequest });
        return request(p, body, opts);
      },
      standalone: async (_k, text) => {
        r.standalone.push(text);
        return 0;
      },
    },
  );
  return r;
}

const SOCK = '/run/test/cni.sock';
const forwarded = confText({ [CNI_SOCKET_KEY]: SOCK });
const unreachable = async (): Promise<never> => Promise.reject(new UnixJsonError(UNIX_JSON_ERR.CONNECT, `${SOCK}: ENOENT`));

describe('the CNI shim', () => {
  it('answers VERSION itself, reading nothing and connecting nowhere', async () => {
    const r = await shim({ CNI_COMMAND: 'VERSION' }, '', unreachable);
    expect(r).toMatchObject({ code: 0, sent: [], standalone: [] });
    expect(JSON.parse(r.out)).toEqual({ cniVersion: '1.0.0', supportedVersions: ['0.3.0', '0.3.1', '0.4.0', '1.0.0'] });
  });

  it('runs the standalone plugin when the configuration names no agent socket (the lab, bootstrap)', async () => {
    const r = await shim(cniEnv('ADD'), confText(), unreachable);
    expect(r).toMatchObject({ code: 0, sent: [], standalone: [confText()] });
  });

  it('forwards the CNI_* environment and the configuration, and passes the reply through', async () => {
    const env: NodeJS.ProcessEnv = { ...cniEnv('ADD'), HOME: '/root', SECRET: 'x' };
    const r = await shim(env, forwarded, async () => ({ version: CNI_WIRE_VERSION, exitCode: 1, stdout: '{"code":7}\n', stderr: 'gingham: bad\n' }));
    expect(r).toMatchObject({ code: 1, out: '{"code":7}\n', err: 'gingham: bad\n', standalone: [] });
    expect(r.sent).toHaveLength(1);
    expect(r.sent[0]!.path).toBe(SOCK);
    expect(r.sent[0]!.body).toEqual({ version: CNI_WIRE_VERSION, plugin: 'gingham', stdin: forwarded, env: { CNI_COMMAND: 'ADD', CNI_CONTAINERID: env.CNI_CONTAINERID, CNI_NETNS: env.CNI_NETNS, CNI_IFNAME: 'eth0', CNI_ARGS: env.CNI_ARGS, CNI_PATH: env.CNI_PATH } });
  });

  it.each([
    { command: 'ADD', code: 11 },
    { command: 'CHECK', code: 11 },
    { command: 'STATUS', code: 50 },
  ])('agent not reachable: $command fails with code $code in the configuration version', async ({ command, code }) => {
    const r = await shim(cniEnv(command), confText({ [CNI_SOCKET_KEY]: SOCK, cniVersion: '0.4.0' }), unreachable);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toEqual({ cniVersion: '0.4.0', code, msg: 'gingham node agent not reachable', details: `${SOCK}: ENOENT` });
    expect(r.standalone).toEqual([]);
  });

  it.each(['DEL', 'GC', 'FROB'])('agent not reachable: %s runs the standalone path (DEL releases; others get its answer)', async (command) => {
    const r = await shim(cniEnv(command), forwarded, unreachable);
    expect(r).toMatchObject({ code: 0, out: '', standalone: [forwarded] });
  });

  it('agent took the request but failed to answer: code 11, even for DEL (the runtime retries)', async () => {
    const r = await shim(cniEnv('DEL'), forwarded, async () => Promise.reject(new UnixJsonError(UNIX_JSON_ERR.TIMEOUT, 'no reply')));
    expect(JSON.parse(r.out)).toMatchObject({ code: 11, msg: 'gingham node agent did not answer' });
    expect(r.standalone).toEqual([]);
    const junk = await shim(cniEnv('ADD'), forwarded, async () => ({ version: CNI_WIRE_VERSION, exitCode: 'no' }));
    expect(JSON.parse(junk.out)).toMatchObject({ code: 11, details: 'reply.exitCode: not an integer' });
  });
});
