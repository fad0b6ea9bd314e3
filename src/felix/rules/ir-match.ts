// What the kernel's nftables does with one packet at one IR rule: the matches of felix/rules/ir.ts evaluated in
// TypeScript against a packet, with the same named sets the ruleset carries (ruleset.ts setFromIpSet), so `gingham
// policy explain` decides from exactly what is programmed. Each case follows the nft expression the table renderer
// writes for it (felix/tables/nft-render.ts): `th dport` reads the transport header's port, a named-port set is keyed
// by address . l4proto . port, and an `icmp type` match implies `meta l4proto icmp` (nft adds the dependency), so a
// negated ICMP match never matches a non-ICMP packet. Only the first packet of a connection is judged (conntrack
// state new). Pure: no I/O.

import { protocolText } from '../calc/policy-model';
import { elementsContain } from './cidr-merge';
import { ExplainError, ExplainErrorCode } from './explain-error';
import type { Family, Match, NamedSet, Rule } from './ir';

export interface Packet {
  readonly family: Family;
  readonly src: string;
  readonly dst: string;
  /** As the renderer names protocols (policy-model protocolText): 'tcp', 'udp', 'sctp', 'icmp', 'icmpv6', or a number. */
  readonly protocol: string;
  /** Undefined: not given (a rule that matches on the source port then cannot be judged). */
  readonly srcPort?: number;
  readonly dstPort?: number;
  readonly icmpType?: number;
  readonly icmpCode?: number;
}

/** The named set of a rule's set match, as the ruleset holds it (undefined = empty). */
export type SetLookup = (name: string) => NamedSet | undefined;

const PORTED = new Set(['tcp', 'udp', 'sctp', 'udplite']);

/** The packet's port on one side; undefined for a protocol without ports. */
function portOf(p: Packet, dir: 'src' | 'dst', what: string): number | undefined {
  if (!PORTED.has(p.protocol)) return undefined;
  const port = dir === 'src' ? p.srcPort : p.dstPort;
  if (port === undefined) throw new ExplainError(ExplainErrorCode.SourcePortNeeded, `${what} matches on the source port: give --source-port`);
  return port;
}

const inPorts = (ports: readonly (number | readonly [number, number])[], port: number): boolean =>
  ports.some((x) => (typeof x === 'number' ? x === port : x[0] <= port && port <= x[1]));

function namedPortHit(set: NamedSet | undefined, addr: string, family: Family, proto: string, port: number): boolean {
  for (const e of set?.elements ?? []) {
    const [a, pr, po] = e.split(' . ');
    if (a !== undefined && protocolText(pr) === proto && Number(po) === port && elementsContain([a], addr, family)) return true;
  }
  return false;
}

function positive(m: Match, p: Packet, sets: SetLookup, what: string): boolean {
  switch (m.kind) {
    case 'ctState':
      return m.states.includes('new');
    case 'protocol':
      return m.protocols.some((x) => protocolText(x) === p.protocol);
    case 'addr':
      return elementsContain(m.elements, m.dir === 'src' ? p.src : p.dst, p.family);
    case 'addrSet':
      return elementsContain(sets(m.set)?.elements ?? [], m.dir === 'src' ? p.src : p.dst, p.family);
    case 'ports': {
      const port = portOf(p, m.dir, what);
      return port !== undefined && inPorts(m.ports, port);
    }
    case 'namedPortSet': {
      const port = portOf(p, m.dir, what);
      return port !== undefined && namedPortHit(sets(m.set), m.dir === 'src' ? p.src : p.dst, p.family, p.protocol, port);
    }
    case 'icmp':
      if (m.type !== undefined && m.code !== undefined) return p.icmpType === m.type && p.icmpCode === m.code;
      if (m.type !== undefined) return p.icmpType === m.type;
      return p.icmpCode === (m.code ?? 0);
    default:
      throw new ExplainError(ExplainErrorCode.UnsupportedMatch, `${what}: a ${m.kind} match is not a policy match`);
  }
}

/** Whether one match holds for the packet (negation applied as nft applies it). */
export function matchHolds(m: Match, p: Packet, sets: SetLookup, what = 'rule'): boolean {
  // A port match on a packet without ports, or an ICMP match on a non-ICMP packet, fails whether negated or not
  // (nft's implicit protocol dependency; Calico's validation needs a ported protocol for ports anyway).
  if ((m.kind === 'ports' || m.kind === 'namedPortSet') && !PORTED.has(p.protocol)) return false;
  if (m.kind === 'icmp' && p.protocol !== (p.family === 4 ? 'icmp' : 'icmpv6')) return false;
  const hit = positive(m, p, sets, what);
  return 'negate' in m && m.negate ? !hit : hit;
}

/** Whether every match of the rule holds (the rule's verdict then applies). */
export function ruleMatches(r: Rule, p: Packet, sets: SetLookup): boolean {
  return r.matches.every((m) => matchHolds(m, p, sets, r.comment));
}
