// `gingham policy explain` for one packet: which of the two policy checks the kernel applies to it, and what each
// decides. The base chains of ruleset.ts fix which checks run: a packet from a workload goes through its endpoint's
// egress chain (forward hook, or input hook when it is for the host); a packet to a workload goes through its
// endpoint's ingress chain (forward hook) unless it comes from that node's own host (no output-hook chain: host ->
// local pod is never policed, so kubelet probes always work); a pod's packet to its own address never leaves the pod.
// A peer that is not a workload endpoint (a host, an outside address) has no policy of its own and is matched only by
// the other side's `nets` rules. Only the first packet of a connection is judged: replies and related packets of an
// allowed connection are accepted by conntrack. Staged policies never decide: where they change an endpoint's walk,
// the staged view is walked beside it and shown with the verdict it would give. Pure: reads the resolver, no I/O.

import type { PolicyResolver } from '../calc/policy-resolver';
import { protocolText } from '../calc/policy-model';
import { familyOf } from '../../lib/ip';
import { ExplainError, ExplainErrorCode } from './explain-error';
import type { Family } from './ir';
import type { Packet } from './ir-match';
import { setLookup, walkEndpoint, type Direction, type DirectionWalk } from './explain-walk';

/** One end of the packet: a workload endpoint (resolver id and node), or an address that is none. */
export type ExplainPeer =
  | { readonly kind: 'endpoint'; readonly id: string; readonly node: string; readonly ip: string }
  /** `hostOf`: the node this address belongs to, when it is a host's. */
  | { readonly kind: 'address'; readonly ip: string; readonly hostOf?: string };

export interface ExplainQuery {
  readonly from: ExplainPeer;
  readonly to: ExplainPeer;
  readonly protocol: string;
  /** Destination port (ported protocols). */
  readonly port?: number;
  readonly sourcePort?: number;
  /** ICMP type and code (default: echo request, code 0). */
  readonly icmpType?: number;
  readonly icmpCode?: number;
}

export type SideResult =
  | { readonly policed: false; readonly direction: Direction; readonly reason: string }
  | ({
      readonly policed: true;
      readonly endpoint: string;
      /**
       * Where staged policies change the endpoint's walk (policy-resolver.ts EndpointPolicies.staged): the walk of the
       * staged view and the verdict it would give. Never decides: the kernel walks it only after the enforced walk
       * accepted, to count and log would-be denials (staged-rules.ts).
       */
      readonly staged?: DirectionWalk;
    } & DirectionWalk);

export interface ExplainResult {
  /** allow only when every policed side allows. */
  readonly verdict: 'allow' | 'deny';
  readonly packet: Packet;
  readonly egress: SideResult;
  readonly ingress: SideResult;
}

/** The packet of a query (addresses of one family; the ICMP of that family's echo request by default). */
export function packetOf(q: ExplainQuery): Packet {
  const family = familyOf(q.from.ip);
  if (family === undefined || familyOf(q.to.ip) !== family) {
    throw new ExplainError(ExplainErrorCode.FamilyMismatch, `${q.from.ip} and ${q.to.ip} are not addresses of one family`);
  }
  let protocol = protocolText(q.protocol) ?? 'tcp';
  if (protocol === 'icmp' && family === 6) protocol = 'icmpv6';
  const icmp = protocol === 'icmp' || protocol === 'icmpv6';
  return {
    family,
    src: q.from.ip,
    dst: q.to.ip,
    protocol,
    ...(q.port !== undefined && !icmp ? { dstPort: q.port } : {}),
    ...(q.sourcePort !== undefined && !icmp ? { srcPort: q.sourcePort } : {}),
    ...(icmp ? { icmpType: q.icmpType ?? (family === 4 ? 8 : 128), icmpCode: q.icmpCode ?? 0 } : {}),
  };
}

function side(resolver: PolicyResolver, id: string, direction: Direction, p: Packet, sets: ReturnType<typeof setLookup>): SideResult {
  const policies = resolver.endpointPolicies(id);
  if (!policies) throw new ExplainError(ExplainErrorCode.NotResolved, `endpoint ${id} has no resolved policy (not a local endpoint of this calculation)`);
  const stagedTiers = policies.staged?.[direction];
  const staged = stagedTiers ? { staged: walkEndpoint(resolver, { ...policies, [direction]: stagedTiers }, direction, p, sets) } : {};
  return { policed: true, endpoint: id, ...walkEndpoint(resolver, policies, direction, p, sets), ...staged };
}

/**
 * Explains one packet against a resolver in which every endpoint is local (resolved). `families`: the families the
 * agents program policy for (PolicyDataplaneOptions.families); a packet of another family meets no policy table.
 */
export function explainPacket(resolver: PolicyResolver, q: ExplainQuery, families: readonly Family[] = [4, 6]): ExplainResult {
  const p = packetOf(q);
  const sets = setLookup(resolver, p.family);
  const { from, to } = q;
  let egress: SideResult;
  let ingress: SideResult;
  if (!families.includes(p.family)) {
    const reason = `the agents program no IPv${p.family} policy`;
    egress = { policed: false, direction: 'egress', reason };
    ingress = { policed: false, direction: 'ingress', reason };
  } else if (from.kind === 'endpoint' && to.kind === 'endpoint' && from.id === to.id) {
    const reason = "the pod's own address: the packet never leaves the pod";
    egress = { policed: false, direction: 'egress', reason };
    ingress = { policed: false, direction: 'ingress', reason };
  } else {
    egress = from.kind === 'endpoint' ? side(resolver, from.id, 'egress', p, sets) : { policed: false, direction: 'egress', reason: 'the source is not a workload endpoint: no egress policy' };
    if (to.kind !== 'endpoint') ingress = { policed: false, direction: 'ingress', reason: 'the destination is not a workload endpoint: no ingress policy' };
    else if (from.kind === 'address' && from.hostOf === to.node) ingress = { policed: false, direction: 'ingress', reason: `host ${to.node} to its own pod is not policed` };
    else ingress = side(resolver, to.id, 'ingress', p, sets);
  }
  const denied = [egress, ingress].some((s) => s.policed && s.verdict === 'deny');
  return { verdict: denied ? 'deny' : 'allow', packet: p, egress, ingress };
}
