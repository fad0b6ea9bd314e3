// The node agent's status API (service gingham.node.v1.Status, JSON over the unix socket PATHS.nodeSocket): the reply
// of GetNodeStatus. The agent (node/status-api.ts) serves it, `gingham node status` and the lab read it.

export interface NodeStatusPeer {
  readonly address: string;
  /** "node-to-node mesh", "node specific", "global" (calicoctl's PEER TYPE). */
  readonly type: string;
  /** RFC 4271 state name: Idle, Connect, Active, OpenSent, OpenConfirm, Established. */
  readonly state: string;
  /** Milliseconds since the epoch of the last state change. */
  readonly since: number;
  readonly lastError?: string;
  /** Configured but deliberately not started (e.g. needs a TCP MD5 password), with why. */
  readonly notStarted?: string;
}

/** Whether the agent's datastore answers (its DatastoreMonitor). */
export interface NodeStatusDatastore {
  /** 'etcdv3', 'kubernetes', ... */
  readonly backend: string;
  readonly connected: boolean;
  /** Since when (ms since the epoch) it has been in this state. */
  readonly since: number;
  /** Why it is unreachable. */
  readonly lastError?: string;
}

export interface NodeStatusReply {
  readonly nodeName: string;
  /** The agent's clock when it answered (ms since the epoch). */
  readonly now: number;
  readonly peers: readonly NodeStatusPeer[];
  /** Absent from agents that predate it. */
  readonly datastore?: NodeStatusDatastore;
}
