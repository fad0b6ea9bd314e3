// The node process's CNI part, started once the agent has synced and applied its first state: what a killed agent
// left half done is repaired first (node/cni-reconcile.ts), then the CNI service opens its socket
// (node/cni-server.ts), then, and only then, the conflist naming that socket, so a container runtime never
// sees a Gingham network configuration before something answers it (until a conflist exists the runtime reports
// "NetworkReady=false ... cni config uninitialized"; aws/amazon-vpc-cni-k8s#1936). The conflist is left in place on
// stop: with the agent down the shim answers ADD with code 11 and kubelet retries, and DEL still releases addresses.
import fs from 'node:fs';
import type { WorkloadEndpoint } from '../api/kind-workload-endpoint';
import type { ProgrammedEndpoints } from '../felix/programmed-endpoints';
import { datastoreBackend } from '../cni/backend';
import { buildConflist, writeConflist } from '../cni/install';
import { nodeIpam } from '../cni/ipam-allocator-adapter';
import { serialisedDumps } from '../cni/netlink-dumps';
import type { Datastore } from '../datastore';
import { countRequests } from '../datastore/counting';
import type { IpamCacheReader } from '../ipam/ipam-view';
import { IpamAllocator } from '../ipam';
import { NodeIpam } from '../ipam/node-ipam';
import type { Logger } from '../lib/logger';
import type { UnixJsonServer } from '../lib/unix-json';
import type { Netlink } from '../netlink/netlink';
import { createInNetns } from '../netlink/netns-enter';
import { RtNetlink } from '../netlink/rtnetlink';
import type { SysctlWriter } from '../cni/sysctl';
import { teardownPodNetwork } from '../cni/pod-network';
import type { StoredBlock } from '../ipam/ipam-store';
import { describeError } from '../lib/errors';
import { planCniReconcile } from './cni-reconcile';
import { CniServer, serveCni } from './cni-server';
import { fsDelQueue, type DelQueueStore, type DrainResult } from './cni-del-queue';
import { delQueueDir } from '../api/wire/cni';
import { systemClock, type Clock, type TimerHandle } from '../lib/clock';

/** What the agent's cache must watch besides its own kinds for the CNI service's IPAM (node-ipam.ts). */
export const CNI_CACHE_KINDS = ['IPAMBlock', 'IPAMHandle', 'BlockAffinity', 'IPPool', 'Node'] as const;

export interface NodeCniConfig {
  /** The CNI service's unix socket (PATHS.cniSocket in a DaemonSet). */
  readonly socket: string;
  /** Where to write 10-gingham.conflist once the socket serves; absent: the conflist is someone else's. */
  readonly confDir?: string;
  /**
   * How long ADD waits for the new endpoint's policy to be in the kernel before answering anyway (Calico's CNI
   * setting policy_setup_timeout_seconds); 0: no wait. Default 10 s. Only when the agent enforces policy.
   */
  readonly policySetupTimeoutMs?: number;
  /** The datastore the conflist names, for the shim's standalone DEL while the agent is down. */
  readonly datastore: { readonly type: 'etcdv3' | 'kubernetes'; readonly etcdEndpoints?: string; readonly kubeconfig?: string };
}

export interface NodeCniDeps {
  readonly nodeName: string;
  readonly store: Datastore;
  /** The agent's watch cache, watching CNI_CACHE_KINDS besides its own kinds. */
  readonly cache: IpamCacheReader;
  readonly netlink: Netlink;
  readonly sysctl: SysctlWriter;
  readonly logger: Logger;
  /** The policy dataplane's programmed endpoints (felix/programmed-endpoints.ts); absent: policy is not enforced. */
  readonly policy?: Pick<ProgrammedEndpoints, 'whenProgrammed'>;
  /** Timers of the periodic DEL-queue drain; default the system clock. */
  readonly clock?: Clock;
  /** The DEL queue; default the folder beside the socket (api/wire/cni.ts delQueueDir). */
  readonly delQueue?: DelQueueStore;
}

/**
 * How often the serving agent replays DELs queued while it was running (a shim that found the socket missing or its
 * backlog full, or that raced the socket's creation). A container's own queued DELs are replayed at its next request
 * anyway (CniServer), so this only bounds how long an address stays allocated for a pod the runtime has deleted.
 */
export const DEL_QUEUE_DRAIN_INTERVAL_MS = 30_000;

export const DEFAULT_POLICY_SETUP_TIMEOUT_MS = 10_000;

function readOptional(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * rtnetlink inside the pod's namespace, opened from this process (netlink/netns-enter.ts: setns around the socket's
 * creation) instead of a helper process started inside it.
 */
function podNetlink(netnsPath: string): RtNetlink & { stop(): Promise<void> } {
  const nl = createInNetns(netnsPath, () => new RtNetlink());
  return Object.assign(nl, { stop: async () => nl.close() });
}

