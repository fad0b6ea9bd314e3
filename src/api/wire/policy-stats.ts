// The node agent's status API, method GetPolicyStats: per-rule packet and byte counts of the policy the agent
// programs (its nftables counters, read when asked) and the denied-flow log's state. `gingham policy stats` reads it.

export interface PolicyRuleStat {
  /** Tier name; '' for a profile. */
  readonly tier: string;
  /** Policy id (`namespace/name` for a namespaced policy), profile name, or '' for a tier's end-of-tier default. */
  readonly policy: string;
  readonly direction: 'ingress' | 'egress';
  readonly rule: number | 'end-of-tier';
  readonly staged?: boolean;
  readonly packets: number;
  readonly bytes: number;
}

export interface PolicyFlowLogStatus {
  readonly enabled: boolean;
  /** The live log file while enabled. */
  readonly file?: string;
  readonly logged: number;
  readonly written: number;
  /** Entries dropped because the agent's queue was full. */
  readonly dropped: number;
  /** Times the kernel dropped log messages because the agent's socket buffer was full. */
  readonly overruns: number;
}

export interface PolicyStatsReply {
  readonly nodeName: string;
  readonly rules: readonly PolicyRuleStat[];
  readonly flowLog: PolicyFlowLogStatus;
}
