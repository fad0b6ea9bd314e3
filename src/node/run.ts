// The node process, assembled in one place (calico-node's startup then Felix and the BGP daemon): `runNode(config,
// deps)` does calico-node's start-up (address autodetection, the Node resource, the default pool and configuration,
// the nodename file, IPv4 forwarding), then builds the process's parts (one resource cache, the IPAM allocator, the
// dataplane façade, the agent) and serves the status socket, the health endpoints and, when enabled, the metrics. It
// returns a handle whose stop() takes them down in reverse order. `gingham node run` (cli/node.ts) only parses flags
// and the environment into a NodeConfig and waits for a signal.
//
// Everything that touches the host is in NodeDeps (netlink, sysctl, the speaker's sockets, the command runner), so a
// test can run the whole process on fakes. The datastore and netlink handles are the caller's: it opens and closes them.
import fs from 'node:fs';
import path from 'node:path';
import type { NodeStatusReply } from '../api/wire/node-status';
import { Speaker, type SpeakerDeps } from '../bgp/speaker';
import type { SysctlWriter } from '../cni/sysctl';
import { DatastoreCache, DatastoreMonitor, probeDatastore, type Datastore } from '../datastore';
import { Dataplane } from '../felix/dataplane';
import { nftRunnerFrom, PolicyDataplane } from '../felix/policy-dataplane';
import type { CommandRunner } from '../lib/command-runner';
import { IpamAllocator } from '../ipam';
import type { Clock } from '../lib/clock';
import { describeError, GinghamError } from '../lib/errors';
import { parseIpOrCidr } from '../lib/ip';
import type { Logger } from '../lib/logger';
import type { Netlink } from '../netlink/netlink';
import { NodeAgent } from './agent';
import { autodetectAddress, type InterfaceAddresses } from './autodetect';
import { AGENT_FAMILY } from './calc/family';
import { nodeKinds, OPTIONAL_KIND_RETRY_MS, OPTIONAL_NODE_KINDS, POLICY_FAMILIES } from './calc/kinds';
import { CNI_CACHE_KINDS, startNodeCni, type NodeCniConfig } from './cni-serve';
import { allReady, bgpReadiness, datastoreReadiness, serveHealth } from './health';
import type { NodeMetrics } from './metrics';
import { ensureDefaultConfig, ensureDefaultPool, ensureNode, type StartupConfig } from './startup';
import { serveNodeStatus } from './status-api';
import { policyStatsReply } from './policy-stats';
import { NflogSocket } from '../netlink/nflog-socket';

export interface NodeConfig {
  /** calico-node's environment, parsed (node/startup.ts parseStartupEnv). */
  readonly startup: StartupConfig;
  /** The status API's unix socket. */
  readonly statusSocket: string;
  readonly health: { readonly host: string; readonly port: number };
  /** Prometheus metrics (Felix's PrometheusMetrics*); absent: off, as in Calico. */
  readonly metrics?: { readonly host: string; readonly port: number };
  /** Where the node name is written for the CNI plugin. */
  readonly nodenameFile: string;
  /** Where the pod MTU is written for the CNI plugin. */
  readonly mtuFile: string;
  /** Enforce network policy (nftables through runCommand); absent: policy is not programmed. */
  readonly policy?: boolean;
  /** The CNI service (node/cni-serve.ts); absent: not served (the lab, where nodes share one filesystem). */
  readonly cni?: NodeCniConfig;
}

export interface NodeDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly store: Datastore;
  /** rtnetlink in the node's network namespace. */
  readonly netlink: Netlink;
  /** Writes /proc/sys (net.ipv4.ip_forward). */
  readonly sysctl: SysctlWriter;
  /** The BGP speaker's outbound connections and listening socket. */
  readonly transport: SpeakerDeps['transport'];
  readonly listener: SpeakerDeps['listener'];
  /** Runs iptables for NAT outgoing; absent: NAT outgoing is not programmed. */
  readonly runCommand?: CommandRunner;
}

