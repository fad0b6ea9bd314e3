// Issue 11 item 9 with a real agent: the lab's etcd frozen (SIGSTOP: connections stay open, nothing answers) is logged
// by the node agent with its cause, shown by `gingham node status`, and its end is logged with the outage's duration.
// (A killed etcd, and the CLI's errors, are in e2e/datastore/etcd-outage.test.ts.) Needs `npm run build`.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describeIf, requireTools } from '../lib/tools';
import { TestLab, eventually } from './lab-harness';

const ok = requireTools('lab datastore outage', ['ip', 'etcd', 'etcdctl', 'python3', 'sysctl'], { root: true });

describeIf(ok)('gingham lab: a frozen datastore', () => {
  let lab: TestLab;

  beforeAll(() => {
    lab = new TestLab('d');
    lab.up(['--nodes', '1', '--pods-per-node', '1']);
  }, 300_000);

  afterAll(() => {
    expect(lab?.down().status).toBe(0);
  }, 120_000);

  it('is logged by the agent and shown by node status, and so is its end, with the duration', async () => {
    const etcdPid = Number(readFileSync(path.join(lab.stateDir, 'pids', 'etcd.pid'), 'utf8').trim());
    const log = (): string => readFileSync(path.join(lab.stateDir, 'logs', 'master1.log'), 'utf8');
    expect(lab.exec('master1', ['gingham', 'node', 'status']).stdout).toMatch(/^Gingham process is running\.\nDatastore \(etcdv3\) reachable since /);
    process.kill(etcdPid, 'SIGSTOP');
    try {
      // The probe runs every 5 s and gives up after 5 s.
      expect(await eventually(() => log().includes('datastore (etcdv3) unreachable: no answer within 5000 ms'), 20_000, 200)).toBe(true);
      const st = lab.exec('master1', ['gingham', 'node', 'status']);
      expect(st.status).toBe(0);
      expect(st.stdout).toMatch(/^Gingham process is running\.\nDatastore \(etcdv3\) UNREACHABLE for \d+ s, since [\d:]+: no answer within 5000 ms\. Routing continues on the last state read\.\n/);
    } finally {
      process.kill(etcdPid, 'SIGCONT');
    }
    expect(await eventually(() => /datastore \(etcdv3\) reachable again after \d+(\.\d)? s unreachable/.test(log()), 20_000, 200)).toBe(true);
    expect(lab.exec('master1', ['gingham', 'node', 'status']).stdout).toMatch(/^Gingham process is running\.\nDatastore \(etcdv3\) reachable since /);
  }, 120_000);
});
