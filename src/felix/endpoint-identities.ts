// Workload endpoints by address, for naming the pods of a logged flow: `<ip>` -> namespace and pod (the WorkloadEndpoint's
// spec.pod, else its name). Kept in step by the policy dataplane as endpoints are set and deleted.
import type { WorkloadEndpoint } from '../api/kind-workload-endpoint';
import { formatIp, tryParseIp } from '../lib/ip';
import type { EndpointIdentity } from './denied-flow-log';

export class EndpointIdentities {
  private readonly byIp = new Map<string, EndpointIdentity>();
  private readonly ipsOf = new Map<string, readonly string[]>();
  private readonly owner = new Map<string, string>();

  set(wep: WorkloadEndpoint): void {
    const namespace = wep.metadata.namespace ?? 'default';
    const id = `${namespace}/${wep.metadata.name}`;
    this.delete(id);
    const identity = { namespace, pod: wep.spec?.pod || wep.metadata.name };
    // Canonical text, as packet-summary.ts formats a logged packet's addresses (an IPv6 network may be written
    // differently in the resource).
    const ips = (wep.spec?.ipNetworks ?? []).flatMap((n) => {
      const ip = tryParseIp(n.split('/')[0] ?? '');
      return ip ? [formatIp(ip)] : [];
    });
    for (const ip of ips) {
      this.byIp.set(ip, identity);
      this.owner.set(ip, id);
    }
    this.ipsOf.set(id, ips);
  }

  delete(id: string): void {
    // An address another endpoint has taken since stays with that endpoint.
    for (const ip of this.ipsOf.get(id) ?? []) if (this.owner.get(ip) === id) {
      this.byIp.delete(ip);
      this.owner.delete(ip);
    }
    this.ipsOf.delete(id);
  }

  of(ip: string): EndpointIdentity | undefined {
    return this.byIp.get(ip);
  }
}
