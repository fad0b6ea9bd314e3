// One Calico rule as IR rules for one address family (felix/rules/policy.go ProtoRuleToIptablesRules, with nft's
// richer matches instead of Felix's match blocks): a rule for the other family, or whose nets leave nothing of this
// family, renders to nothing; ICMP rules only in IPv4, ICMPv6 only in IPv6; numeric ports and each named port become
// separate IR rules (they are ORed); Allow = set the accept mark and return, Pass = set the pass mark and return,
// Deny = drop, Log = log and continue.

import { PolicyResolver } from '../calc/policy-resolver';
import { protocolText, type EntityModel, type Port, type RuleModel } from '../calc/policy-model';
import { disjointElements, hasFamily } from './cidr-merge';
import { MARK_ACCEPT, MARK_PASS, type Direction, type Family, type Match, type Rule, type RuleRef, type Verdict } from './ir';

export const LOG_PREFIX = 'calico-packet: ';

function verdictFor(action: RuleModel['action']): Verdict {
  switch (action) {
    case 'Allow':
      return { kind: 'markReturn', bits: MARK_ACCEPT };
    case 'Pass':
      return { kind: 'markReturn', bits: MARK_PASS };
    case 'Deny':
      return { kind: 'drop' };
    case 'Log':
      return { kind: 'log', prefix: LOG_PREFIX };
  }
}

function parsePorts(ports: readonly Port[]): { numeric: Array<number | [number, number]>; named: string[] } {
  const numeric: Array<number | [number, number]> = [];
  const named: string[] = [];
  for (const p of ports) {
    if (typeof p === 'number') numeric.push(p);
    else {
      const m = /^(\d+)(?::(\d+))?$/.exec(p);
      if (!m) named.push(p);
      else if (m[2] === undefined || m[1] === m[2]) numeric.push(Number(m[1]));
      else numeric.push([Number(m[1]), Number(m[2])]);
    }
  }
  return { numeric, named };
}

/**
 * The matches of one side (source or destination) common to every variant, or undefined when the side can never
 * match in this family; and the ORed port alternatives (each a list of matches).
 */
function sideMatches(e: EntityModel, dir: Direction, family: Family, protocol: string | undefined): { common: Match[]; alternatives: Match[][] } | undefined {
  const common: Match[] = [];
  if (e.nets?.length) {
    if (!hasFamily(e.nets, family)) return undefined;
    const elements = disjointElements(e.nets, family, e.notNets ?? []);
    if (elements.length === 0) return undefined;
    common.push({ kind: 'addr', dir, elements });
  } else if (e.notNets?.length && hasFamily(e.notNets, family)) {
    const zero = family === 4 ? '0.0.0.0/0' : '::/0';
    const elements = disjointElements(e.notNets, family);
    // notNets covering everything: the rule can never match (Felix drops it).
    if (elements.length === 1 && elements[0] === zero) return undefined;
    common.push({ kind: 'addr', dir, elements, negate: true });
  }
  if (e.selector) common.push({ kind: 'addrSet', dir, set: PolicyResolver.ipSetIdFor('net', e.selector) });
  if (e.notSelector) common.push({ kind: 'addrSet', dir, set: PolicyResolver.ipSetIdFor('net', e.notSelector), negate: true });
  const proto = protocol ?? 'tcp';
  if (e.notPorts?.length) {
    const { numeric, named } = parsePorts(e.notPorts);
    if (numeric.length) common.push({ kind: 'ports', dir, ports: numeric, negate: true });
    for (const n of named) common.push({ kind: 'namedPortSet', dir, set: PolicyResolver.ipSetIdFor('named-port', e.selector || 'all()', proto, n), negate: true });
  }
  const alternatives: Match[][] = [];
  if (e.ports?.length) {
    const { numeric, named } = parsePorts(e.ports);
    if (numeric.length) alternatives.push([{ kind: 'ports', dir, ports: numeric }]);
    for (const n of named) alternatives.push([{ kind: 'namedPortSet', dir, set: PolicyResolver.ipSetIdFor('named-port', e.selector || 'all()', proto, n) }]);
  }
  return { common, alternatives };
}

/** The IR rules of one Calico rule in one family; `comment` names the policy and rule, `ref` is what they count under. */
export function renderRule(r: RuleModel, family: Family, comment: string, ref?: RuleRef): Rule[] {
  if (r.ipVersion && r.ipVersion !== family) return [];
  const protocol = protocolText(r.protocol);
  if ((protocol === 'icmp' && family === 6) || (protocol === 'icmpv6' && family === 4)) return [];
  const base: Match[] = [];
  if (protocol) base.push({ kind: 'protocol', protocols: [protocol] });
  if (r.notProtocol) base.push({ kind: 'protocol', protocols: [protocolText(r.notProtocol) ?? ''], negate: true });
  if (r.icmp && (r.icmp.type !== undefined || r.icmp.code !== undefined)) base.push({ kind: 'icmp', ...r.icmp });
  if (r.notICMP && (r.notICMP.type !== undefined || r.notICMP.code !== undefined)) base.push({ kind: 'icmp', ...r.notICMP, negate: true });
  const src = sideMatches(r.src, 'src', family, protocol);
  const dst = sideMatches(r.dst, 'dst', family, protocol);
  if (!src || !dst) return [];
  const verdict = verdictFor(r.action);
  const common = [...base, ...src.common, ...dst.common];
  const srcAlts = src.alternatives.length ? src.alternatives : [[]];
  const dstAlts = dst.alternatives.length ? dst.alternatives : [[]];
  const out: Rule[] = [];
  for (const s of srcAlts) for (const d of dstAlts) out.push({ matches: [...common, ...s, ...d], verdict, comment, ...(ref ? { ref } : {}) });
  return out;
}
