// Numbers of the BGP-4 wire protocol, named. Sources: RFC 4271 §4, RFC 4486, RFC 5492, RFC 6608, RFC 7313,
// RFC 4760, RFC 6793, RFC 9687, RFC 4724, RFC 7911, RFC 8654, RFC 9072, IANA "BGP Parameters" registries.

export const BGP_PORT = 179;
export const BGP_VERSION = 4;
export const HEADER_LENGTH = 19;
export const MIN_MESSAGE_LENGTH = 19;
/** RFC 4271 §4.1: maximum message size. */
export const MAX_MESSAGE_LENGTH = 4096;
/** RFC 8654 §4: with Extended Message negotiated, UPDATE, NOTIFICATION and ROUTE-REFRESH may be this long. */
export const MAX_EXTENDED_MESSAGE_LENGTH = 65535;
/** RFC 6793 §9: the 2-octet placeholder for a 4-octet AS number. */
export const AS_TRANS = 23456;

export enum MessageType {
  Open = 1,
  Update = 2,
  Notification = 3,
  Keepalive = 4,
  RouteRefresh = 5,
}

export enum ErrorCode {
  MessageHeader = 1,
  OpenMessage = 2,
  UpdateMessage = 3,
  HoldTimerExpired = 4,
  FiniteStateMachine = 5,
  Cease = 6,
  RouteRefreshMessage = 7,
  /** RFC 9687 §5: the peer stopped reading and our send hold timer ran out. */
  SendHoldTimerExpired = 8,
}

/** RFC 4271 §6.1 */
export enum HeaderSubcode {
  ConnectionNotSynchronized = 1,
  BadMessageLength = 2,
  BadMessageType = 3,
}

/** RFC 4271 §6.2, RFC 5492 §5 (7), RFC 9234 (11). 5, 8, 9, 10 are deprecated. */
export enum OpenSubcode {
  Unspecific = 0,
  UnsupportedVersionNumber = 1,
  BadPeerAs = 2,
  BadBgpIdentifier = 3,
  UnsupportedOptionalParameter = 4,
  AuthenticationFailure = 5,
  UnacceptableHoldTime = 6,
  UnsupportedCapability = 7,
  RoleMismatch = 11,
}

/** RFC 4271 §6.3. 7 (AS Routing Loop) is deprecated. */
export enum UpdateSubcode {
  Unspecific = 0,
  MalformedAttributeList = 1,
  UnrecognizedWellKnownAttribute = 2,
  MissingWellKnownAttribute = 3,
  AttributeFlagsError = 4,
  AttributeLengthError = 5,
  InvalidOriginAttribute = 6,
  AsRoutingLoop = 7,
  InvalidNextHopAttribute = 8,
  OptionalAttributeError = 9,
  InvalidNetworkField = 10,
  MalformedAsPath = 11,
}

/** RFC 6608 §4 */
export enum FsmSubcode {
  Unspecified = 0,
  UnexpectedMessageInOpenSent = 1,
  UnexpectedMessageInOpenConfirm = 2,
  UnexpectedMessageInEstablished = 3,
}

/** RFC 4486 §4, RFC 8538 §5 (9), RFC 9384 (10) */
export enum CeaseSubcode {
  Unspecific = 0,
  MaximumPrefixesReached = 1,
  AdministrativeShutdown = 2,
  PeerDeconfigured = 3,
  AdministrativeReset = 4,
  ConnectionRejected = 5,
  OtherConfigurationChange = 6,
  ConnectionCollisionResolution = 7,
  OutOfResources = 8,
  HardReset = 9,
  BfdDown = 10,
}

/** RFC 7313 §5 */
export enum RouteRefreshSubcode {
  Reserved = 0,
  InvalidMessageLength = 1,
}

