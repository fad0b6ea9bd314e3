import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseNetConf } from './cni-config';
import { buildConflist, installCni, wrapperScript } from './install';

describe('cni install', () => {
  it('builds a conflist whose gingham entry the plugin itself accepts', () => {
    const list = buildConflist({ datastoreType: 'etcdv3', etcdEndpoints: 'http://10.0.0.1:2379', nodename: 'n1' });
    expect(list).toMatchObject({ name: 'k8s-pod-network', cniVersion: '1.0.0' });
    const plugins = list.plugins as Array<Record<string, unknown>>;
    expect(plugins.map((p) => p.type)).toEqual(['gingham', 'portmap']);
    // The runtime copies name and cniVersion into each plugin's configuration.
    const conf = parseNetConf(JSON.stringify({ ...plugins[0], name: list.name, cniVersion: list.cniVersion }));
    expect(conf).toMatchObject({ nodename: 'n1', datastoreType: 'etcdv3', etcdEndpoints: ['http://10.0.0.1:2379'], ipam: { type: 'gingham-ipam' } });
    const hl = buildConflist({ datastoreType: 'kubernetes', kubeconfig: '/etc/cni/net.d/gingham-kubeconfig', ipam: 'host-local', portmap: false });
    expect(hl.plugins).toEqual([
      { type: 'gingham', log_level: 'info', log_file_path: '/var/log/gingham/cni/cni.log', datastore_type: 'kubernetes', mtu: 0, ipam: { type: 'host-local', subnet: 'usePodCidr' }, kubernetes: { kubeconfig: '/etc/cni/net.d/gingham-kubeconfig' } },
    ]);
  });

  it('writes executable wrappers and the conflist', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gingham-install-'));
    try {
      const files = installCni({
        binDir: path.join(dir, 'bin'),
        confDir: path.join(dir, 'net.d'),
        node: '/usr/bin/node',
        entries: { gingham: "/opt/g it's/cni-gingham.js", 'gingham-ipam': '/opt/g/cni-gingham-ipam.js' },
        conflist: { name: 'k8s-pod-network' },
      });
      expect(files.map((f) => path.relative(dir, f))).toEqual(['bin/gingham', 'bin/gingham-ipam', 'net.d/10-gingham.conflist']);
      expect(statSync(path.join(dir, 'bin/gingham')).mode & 0o777).toBe(0o755);
      expect(readFileSync(path.join(dir, 'bin/gingham'), 'utf8')).toBe(wrapperScript('/usr/bin/node', "/opt/g it's/cni-gingham.js"));
      expect(wrapperScript('/usr/bin/node', "/opt/g it's/x.js")).toContain(`exec '/usr/bin/node' '/opt/g it'\\''s/x.js' "$@"`);
      expect(JSON.parse(readFileSync(path.join(dir, 'net.d/10-gingham.conflist'), 'utf8'))).toEqual({ name: 'k8s-pod-network' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
