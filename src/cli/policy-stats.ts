// `gingham policy stats [--policy NAME] [-o json]`: the packet and byte counters of every policy rule the node agent
// on this host programs, read from the kernel by the agent (status API GetPolicyStats). The agent, not this command,
// reads nft: it owns the table, knows the rule a hashed counter name stands for, and is the one reader the
// Prometheus endpoint also uses, so the two can never disagree.
import type { Command } from 'commander';
import { ENV, PATHS } from '../api/well-known';
import type { PolicyRuleStat, PolicyStatsReply } from '../api/wire/policy-stats';
import type { CliDeps } from './deps';
import { callNodeAgent } from './node-status';
import { CliExit } from './run';
import { plainTable } from './table';

/** Rules of the policy (or profile) `name`: an exact id, or the name part of a namespaced id. */
export function selectPolicy(rules: readonly PolicyRuleStat[], name: string | undefined): PolicyRuleStat[] {
  if (name === undefined) return [...rules];
  return rules.filter((r) => r.policy === name || r.policy.split('/').pop() === name);
}

function policyText(r: PolicyRuleStat): string {
  if (r.policy === '') return r.tier === '' ? '(no profile matched)' : '(end of tier)';
  return r.staged ? `staged:${r.policy}` : r.policy;
}

export function formatPolicyStats(reply: PolicyStatsReply, rules: readonly PolicyRuleStat[]): string {
  const rows = rules.map((r) => [r.tier === '' ? '(profile)' : r.tier, policyText(r), r.direction, String(r.rule), String(r.packets), String(r.bytes)]);
  const f = reply.flowLog;
  const log = f.enabled
    ? `Denied-flow log: on, ${f.file ?? ''}; ${f.written} written, ${f.dropped} dropped (queue full), ${f.overruns} kernel overruns.`
    : 'Denied-flow log: off (FelixConfiguration flowLogsFileEnabled).';
  const table = rows.length > 0 ? plainTable(['TIER', 'POLICY', 'DIRECTION', 'RULE', 'PACKETS', 'BYTES'], rows) : 'No policy rules are programmed on this node.\n';
  return `${table}${log}\n`;
}

export function fetchPolicyStats(statusSocket: string): Promise<PolicyStatsReply> {
  return callNodeAgent<PolicyStatsReply>(statusSocket, 'GetPolicyStats', 10_000);
}

export function registerPolicyStats(policy: Command, deps: CliDeps): void {
  policy
    .command('stats')
    .description('packet and byte counters of the policy rules the node agent on this host programs')
    .option('--policy <name>', 'only this policy (id, or name of a namespaced policy) or profile')
    .option('-o, --output <format>', 'table or json', 'table')
    .option('--status-socket <path>', 'status API socket', process.env[ENV.nodeSocket] ?? PATHS.nodeSocket)
    .action(async (opts: { policy?: string; output: string; statusSocket: string }) => {
      if (opts.output !== 'table' && opts.output !== 'json') throw new CliExit(1, `unknown output format "${opts.output}": use table or json`);
      const reply = await fetchPolicyStats(opts.statusSocket);
      const rules = selectPolicy(reply.rules, opts.policy);
      if (opts.output === 'json') deps.stdout(JSON.stringify({ ...reply, rules }, null, 2) + '\n');
      else deps.stdout(formatPolicyStats(reply, rules));
    });
}
