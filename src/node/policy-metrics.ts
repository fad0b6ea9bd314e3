// Prometheus metrics of the policy dataplane, read at scrape time (collect callbacks): per-rule packet and byte
// counters (the nftables counters, one `nft -j list counters` per scrape shared by both metrics) and the denied-flow
// log's counts. Nothing runs between scrapes. A staged policy's rules are labelled `policy="staged:<id>"`, as
// Calico names staged policies in its flow logs, so the label set stays {tier, policy, rule, direction}.
import { Counter, type Registry } from 'prom-client';
import type { PolicyRuleStat, PolicyStatsReply } from '../api/wire/policy-stats';

const LABELS = ['tier', 'policy', 'rule', 'direction'] as const;

function labels(r: PolicyRuleStat): Record<(typeof LABELS)[number], string> {
  return { tier: r.tier, policy: r.staged ? `staged:${r.policy}` : r.policy, rule: String(r.rule), direction: r.direction };
}

export function registerPolicyMetrics(registry: Registry, read: () => Promise<PolicyStatsReply>): void {
  let inflight: Promise<PolicyStatsReply> | undefined;
  // The metrics of one scrape are collected together: they share one read.
  const once = (): Promise<PolicyStatsReply> => (inflight ??= read().finally(() => setImmediate(() => (inflight = undefined))));
  const registers = [registry];
  const perRule = (name: string, help: string, value: (r: PolicyRuleStat) => number): void =>
    void new Counter({
      name,
      help,
      labelNames: LABELS,
      registers,
      async collect() {
        const { rules } = await once();
        this.reset();
        for (const r of rules) this.inc(labels(r), value(r));
      },
    });
  perRule('gingham_policy_rule_packets_total', 'Packets that matched a policy rule (or a tier end-of-tier default) on this node', (r) => r.packets);
  perRule('gingham_policy_rule_bytes_total', 'Bytes of the packets that matched a policy rule on this node', (r) => r.bytes);
  const flowLog = (name: string, help: string, value: (f: PolicyStatsReply['flowLog']) => number): void =>
    void new Counter({
      name,
      help,
      registers,
      async collect() {
        const { flowLog: f } = await once();
        this.reset();
        this.inc(value(f));
      },
    });
  flowLog('gingham_flow_log_denied_written_total', 'Denied flows written to the flow log', (f) => f.written);
  flowLog('gingham_flow_log_denied_dropped_total', "Denied flows dropped because the agent's flow-log queue was full", (f) => f.dropped);
  flowLog('gingham_flow_log_overruns_total', "Times the kernel dropped flow-log messages because the agent's socket buffer was full", (f) => f.overruns);
}
