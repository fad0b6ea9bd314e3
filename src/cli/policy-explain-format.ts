// The text form of `gingham policy explain`: the verdict, both ends, then per direction the decision and the walk
// (tiers in order, each policy's outcome and rule, the profiles). Rule numbers count from 0 in the policy's ingress or
// egress list, as the rule comments in the nftables table do.
import type { Decision, DirectionWalk, ExplainAnswer, ExplainPeer, PolicyStep, ProfileStep, SideResult } from '../node/policy-explain';

const peerText = (ref: string, p: ExplainPeer): string =>
  p.kind === 'endpoint' ? `${ref}: endpoint ${p.id} on ${p.node} (${p.ip})` : `${ref}: ${p.hostOf !== undefined ? `host ${p.hostOf}` : 'not a workload endpoint'} (${p.ip})`;

function decisionText(d: Decision, direction: string): string {
  switch (d.kind) {
    case 'guard':
      return `denied: ${d.reason}`;
    case 'rule':
      return `${d.action === 'Allow' ? 'allowed' : 'denied'} by policy ${d.policy} ${direction} rule ${d.rule} (tier ${d.tier})`;
    case 'end-of-tier':
      return `denied at the end of tier ${d.tier}: no policy of the tier allowed or passed it`;
    case 'profile':
      return `${d.action === 'Allow' ? 'allowed' : 'denied'} by profile ${d.profile} ${direction} rule ${d.rule}`;
    case 'no-profile-matched':
      return 'denied: no policy or profile allowed it';
  }
}

function stepText(s: PolicyStep | ProfileStep): string {
  if ('skipped' in s && s.skipped) return 'skipped (an earlier policy of the tier passed the packet)';
  const main = s.outcome === 'no match' ? 'no match' : `${s.outcome} (rule ${s.rule})`;
  return s.logged.length ? `${main}; logged by rule${s.logged.length > 1 ? 's' : ''} ${s.logged.join(', ')}` : main;
}

function walkLines(w: Omit<DirectionWalk, 'direction'>, indent: string): string[] {
  const lines: string[] = [];
  for (const t of w.tiers) {
    lines.push(`${indent}tier ${t.tier} (default action ${t.defaultAction})`);
    for (const p of t.policies) lines.push(`${indent}  ${p.policy}${p.staged ? ' [staged]' : ''}: ${stepText(p)}`);
  }
  for (const p of w.profiles) lines.push(`${indent}profile ${p.profile}: ${stepText(p)}`);
  return lines;
}

function sideText(s: SideResult): string {
  if (!s.policed) return `${s.direction}: not policed: ${s.reason}\n`;
  const lines = [`${s.direction} of ${s.endpoint}: ${decisionText(s.decidedBy, s.direction)}${s.noPolicy ? ' (no policy selects this endpoint)' : ''}`, ...walkLines(s, '  ')];
  if (s.staged) {
    lines.push(`  staged policies (never enforced) would have it ${decisionText(s.staged.decidedBy, s.direction)}`, ...walkLines(s.staged, '    '));
  }
  return lines.join('\n') + '\n';
}

export function formatExplanation(a: Extract<ExplainAnswer, { result: unknown }>): string {
  const r = a.result;
  const pk = r.packet;
  const what = pk.dstPort !== undefined ? `${pk.protocol}/${pk.dstPort}` : pk.icmpType !== undefined ? `${pk.protocol} type ${pk.icmpType} code ${pk.icmpCode}` : pk.protocol;
  return [
    `${pk.src} -> ${pk.dst} ${what}: ${r.verdict === 'allow' ? 'allowed' : 'denied'}`,
    peerText('from', a.from),
    peerText('to  ', a.to),
    '',
    sideText(r.egress) + sideText(r.ingress),
  ].join('\n');
}
