// The IP sets rule selectors need (felix/calc/rule_scanner.go, felix/labelindex/named_port_index.go): a selector
// set holds the addresses of every endpoint and network set it matches, cluster-wide; a named-port set holds
// (address, protocol, port) of every endpoint it matches that declares a port of that name and protocol. Members
// are reference-counted per contributing item, so two items with one address, or a change of one item's addresses,
// keep the set exact.

import { createHash } from 'node:crypto';

export type IpSetKind = 'net' | 'named-port';

export interface IpSetSpec {
  /** Short stable id derived from the key (Felix hashes the selector the same way, so equal selectors share). */
  readonly id: string;
  readonly kind: IpSetKind;
  readonly selector: string;
  readonly protocol?: string;
  readonly portName?: string;
}

/** Member of a named-port set: `<cidr> <protocol> <port>`; of a net set: the CIDR. */
export function namedPortMember(cidr: string, protocol: string, port: number): string {
  return `${cidr} ${protocol} ${port}`;
}

export function ipSetKey(kind: IpSetKind, selector: string, protocol?: string, portName?: string): string {
  return kind === 'net' ? `net|${selector}` : `np|${protocol ?? ''}|${portName ?? ''}|${selector}`;
}

export function ipSetId(key: string): string {
  return (key.startsWith('np|') ? 'n' : 's') + createHash('sha256').update(key).digest('hex').slice(0, 16);
}

export class IpSet {
  private readonly counts = new Map<string, number>();
  private readonly byItem = new Map<string, readonly string[]>();

  constructor(readonly spec: IpSetSpec) {}

  /** Replaces one item's contribution; returns true when the member set changed. */
  setContribution(itemId: string, members: readonly string[]): boolean {
    const before = this.counts.size;
    let changed = false;
    for (const m of this.byItem.get(itemId) ?? []) {
      const n = (this.counts.get(m) ?? 0) - 1;
      if (n <= 0) {
        this.counts.delete(m);
        changed = true;
      } else this.counts.set(m, n);
    }
    if (members.length) this.byItem.set(itemId, members);
    else this.byItem.delete(itemId);
    for (const m of members) {
      const n = this.counts.get(m) ?? 0;
      if (n === 0) changed = true;
      this.counts.set(m, n + 1);
    }
    return changed || before !== this.counts.size;
  }

  members(): string[] {
    return [...this.counts.keys()].sort();
  }

  has(member: string): boolean {
    return this.counts.has(member);
  }
}
