import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cliHarness } from './testing/cli-harness';

describe('gingham cni install', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'gingham-cli-cni-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes both executables and the conflist', async () => {
    const h = cliHarness();
    const r = await h.run('cni', 'install', '--bin-dir', `${dir}/bin`, '--conf-dir', `${dir}/net.d`, '--datastore-type', 'etcdv3', '--etcd-endpoints', 'http://10.0.0.1:2379', '--nodename', 'n1', '--mtu', '1400');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    // The compiled shim (built by `npm ci`) with the Node plugins beside it as *-node.
    expect(r.stdout).toBe(['gingham', 'gingham-node', 'gingham-ipam', 'gingham-ipam-node'].map((n) => `wrote ${dir}/bin/${n}\n`).join('') + `wrote ${dir}/net.d/10-gingham.conflist\n`);
    expect(readFileSync(`${dir}/bin/gingham`).subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    expect(statSync(`${dir}/bin/gingham-ipam`).mode & 0o111).toBe(0o111);
    const list = JSON.parse(readFileSync(`${dir}/net.d/10-gingham.conflist`, 'utf8')) as { plugins: Array<Record<string, unknown>> };
    expect(list.plugins[0]).toMatchObject({ type: 'gingham', datastore_type: 'etcdv3', etcd_endpoints: 'http://10.0.0.1:2379', nodename: 'n1', mtu: 1400 });
  });

  it.each([
    { args: ['--datastore-type', 'consul'], msg: '--datastore-type must be etcdv3 or kubernetes, got "consul"' },
    { args: ['--datastore-type', 'etcdv3'], msg: '--etcd-endpoints is required' },
    { args: ['--ipam', 'dhcp'], msg: '--ipam must be gingham-ipam or host-local, got "dhcp"' },
    { args: ['--mtu', '5'], msg: "argument '5' is invalid" },
  ])('rejects $args with a message naming the option', async ({ args, msg }) => {
    const r = await cliHarness().run('cni', 'install', '--bin-dir', `${dir}/bin`, '--conf-dir', `${dir}/net.d`, ...args);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(msg);
  });

  it('kubernetes mode in a pod: writes a 0600 kubeconfig from a gingham-cni-plugin token and names its host path in the conflist (Calico install-cni)', async () => {
    const asked: Array<[string, number]> = [];
    const h = cliHarness({
      deps: {
        requestServiceAccountToken: async (name, seconds) => {
          asked.push([name, seconds]);
          return { server: 'https://10.96.0.1:443', ca: Buffer.from('CA PEM'), token: 'tok-123' };
        },
      },
    });
    const r = await h.run('cni', 'install', '--bin-dir', `${dir}/bin`, '--conf-dir', `${dir}/net.d`, '--datastore-type', 'kubernetes', '--nodename', 'n1');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(asked).toEqual([['gingham-cni-plugin', 86400]]);
    expect(r.stdout.split('\n')[0]).toBe(`wrote ${dir}/net.d/gingham-kubeconfig`);
    expect(statSync(`${dir}/net.d/gingham-kubeconfig`).mode & 0o777).toBe(0o600);
    const kc = readFileSync(`${dir}/net.d/gingham-kubeconfig`, 'utf8');
    expect(kc).toContain('    server: https://10.96.0.1:443\n');
    expect(kc).toContain(`    certificate-authority-data: ${Buffer.from('CA PEM').toString('base64')}\n`);
    expect(kc).toContain('    token: tok-123\n');
    const list = JSON.parse(readFileSync(`${dir}/net.d/10-gingham.conflist`, 'utf8')) as { plugins: Array<Record<string, unknown>> };
    expect(list.plugins[0]).toMatchObject({ datastore_type: 'kubernetes', kubernetes: { kubeconfig: '/etc/cni/net.d/gingham-kubeconfig' } });
  });

  it('writes no kubeconfig outside a pod, in etcd mode, or when --kubeconfig names one', async () => {
    const outside = cliHarness({ deps: { requestServiceAccountToken: async () => undefined } });
    expect((await outside.run('cni', 'install', '--bin-dir', `${dir}/bin`, '--conf-dir', `${dir}/a`, '--datastore-type', 'kubernetes')).stdout).not.toContain('gingham-kubeconfig');
    const never = async (): Promise<never> => {
      throw new Error('no TokenRequest expected');
    };
    const h = cliHarness({ deps: { requestServiceAccountToken: never } });
    expect((await h.run('cni', 'install', '--bin-dir', `${dir}/bin`, '--conf-dir', `${dir}/b`, '--datastore-type', 'etcdv3', '--etcd-endpoints', 'http://10.0.0.1:2379')).code).toBe(0);
    const given = await h.run('cni', 'install', '--bin-dir', `${dir}/bin`, '--conf-dir', `${dir}/c`, '--datastore-type', 'kubernetes', '--kubeconfig', '/etc/kube/cni.conf');
    expect(given.code).toBe(0);
    expect(JSON.parse(readFileSync(`${dir}/c/10-gingham.conflist`, 'utf8')).plugins[0].kubernetes).toEqual({ kubeconfig: '/etc/kube/cni.conf' });
  });
});
