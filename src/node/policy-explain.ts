// `gingham policy explain`'s calculation: the datastore's policy kinds read through the syncer cache (datastore/cache.ts)
// and fed to the policy calculation by the agent's own feed (policy-feed.ts -> felix/policy-inputs.ts), with every
// WorkloadEndpoint local so each is resolved as its node's agent resolves it; then each query's ends are looked up
// (NS/POD or an address: a pod's, a host's from the Node resources, or any other) and the packet is judged by
// felix/rules/explain.ts, which evaluates the rules the renderer writes for the kernel. The cache is closed once
// read: an explanation is of one moment of the datastore. PolicyExplainer is pure; loadPolicyExplainer does the I/O.

import type { CalicoNode } from '../api/kind-node';
import type { WorkloadEndpoint } from '../api/kind-workload-endpoint';
import { DatastoreCache, type Datastore, type StoredResource } from '../datastore';
import { ExplainError, ExplainErrorCode, explainPacket, type ExplainPeer, type ExplainResult } from '../felix/policy-explain';
import { PolicyInputs } from '../felix/policy-inputs';
import { describeError, GinghamError } from '../lib/errors';
import { familyOf, formatIp, tryParseIp } from '../lib/ip';
import { POLICY_FAMILIES, POLICY_KINDS } from './calc/kinds';
import { feedPolicy } from './policy-feed';

/** One question: `from`/`to` are NS/POD (POD alone: namespace default) or an IP address. */
export interface ExplainRequest {
  readonly from: string;
  readonly to: string;
  readonly protocol: string;
  readonly port?: number;
  readonly sourcePort?: number;
  readonly icmpType?: number;
  readonly icmpCode?: number;
}

export type ExplainAnswer =
  | { readonly query: ExplainRequest; readonly from: ExplainPeer; readonly to: ExplainPeer; readonly result: ExplainResult }
  | { readonly query: ExplainRequest; readonly error: { readonly code: string; readonly message: string } };

export type { Decision, DirectionWalk, ExplainPeer, ExplainResult, PolicyStep, ProfileStep, SideResult, TierStep } from '../felix/policy-explain';

export const EXPLAIN_KINDS: readonly string[] = [...POLICY_KINDS, 'Node'];

const addressOf = (cidrOrIp: string): string | undefined => {
  const ip = tryParseIp(cidrOrIp.split('/')[0] ?? '');
  return ip ? formatIp(ip) : undefined;
};

/** Every address a Node resource names for its host (BGP addresses, tunnel addresses, spec.addresses). */
function nodeAddresses(n: CalicoNode): string[] {
  const s = n.spec ?? {};
  const all = [s.bgp?.ipv4Address, s.bgp?.ipv6Address, s.bgp?.ipv4IPIPTunnelAddr, s.ipv4VXLANTunnelAddr, s.ipv6VXLANTunnelAddr, s.wireguard?.interfaceIPv4Address, s.wireguard?.interfaceIPv6Address, ...(s.addresses ?? []).map((a) => a.address)];
  return all.map((a) => (a ? addressOf(a) : undefined)).filter((a): a is string => a !== undefined);
}

export class PolicyExplainer {
  private readonly inputs = new PolicyInputs(() => true);
  private readonly endpoints: WorkloadEndpoint[] = [];
  private readonly endpointByIp = new Map<string, WorkloadEndpoint>();
  private readonly hostByIp = new Map<string, string>();

  /** `list(kind)`: the resources of each of EXPLAIN_KINDS (the cache's list). */
  constructor(list: (kind: string) => readonly StoredResource[]) {
    for (const kind of POLICY_KINDS) feedPolicy(this.inputs, kind, list(kind).map((object) => ({ type: 'set' as const, key: '', object })));
    this.inputs.resolver.takeChanges();
    for (const wep of list('WorkloadEndpoint') as WorkloadEndpoint[]) {
      this.endpoints.push(wep);
      for (const net of wep.spec?.ipNetworks ?? []) {
        const ip = addressOf(net);
        if (ip !== undefined) this.endpointByIp.set(ip, wep);
      }
    }
    for (const n of list('Node') as CalicoNode[]) for (const ip of nodeAddresses(n)) this.hostByIp.set(ip, n.metadata.name);
  }

  private endpointPeer(wep: WorkloadEndpoint, family: 4 | 6 | undefined, ref: string): ExplainPeer {
    const ips = (wep.spec?.ipNetworks ?? []).map(addressOf).filter((a): a is string => a !== undefined);
    const ip = ips.find((a) => family === undefined || familyOf(a) === family);
    if (ip === undefined) throw new ExplainError(ExplainErrorCode.FamilyMismatch, `${ref} has no IPv${family ?? 4} address`);
    return { kind: 'endpoint', id: `${wep.metadata.namespace ?? 'default'}/${wep.metadata.name}`, node: wep.spec?.node ?? '', ip };
  }

  /** An end of the packet; `family`: the address family the other end fixes, if it is an address. */
  peer(ref: string, family: 4 | 6 | undefined): ExplainPeer {
    const ip = tryParseIp(ref);
    if (ip) {
      const text = formatIp(ip);
      const wep = this.endpointByIp.get(text);
      if (wep) return this.endpointPeer(wep, ip.family, ref);
      const host = this.hostByIp.get(text);
      return { kind: 'address', ip: text, ...(host !== undefined ? { hostOf: host } : {}) };
    }
    const [ns, name] = ref.includes('/') ? (ref.split('/', 2) as [string, string]) : ['default', ref];
    const matching = this.endpoints.filter((w) => (w.metadata.namespace ?? 'default') === ns && (w.spec?.pod === name || w.metadata.name === name));
    const wep = matching.find((w) => (w.spec?.endpoint ?? 'eth0') === 'eth0') ?? matching[0];
    if (!wep) throw new ExplainError(ExplainErrorCode.UnknownPeer, `"${ref}" is neither an IP address nor a pod with a workload endpoint (NS/POD)`);
    return this.endpointPeer(wep, family, ref);
  }

  explain(q: ExplainRequest): ExplainAnswer {
    try {
      const family = (r: string): 4 | 6 | undefined => tryParseIp(r)?.family;
      const from = this.peer(q.from, family(q.to) ?? family(q.from));
      const to = this.peer(q.to, familyOf(from.ip));
      const result = explainPacket(this.inputs.resolver, {
        from,
        to,
        protocol: q.protocol,
        ...(q.port !== undefined ? { port: q.port } : {}),
        ...(q.sourcePort !== undefined ? { sourcePort: q.sourcePort } : {}),
        ...(q.icmpType !== undefined ? { icmpType: q.icmpType } : {}),
        ...(q.icmpCode !== undefined ? { icmpCode: q.icmpCode } : {}),
      }, POLICY_FAMILIES);
      return { query: q, from, to, result };
    } catch (err) {
      if (!(err instanceof GinghamError)) throw err;
      return { query: q, error: { code: err.code, message: describeError(err, { codes: false }) } };
    }
  }

  /** Every query against the one calculation, answers in query order. */
  explainAll(qs: readonly ExplainRequest[]): ExplainAnswer[] {
    return qs.map((q) => this.explain(q));
  }
}

/** Reads the datastore once through the syncer cache and builds the explainer; the cache is closed before returning. */
export async function loadPolicyExplainer(store: Datastore): Promise<PolicyExplainer> {
  const cache = new DatastoreCache(store, EXPLAIN_KINDS);
  try {
    await cache.start();
    return new PolicyExplainer((kind) => cache.list(kind));
  } finally {
    await cache.close();
  }
}
