import { Registry } from 'prom-client';
import type { PolicyStatsReply } from '../api/wire/policy-stats';
import { registerPolicyMetrics } from './policy-metrics';

describe('policy metrics', () => {
  it('exports per-rule packets and bytes and the flow-log counts, reading the counters once per scrape', async () => {
    let reads = 0;
    let packets = 3;
    const reply = (): PolicyStatsReply => ({
      nodeName: 'n',
      rules: [
        { tier: 'default', policy: 'x/p', direction: 'ingress', rule: 0, packets, bytes: packets * 60 },
        { tier: 'default', policy: '', direction: 'egress', rule: 'end-of-tier', packets: 1, bytes: 40 },
        { tier: 'default', policy: 'x/s', direction: 'ingress', rule: 1, staged: true, packets: 2, bytes: 80 },
      ],
      flowLog: { enabled: true, logged: 9, written: 8, dropped: 4, overruns: 1 },
    });
    const registry = new Registry();
    registerPolicyMetrics(registry, () => {
      reads++;
      return Promise.resolve(reply());
    });
    let text = await registry.metrics();
    expect(reads).toBe(1);
    const lines = text.split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        'gingham_policy_rule_packets_total{tier="default",policy="x/p",rule="0",direction="ingress"} 3',
        'gingham_policy_rule_bytes_total{tier="default",policy="x/p",rule="0",direction="ingress"} 180',
        'gingham_policy_rule_packets_total{tier="default",policy="",rule="end-of-tier",direction="egress"} 1',
        'gingham_policy_rule_packets_total{tier="default",policy="staged:x/s",rule="1",direction="ingress"} 2',
        'gingham_flow_log_denied_dropped_total 4',
        'gingham_flow_log_overruns_total 1',
      ]),
    );
    packets = 10;
    await new Promise((r) => setImmediate(r));
    text = await registry.metrics();
    expect(reads).toBe(2);
    expect(text).toContain('gingham_policy_rule_packets_total{tier="default",policy="x/p",rule="0",direction="ingress"} 10');
  });
});
