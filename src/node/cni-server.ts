// The node agent's CNI service (api/wire/cni.ts on PATHS.cniSocket): the `gingham` and `gingham-ipam` plugin logic
// (src/cni/run-plugin.ts, unchanged) hosted in the agent, on a backend that lives as long as the agent (its datastore
// client and IPAM allocator, its netlink socket) instead of a fresh process, client and connection per call. Calls
// for one container run one at a time (a per-container mutex, as Antrea's containerAccessArbitrator,
// antrea-io/antrea:pkg/agent/cniserver/server.go); the node's IPAM calls are queued in process instead of through the
// host lock file. A re-ADD is idempotent as in the standalone plugin: the handle's addresses are reused and a leftover
// host veth is replaced. The reply carries what the standalone plugin would print, so results and CNI error codes are
// the same on both paths. With a DEL queue (cni-del-queue.ts), a container's queued DELs are replayed before any
// newer request for that container, under its lock.
import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { CNI_WIRE_VERSION, requestProblem, type CniWireReply, type CniWireRequest } from '../api/wire/cni';
import type { CniBackend } from '../cni/backend';
import { CNI_ERR, CniError, errorJson } from '../cni/cni-error';
import { CURRENT_VERSION } from '../cni/cni-version';
import { delegateIpam, execPlugin } from '../cni/delegate';
import { KeyedMutex } from '../cni/keyed-mutex';
import type { ReadFile } from '../cni/mtu';
import type { NetnsOpener } from '../cni/pod-network';
import { runPlugin, type ContextFactory } from '../cni/run-plugin';
import type { SysctlWriter } from '../cni/sysctl';
import { describeError } from '../lib/errors';
import type { Logger } from '../lib/logger';
import { serveUnixJson, type UnixJsonServer } from '../lib/unix-json';
import type { Netlink } from '../netlink/netlink';
import { drainDelQueue, type DelQueueStore, type DrainResult } from './cni-del-queue';

export interface CniServerDeps {
  readonly nodeName: string;
  readonly backend: CniBackend;
  /** rtnetlink in the node's namespace (the agent's own). */
  readonly host: Netlink;
  readonly openNetns: NetnsOpener;
  readonly sysctl: SysctlWriter;
  readonly readFile: ReadFile;
  readonly now: () => Date;
  readonly logger: Logger;
  /** Datastore requests the service has sent so far (reported in every reply, for benchmarks). */
  readonly requestCount?: () => number;
  /** Runs a delegated IPAM plugin executable; default: execPlugin. */
  readonly exec?: typeof execPlugin;
  /** The DELs shims queued while the socket was not reachable; absent: no queue. */
  readonly delQueue?: DelQueueStore;
}

const IPAM_QUEUE = 'ipam';

/** The per-call context over the agent's long-lived parts; nothing to close after a call. */
export function hostedContextFactory(deps: CniServerDeps, ipamQueue: KeyedMutex, requestEnv: Readonly<Record<string, string>>): ContextFactory {
  return async (conf, env) => ({
    conf,
    env,
    nodename: deps.nodeName,
    host: deps.host,
    openNetns: deps.openNetns,
    sysctl: deps.sysctl,
    readFile: deps.readFile,
    backend: deps.backend,
    withLock: (fn) => ipamQueue.run(IPAM_QUEUE, fn),
    delegate: (command, type, netconf) => delegateIpam(command, type, netconf, { exec: deps.exec ?? execPlugin, env: { ...requestEnv }, cniPath: env.path }),
    now: deps.now,
    close: async () => undefined,
  });
}

function errorReply(code: (typeof CNI_ERR)[keyof typeof CNI_ERR], msg: string, details?: string): CniWireReply {
  const err = new CniError(code, msg, details);
  return { version: CNI_WIRE_VERSION, exitCode: 1, stdout: JSON.stringify(errorJson(err, CURRENT_VERSION)) + '\n', stderr: `gingham: ${err.message}\n` };
}

export class CniServer {
  private readonly containers = new KeyedMutex();
  private readonly ipamQueue = new KeyedMutex();

  constructor(private readonly deps: CniServerDeps) {}

  /** One request, answered as the standalone plugin would have answered it. Never rejects. */
  async handle(raw: unknown): Promise<CniWireReply> {
    const problem = requestProblem(raw);
    if (problem !== undefined) return errorReply(CNI_ERR.DECODE, 'gingham CNI request rejected', problem);
    const req = raw as CniWireRequest;
    if (req.version !== CNI_WIRE_VERSION) {
      return errorReply(CNI_ERR.INCOMPATIBLE_VERSION, `gingham CNI protocol "${req.version}" is not served; this agent speaks ${CNI_WIRE_VERSION}`);
    }
    const container = req.env.CNI_CONTAINERID;
    try {
      if (!container) return await this.execute(req);
      return await this.containers.run(container, async () => {
        if (this.deps.delQueue !== undefined) await this.drain(this.deps.delQueue, (_c, fn) => fn(), container);
        return this.execute(req);
      });
    } catch (err) {
      // runPlugin never rejects; this is a bug in the server itself, still answered as a CNI error.
      this.deps.logger.error(`CNI request failed: ${describeError(err)}`);
      return errorReply(CNI_ERR.OTHER, 'gingham node agent failed', describeError(err));
    }
  }

  /** Replays every queued DEL, each under its container's lock (at start, and now and then while serving). */
  drainQueue(): Promise<DrainResult> {
    const queue = this.deps.delQueue;
    if (queue === undefined) return Promise.resolve({ replayed: [], failed: [], discarded: [] });
    return this.drain(queue, (c, fn) => this.containers.run(c, fn));
  }

  private drain(queue: DelQueueStore, withLock: <T>(container: string, fn: () => Promise<T>) => Promise<T>, container?: string): Promise<DrainResult> {
    return drainDelQueue({ queue, replay: (req) => this.execute(req), withLock, log: this.deps.logger }, container);
  }

  /** Runs one request (the caller holds the container's lock). */
  private async execute(req: CniWireRequest): Promise<CniWireReply> {
    let stdout = '';
    let stderr = '';
    const logs: Array<Promise<void>> = [];
    const exitCode = await runPlugin(
      req.plugin,
      {
        env: { ...req.env },
        readStdin: () => Promise.resolve(req.stdin),
        stdout: (t) => (stdout += t),
        stderr: (t) => (stderr += t),
        appendLog: (file, line) => {
          logs.push(mkdir(path.dirname(file), { recursive: true }).then(() => appendFile(file, line)).catch(() => undefined));
        },
      },
      hostedContextFactory(this.deps, this.ipamQueue, req.env),
    );
    await Promise.all(logs);
    const count = this.deps.requestCount?.();
    return { version: CNI_WIRE_VERSION, exitCode, stdout, stderr, ...(count !== undefined ? { datastoreRequests: count } : {}) };
  }
}

/** Serves the CNI service on socketPath (mode 0600) until close(); a CniServer or the deps to build one. */
export function serveCni(socketPath: string, deps: CniServerDeps | CniServer): Promise<UnixJsonServer> {
  const server = deps instanceof CniServer ? deps : new CniServer(deps);
  return serveUnixJson(socketPath, (req) => server.handle(req), { badRequest: (p) => errorReply(CNI_ERR.DECODE, 'gingham CNI request rejected', p) });
}