/** Repairs what a killed agent left half done (cni-reconcile.ts); a failure is logged, serving matters more. */
async function reconcileBeforeServing(deps: NodeCniDeps, ipam: NodeIpam, log: Logger): Promise<void> {
  try {
    const plan = planCniReconcile({
      nodeName: deps.nodeName,
      blocks: deps.cache.list<StoredBlock>('IPAMBlock').filter((b) => b.spec !== undefined),
      endpoints: deps.cache.list<WorkloadEndpoint>('WorkloadEndpoint'),
      links: await deps.netlink.listLinks(),
    });
    for (const name of plan.deleteLinks) await teardownPodNetwork(deps.netlink, name);
    await Promise.all(plan.releaseHandles.map((h) => ipam.releaseByHandle(h)));
    if (plan.deleteLinks.length + plan.releaseHandles.length > 0) {
      log.info(`reconciled before serving: released ${plan.releaseHandles.length} address handle(s) of unfinished ADDs, deleted ${plan.deleteLinks.length} orphaned veth(s)`, { handles: plan.releaseHandles, links: plan.deleteLinks });
    }
  } catch (err) {
    log.warn(`reconciling before serving CNI failed: ${describeError(err)}`);
  }
}

function logDrain(log: Logger, when: string, r: DrainResult): void {
  if (r.replayed.length + r.failed.length + r.discarded.length === 0) return;
  log.info(`CNI DEL queue drained ${when}: ${r.replayed.length} replayed, ${r.failed.length} failed (kept), ${r.discarded.length} discarded`, { replayed: r.replayed, failed: r.failed, discarded: r.discarded });
}

/** Drains now and every DEL_QUEUE_DRAIN_INTERVAL_MS until stopped; a failed drain is logged and tried again. */
function drainPeriodically(server: CniServer, clock: Clock, log: Logger): { stop(): Promise<void> } {
  let timer: TimerHandle | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const tick = (): void => {
    running = server
      .drainQueue()
      .then((r) => logDrain(log, 'while serving', r), (err: unknown) => log.warn(`CNI DEL queue drain failed: ${describeError(err)}`))
      .finally(() => {
        if (!stopped) timer = clock.setTimeout(tick, DEL_QUEUE_DRAIN_INTERVAL_MS);
      });
  };
  tick();
  return {
    stop: async () => {
      stopped = true;
      timer?.cancel();
      await running;
    },
  };
}

/** Policy before traffic: ADD answers once the endpoint's policy is programmed, or after the timeout (logged). */
function policyWait(policy: Pick<ProgrammedEndpoints, 'whenProgrammed'>, timeoutMs: number, log: Logger): (wep: WorkloadEndpoint) => Promise<void> {
  return async (wep) => {
    const id = `${wep.metadata.namespace ?? 'default'}/${wep.metadata.name}`;
    if (await policy.whenProgrammed(id, wep.metadata.resourceVersion ?? '', timeoutMs)) return;
    if (timeoutMs > 0) log.warn(`policy of ${id} not programmed within ${timeoutMs} ms; answering ADD anyway`);
  };
}

export async function startNodeCni(cfg: NodeCniConfig, deps: NodeCniDeps): Promise<UnixJsonServer> {
  const log = deps.logger.child('cni');
  // The CNI service's own view of the datastore client, counting its requests (reported on the wire for benchmarks).
  const counted = countRequests(deps.store);
  const ipam = new NodeIpam({ store: counted.store, cache: deps.cache, fallback: new IpamAllocator(counted.store), log: log.child('ipam') });
  const cniServer = new CniServer({
    nodeName: deps.nodeName,
    backend: datastoreBackend(counted.store, nodeIpam(ipam), {
      ...(deps.policy ? { afterWrite: policyWait(deps.policy, cfg.policySetupTimeoutMs ?? DEFAULT_POLICY_SETUP_TIMEOUT_MS, log) } : {}),
      cachedEndpoint: (name, namespace) => deps.cache.get<WorkloadEndpoint>('WorkloadEndpoint', name, namespace),
    }),
    requestCount: counted.count,
    host: serialisedDumps(deps.netlink),
    openNetns: async (netnsPath) => podNetlink(netnsPath),
    sysctl: deps.sysctl,
    readFile: readOptional,
    now: () => new Date(),
    logger: log,
    delQueue: deps.delQueue ?? fsDelQueue(delQueueDir(cfg.socket)),
  });
  // DELs queued while the agent was down first (they may delete endpoints and veths the reconcile would otherwise
  // keep), then the reconcile; a drain failure is logged and retried while serving.
  try {
    logDrain(log, 'before serving', await cniServer.drainQueue());
  } catch (err) {
    log.warn(`CNI DEL queue drain before serving failed: ${describeError(err)}`);
  }
  await reconcileBeforeServing(deps, ipam, log);
  const listening = await serveCni(cfg.socket, cniServer);
  // Again right away (a shim that found no socket during the drain above), then now and then.
  const drainer = drainPeriodically(cniServer, deps.clock ?? systemClock, log);
  const server: UnixJsonServer = {
    path: listening.path,
    close: async () => {
      await drainer.stop();
      await listening.close();
    },
  };
  if (cfg.confDir !== undefined) {
    try {
      const file = writeConflist(
        cfg.confDir,
        buildConflist({
          datastoreType: cfg.datastore.type,
          ...(cfg.datastore.etcdEndpoints !== undefined ? { etcdEndpoints: cfg.datastore.etcdEndpoints } : {}),
          ...(cfg.datastore.kubeconfig !== undefined ? { kubeconfig: cfg.datastore.kubeconfig } : {}),
          nodename: deps.nodeName,
          cniSocket: cfg.socket,
        }),
      );
      log.info(`CNI configuration written to ${file}`);
    } catch (err) {
      await server.close();
      throw err;
    }
  }
  log.info(`serving CNI on ${cfg.socket}`);
  return server;
}