export interface RunningNode {
  readonly nodeName: string;
  readonly agent: NodeAgent;
  /** Whether the datastore answers (logged on every change; in node status, the metrics and readiness). */
  readonly datastore: DatastoreMonitor;
  /** Resolves with the error when the agent cannot go on (its BGP port taken by another process): stop and exit 1. */
  readonly failed: Promise<unknown>;
  /** Stops the servers, the agent and the cache (kernel routes stay for the next agent). */
  stop(): Promise<void>;
}

export const NODE_START_ERR = {
  /** The node's address is on no interface of this host. */
  NO_INTERFACE: 'NO_INTERFACE',
} as const;

export class NodeStartError extends GinghamError {}

async function interfaces(nl: Netlink): Promise<InterfaceAddresses[]> {
  const links = await nl.listLinks();
  const addrs = await nl.listAddresses();
  return links.map((l) => ({ name: l.name, up: l.up, addresses: addrs.filter((a) => a.linkIndex === l.index).map((a) => a.cidr) }));
}

/** The interface that holds `cidr`'s address (the prefix lengths may differ: IP=10.0.0.5 is the address of 10.0.0.5/24). */
export function interfaceHolding(ifaces: readonly InterfaceAddresses[], cidr: string): string | undefined {
  const want = parseIpOrCidr(cidr);
  return ifaces.find((i) => i.addresses.some((a) => {
    const have = parseIpOrCidr(a);
    return have.family === want.family && have.addr === want.addr;
  }))?.name;
}

