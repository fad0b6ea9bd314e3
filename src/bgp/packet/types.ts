// The BGP message model: discriminated unions of readonly plain data. This file is the contract between the codec
// (decode/encode in this folder) and everything above it (fsm, rib, session). It holds types only.
import type { FamilyName } from '../../lib/ip';
import type { Afi, Safi, Origin, RouteRefreshSubtype } from './constants';
import type { BgpError, ErrorHandling } from './bgp-error';

/** BGP's address families by name: lib/ip's FamilyName (the one family type, spelt as AFI names). */
export type Family = FamilyName;

/** One NLRI. `address` is the canonical text form of the network address (host bits zero), e.g. "10.244.1.0". */
export interface Prefix {
  readonly family: Family;
  readonly address: string;
  readonly length: number;
  /** RFC 7911 path identifier, present only when ADD-PATH receive/send is negotiated for the family. */
  readonly pathId?: number;
}

/** AFI/SAFI pair, e.g. { afi: Afi.Ipv4, safi: Safi.Unicast }. */
export interface AfiSafi {
  readonly afi: Afi | number;
  readonly safi: Safi | number;
}

// ---------------------------------------------------------------- capabilities (RFC 5492)

export type Capability =
  | { readonly kind: 'multiprotocol'; readonly afi: number; readonly safi: number }
  | { readonly kind: 'route-refresh' }
  | { readonly kind: 'route-refresh-cisco' }
  | { readonly kind: 'enhanced-route-refresh' }
  | { readonly kind: 'extended-message' }
  | { readonly kind: 'four-octet-as'; readonly asn: number }
  | {
      readonly kind: 'graceful-restart';
      /** R bit: the sender has restarted. */
      readonly restarting: boolean;
      /** N bit (RFC 8538): the sender supports graceful NOTIFICATION. */
      readonly notification: boolean;
      /** Seconds, 12 bits. */
      readonly restartTime: number;
      readonly families: ReadonlyArray<{ readonly afi: number; readonly safi: number; readonly forwardingPreserved: boolean }>;
    }
  | {
      readonly kind: 'add-path';
      /** sendReceive: 1 = receive, 2 = send, 3 = both (RFC 7911 §4). */
      readonly families: ReadonlyArray<{ readonly afi: number; readonly safi: number; readonly sendReceive: number }>;
    }
  | { readonly kind: 'unknown'; readonly code: number; readonly value: Buffer };

// ---------------------------------------------------------------- path attributes (RFC 4271 §4.3, §5)

export type AsPathSegmentType = 'set' | 'sequence' | 'confed-sequence' | 'confed-set';

export interface AsPathSegment {
  readonly type: AsPathSegmentType;
  readonly asns: readonly number[];
}

export interface Aggregator {
  readonly asn: number;
  readonly address: string;
}

/** An attribute this speaker does not recognise, kept for passing on (optional transitive) or for display. */
export interface UnknownAttribute {
  readonly flags: number;
  readonly typeCode: number;
  readonly value: Buffer;
}

export interface MpReach {
  readonly afi: number;
  readonly safi: number;
  /** Global next hop and, for IPv6, an optional link-local one (RFC 2545 §3). */
  readonly nextHop: string;
  readonly linkLocalNextHop?: string;
  readonly nlri: readonly Prefix[];
}

export interface MpUnreach {
  readonly afi: number;
  readonly safi: number;
  readonly withdrawn: readonly Prefix[];
}

/**
 * Decoded path attributes. Absent means the attribute was not in the message. AS4_PATH and AS4_AGGREGATOR received
 * from a 2-octet peer are merged into asPath/aggregator on decode (RFC 6793 §4.2.3) and generated on encode towards a
 * 2-octet peer, so they never appear here.
 */
