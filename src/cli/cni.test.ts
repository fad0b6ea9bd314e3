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
});
