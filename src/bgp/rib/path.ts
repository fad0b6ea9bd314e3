// The route model of the RIBs: where a path came from (a PathSource: the speaker itself or one established session)
// and the path itself. A Path is one small object per route per source; its attributes are interned (attr-intern.ts)
// and its prefix is the Prefix object the decoder made, so a route costs little beyond the Loc-RIB's map entry.
import type { PathAttributes, Prefix } from '../packet/types';
import { parseIpv4, parseIpv6 } from '../packet/prefix';

export type SourceKind = 'local' | 'internal' | 'external';

export interface PathSource {
  /** Unique per source for the speaker's life; 0 is the speaker itself. A new session gets a new id. */
  readonly id: number;
  readonly name: string;
  readonly kind: SourceKind;
  /** The peer's address ('' for local routes). */
  readonly address: string;
  /** The peer's BGP Identifier from its OPEN (ours for local routes). */
  readonly routerId: string;
  /** The peer's AS. */
  readonly asn: number;
  /** RFC 4456: the peer is a route-reflector client of this speaker. */
  readonly rrClient: boolean;
  /** Sortable forms for the decision process: router ID as a number, address as comparable text. */
  readonly routerIdValue: number;
  readonly addressOrder: string;
}

export interface Path {
  readonly prefix: Prefix;
  readonly attrs: PathAttributes;
  readonly source: PathSource;
  /** Clock time the path was (last) received. */
  readonly receivedAt: number;
  /** RFC 4724: kept from a session that went down gracefully, until it is re-sent or the restart time runs out. */
  stale: boolean;
}

/** IPv4 before IPv6, then numerically (RFC 4271 §9.1.2.2 g compares addresses; a text of hex octets sorts alike). */
export function addressOrder(address: string): string {
  if (address === '') return '';
  const v4 = parseIpv4(address);
  if (v4 !== undefined) return `4${v4.toString(16).padStart(8, '0')}`;
  const b = parseIpv6(address);
  return b === undefined ? `9${address}` : `6${b.toString('hex')}`;
}

export function makeSource(s: Omit<PathSource, 'routerIdValue' | 'addressOrder'>): PathSource {
  return { ...s, routerIdValue: parseIpv4(s.routerId) ?? 0, addressOrder: addressOrder(s.address) };
}
