// A second `gingham node run` on a node whose agent is running (issue 11 item 8): it must exit 1 naming what the first
// one holds — its status socket, its health port, the BGP port — and never take the status socket over; the first
// agent keeps answering `node status`. On a one-node lab; needs `npm run build`.
import path from 'node:path';
import { describeIf, requireTools } from '../lib/tools';
import { GINGHAM, TestLab } from './lab-harness';

const ok = requireTools('lab', ['ip', 'etcd', 'etcdctl', 'python3', 'sysctl'], { root: true });

describeIf(ok)('a second node agent on a busy node', () => {
  let lab: TestLab;

  beforeAll(() => {
    lab = new TestLab('s');
    lab.up(['--nodes', '1', '--pods-per-node', '1']);
  }, 300_000);

  afterAll(() => {
    lab.down();
  }, 120_000);

  const second = (args: readonly string[]): ReturnType<TestLab['exec']> =>
    lab.exec('master1', [process.execPath, GINGHAM, 'node', 'run', '--nodename-file', path.join(lab.stateDir, 'second-nodename'), '--mtu-file', path.join(lab.stateDir, 'second-mtu'), '--health-host', '127.0.0.1', ...args], 60_000);

  it('exits 1 naming the status socket, the health port, then the BGP port; the first agent keeps its socket', () => {
    const socket = lab.status().nodes[0]!.statusSocket;
    const bySocket = second([]);
    expect(bySocket.status).toBe(1);
    expect(bySocket.stderr).toContain(`node run: status socket ${socket} is in use by another process`);

    const byHealth = second(['--status-socket', path.join(lab.stateDir, 'second.sock')]);
    expect(byHealth.status).toBe(1);
    expect(byHealth.stderr).toContain('node run: health port 127.0.0.1:9099 is in use by another process');

    const byBgp = second(['--status-socket', path.join(lab.stateDir, 'second.sock'), '--health-port', '19099']);
    expect(byBgp.status).toBe(1);
    expect(byBgp.stderr).toMatch(/node run: BGP port [0-9.]+:179 is in use by another process/);

    // The first agent still answers on its socket.
    const st = lab.exec('master1', [process.execPath, GINGHAM, 'node', 'status']);
    expect(st.status).toBe(0);
    expect(st.stdout).toMatch(/^Gingham process is running\.\nDatastore \(etcdv3\) reachable since /);
  }, 180_000);
});
