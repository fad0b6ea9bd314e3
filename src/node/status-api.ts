// The node agent's status API on a unix socket (mode 0600): `gingham node status` reads the configured peerings and
// their session states from it. Messages are JSON; api/wire/node-status.ts is the schema.
import type { NodeStatusReply } from '../api/wire/node-status';
import { jsonService, serveUnix, UnixJsonClient, type UnixServer } from '../lib/unix-grpc';

const SERVICE = jsonService('gingham.node.v1.Status', ['GetNodeStatus']);

export function serveNodeStatus(socketPath: string, status: () => NodeStatusReply): Promise<UnixServer> {
  return serveUnix(socketPath, SERVICE, { GetNodeStatus: () => status() }, `status socket ${socketPath}`);
}

export function nodeStatusClient(socketPath: string): UnixJsonClient {
  return new UnixJsonClient(socketPath, SERVICE, 'gingham node agent');
}
