import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serveNodeStatus } from '../node/status-api';
import { cliHarness } from './testing/cli-harness';

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