const SUBCODE_NAMES: Record<number, Record<number, string>> = {
  [ErrorCode.MessageHeader]: {
    1: 'Connection Not Synchronized',
    2: 'Bad Message Length',
    3: 'Bad Message Type',
  },
  [ErrorCode.OpenMessage]: {
    0: 'Unspecific',
    1: 'Unsupported Version Number',
    2: 'Bad Peer AS',
    3: 'Bad BGP Identifier',
    4: 'Unsupported Optional Parameter',
    5: 'Authentication Failure (deprecated)',
    6: 'Unacceptable Hold Time',
    7: 'Unsupported Capability',
    8: 'Deprecated',
    9: 'Deprecated',
    10: 'Deprecated',
    11: 'Role Mismatch',
  },
  [ErrorCode.UpdateMessage]: {
    0: 'Unspecific',
    1: 'Malformed Attribute List',
    2: 'Unrecognized Well-known Attribute',
    3: 'Missing Well-known Attribute',
    4: 'Attribute Flags Error',
    5: 'Attribute Length Error',
    6: 'Invalid ORIGIN Attribute',
    7: 'AS Routing Loop (deprecated)',
    8: 'Invalid NEXT_HOP Attribute',
    9: 'Optional Attribute Error',
    10: 'Invalid Network Field',
    11: 'Malformed AS_PATH',
  },
  [ErrorCode.HoldTimerExpired]: { 0: 'Unspecific' },
  [ErrorCode.FiniteStateMachine]: {
    0: 'Unspecified Error',
    1: 'Receive Unexpected Message in OpenSent State',
    2: 'Receive Unexpected Message in OpenConfirm State',
    3: 'Receive Unexpected Message in Established State',
  },
  [ErrorCode.Cease]: {
    0: 'Unspecific',
    1: 'Maximum Number of Prefixes Reached',
    2: 'Administrative Shutdown',
    3: 'Peer De-configured',
    4: 'Administrative Reset',
    5: 'Connection Rejected',
    6: 'Other Configuration Change',
    7: 'Connection Collision Resolution',
    8: 'Out of Resources',
    9: 'Hard Reset',
    10: 'BFD Down',
  },
  [ErrorCode.RouteRefreshMessage]: { 0: 'Reserved', 1: 'Invalid Message Length' },
  [ErrorCode.SendHoldTimerExpired]: { 0: 'Unspecific' },
};

const CODE_NAMES: Record<number, string> = {
  1: 'Message Header Error',
  2: 'OPEN Message Error',
  3: 'UPDATE Message Error',
  4: 'Hold Timer Expired',
  5: 'Finite State Machine Error',
  6: 'Cease',
  7: 'ROUTE-REFRESH Message Error',
  8: 'Send Hold Timer Expired',
};

export function errorCodeName(code: number): string {
  return CODE_NAMES[code] ?? `Unknown error code ${code}`;
}

export function errorSubcodeName(code: number, subcode: number): string {
  return SUBCODE_NAMES[code]?.[subcode] ?? `subcode ${subcode}`;
}

/** "Cease / Administrative Shutdown", as logs and `bgp status` show a NOTIFICATION. */
export function notificationName(code: number, subcode: number): string {
  // The timer codes have no subcodes (RFC 4271 §6.5, RFC 9687 §5): their name alone.
  if ((code === ErrorCode.HoldTimerExpired || code === ErrorCode.SendHoldTimerExpired) && subcode === 0) return errorCodeName(code);
  return `${errorCodeName(code)} / ${errorSubcodeName(code, subcode)}`;
}

export enum AttrType {
  Origin = 1,
  AsPath = 2,
  NextHop = 3,
  MultiExitDisc = 4,
  LocalPref = 5,
  AtomicAggregate = 6,
  Aggregator = 7,
  Communities = 8,
  OriginatorId = 9,
  ClusterList = 10,
  MpReachNlri = 14,
  MpUnreachNlri = 15,
  ExtendedCommunities = 16,
  As4Path = 17,
  As4Aggregator = 18,
  LargeCommunity = 32,
}

/** Attribute flag bits, RFC 4271 §4.3. */
export const AttrFlag = {
  Optional: 0x80,
  Transitive: 0x40,
  Partial: 0x20,
  ExtendedLength: 0x10,
} as const;

export enum CapabilityCode {
  Multiprotocol = 1,
  RouteRefresh = 2,
  ExtendedNextHop = 5,
  ExtendedMessage = 6,
  GracefulRestart = 64,
  FourOctetAs = 65,
  AddPath = 69,
  EnhancedRouteRefresh = 70,
  LongLivedGracefulRestart = 71,
  Fqdn = 73,
  RouteRefreshCisco = 128,
}

/** Optional parameter types, RFC 5492 §4 (2) and RFC 9072 §2 (255 marks the extended form). */
export enum OptionalParamType {
  Capabilities = 2,
  ExtendedLength = 255,
}

export enum Afi {
  Ipv4 = 1,
  Ipv6 = 2,
}

export enum Safi {
  Unicast = 1,
}

export enum Origin {
  Igp = 0,
  Egp = 1,
  Incomplete = 2,
}

/** RFC 7313 §3: the Message Subtype of ROUTE-REFRESH (the old Reserved octet). */
export enum RouteRefreshSubtype {
  Normal = 0,
  BeginningOfRouteRefresh = 1,
  EndOfRouteRefresh = 2,
}

/** RFC 1997 and IANA well-known communities (the table is lib/community.ts, where community text is parsed). */
export { WELL_KNOWN_COMMUNITIES as WellKnownCommunity } from '../../lib/community';
