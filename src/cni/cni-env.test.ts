import { CNI_ERR, CniError } from './cni-error';
import { parseCniArgs, parseEnv } from './cni-env';

const good = { CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'abc123', CNI_NETNS: '/var/run/netns/x', CNI_IFNAME: 'eth0', CNI_PATH: '/opt/cni/bin:/usr/lib/cni' };

function code(env: NodeJS.ProcessEnv): { code: number; message: string } {
  try {
    parseEnv(env);
  } catch (err) {
    if (err instanceof CniError) return { code: err.cniCode, message: err.message };
    throw err;
  }
  throw new Error('accepted');
}

describe('parseEnv', () => {
  it('parses an ADD environment', () => {
    const e = parseEnv({ ...good, CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-0' });
    expect(e.command).toBe('ADD');
    expect(e.args.get('K8S_POD_NAME')).toBe('web-0');
    expect(e.path).toEqual(['/opt/cni/bin', '/usr/lib/cni']);
  });

  it('lets DEL run without a namespace (it may be gone)', () => {
    expect(parseEnv({ ...good, CNI_COMMAND: 'DEL', CNI_NETNS: '' }).netns).toBe('');
  });

  const cases: Array<{ name: string; env: NodeJS.ProcessEnv; mentions: string }> = [
    { name: 'no command', env: { ...good, CNI_COMMAND: undefined }, mentions: 'CNI_COMMAND' },
    { name: 'unknown command', env: { ...good, CNI_COMMAND: 'FROB' }, mentions: 'FROB' },
    { name: 'no container id', env: { ...good, CNI_CONTAINERID: '' }, mentions: 'CNI_CONTAINERID' },
    { name: 'bad container id', env: { ...good, CNI_CONTAINERID: '-x/y' }, mentions: 'CNI_CONTAINERID' },
    { name: 'ADD without netns', env: { ...good, CNI_NETNS: undefined }, mentions: 'CNI_NETNS' },
    { name: 'no ifname', env: { ...good, CNI_IFNAME: undefined }, mentions: 'CNI_IFNAME' },
    { name: 'ifname too long', env: { ...good, CNI_IFNAME: 'a-very-long-ifname' }, mentions: 'CNI_IFNAME' },
    { name: 'ifname with a slash', env: { ...good, CNI_IFNAME: 'et/h0' }, mentions: 'CNI_IFNAME' },
    { name: 'bad CNI_ARGS', env: { ...good, CNI_ARGS: 'K8S_POD_NAME' }, mentions: 'CNI_ARGS' },
  ];
  it.each(cases)('rejects $name with code 4 naming the variable', ({ env, mentions }) => {
    const r = code(env);
    expect(r.code).toBe(CNI_ERR.INVALID_ENV);
    expect(r.message).toContain(mentions);
  });

  it('parses CNI_ARGS pairs, ignoring empty parts', () => {
    expect([...parseCniArgs('A=1;;B=x=y;')]).toEqual([
      ['A', '1'],
      ['B', 'x=y'],
    ]);
  });
});
