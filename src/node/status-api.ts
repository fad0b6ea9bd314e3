// The node agent's status API on a unix socket (mode 0600): `gingham node status` reads the configured peerings and
// their session states from it. Messages are JSON; the types here are the schema.
import { jsonService, serveUnix, UnixJsonClient, type UnixServer } from '../lib/unix-grpc';

export const DEFAULT_NODE_SOCKET = '/var/run/gingham/node.sock';

export interface NodeStatusReply {
  readonly nodeName: string;
  readonly now: number;
  readonly peers: ReadonlyArray<{
    readonly address: string;
    readonly type: string;
    readonly state: string;
    readonly since: number;
    readonly lastError?: string;
    readonly notStarted?: string;
  }>;
}

const SERVICE = jsonService('gingham.node.v1.Status', ['GetNodeStatus']);

export function serveNodeStatus(socketPath: string, status: () => NodeStatusReply): Promise<UnixServer> {
  return serveUnix(socketPath, SERVICE, { GetNodeStatus: () => status() });
}

export function nodeStatusClient(socketPath: string): UnixJsonClient {
  return new UnixJsonClient(socketPath, SERVICE, 'gingham node agent');
}
