// The installed plugins' thin shim (the client of the agent's CNI service, api/wire/cni.ts): VERSION is answered here;
// a configuration naming the agent's socket (`cni_socket`, written by `gingham node run` into the conflist it
// installs) is forwarded whole and the agent's stdout, stderr and exit status are passed through; a configuration
// without one (the lab, bootstrap, a hand-written conflist) runs the standalone plugin in this process. Agent not
// reachable: ADD and CHECK fail at once with code 11 (try again later; antrea-io/antrea:pkg/cni/client.go maps
// Unavailable the same way), STATUS with code 50 (plugin not available), and DEL runs the standalone path, so a pod's
// address is released even while the agent is down. Loads nothing but node:net and the CNI error and version modules.
import type { CniWirePlugin, CniWireReply, CniWireRequest } from '../api/wire/cni';
import { CNI_FORWARDED_ENV, CNI_WIRE_VERSION, replyProblem } from '../api/wire/cni';
import { UNIX_JSON_ERR, UnixJsonError, type UnixJsonRequestOptions } from '../lib/unix-json-client';
import { CNI_ERR, CniError, errorJson } from './cni-error';
import { CURRENT_VERSION, SUPPORTED_VERSIONS, versionResult } from './cni-version';

/** The configuration key naming the agent's CNI socket. */
export const CNI_SOCKET_KEY = 'cni_socket';

/**
 * A unix-socket connect succeeds or fails in the kernel at once (ENOENT, ECONNREFUSED, EAGAIN on a full backlog), so
 * "agent down" is answered in a few milliseconds without this timer. It only guards against a wedged peer; a short
 * value misfires when the shim itself is starved of CPU (50 pod starts at once on 2 cores took > 80 ms to see
 * 'connect'), hence seconds, not milliseconds.
 */
export const CONNECT_TIMEOUT_MS = 2000;
/** Below kubelet's 2-minute runtime request timeout (Antrea: 30 s); the agent's own IPAM timeouts are shorter. */
export const REPLY_TIMEOUT_MS = 100_000;

export interface ShimIo {
  readonly env: NodeJS.ProcessEnv;
  readStdin(): Promise<string>;
  stdout(text: string): void;
  stderr(text: string): void;
}

export interface ShimDeps {
  readonly request: (socketPath: string, body: unknown, opts: UnixJsonRequestOptions) => Promise<unknown>;
  /** The standalone plugin on this configuration text; resolves with the exit status. */
  readonly standalone: (kind: CniWirePlugin, stdin: string) => Promise<number>;
}

function confFields(text: string): { socket?: string; version: string } {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    return { version: CURRENT_VERSION };
  }
  if (typeof o !== 'object' || o === null) return { version: CURRENT_VERSION };
  const r = o as Record<string, unknown>;
  const version = typeof r.cniVersion === 'string' && SUPPORTED_VERSIONS.includes(r.cniVersion) ? r.cniVersion : CURRENT_VERSION;
  const socket = typeof r[CNI_SOCKET_KEY] === 'string' && r[CNI_SOCKET_KEY] !== '' ? r[CNI_SOCKET_KEY] : undefined;
  return socket === undefined ? { version } : { socket, version };
}

function fail(io: ShimIo, kind: CniWirePlugin, err: CniError, version: string): number {
  io.stdout(JSON.stringify(errorJson(err, version)) + '\n');
  io.stderr(`${kind}: ${err.message}\n`);
  return 1;
}

export async function runShim(kind: CniWirePlugin, io: ShimIo, deps: ShimDeps): Promise<number> {
  const command = io.env.CNI_COMMAND;
  if (command === 'VERSION') {
    io.stdout(JSON.stringify(versionResult()) + '\n');
    return 0;
  }
  let stdin: string;
  try {
    stdin = await io.readStdin();
  } catch (err) {
    return fail(io, kind, new CniError(CNI_ERR.IO, 'cannot read the network configuration from stdin', err instanceof Error ? err.message : String(err)), CURRENT_VERSION);
  }
  const { socket, version } = confFields(stdin);
  if (socket === undefined) return deps.standalone(kind, stdin);
  const env: Record<string, string> = {};
  for (const k of CNI_FORWARDED_ENV) {
    const v = io.env[k];
    if (v !== undefined) env[k] = v;
  }
  const req: CniWireRequest = { version: CNI_WIRE_VERSION, plugin: kind, env, stdin };
  let reply: unknown;
  try {
    reply = await deps.request(socket, req, { connectTimeoutMs: CONNECT_TIMEOUT_MS, replyTimeoutMs: REPLY_TIMEOUT_MS });
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    if (err instanceof UnixJsonError && err.code === UNIX_JSON_ERR.CONNECT) {
      if (command === 'ADD' || command === 'CHECK') return fail(io, kind, new CniError(CNI_ERR.TRY_AGAIN_LATER, 'gingham node agent not reachable', detail), version);
      if (command === 'STATUS') return fail(io, kind, new CniError(CNI_ERR.PLUGIN_NOT_AVAILABLE, 'gingham node agent not reachable', detail), version);
      // DEL must not wait for the agent: release through the datastore directly (idempotent either way). Any other
      // command (GC, a typo) gets the standalone plugin's answer too: code 4 before any datastore client is loaded.
      return deps.standalone(kind, stdin);
    }
    return fail(io, kind, new CniError(CNI_ERR.TRY_AGAIN_LATER, 'gingham node agent did not answer', detail), version);
  }
  const problem = replyProblem(reply);
  if (problem !== undefined) return fail(io, kind, new CniError(CNI_ERR.TRY_AGAIN_LATER, 'gingham node agent answered nonsense', problem), version);
  const r = reply as CniWireReply;
  if (r.stdout !== '') io.stdout(r.stdout);
  if (r.stderr !== '') io.stderr(r.stderr);
  return r.exitCode;
}
