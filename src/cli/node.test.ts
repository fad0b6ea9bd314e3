import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serveNodeStatus } from '../node/status-api';
import { cliHarness } from './testing/cli-harness';
import { nodeConfig } from './node';

describe('gingham node status', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'gingham-node-status-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("reads the agent's status socket (mode 0600) and prints calicoctl's table", async () => {
    const socket = path.join(dir, 'node.sock');
    const now = new Date(2026, 11, 1, 12, 0, 0).getTime();
    const server = await serveNodeStatus(socket, () => ({
      nodeName: 'node1',
      now,
      peers: [{ address: '10.0.0.12', type: 'node specific', state: 'Established', since: new Date(2026, 11, 1, 6, 34, 39).getTime() }],
    }));
    try {
      expect(statSync(socket).mode & 0o777).toBe(0o600);
      const res = await cliHarness().run('node', 'status', '--status-socket', socket);
      expect(res.code).toBe(0);
      expect(res.stdout).toContain('Gingham process is running.');
      expect(res.stdout).toContain('| 10.0.0.12    | node specific | up    | 06:34:39 | Established |');
      expect(res.stdout).toContain('No IPv6 peers found.');
    } finally {
      await server.close();
    }
  });

  it('says the process is not running, and exits 1, when nothing answers', async () => {
    const res = await cliHarness().run('node', 'status', '--status-socket', path.join(dir, 'absent.sock'));
    expect(res.code).toBe(1);
    expect(res.stdout + res.stderr).toContain('Gingham process is not running.');
  });
});

describe('gingham node run: flags and environment into the config', () => {
  const opts = { statusSocket: '/run/s.sock', healthPort: '9099', healthHost: 'localhost', nodenameFile: '/nonexistent/nodename', mtuFile: '/tmp/mtu', logFormat: 'text' as const, logLevel: 'info' };

  it('leaves metrics off unless FELIX_PROMETHEUSMETRICSENABLED is true, then takes host and port from the environment', () => {
    expect(nodeConfig(opts, { NODENAME: 'n1' }).metrics).toBeUndefined();
    expect(nodeConfig(opts, { NODENAME: 'n1', FELIX_PROMETHEUSMETRICSENABLED: 'false' }).metrics).toBeUndefined();
    expect(nodeConfig(opts, { NODENAME: 'n1', FELIX_PROMETHEUSMETRICSENABLED: 'True' }).metrics).toEqual({ host: '0.0.0.0', port: 9091 });
    expect(nodeConfig(opts, { NODENAME: 'n1', FELIX_PROMETHEUSMETRICSENABLED: 'true', FELIX_PROMETHEUSMETRICSPORT: '9200', FELIX_PROMETHEUSMETRICSHOST: '127.0.0.1' }).metrics).toEqual({ host: '127.0.0.1', port: 9200 });
  });

  it('names the field of a bad port or a bad calico-node variable', () => {
    expect(() => nodeConfig({ ...opts, healthPort: 'x' }, { NODENAME: 'n1' })).toThrow('--health-port: "x" is not a port');
    expect(() => nodeConfig(opts, { NODENAME: 'n1', FELIX_PROMETHEUSMETRICSENABLED: 'true', FELIX_PROMETHEUSMETRICSPORT: '70000' })).toThrow('FELIX_PROMETHEUSMETRICSPORT');
    expect(() => nodeConfig(opts, { NODENAME: 'n1', IP: 'nonsense' })).toThrow('IP:');
  });

  it('enforces network policy unless GINGHAM_POLICY is off, and refuses other values', () => {
    expect(nodeConfig(opts, { NODENAME: 'n1' }).policy).toBe(true);
    expect(nodeConfig(opts, { NODENAME: 'n1', GINGHAM_POLICY: 'enforce' }).policy).toBe(true);
    expect(nodeConfig(opts, { NODENAME: 'n1', GINGHAM_POLICY: 'Off' }).policy).toBeUndefined();
    expect(() => nodeConfig(opts, { NODENAME: 'n1', GINGHAM_POLICY: 'audit' })).toThrow('GINGHAM_POLICY: "audit" is neither enforce nor off');
  });

  it('takes the node name, health endpoint and file paths', () => {
    const cfg = nodeConfig(opts, { NODENAME: 'n1' });
    expect(cfg).toMatchObject({ statusSocket: '/run/s.sock', health: { host: 'localhost', port: 9099 }, mtuFile: '/tmp/mtu', startup: { nodeName: 'n1' } });
  });
});
