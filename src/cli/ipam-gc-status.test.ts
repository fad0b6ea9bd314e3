// `gingham ipam gc status` against a running controllers process (memory datastore, fake API server): the report the
// leader serves on its metrics port, as a table and as JSON, and the errors for an unreachable address.
import { runControllers, type RunningControllers } from '../controllers/run';
import { FakeKube } from '../controllers/testing/fake-kube';
import { IpamAllocator } from '../ipam';
import { FakeClock } from '../lib/fake-clock';
import { nullLogger } from '../lib/logger';
import type { GcStatusReport } from '../controllers/gc-status';
import { cliHarness } from './testing/cli-harness';

describe('gingham ipam gc status', () => {
  let running: RunningControllers | undefined;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });

  it('shows each leak candidate with since when, why and what blocks its release (table and -o json)', async () => {
    const h = cliHarness();
    await h.store.create({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'pool-a' }, spec: { cidr: '10.65.0.0/16', blockSize: 26 } });
    await h.store.create({ apiVersion: 'projectcalico.org/v3', kind: 'KubeControllersConfiguration', metadata: { name: 'default' }, spec: { controllers: { node: { leakGracePeriod: '10m' } } } });
    const kube = new FakeKube();
    kube.addNode('n1');
    const ipam = new IpamAllocator(h.store);
    const leaked = await ipam.autoAssign({ handleId: 'k8s-pod-network.gone', hostname: 'n1', num4: 1, attrs: { namespace: 'default', pod: 'gone', node: 'n1' } });
    const clock = new FakeClock();
    const t0 = new Date(clock.now()).toISOString();
    running = await runControllers({ datastoreType: 'kubernetes', identity: 'r1', metricsHost: '127.0.0.1', metricsPort: 0 }, { clock, logger: nullLogger, store: h.store, kube });
    const url = `http://127.0.0.1:${running.metricsPort}`;
    const before = await h.run('ipam', 'gc', 'status', '--controllers', url);
    expect(before.code).toBe(1);
    expect(before.stderr).toMatch(/answered 503: .*no garbage-collection pass yet/);

    await running.runPass();
    clock.advance(4 * 60_000); // the batched pass that was due runs now: six minutes left
    const json = await h.run('ipam', 'gc', 'status', '--controllers', url, '-o', 'json');
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as GcStatusReport;
    const ip = leaked.ipv4[0]!.split('/')[0]!;
    expect(report.candidates).toEqual([
      { ip, block: expect.any(String) as string, pool: 'pool-a', node: 'n1', handle: 'k8s-pod-network.gone', pod: 'default/gone', reason: 'pod-not-found', since: t0, confirmed: false, blockedBy: { kind: 'grace-period', remainingMs: 360_001 } },
    ]);

    clock.advance(3 * 60_000);
    await running.runPass(); // three minutes later: three minutes left
    const table = await h.run('ipam', 'gc', 'status', '--controllers', url);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('Leak candidates (1):');
    expect(table.stdout).toMatch(new RegExp(`${ip.replace(/\./g, '\\.')} +n1 +default/gone +k8s-pod-network\\.gone +pod not found +${t0.replace(/\./g, '\\.')} +no +grace period: 3m1s left`));
  });

  it('says where it looked when the controllers cannot be reached, and refuses a bad -o', async () => {
    const h = cliHarness();
    const r = await h.run('ipam', 'gc', 'status', '--controllers', 'http://127.0.0.1:1');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot reach the controllers at http://127.0.0.1:1/gc-status');
    expect((await h.run('ipam', 'gc', 'status', '-o', 'yaml')).stderr).toContain('-o: must be table or json');
  });
});
