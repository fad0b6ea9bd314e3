// `gingham policy ...`: observing and explaining network policy on a node or cluster. One verb per module
// (policy-<verb>.ts), registered here one line each.
import type { Command } from 'commander';
import type { CliDeps } from './deps';
import { registerPolicyExplain } from './policy-explain';
import { registerPolicyStats } from './policy-stats';
import { registerPolicyFlows } from './policy-flows';

export function registerPolicy(program: Command, deps: CliDeps): void {
  const policy = program.command('policy').description('network policy: per-rule counters, denied-flow logs, why a packet is allowed or denied');
  registerPolicyStats(policy, deps);
  registerPolicyFlows(policy, deps);
  registerPolicyExplain(policy, deps);
}
