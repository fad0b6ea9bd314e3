// The reply of the status API's GetPolicyStats from the policy dataplane: its counters read from the kernel now,
// and the denied-flow log's state.
import type { PolicyStatsReply } from '../api/wire/policy-stats';
import type { PolicyDataplane } from '../felix/policy-dataplane';

export async function policyStatsReply(nodeName: string, policy: Pick<PolicyDataplane, 'ruleStats' | 'flowLogStatus'>): Promise<PolicyStatsReply> {
  const rules = await policy.ruleStats();
  const { settings, stats } = policy.flowLogStatus();
  return {
    nodeName,
    rules,
    flowLog: {
      enabled: settings !== undefined,
      ...(settings ? { file: settings.file } : {}),
      logged: stats?.logged ?? 0,
      written: stats?.written ?? 0,
      dropped: stats?.dropped ?? 0,
      overruns: stats?.overruns ?? 0,
    },
  };
}
