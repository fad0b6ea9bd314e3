import { CNI_ERR, CniError } from './cni-error';
import { parseNetConf } from './cni-config';
import { delegateIpam, findPlugin, hostLocalConf, type ExecPlugin } from './delegate';
import { confText } from './testing/fakes';

describe('IPAM delegation', () => {
  it('finds the plugin in CNI_PATH first, then /opt/cni/bin and /usr/lib/cni', () => {
    const have = new Set(['/usr/lib/cni/host-local', '/x/host-local']);
    expect(findPlugin('host-local', ['/x'], (f) => have.has(f))).toBe('/x/host-local');
    expect(findPlugin('host-local', [], (f) => have.has(f))).toBe('/usr/lib/cni/host-local');
    expect(() => findPlugin('nope', ['/x'], () => false)).toThrow('IPAM plugin "nope" not found in /x:/opt/cni/bin:/usr/lib/cni');
    expect(() => findPlugin('../bin/sh', [], () => true)).toThrow('is not a plugin name');
  });

  it('replaces usePodCidr with the node pod CIDR and keeps other keys', async () => {
    const conf = parseNetConf(confText({ ipam: { type: 'host-local', subnet: 'usePodCidr', dataDir: '/tmp/x' } }));
    const out = await hostLocalConf(conf, async () => '10.85.3.0/24');
    expect(out.ipam).toEqual({ type: 'host-local', subnet: '10.85.3.0/24', dataDir: '/tmp/x' });
    expect(out.name).toBe('k8s-pod-network');
  });

  it('passes the result through, and the delegate error code and message', async () => {
    const calls: Array<{ env: NodeJS.ProcessEnv; stdin: string }> = [];
    const ok: ExecPlugin = async (_f, env, stdin) => {
      calls.push({ env, stdin });
      return { code: 0, stdout: JSON.stringify({ cniVersion: '1.0.0', ips: [{ address: '10.85.3.2/24', gateway: '10.85.3.1' }] }), stderr: '' };
    };
    const r = await delegateIpam('ADD', 'host-local', { a: 1 }, { exec: ok, env: { CNI_COMMAND: 'X', OTHER: 'y' }, cniPath: ['/usr/lib/cni'] });
    expect(r?.ips).toEqual([{ address: '10.85.3.2/24', gateway: '10.85.3.1' }]);
    expect(calls[0]?.env).toMatchObject({ CNI_COMMAND: 'ADD', OTHER: 'y' });
    expect(calls[0]?.stdin).toBe('{"a":1}');

    const bad: ExecPlugin = async () => ({ code: 1, stdout: JSON.stringify({ code: 7, msg: 'invalid range set', details: 'x' }), stderr: '' });
    const err = await delegateIpam('ADD', 'host-local', {}, { exec: bad, env: {}, cniPath: ['/usr/lib/cni'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CniError);
    expect((err as CniError).cniCode).toBe(CNI_ERR.INVALID_CONFIG);
    expect((err as CniError).msg).toBe('IPAM plugin host-local: invalid range set');
  });
});
