// `gingham node run` (the per-node agent of the DaemonSet) and `gingham node status` (calicoctl node status).
//
// node run: the flags and the environment parsed into runNode's configuration (src/node/run.ts assembles the process),
// then run until SIGTERM/SIGINT. Configuration is the calico-node environment (NODENAME, IP, IP_AUTODETECTION_METHOD, AS, CALICO_IPV4POOL_*) plus the datastore's
// (DATASTORE_TYPE, ETCD_ENDPOINTS, KUBECONFIG or -c FILE).
import fs from 'node:fs';
import os from 'node:os';
import type { Command } from 'commander';
import { ENV, LISTEN_HOSTS, PATHS, PORTS } from '../api/well-known';
import type { NodeStatusReply } from '../api/wire/node-status';
import { CNI_KUBECONFIG_NAME, CNI_SERVICE_ACCOUNT } from '../cni/cni-kubeconfig';
import { startCniTokenRefresh, type CniTokenRefresher } from '../cni/cni-token-refresh';
import { writeCniKubeconfig } from '../cni/install';
import { InUseError } from '../lib/errors';
import { parseLevelSpec, type LogFormat, type Logger } from '../lib/logger';
import type { NodeConfig } from '../node/run';
import { parseStartupEnv, StartupConfigError } from '../node/startup';
import { loadClientConfig } from './client-config';
import { addDatastoreOptions, withDatastore } from './datastore-options';
import type { CliDeps } from './deps';
import { callNodeAgent, formatNodeStatus } from './node-status';
import { CliExit } from './run';

