// A datastore outage is visible (issue 11 item 9), against a real etcd on loopback: the DatastoreMonitor the node agent
// runs logs the loss with its cause and the recovery with its duration, for an etcd killed (SIGKILL) and one frozen
// (SIGSTOP: the connection stays open, nothing answers), with the agent's probe timeout (5 s); the CLI names etcd and the cause, never the etcd3 client's
// "circuit breaker is open", and a frozen etcd fails a command within the datastore's 10 s operation budget.
import { EtcdDatastore } from '../../src/datastore/etcd/etcd-datastore';
import { DatastoreMonitor, probeDatastore } from '../../src/datastore/monitor';
import { systemClock } from '../../src/lib/clock';
import { recordingLogger } from '../../src/lib/testing/recording-logger';
import { requireBuiltCli, runCli } from '../cli/gingham-cli';
import { startEtcd, type EtcdServer } from '../lib/etcd';
import { describeIf, requireTools } from '../lib/tools';

const ok = requireTools('etcd outage', ['etcd', 'etcdctl']);

async function until(what: string, cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describeIf(ok)('datastore outage (real etcd)', () => {
  let etcd: EtcdServer | undefined;
  let store: EtcdDatastore | undefined;
  let monitor: DatastoreMonitor | undefined;
  const lines: string[] = [];

  beforeAll(async () => {
    requireBuiltCli();
    etcd = await startEtcd();
    store = new EtcdDatastore({ endpoints: [etcd.endpoint], root: `/gingham-e2e/outage-${process.pid}/calico/resources/v3/projectcalico.org` });
    monitor = new DatastoreMonitor({ backend: 'etcdv3', probe: probeDatastore(store), clock: systemClock, logger: recordingLogger(lines), intervalMs: 300, timeoutMs: 5000 });
    monitor.start();
  }, 30_000);

  afterAll(async () => {
    monitor?.close();
    try {
      if (etcd?.pid !== undefined) process.kill(etcd.pid, 'SIGCONT');
    } catch {
      // already gone
    }
    await store?.close();
    await etcd?.stop();
  }, 30_000);

  const env = (): Record<string, string> => ({ DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: (etcd as EtcdServer).endpoint });

  it('a killed etcd: the loss is logged with "connection refused", the CLI names etcd and the cause, the recovery gives the duration', async () => {
    const e = etcd as EtcdServer;
    process.kill(e.pid as number, 'SIGKILL');
    await until('the loss', () => monitor?.state().connected === false);
    expect(monitor?.state().lastError).toContain(`etcd ${e.endpoint}: connection refused`);
    expect(lines.filter((l) => l.startsWith('warn'))).toEqual([expect.stringContaining(`datastore (etcdv3) unreachable: ClusterInformation default: get unavailable: etcd ${e.endpoint}: connection refused`)]);

    const cli = await runCli(['get', 'ippools'], { env: env(), timeoutMs: 20_000 });
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain(`etcd ${e.endpoint}: connection refused`);
    expect(cli.stderr).not.toContain('circuit breaker');

    await e.stopProcess();
    await e.startProcess();
    await until('the recovery', () => monitor?.state().connected === true);
    expect(lines[lines.length - 1]).toMatch(/^info datastore \(etcdv3\) reachable again after \d+(\.\d)? s unreachable$/);
  }, 60_000);

  it('a frozen etcd: the loss is logged within the probe timeout, and a command fails within 10 s naming etcd', async () => {
    const e = etcd as EtcdServer;
    lines.length = 0;
    process.kill(e.pid as number, 'SIGSTOP');
    try {
      await until('the loss', () => monitor?.state().connected === false, 8000);
      expect(lines[0]).toMatch(/^warn datastore \(etcdv3\) unreachable: /);
      const t0 = Date.now();
      const cli = await runCli(['get', 'ippools'], { env: env(), timeoutMs: 30_000 });
      const took = Date.now() - t0;
      expect(cli.code).toBe(1);
      expect(cli.stderr).toContain(`etcd ${e.endpoint}: `);
      expect(cli.stderr).toContain('no answer within');
      expect(cli.stderr).not.toContain('circuit breaker');
      // The operation budget is 10 s; node's start-up and the exit add little.
      expect(took).toBeLessThan(13_000);
    } finally {
      process.kill(e.pid as number, 'SIGCONT');
    }
    await until('the recovery', () => monitor?.state().connected === true);
    expect(lines[lines.length - 1]).toMatch(/^info datastore \(etcdv3\) reachable again after /);
  }, 60_000);
});