export interface PathAttributes {
  readonly origin?: Origin;
  readonly asPath?: readonly AsPathSegment[];
  readonly nextHop?: string;
  readonly med?: number;
  readonly localPref?: number;
  readonly atomicAggregate?: boolean;
  readonly aggregator?: Aggregator;
  /** RFC 1997: each community as an unsigned 32-bit number (ASN << 16 | value). */
  readonly communities?: readonly number[];
  readonly originatorId?: string;
  readonly clusterList?: readonly string[];
  readonly mpReach?: MpReach;
  readonly mpUnreach?: MpUnreach;
  /** RFC 4360: each an 8-octet value. */
  readonly extendedCommunities?: readonly Buffer[];
  /** RFC 8092: [global administrator, local data 1, local data 2]. */
  readonly largeCommunities?: ReadonlyArray<readonly [number, number, number]>;
  /** Unrecognised attributes, in the order received. */
  readonly unknown?: readonly UnknownAttribute[];
}

// ---------------------------------------------------------------- messages

export interface OpenMessage {
  readonly type: 'open';
  readonly version: number;
  /** The 2-octet My Autonomous System field (AS_TRANS when the real AS is in the four-octet-as capability). */
  readonly myAs: number;
  readonly holdTime: number;
  /** BGP Identifier as dotted quad. */
  readonly bgpId: string;
  readonly capabilities: readonly Capability[];
}

export interface UpdateMessage {
  readonly type: 'update';
  readonly withdrawn: readonly Prefix[];
  readonly attributes: PathAttributes;
  readonly nlri: readonly Prefix[];
}

export interface NotificationMessage {
  readonly type: 'notification';
  readonly code: number;
  readonly subcode: number;
  readonly data: Buffer;
  /** RFC 9003 shutdown communication, decoded from data for Cease / Administrative Shutdown or Reset. */
  readonly shutdownMessage?: string;
}

export interface KeepaliveMessage {
  readonly type: 'keepalive';
}

export interface RouteRefreshMessage {
  readonly type: 'route-refresh';
  readonly afi: number;
  readonly safi: number;
  readonly subtype: RouteRefreshSubtype | number;
}

export type BgpMessage = OpenMessage | UpdateMessage | NotificationMessage | KeepaliveMessage | RouteRefreshMessage;

// ---------------------------------------------------------------- session-negotiated codec options

/** What the two speakers agreed in their OPENs; travels into every decode/encode call (never a global). */
export interface CodecOptions {
  /** Both sides sent the four-octet-as capability: AS_PATH and AGGREGATOR carry 4-octet ASNs. */
  readonly fourOctetAs: boolean;
  /** Both sides sent extended-message: UPDATE/NOTIFICATION/ROUTE-REFRESH up to 65535 octets. */
  readonly extendedMessage: boolean;
  /** Families ("ipv4"/"ipv6") whose NLRI carry ADD-PATH path identifiers in this direction. */
  readonly addPath: ReadonlySet<Family>;
  /** The peer is in our AS (iBGP); RFC 7606 treats some attributes differently for eBGP peers (e.g. LOCAL_PREF). */
  readonly internal: boolean;
}

export const DEFAULT_CODEC_OPTIONS: CodecOptions = {
  fourOctetAs: false,
  extendedMessage: false,
  addPath: new Set(),
  internal: false,
};

/**
 * The result of decoding an UPDATE under RFC 7606. Errors that reset the session are thrown as BgpError; every
 * weaker error is reported here, and the strongest one decides what the session does with the message:
 * - undefined: apply it as received;
 * - 'attribute-discard': apply it; the offending attributes were dropped from `message.attributes`;
 * - 'treat-as-withdraw': withdraw every prefix in message.nlri, attributes.mpReach.nlri and the withdrawals;
 * - 'afisafi-disable': stop exchanging the families named in `disabledFamilies`.
 */
export interface DecodedUpdate {
  readonly message: UpdateMessage;
  readonly handling?: Exclude<ErrorHandling, 'session-reset'>;
  readonly errors: readonly BgpError[];
  readonly disabledFamilies?: readonly AfiSafi[];
}
