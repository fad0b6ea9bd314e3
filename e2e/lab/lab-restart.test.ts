// Issue 5, end-to-end test 6: restarting `gingham node run` on one node (`gingham lab restart node1`: SIGTERM, then the
// same command again) withdraws no kernel route on any node and loses no more than 1 s of pings. A pod on master1
// pings a pod on node1 ten times a second through the restart, while the test samples the routes of every node. The
// restarting agent keeps its routes (it defers deletions until its sessions are back); its peers keep its block
// under graceful restart. Needs `npm run build`.
import { describeIf, requireTools } from '../lib/tools';
import { TestLab, type LabStatusJson } from './lab-harness';
import { watchPingAndRoutes } from './ping-watch';

const ok = requireTools('lab restart', ['ip', 'etcd', 'ping'], { root: true });

describeIf(ok)('gingham lab: restarting one node agent', () => {
  let lab: TestLab;
  let st: LabStatusJson;

  beforeAll(() => {
    lab = new TestLab('r');
    lab.up(['--pods-per-node', '1']);
    st = lab.status();
  }, 300_000);

  afterAll(() => {
    expect(lab?.down().status).toBe(0);
  }, 120_000);

  it('withdraws no kernel route anywhere and loses at most 1 s of pings', async () => {
    const w = await watchPingAndRoutes(lab, st, 'master1', 'node1', () => {
      const restart = lab.run(['lab', 'restart', 'node1'], 90_000);
      expect(restart.status).toBe(0);
      expect(restart.stdout).toMatch(/running again \(pid \d+\)/);
    });
    expect(w.samples).toBeGreaterThan(20);
    expect(w.missing).toEqual([]);
    // 10 pings a second: at most 10 lost is at most 1 s.
    expect(w.lost).toBeLessThanOrEqual(10);
    // And the restarted agent is back in the mesh.
    const status = lab.exec('node1', ['gingham', 'node', 'status']);
    expect(status.stdout.match(/Established/g)?.length).toBe(2);
  }, 180_000);
});
