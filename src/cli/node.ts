// `gingham node run` (the per-node agent of the DaemonSet) and `gingham node status` (calicoctl node status).
//
// node run: start-up as calico-node (node name, IP autodetection, Node resource, default pool and configuration),
// then the agent (src/node/agent.ts), its status socket and health endpoints, until SIGTERM/SIGINT. Configuration is
// the calico-node environment (NODENAME, IP, IP_AUTODETECTION_METHOD, AS, CALICO_IPV4POOL_*) plus the datastore's
// (DATASTORE_TYPE, ETCD_ENDPOINTS, KUBECONFIG or -c FILE).
import fs from 'node:fs';
import os from 'node:os';
import type { Command } from 'commander';
import { Speaker } from '../bgp/speaker';
import { describeError, InUseError } from '../lib/errors';
import { parseLevelSpec, type LogFormat } from '../lib/logger';
import type { Netlink } from '../netlink/netlink';
import { DatastoreCache, DatastoreMonitor, probeDatastore } from '../datastore';
import { NodeAgent } from '../node/agent';
import { NODE_CALC_KINDS } from '../node/calc/kinds';
import { autodetectAddress, type InterfaceAddresses } from '../node/autodetect';
import { allReady, bgpReadiness, datastoreReadiness, serveHealth } from '../node/health';
import { ENV, LISTEN_HOSTS, PATHS, PORTS } from '../api/well-known';
import type { NodeStatusReply } from '../api/wire/node-status';
import { nodeStatusClient, serveNodeStatus } from '../node/status-api';
import { ensureDefaultConfig, ensureDefaultPool, ensureNode, parseStartupEnv, StartupConfigError } from '../node/startup';
import { UnreachableError } from '../lib/unix-grpc';
import { addDatastoreOptions, withDatastore } from './datastore-options';
import type { CliDeps } from './deps';
import { formatNodeStatus, NOT_RUNNING } from './node-status';
import { CliExit } from './run';

