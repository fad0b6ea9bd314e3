// The CNI benches' node: a namespace standing for the host (addNodeNamespace), etcd relayed into it, the installed
// executables (the compiled shim, as `gingham cni install` installs them, the Node plugins beside) and the agent,
// `gingham node run --cni-socket`, inside it; ready once the agent has written its conflist.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CNI_SHIM_BINARY, CONFLIST_NAME, buildConflist, installCni } from '../../src/cni/install';
import type { EtcdServer } from '../../e2e/lib/etcd';
import { cleanupAll, spawnDaemon, stopProcess, waitFor } from '../../e2e/lib/process';
import { addNodeNamespace, deleteNetns, relayIntoNamespace, type PluginRun } from '../../e2e/cni/cni-lab';

const ROOT = path.join(__dirname, '..', '..');

export interface AgentLab {
  readonly pid: number;
  readonly socket: string;
  readonly binDir: string;
  /** The gingham plugin's configuration from the agent's conflist (cni_socket included). */
  readonly conf: Record<string, unknown>;
  stop(): Promise<void>;
}

/** The node namespace `host` (address hostIp/24, default route via gateway) must not exist yet; `created` records it. */
export async function startAgentLab(o: { work: string; host: string; node: string; hostIp: string; gateway: string; etcd: EtcdServer; created: string[] }): Promise<AgentLab> {
  const { work, host } = o;
  o.created.push(host);
  addNodeNamespace(host, o.hostIp, o.gateway);
  const relay = await relayIntoNamespace(host, Number(new URL(o.etcd.endpoint).port), path.join(work, 'etcd.sock'));
  let pid: number | undefined;
  const stop = async (): Promise<void> => {
    if (pid !== undefined) await stopProcess(pid).catch(() => undefined);
    await relay.close();
  };
  try {
    const binDir = path.join(work, 'bin');
    installCni({ binDir, confDir: path.join(work, 'scratch'), node: process.execPath, entries: { gingham: path.join(ROOT, 'dist/cmd/cni-gingham.js'), 'gingham-ipam': path.join(ROOT, 'dist/cmd/cni-gingham-ipam.js') }, conflist: buildConflist({ datastoreType: 'etcdv3' }), shim: CNI_SHIM_BINARY });
    writeFileSync(path.join(work, 'mtu'), '1450\n');
    const socket = path.join(work, 'run', 'cni.sock');
    // GINGHAM_AGENT_NODE_ARGS: extra node options for the agent (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
    const nodeArgs = (process.env.GINGHAM_AGENT_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
    const agent = spawnDaemon({
      name: 'agent',
      cmd: 'ip',
      args: ['netns', 'exec', host, process.execPath, ...nodeArgs, path.join(ROOT, 'dist/cmd/gingham.js'), 'node', 'run', '--cni-socket', socket, '--cni-conf-dir', path.join(work, 'net.d'), '--status-socket', path.join(work, 'node.sock'), '--health-host', '127.0.0.1', '--health-port', '0', '--nodename-file', path.join(work, 'nodename'), '--mtu-file', path.join(work, 'mtu-agent')],
      workDir: work,
      env: { PATH: process.env.PATH, NODENAME: o.node, IP: `${o.hostIp}/24`, DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: o.etcd.endpoint },
    });
    pid = agent.pid;
    await waitFor(() => (agent.exited() ? Promise.reject(new Error(agent.logTail())) : existsSync(path.join(work, 'net.d', CONFLIST_NAME))), 60000, 'the agent to serve CNI');
    const list = JSON.parse(readFileSync(path.join(work, 'net.d', CONFLIST_NAME), 'utf8')) as { name: string; cniVersion: string; plugins: Array<Record<string, unknown>> };
    const conf: Record<string, unknown> = { ...list.plugins[0], name: list.name, cniVersion: list.cniVersion, mtu_file: path.join(work, 'mtu'), ipam_lock_file: path.join(work, 'ipam.lock') };
    return { pid: agent.pid, socket, binDir, conf, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Wall clock ms of one plugin call; a failed call fails the bench. */
export async function timed(run: () => Promise<PluginRun>, what: string): Promise<number> {
  const t0 = process.hrtime.bigint();
  const r = await run();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.code !== 0) throw new Error(`${what} failed (${String(r.code)}): ${r.stdout} ${r.stderr}`);
  return ms;
}


/** The end of a bench: the agent stopped, the namespaces it created deleted (last first), etcd and its client closed. */
export async function teardownLab(o: { stopAgent?: () => Promise<void>; created: string[]; store: { close(): Promise<void> }; etcd: EtcdServer }): Promise<void> {
  await o.stopAgent?.();
  for (const ns of [...o.created].reverse()) deleteNetns(ns);
  await o.store.close();
  await o.etcd.stop();
  await cleanupAll();
}
