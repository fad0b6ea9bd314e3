import type { PolicyStatsReply } from '../api/wire/policy-stats';
import { formatPolicyStats, selectPolicy } from './policy-stats';

const reply: PolicyStatsReply = {
  nodeName: 'n1',
  rules: [
    { tier: 'default', policy: 'x/knp.default.web', direction: 'ingress', rule: 0, packets: 12, bytes: 720 },
    { tier: 'default', policy: 'x/knp.default.web', direction: 'ingress', rule: 1, staged: true, packets: 3, bytes: 180 },
    { tier: 'default', policy: '', direction: 'ingress', rule: 'end-of-tier', packets: 5, bytes: 300 },
    { tier: '', policy: 'kns.x', direction: 'egress', rule: 0, packets: 40, bytes: 2400 },
  ],
  flowLog: { enabled: true, file: '/var/log/gingham/flows-denied.log', logged: 9, written: 8, dropped: 1, overruns: 0 },
};

describe('gingham policy stats', () => {
  it('prints a table of every rule with its counts, then the flow log state', () => {
    expect(formatPolicyStats(reply, reply.rules)).toBe(
      [
        'TIER        POLICY                     DIRECTION   RULE          PACKETS   BYTES',
        'default     x/knp.default.web          ingress     0             12        720',
        'default     staged:x/knp.default.web   ingress     1             3         180',
        'default     (end of tier)              ingress     end-of-tier   5         300',
        '(profile)   kns.x                      egress      0             40        2400',
        'Denied-flow log: on, /var/log/gingham/flows-denied.log; 8 written, 1 dropped (queue full), 0 kernel overruns.',
        '',
      ].join('\n'),
    );
    expect(formatPolicyStats({ ...reply, flowLog: { ...reply.flowLog, enabled: false } }, [])).toBe(
      'No policy rules are programmed on this node.\nDenied-flow log: off (FelixConfiguration flowLogsFileEnabled).\n',
    );
  });

  it('selects a policy by id or by the name of a namespaced id', () => {
    expect(selectPolicy(reply.rules, 'knp.default.web')).toHaveLength(2);
    expect(selectPolicy(reply.rules, 'x/knp.default.web')).toHaveLength(2);
    expect(selectPolicy(reply.rules, 'kns.x')).toHaveLength(1);
    expect(selectPolicy(reply.rules, 'nope')).toEqual([]);
    expect(selectPolicy(reply.rules, undefined)).toHaveLength(4);
  });
});