function readNodenameFile(path: string): string {
  try {
    return fs.readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

async function interfaces(nl: Netlink): Promise<InterfaceAddresses[]> {
  const links = await nl.listLinks();
  const addrs = await nl.listAddresses();
  return links.map((l) => ({ name: l.name, up: l.up, addresses: addrs.filter((a) => a.linkIndex === l.index).map((a) => a.cidr) }));
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
}

/** An exclusive port or socket held by another process ends `node run` with exit 1 and its name; anything else propagates. */
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
      .option('--log-format <format>', 'text or json', 'text')
      .option('--log-level <spec>', 'levels, e.g. info or info,bgp=debug', 'info'),
  ).action(async (opts: RunOptions) => {
    parseLevelSpec(opts.logLevel);
    const logger = deps.logger({ format: opts.logFormat, levels: opts.logLevel });
    const log = logger.child('node');
    if (deps.openNetlink === undefined) throw new CliExit(1, 'node run: no netlink access in this build');
    let cfg;
    try {
      cfg = parseStartupEnv(process.env, readNodenameFile(opts.nodenameFile) || os.hostname());
    } catch (err) {
      if (err instanceof StartupConfigError) throw new CliExit(1, `node run: ${err.message}`);
      throw err;
    }
    const nl = deps.openNetlink();
    try {
      await withDatastore(deps, opts, async (store) => {
        // Address: explicit, or autodetected now (the parent interface is the one that holds it).
        const ifaces = await interfaces(nl);
        let address: string | undefined;
        if (cfg.ip.kind === 'explicit') address = cfg.ip.cidr;
        else if (cfg.ip.kind === 'autodetect') address = await autodetectAddress(cfg.ip.method, ifaces, 4);
        const parent = address === undefined ? 'eth0' : (ifaces.find((i) => i.addresses.includes(address as string))?.name ?? 'eth0');
        const nodeRes = await ensureNode(store, cfg.nodeName, address, cfg.asn);
        log.info(`node ${cfg.nodeName}: address ${nodeRes.spec?.bgp?.ipv4Address ?? '(none)'} on ${parent}`);
        if (cfg.defaultPool && (await ensureDefaultPool(store, cfg.defaultPool))) log.info(`created IPPool default-ipv4-ippool ${cfg.defaultPool.cidr}`);
        await ensureDefaultConfig(store);
        try {
          fs.mkdirSync(opts.nodenameFile.replace(/\/[^/]*$/, ''), { recursive: true });
          fs.writeFileSync(opts.nodenameFile, `${cfg.nodeName}\n`);
        } catch (err) {
          log.warn(`cannot write ${opts.nodenameFile}: ${describeError(err)}`);
        }
        const hostMtu = (await nl.getLink(parent).catch(() => undefined))?.mtu ?? 1500;
        // Pods' traffic is forwarded by this node (and proxy ARP only answers on a forwarding host).
        try {
          fs.writeFileSync('/proc/sys/net/ipv4/ip_forward', '1\n');
        } catch (err) {
          log.warn(`cannot turn IPv4 forwarding on: ${describeError(err)}`);
        }
        // Felix's switch and port for Prometheus metrics (off by default, as in Calico).
        const metricsEnabled = (process.env[ENV.metricsEnabled] ?? '').toLowerCase() === 'true';
        const ref: { agent?: NodeAgent } = {};
        let failAgent: (err: unknown) => void = () => undefined;
        const fatal = { promise: new Promise<{ err: unknown }>((resolve) => (failAgent = (err) => resolve({ err }))), fail: (err: unknown) => failAgent(err) };
        // Whether the datastore answers: logged on every change, shown by node status, metrics and readiness.
        const monitor = new DatastoreMonitor({ backend: store.backend, probe: probeDatastore(store), clock: deps.clock, logger });
        // prom-client is loaded only when metrics are on (it is a tenth of the process's idle memory).
        const { NodeMetrics, serveMetrics } = metricsEnabled ? await import('../node/metrics') : { NodeMetrics: undefined, serveMetrics: undefined };
        const metrics =
          NodeMetrics !== undefined
            ? new NodeMetrics(() =>
                (ref.agent?.speakerInstance()?.status().peers ?? []).map((p) => ({
                  peer: p.address,
                  state: p.state,
                  prefixesReceived: p.prefixesReceived.ipv4 + p.prefixesReceived.ipv6,
                  prefixesSent: p.prefixesSent.ipv4 + p.prefixesSent.ipv6,
                  updatesIn: p.updatesIn,
                  updatesOut: p.updatesOut,
                })),
                () => monitor.state(),
              )
            : undefined;
        const cache = new DatastoreCache(store, NODE_CALC_KINDS, (err) => log.error(`resource cache listener failed: ${describeError(err)}`));
        const agent = new NodeAgent(
          { nodeName: cfg.nodeName, parentInterface: parent, hostMtu, mtuFile: opts.mtuFile },
          {
            store,
            cache,
            netlink: nl,
            clock: deps.clock,
            logger,
            newSpeaker: (sc) => new Speaker(sc, { clock: deps.clock, transport: deps.transport, listener: deps.listener, logger }),
            ...(deps.runCommand ? { runCommand: deps.runCommand } : {}),
            ...(metrics ? { metrics } : {}),
            onFatal: (err) => fatal.fail(err),
          },
        );
        ref.agent = agent;
        const reply = (): NodeStatusReply => ({
          nodeName: cfg.nodeName,
          now: deps.clock.now(),
          peers: agent.peerStatus().map((p) => ({
            address: p.peer.address,
            type: p.peer.type,
            state: p.state,
            since: p.since,
            ...(p.lastError ? { lastError: p.lastError } : {}),
            ...(p.peer.notStarted ? { notStarted: p.peer.notStarted } : {}),
          })),
          datastore: monitor.state(),
        });
        // The status socket, the health port and (in agent.start) the BGP port are this node's agent's alone: when
        // another process holds one, exit non-zero naming it, before anything is written to the kernel.
        const started = deps.clock.now();
        const status = await serveNodeStatus(opts.statusSocket, reply).catch(inUse);
        const health = await serveHealth(opts.healthHost, Number(opts.healthPort), () =>
          allReady([bgpReadiness(reply().peers, deps.clock.now() - started), datastoreReadiness(monitor.state(), deps.clock.now())]),
        ).catch(async (err: unknown) => {
          await status.close();
          return inUse(err);
        });
        try {
          await agent.start();
        } catch (err) {
          await health.close();
          await status.close();
          await agent.close();
          inUse(err);
        }
        monitor.start();
        const metricsServer = metrics && serveMetrics ? await serveMetrics(process.env[ENV.metricsHost] ?? LISTEN_HOSTS.metrics, Number(process.env[ENV.metricsPort] ?? PORTS.metrics), metrics) : undefined;
        log.info(`node agent running; status on ${opts.statusSocket}, health on ${opts.healthHost}:${health.port}${metricsServer ? `, metrics on :${metricsServer.port}` : ''}`);
        const sig = await Promise.race([deps.waitForSignal(['SIGTERM', 'SIGINT']), fatal.promise]);
        if (typeof sig === 'string') log.info(`${sig}: stopping (kernel routes stay in place for the next agent)`);
        else log.error(`stopping: ${describeError(sig.err)}`);
        monitor.close();
        await metricsServer?.close();
        await health.close();
        await status.close();
        await agent.close();
        await cache.close();
        if (typeof sig !== 'string') inUse(sig.err);
      });
    } finally {
      nl.close();
    }
  });

  node
    .command('status')
    .description('the BGP sessions of the node agent on this host, as calicoctl node status prints them')
    .option('--status-socket <path>', 'status API socket', process.env[ENV.nodeSocket] ?? PATHS.nodeSocket)
    .action(async (opts: { statusSocket: string }) => {
      const client = nodeStatusClient(opts.statusSocket);
      try {
        const reply = await client.call<NodeStatusReply>('GetNodeStatus', {}, 5000);
        deps.stdout(formatNodeStatus(reply.peers, reply.now, reply.datastore));
      } catch (err) {
        if (err instanceof UnreachableError && err.nothingAnswered) throw new CliExit(1, NOT_RUNNING.trimEnd());
        throw err;
      } finally {
        client.close();
      }
    });
}
