// The node agent's status API on a unix socket (mode 0600): `gingham node status` reads the configured peerings and
// their session states from it, `gingham policy stats` the per-rule counters. Messages are JSON; api/wire/node-status.ts
// and api/wire/policy-stats.ts are the schemas.
import type { NodeStatusReply } from '../api/wire/node-status';
import type { PolicyStatsReply } from '../api/wire/policy-stats';
import { GinghamError } from '../lib/errors';
import { jsonService, serveUnix, UnixJsonClient, type UnixServer } from '../lib/unix-grpc';

const SERVICE = jsonService('gingham.node.v1.Status', ['GetNodeStatus', 'GetPolicyStats']);

/** GetPolicyStats on an agent that enforces no policy. */
export class PolicyNotEnforcedError extends GinghamError {
  constructor() {
    super('PolicyNotEnforced', 'this node agent enforces no network policy (started without policy), so it has no rule counters');
  }
}

export function serveNodeStatus(socketPath: string, status: () => NodeStatusReply, policyStats?: () => Promise<PolicyStatsReply>): Promise<UnixServer> {
  return serveUnix(
    socketPath,
    SERVICE,
    {
      GetNodeStatus: () => status(),
      GetPolicyStats: () => {
        if (!policyStats) throw new PolicyNotEnforcedError();
        return policyStats();
      },
    },
    `status socket ${socketPath}`,
  );
}

export function nodeStatusClient(socketPath: string): UnixJsonClient {
  return new UnixJsonClient(socketPath, SERVICE, 'gingham node agent');
}
