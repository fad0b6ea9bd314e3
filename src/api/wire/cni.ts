// The node agent's CNI service (`gingham.cni.v1`, one JSON request and one JSON reply per connection on the unix
// socket PATHS.cniSocket). The installed `gingham` / `gingham-ipam` executables are thin shims (src/cni/forward.ts):
// they send what a container runtime gave them (the CNI_* environment and the configuration from stdin) and print
// what the agent answers (the plugin's stdout, stderr and exit status), so a result or a CNI error is exactly the one
// the standalone plugin would have printed (CNI SPEC.md "Result", "Error"). Antrea's shape
// (antrea-io/antrea:pkg/apis/cni/v1beta1/cni.proto): the whole request forwarded, versioned by service name.

/** The protocol version; the agent answers any other with CNI error code 1 (incompatible version). */
export const CNI_WIRE_VERSION = 'gingham.cni.v1';

export type CniWirePlugin = 'gingham' | 'gingham-ipam';

export interface CniWireRequest {
  readonly version: string;
  readonly plugin: CniWirePlugin;
  /** The CNI_* variables the runtime set (and PATH, for delegated IPAM plugins). */
  readonly env: Readonly<Record<string, string>>;
  /** The network configuration, as read from stdin. */
  readonly stdin: string;
}

export interface CniWireReply {
  readonly version: string;
  /** 0, or 1 with a CNI error object in stdout. */
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Datastore requests the agent's CNI service has sent since it started (benchmarks read it; shims ignore it). */
  readonly datastoreRequests?: number;
}

/**
 * Where a shim queues a DEL it could not forward (the agent's socket not reachable): this folder beside the socket,
 * one file per container, interface and plugin named `<containerID>.<ifname>.<plugin>` (each part with every byte
 * outside [A-Za-z0-9_-] written %XX), holding the request the shim would have sent. Written under a name starting
 * with "." and renamed into place, so a file that is there is whole. The agent replays them (node/cni-del-queue.ts).
 */
export const CNI_DEL_QUEUE_DIR = 'cni-del-queue';

/** The DEL queue of the agent serving socketPath. */
export function delQueueDir(socketPath: string): string {
  const slash = socketPath.lastIndexOf('/');
  return `${slash < 0 ? '.' : slash === 0 ? '' : socketPath.slice(0, slash)}/${CNI_DEL_QUEUE_DIR}`;
}

/** The container ID an entry is for (the name's first part, %XX decoded); undefined for a name not in the format. */
export function queuedContainer(name: string): string | undefined {
  const first = name.split('.')[0];
  if (first === undefined || first === '') return undefined;
  try {
    return decodeURIComponent(first);
  } catch {
    return undefined;
  }
}

/** Why an entry's text is not a DEL request this agent can replay; undefined when it is one. */
export function queuedRequestProblem(text: string): string | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  const problem = requestProblem(v);
  if (problem !== undefined) return problem;
  const req = v as CniWireRequest;
  if (req.version !== CNI_WIRE_VERSION) return `protocol "${req.version}", this agent speaks ${CNI_WIRE_VERSION}`;
  if (req.env.CNI_COMMAND !== 'DEL') return `command "${req.env.CNI_COMMAND ?? ''}", only DEL is queued`;
  return undefined;
}

/** The environment variables a shim forwards (SPEC.md "Parameters", plus PATH for delegation). */
export const CNI_FORWARDED_ENV: readonly string[] = ['CNI_COMMAND', 'CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_ARGS', 'CNI_PATH', 'PATH'];

/** Shape check of a decoded request; the field that is wrong, or undefined when it is a request. */
export function requestProblem(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null) return 'request: not a JSON object';
  const r = v as Record<string, unknown>;
  if (typeof r.version !== 'string') return 'request.version: not a string';
  if (r.plugin !== 'gingham' && r.plugin !== 'gingham-ipam') return 'request.plugin: must be gingham or gingham-ipam';
  if (typeof r.env !== 'object' || r.env === null || Object.values(r.env).some((x) => typeof x !== 'string')) return 'request.env: not a map of strings';
  if (typeof r.stdin !== 'string') return 'request.stdin: not a string';
  return undefined;
}

/** Shape check of a decoded reply. */
export function replyProblem(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null) return 'reply: not a JSON object';
  const r = v as Record<string, unknown>;
  if (typeof r.version !== 'string') return 'reply.version: not a string';
  if (typeof r.exitCode !== 'number' || !Number.isInteger(r.exitCode)) return 'reply.exitCode: not an integer';
  if (typeof r.stdout !== 'string') return 'reply.stdout: not a string';
  if (typeof r.stderr !== 'string') return 'reply.stderr: not a string';
  return undefined;
}