function writeNodenameFile(file: string, nodeName: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${nodeName}\n`);
}

export async function runNode(cfg: NodeConfig, deps: NodeDeps): Promise<RunningNode> {
  const { clock, logger, store, netlink: nl } = deps;
  const log = logger.child('node');
  const { startup } = cfg;

  // The address: explicit, autodetected now, or (IP=none) whatever the Node already holds.
  const ifaces = await interfaces(nl);
  let address: string | undefined;
  if (startup.ip.kind === 'explicit') address = startup.ip.cidr;
  else if (startup.ip.kind === 'autodetect') address = await autodetectAddress(startup.ip.method, ifaces, AGENT_FAMILY.ip);
  const nodeRes = await ensureNode(store, startup.nodeName, address, startup.asn);
  const nodeAddress = nodeRes.spec?.bgp?.ipv4Address;
  // The parent interface (direct routes, vxlan.calico) is the one holding the node's address; there is no default.
  let parent = '';
  if (nodeAddress !== undefined) {
    const found = interfaceHolding(ifaces, nodeAddress);
    if (found === undefined) throw new NodeStartError(NODE_START_ERR.NO_INTERFACE, `IP: the node address ${nodeAddress} is on no interface of this host`);
    parent = found;
    log.info(`node ${startup.nodeName}: address ${nodeAddress} on ${parent}`);
  } else log.warn(`node ${startup.nodeName} has no IPv4 address (IP=none): no BGP, no direct routes, no VXLAN`);
  if (startup.defaultPool && (await ensureDefaultPool(store, startup.defaultPool))) log.info(`created IPPool default-ipv4-ippool ${startup.defaultPool.cidr}`);
  await ensureDefaultConfig(store);
  try {
    writeNodenameFile(cfg.nodenameFile, startup.nodeName);
  } catch (err) {
    log.warn(`cannot write ${cfg.nodenameFile}: ${describeError(err)}`);
  }
  const hostMtu = parent === '' ? 1500 : ((await nl.getLink(parent).catch(() => undefined))?.mtu ?? 1500);
  // Pods' traffic is forwarded by this node (and proxy ARP only answers on a forwarding host).
  try {
    await deps.sysctl.set('net.ipv4.ip_forward', '1');
  } catch (err) {
    log.warn(`cannot turn IPv4 forwarding on: ${describeError(err)}`);
  }

  const ref: { agent?: NodeAgent } = {};
  const monitor = new DatastoreMonitor({ backend: store.backend, probe: probeDatastore(store), clock, logger });
  let fail: (err: unknown) => void = () => undefined;
  const failed = new Promise<unknown>((resolve) => (fail = resolve));
  const policy =
    cfg.policy && deps.runCommand
      ? new PolicyDataplane({
          nodeName: startup.nodeName,
          runner: nftRunnerFrom(deps.runCommand),
          families: POLICY_FAMILIES,
          nflog: (group, onPacket) => NflogSocket.open(group, onPacket, { onError: (err) => log.warn(`denied-flow log: ${describeError(err)}`) }),
          now: () => clock.now(),
          onFlowLogError: (err) => log.warn(`denied-flow log: cannot write: ${describeError(err)}`),
        })
      : undefined;
  // prom-client is loaded only when metrics are on (it is a tenth of the process's idle memory).
  const metricsModule = cfg.metrics !== undefined ? await import('./metrics') : undefined;
  const metrics: NodeMetrics | undefined = metricsModule
    ? new metricsModule.NodeMetrics(() =>
        (ref.agent?.sessions() ?? []).map((p) => ({
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
  if (metrics && metricsModule && policy) metricsModule.registerPolicyMetrics(metrics.registry, () => policyStatsReply(startup.nodeName, policy));

  if (cfg.policy && policy === undefined) log.warn('network policy requested but no command runner: policy is not enforced');
  const ipam = new IpamAllocator(store);
  const cache = new DatastoreCache(
    store,
    [...nodeKinds(policy !== undefined), ...(cfg.cni ? CNI_CACHE_KINDS : [])],
    (err) => log.error(`resource cache listener failed: ${describeError(err)}`),
    { kinds: OPTIONAL_NODE_KINDS, clock, logger: log, retryMs: OPTIONAL_KIND_RETRY_MS },
  );
  const agent = new NodeAgent(
    { nodeName: startup.nodeName, parentInterface: parent, hostMtu, mtuFile: cfg.mtuFile },
    {
      store,
      cache,
      ipam,
      dataplane: new Dataplane({ netlink: nl, clock, logger, ...(deps.runCommand ? { runCommand: deps.runCommand } : {}), ...(metrics ? { metrics } : {}), ...(policy ? { policy } : {}) }),
      clock,
      logger,
      newSpeaker: (sc) => new Speaker(sc, { clock, transport: deps.transport, listener: deps.listener, logger }),
      onFatal: (err) => fail(err),
    },
  );
  ref.agent = agent;
  const started = clock.now();
  const reply = (): NodeStatusReply => ({
    nodeName: startup.nodeName,
    now: clock.now(),
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
  const servers: Array<{ close(): Promise<void> }> = [];
  const stop = async (): Promise<void> => {
    monitor.close();
    for (const s of servers.splice(0).reverse()) await s.close();
    await agent.close();
    await policy?.close();
    await cache.close();
  };
  let health: Awaited<ReturnType<typeof serveHealth>>;
  let metricsServer: { port: number; close(): Promise<void> } | undefined;
  try {
    // The status socket, the health port and (in agent.start) the BGP port are this node's agent's alone: when another
    // process holds one, fail with an InUseError naming it, before anything is written to the kernel.
    servers.push(await serveNodeStatus(cfg.statusSocket, reply, policy ? () => policyStatsReply(startup.nodeName, policy) : undefined));
    health = await serveHealth(cfg.health.host, cfg.health.port, () =>
      allReady([bgpReadiness(reply().peers, clock.now() - started), datastoreReadiness(monitor.state(), clock.now())]),
    );
    servers.push(health);
    await agent.start();
    monitor.start();
    // After the agent's first sync and apply: CNI is served on a reconciled node, and its conflist appears last.
    if (cfg.cni) servers.push(await startNodeCni(cfg.cni, { nodeName: startup.nodeName, store, cache, netlink: nl, sysctl: deps.sysctl, logger, clock, ...(policy ? { policy: policy.programmed } : {}) }));
    if (metrics && metricsModule && cfg.metrics) {
      metricsServer = await metricsModule.serveMetrics(cfg.metrics.host, cfg.metrics.port, metrics);
      servers.push(metricsServer);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  log.info(`node agent running; status on ${cfg.statusSocket}, health on ${cfg.health.host}:${health.port}${metricsServer ? `, metrics on :${metricsServer.port}` : ''}`);
  return { nodeName: startup.nodeName, agent, datastore: monitor, failed, stop };
}
