// Issue 11 item 4: changing the cluster's AS number (BGPConfiguration default `asNumber`) restarts every node's speaker
// at once; the restart is graceful (no NOTIFICATION, kernel routes kept until the new sessions are back) and a refused
// first connection (the peer's listener not up yet) is retried after 1 s, so a pod pinging another node's pod ten times
// a second loses under 1 s, and no node's route to another node's block disappears. Needs `npm run build`.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describeIf, requireTools } from '../lib/tools';
import { TestLab, type LabStatusJson } from './lab-harness';
import { watchPingAndRoutes } from './ping-watch';

const ok = requireTools('lab AS change', ['ip', 'etcd', 'ping'], { root: true });

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
    const file = path.join(lab.stateDir, 'bgpconfig-asn.yaml');
    writeFileSync(file, 'apiVersion: projectcalico.org/v3\nkind: BGPConfiguration\nmetadata:\n  name: default\nspec:\n  nodeToNodeMeshEnabled: true\n  asNumber: 64513\n');
    const w = await watchPingAndRoutes(lab, st, 'master1', 'node1', () => {
      const applied = lab.run(['lab', 'apply', '-f', file]);
      expect(applied.stderr).toBe('');
      expect(applied.status).toBe(0);
    });
    expect(w.missing).toEqual([]);
    // 10 pings a second: under 10 lost is under 1 s.
    expect(w.lost).toBeLessThan(10);
    for (const n of st.nodes) {
      const status = lab.exec(n.name, ['gingham', 'node', 'status']);
      expect(status.stdout.match(/Established/g)?.length).toBe(2);
    }
  }, 180_000);
});
