// Issue 11 item 4: changing the cluster's AS number (BGPConfiguration default `asNumber`) restarts every node's speaker
// at once; the restart is graceful (no NOTIFICATION, kernel routes kept until the new sessions are back) and a refused
// first connection (the peer's listener not up yet) is retried after 1 s, so a pod pinging another node's pod ten times
// a second loses under 1 s, and no node's route to another node's block disappears. Needs `npm run build`.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describeIf, requireTools } from '../lib/tools';
import { TestLab, type LabStatusJson } from './lab-harness';

const ok = requireTools('lab AS change', ['ip', 'etcd', 'ping'], { root: true });

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const block = (ip: string): string => `${ip.split('.').slice(0, 3).join('.')}.0/24`;

describeIf(ok)('gingham lab: a new AS number', () => {
  let lab: TestLab;
  let st: LabStatusJson;

  beforeAll(() => {
    lab = new TestLab('a');
    lab.up(['--pods-per-node', '1']);
    st = lab.status();
  }, 300_000);

  afterAll(() => {
    expect(lab?.down().status).toBe(0);
  }, 120_000);

  it('restarts every speaker without withdrawing a route, losing under 1 s of pings', async () => {
    const src = st.pods.find((p) => p.node === 'master1');
    const dst = st.pods.find((p) => p.node === 'node1');
    expect(src?.ip && dst?.ip).toBeTruthy();
    const wanted = st.nodes.map((n) => ({ node: n.name, blocks: st.pods.filter((p) => p.node !== n.name).map((p) => block(p.ip as string)) }));
    for (const w of wanted) for (const b of w.blocks) expect(lab.routes(w.node).some((r) => r.startsWith(`${b} via`))).toBe(true);
    const file = path.join(lab.stateDir, 'bgpconfig-asn.yaml');
    writeFileSync(file, 'apiVersion: projectcalico.org/v3\nkind: BGPConfiguration\nmetadata:\n  name: default\nspec:\n  nodeToNodeMeshEnabled: true\n  asNumber: 64513\n');

    const pinger = spawn('ip', ['netns', 'exec', lab.namespace(src!.name), 'ping', '-i', '0.1', '-c', '150', '-W', '1', dst!.ip as string], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    pinger.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const done = new Promise<void>((resolve) => pinger.on('close', () => resolve()));
    try {
      const missing: string[] = [];
      const sampling = (async () => {
        const until = Date.now() + 14_000;
        while (Date.now() < until) {
          for (const w of wanted) {
            const routes = lab.routes(w.node);
            for (const b of w.blocks) if (!routes.some((r) => r.startsWith(`${b} via`))) missing.push(`${w.node}: ${b}`);
          }
          await sleep(100);
        }
      })();
      await sleep(2000);
      const applied = lab.run(['lab', 'apply', '-f', file]);
      expect(applied.stderr).toBe('');
      expect(applied.status).toBe(0);
      await sampling;
      await done;
      expect(missing).toEqual([]);
      const m = /(\d+) packets transmitted, (\d+) received/.exec(out);
      expect(m).not.toBeNull();
      // 10 pings a second: under 10 lost is under 1 s.
      expect(Number(m![1]) - Number(m![2])).toBeLessThan(10);
    } finally {
      if (pinger.exitCode === null) pinger.kill('SIGKILL');
    }
    for (const n of st.nodes) {
      const status = lab.exec(n.name, ['gingham', 'node', 'status']);
      expect(status.stdout.match(/Established/g)?.length).toBe(2);
    }
  }, 180_000);
});
