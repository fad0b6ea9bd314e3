// `gingham policy ...`: the policy verbs, one module each (policy-<verb>.ts); this file only registers them, one line per verb.
import type { Command } from 'commander';
import type { CliDeps } from './deps';
import { registerPolicyExplain } from './policy-explain';

export function registerPolicy(program: Command, deps: CliDeps): void {
  const policy = program.command('policy').description('network policy: why a packet is allowed or denied');
  registerPolicyExplain(policy, deps);
}