function readNodenameFile(path: string): string {
  try {
    return fs.readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

interface RunOptions {
  readonly config?: string;
  readonly statusSocket: string;
  readonly healthPort: string;
  readonly healthHost: string;
  readonly nodenameFile: string;
  readonly mtuFile: string;
  readonly logFormat: LogFormat;
  readonly logLevel: string;
  readonly cniSocket?: string;
  readonly cniConfDir?: string;
  readonly cniPolicySetupTimeout?: string;
}

/** A TCP port from a flag or the environment, or a CliExit naming where it came from. */
function port(text: string, field: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new CliExit(1, `node run: ${field}: "${text}" is not a port (0-65535)`);
  return n;
}

/**
 * GINGHAM_POLICY: network policy is enforced unless it is `off` (as calico-node always enforces); `enforce` or empty
 * turn it on, anything else is refused. `off` is for a node whose workloads' `kns.<ns>` profiles nobody writes (etcd
 * mode without the controllers): an endpoint whose profiles are missing is dropped, as in Calico.
 */
function policyMode(text: string | undefined): boolean {
  const v = (text ?? '').toLowerCase();
  if (v === 'off') return false;
  if (v === '' || v === 'enforce') return true;
  throw new CliExit(1, `node run: ${ENV.policy}: "${text ?? ''}" is neither enforce nor off`);
}

/** The flags and the environment, as runNode's configuration. Felix's metrics switch is `true` or off. */
export function nodeConfig(opts: RunOptions, env: NodeJS.ProcessEnv): NodeConfig {
  let startup;
  try {
    startup = parseStartupEnv(env, readNodenameFile(opts.nodenameFile) || os.hostname());
  } catch (err) {
    if (err instanceof StartupConfigError) throw new CliExit(1, `node run: ${err.message}`);
    throw err;
  }
  const metricsOn = (env[ENV.metricsEnabled] ?? '').toLowerCase() === 'true';
  return {
    startup,
    statusSocket: opts.statusSocket,
    health: { host: opts.healthHost, port: port(opts.healthPort, '--health-port') },
    ...(metricsOn ? { metrics: { host: env[ENV.metricsHost] ?? LISTEN_HOSTS.metrics, port: port(env[ENV.metricsPort] ?? String(PORTS.metrics), ENV.metricsPort) } } : {}),
    nodenameFile: opts.nodenameFile,
    mtuFile: opts.mtuFile,
    ...(policyMode(env[ENV.policy]) ? { policy: true } : {}),
  };
}

/** An exclusive port or socket held by another process ends `node run` with exit 1 and its name; anything else propagates. */
/**
 * Kubernetes mode on a node where `gingham cni install` wrote the CNI plugin's kubeconfig: the agent renews its token
 * for as long as it runs (cni/cni-token-refresh.ts). Elsewhere (etcd mode, no file, no in-cluster API) nothing starts.
 */
function startCniTokenRenewal(opts: RunOptions, deps: CliDeps, logger: Logger): CniTokenRefresher | undefined {
  const confDir = opts.cniConfDir ?? PATHS.cniConfDir;
  const request = deps.requestServiceAccountToken;
  if (request === undefined || !fs.existsSync(`${confDir}/${CNI_KUBECONFIG_NAME}`)) return undefined;
  if (loadClientConfig(opts.config, deps.configIo).datastoreType !== 'kubernetes') return undefined;
  return startCniTokenRefresh(CNI_SERVICE_ACCOUNT, {
    clock: deps.clock,
    log: logger.child('cni'),
    requestToken: request,
    writeKubeconfig: (text) => void writeCniKubeconfig(confDir, text),
  });
}

function inUse(err: unknown): never {
  if (err instanceof InUseError) throw new CliExit(1, `node run: ${err.message}`);
  throw err;
}

export function registerNode(program: Command, deps: CliDeps): void {
  const node = program.command('node').description('the per-node agent and its status');

  addDatastoreOptions(
    node
      .command('run')
      .description('run the node agent: BGP, routes, tunnels (calico-node)')
      .option('--status-socket <path>', 'status API socket', process.env[ENV.nodeSocket] ?? PATHS.nodeSocket)
      .option('--health-port <port>', 'port of /liveness and /readiness', process.env[ENV.healthPort] ?? String(PORTS.health))
      .option('--health-host <host>', 'address the health endpoints listen on', process.env[ENV.healthHost] ?? LISTEN_HOSTS.health)
      .option('--nodename-file <path>', 'where the node name is remembered', PATHS.nodenameFile)
      .option('--mtu-file <path>', 'where the pod MTU is written for the CNI plugin', process.env[ENV.mtuFile] ?? PATHS.mtuFile)
      .option('--cni-socket <path>', `serve CNI on this unix socket (a DaemonSet: ${PATHS.cniSocket})`, process.env[ENV.cniSocket])
      .option('--cni-conf-dir <path>', `with --cni-socket: write the conflist here once CNI is served (a DaemonSet: ${PATHS.cniConfDir})`)
      .option('--cni-policy-setup-timeout <seconds>', 'with --cni-socket and policy: how long ADD waits for the pod\'s policy to be in the kernel (Calico policy_setup_timeout_seconds; 0: no wait)', '10')
      .option('--log-format <format>', 'text or json', 'text')
      .option('--log-level <spec>', 'levels, e.g. info or info,bgp=debug', 'info'),
  ).action(async (opts: RunOptions) => {
    parseLevelSpec(opts.logLevel);
    const logger = deps.logger({ format: opts.logFormat, levels: opts.logLevel });
    const host = deps.nodeHost;
    if (host === undefined) throw new CliExit(1, 'node run: no netlink access in this build');
    let cfg = nodeConfig(opts, process.env);
    if (opts.cniConfDir !== undefined && opts.cniSocket === undefined) throw new CliExit(1, 'node run: --cni-conf-dir needs --cni-socket');
    if (opts.cniSocket !== undefined) {
      const client = loadClientConfig(opts.config, deps.configIo);
      const datastore = client.datastoreType === 'kubernetes'
        ? { type: client.datastoreType, ...(client.kubernetes.kubeconfig ? { kubeconfig: client.kubernetes.kubeconfig } : {}) }
        : { type: client.datastoreType, etcdEndpoints: client.etcd.endpoints.join(',') };
      const policyWait = Number(opts.cniPolicySetupTimeout ?? '10');
      if (!Number.isFinite(policyWait) || policyWait < 0) throw new CliExit(1, `node run: --cni-policy-setup-timeout ${opts.cniPolicySetupTimeout ?? ''} is not a number of seconds`);
      cfg = { ...cfg, cni: { socket: opts.cniSocket, ...(opts.cniConfDir !== undefined ? { confDir: opts.cniConfDir } : {}), datastore, policySetupTimeoutMs: policyWait * 1000 } };
    }
    const tokens = startCniTokenRenewal(opts, deps, logger);
    const nl = host.openNetlink();
    try {
      await withDatastore(deps, opts, async (store) => {
        // Loaded here, not at the top: every other command would pay for the whole agent (program.ts).
        const { runNode } = await import('../node/run');
        const running = await runNode(cfg, { clock: deps.clock, logger, store, netlink: nl, sysctl: host.sysctl, transport: deps.transport, listener: deps.listener, runCommand: host.runCommand }).catch(inUse);
        const sig = await Promise.race([deps.waitForSignal(['SIGTERM', 'SIGINT']), running.failed.then((err) => ({ err }))]);
        if (typeof sig !== 'string') {
          await running.stop();
          inUse(sig.err);
        }
        logger.child('node').info(`${sig}: stopping (kernel routes stay in place for the next agent)`);
        await running.stop();
      });
    } finally {
      tokens?.stop();
      nl.close();
    }
  });

  node
    .command('status')
    .description('the BGP sessions of the node agent on this host, as calicoctl node status prints them')
    .option('--status-socket <path>', 'status API socket', process.env[ENV.nodeSocket] ?? PATHS.nodeSocket)
    .action(async (opts: { statusSocket: string }) => {
      const reply = await callNodeAgent<NodeStatusReply>(opts.statusSocket, 'GetNodeStatus', 5000);
      deps.stdout(formatNodeStatus(reply.peers, reply.now, reply.datastore));
    });
}
