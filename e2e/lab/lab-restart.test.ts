// Issue 5, end-to-end test 6: restarting `gingham node run` on one node (`gingham lab restart node1`: SIGTERM, then the
// same command again) withdraws no kernel route on any node and loses no more than 1 s of pings. A pod on master1
// pings a pod on node1 ten times a second through the restart, while the test samples the routes of every node. The
// restarting agent keeps its routes (it defers deletions until its sessions are back); its peers keep its block
// under graceful restart. Needs `npm run build`.
import { spawn } from 'node:child_process';
import { describeIf, requireTools } from '../lib/tools';
import { TestLab, type LabStatusJson } from './lab-harness';

const ok = requireTools('lab restart', ['ip', 'etcd', 'ping'], { root: true });

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const block = (ip: string): string => `${ip.split('.').slice(0, 3).join('.')}.0/24`;

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
    const src = st.pods.find((p) => p.node === 'master1');
    const dst = st.pods.find((p) => p.node === 'node1');
    expect(src?.ip && dst?.ip).toBeTruthy();
    // Every node's routes to the other nodes' blocks, which must be there at every sample.
    const wanted = st.nodes.map((n) => ({ node: n.name, blocks: st.pods.filter((p) => p.node !== n.name).map((p) => block(p.ip as string)) }));
    for (const w of wanted) for (const b of w.blocks) expect(lab.routes(w.node).some((r) => r.startsWith(`${b} via`))).toBe(true);

    const pinger = spawn('ip', ['netns', 'exec', lab.namespace(src!.name), 'ping', '-i', '0.1', '-c', '150', '-W', '1', dst!.ip as string], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    pinger.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const done = new Promise<void>((resolve) => pinger.on('close', () => resolve()));
    try {
      let samples = 0;
      const missing: string[] = [];
      const sampling = (async () => {
        const until = Date.now() + 14_000;
        while (Date.now() < until) {
          for (const w of wanted) {
            const routes = lab.routes(w.node);
            for (const b of w.blocks) if (!routes.some((r) => r.startsWith(`${b} via`))) missing.push(`${w.node}: ${b}`);
          }
          samples++;
          await sleep(100);
        }
      })();
      await sleep(2000);
      const restart = lab.run(['lab', 'restart', 'node1'], 90_000);
      expect(restart.status).toBe(0);
      expect(restart.stdout).toMatch(/running again \(pid \d+\)/);
      await sampling;
      await done;
      expect(samples).toBeGreaterThan(20);
      expect(missing).toEqual([]);
      const m = /(\d+) packets transmitted, (\d+) received/.exec(out);
      expect(m).not.toBeNull();
      const lost = Number(m![1]) - Number(m![2]);
      // 10 pings a second: at most 10 lost is at most 1 s.
      expect(lost).toBeLessThanOrEqual(10);
    } finally {
      if (pinger.exitCode === null) pinger.kill('SIGKILL');
    }
    // And the restarted agent is back in the mesh.
    const status = lab.exec('node1', ['gingham', 'node', 'status']);
    expect(status.stdout.match(/Established/g)?.length).toBe(2);
  }, 180_000);
});
