// The capability list of an OPEN (RFC 5492): decoding and encoding the <code, length, value> triples of a
// Capabilities optional parameter, dispatching each to its cap-*.ts codec, and negotiate(): what two speakers agreed
// given the lists each sent. Pure: the session decides what to do with a Negotiated result.
import { BgpError } from './bgp-error';
import { addPathCodec, ADD_PATH_RECEIVE, ADD_PATH_SEND } from './cap-add-path';
import type { CapabilityCodec, CapabilityKind, CapabilityOf } from './cap-codec';
import { enhancedRouteRefreshCodec } from './cap-enhanced-route-refresh';
import { extendedMessageCodec } from './cap-extended-message';
import { fourOctetAsCodec } from './cap-four-octet-as';
import { gracefulRestartCodec } from './cap-graceful-restart';
import { afiSafiName, multiprotocolCodec } from './cap-multiprotocol';
import { routeRefreshCiscoCodec, routeRefreshCodec } from './cap-route-refresh';
import { unknownCapabilityCodec } from './cap-unknown';
import { Afi, AS_TRANS, CapabilityCode, ErrorCode, OpenSubcode, Safi } from './constants';
import { BgpEncodeError } from './header';
import type { AfiSafi, Capability, CodecOptions, Family, OpenMessage } from './types';

const BY_CODE: ReadonlyMap<number, CapabilityCodec<CapabilityKind>> = new Map<number, CapabilityCodec<CapabilityKind>>([
  [CapabilityCode.Multiprotocol, multiprotocolCodec as CapabilityCodec<CapabilityKind>],
  [CapabilityCode.RouteRefresh, routeRefreshCodec as CapabilityCodec<CapabilityKind>],
  [CapabilityCode.ExtendedMessage, extendedMessageCodec as CapabilityCodec<CapabilityKind>],
  [CapabilityCode.GracefulRestart, gracefulRestartCodec as CapabilityCodec<CapabilityKind>],
  [CapabilityCode.FourOctetAs, fourOctetAsCodec as CapabilityCodec<CapabilityKind>],
  [CapabilityCode.AddPath, addPathCodec as CapabilityCodec<CapabilityKind>],
  [CapabilityCode.EnhancedRouteRefresh, enhancedRouteRefreshCodec as CapabilityCodec<CapabilityKind>],
  [CapabilityCode.RouteRefreshCisco, routeRefreshCiscoCodec as CapabilityCodec<CapabilityKind>],
]);

const BY_KIND: ReadonlyMap<CapabilityKind, CapabilityCodec<CapabilityKind>> = new Map<CapabilityKind, CapabilityCodec<CapabilityKind>>([
  ...[...BY_CODE.values()].map((c) => [c.kind, c] as const),
  ['unknown', unknownCapabilityCodec as CapabilityCodec<CapabilityKind>],
]);

/** True for codes decoded into a specific kind (anything else decodes as `unknown`). */
export function isImplementedCapabilityCode(code: number): boolean {
  return BY_CODE.has(code);
}

/**
 * Decodes the value of one Capabilities optional parameter: zero or more triples, in order. A triple that runs past
 * the parameter is OPEN Message Error / Unspecific (the framing itself is broken); a known capability with a bad
 * value is Unsupported Capability (see malformedCapability). Unknown codes are kept, never an error (RFC 5492 §4).
 */
export function decodeCapabilities(param: Buffer): Capability[] {
  const caps: Capability[] = [];
  let at = 0;
  while (at < param.length) {
    if (param.length - at < 2) {
      throw new BgpError(ErrorCode.OpenMessage, OpenSubcode.Unspecific, `capability header truncated at octet ${at}`);
    }
    const code = param.readUInt8(at);
    const length = param.readUInt8(at + 1);
    if (at + 2 + length > param.length) {
      throw new BgpError(ErrorCode.OpenMessage, OpenSubcode.Unspecific, `capability ${code} length ${length} runs past its parameter`);
    }
    const value = param.subarray(at + 2, at + 2 + length);
    const codec = BY_CODE.get(code) ?? unknownCapabilityCodec;
    caps.push(codec.decode(code, value));
    at += 2 + length;
  }
  return caps;
}

/** Encodes one capability as its triple. */
export function encodeCapability(cap: Capability): Buffer {
  const codec = BY_KIND.get(cap.kind);
  if (!codec) throw new BgpEncodeError('BGP_ENCODE_INVALID', `no codec for capability kind ${cap.kind}`);
  const value = codec.encode(cap);
  // RFC 5492 §4: the Capability Length is one octet, even inside an RFC 9072 extended parameter.
  if (value.length > 255) throw new BgpEncodeError('BGP_ENCODE_TOO_LONG', `capability ${cap.kind} value of ${value.length} octets exceeds 255`);
  const code = codec.code(cap);
  if (!Number.isInteger(code) || code < 0 || code > 255) throw new BgpEncodeError('BGP_ENCODE_INVALID', `capability code ${code}`);
  return Buffer.concat([Buffer.from([code, value.length]), value]);
}

/** The triples of every capability, concatenated in order. */
export function encodeCapabilities(caps: readonly Capability[]): Buffer {
  return Buffer.concat(caps.map(encodeCapability));
}

function findCap<K extends CapabilityKind>(caps: readonly Capability[], kind: K): CapabilityOf<K> | undefined {
  return caps.find((c): c is CapabilityOf<K> => c.kind === kind);
}

/** "mp ipv4/unicast", "as4 4200000001", "gr R N 120s [ipv4/unicast F]", "cap 73 (12 octets)". */
export function describeCapability(cap: Capability): string {
  switch (cap.kind) {
    case 'multiprotocol':
      return `mp ${afiSafiName(cap.afi, cap.safi)}`;
    case 'route-refresh':
      return 'route-refresh';
    case 'route-refresh-cisco':
      return 'route-refresh(128)';
    case 'enhanced-route-refresh':
      return 'enhanced-route-refresh';
    case 'extended-message':
      return 'extended-message';
    case 'four-octet-as':
      return `as4 ${cap.asn}`;
    case 'graceful-restart': {
      const flags = `${cap.restarting ? ' R' : ''}${cap.notification ? ' N' : ''}`;
      const fams = cap.families.map((f) => `${afiSafiName(f.afi, f.safi)}${f.forwardingPreserved ? ' F' : ''}`).join(', ');
      return `gr${flags} ${cap.restartTime}s [${fams}]`;
    }
    case 'add-path': {
      const dirs: Record<number, string> = { 1: 'receive', 2: 'send', 3: 'send/receive' };
      const fams = cap.families.map((f) => `${afiSafiName(f.afi, f.safi)} ${dirs[f.sendReceive] ?? `mode ${f.sendReceive}`}`);
      return `add-path [${fams.join(', ')}]`;
    }
    case 'unknown':
      return `cap ${cap.code} (${cap.value.length} octets)`;
  }
}

// ---------------------------------------------------------------- negotiation

export type GracefulRestartCapability = CapabilityOf<'graceful-restart'>;

/** What both sides agreed. Built once per session from the OPEN we sent and the OPEN we received. */
export interface Negotiated {
  /** Both sent four-octet-as (RFC 6793 §4): AS_PATH and AGGREGATOR carry 4-octet ASNs. */
  readonly fourOctetAs: boolean;
  /** The peer's AS: from its four-octet-as capability when present, else its OPEN's My Autonomous System. */
  readonly peerAsn: number;
  /** Both sent extended-message (RFC 8654 §3). */
  readonly extendedMessage: boolean;
  /** Both sent route refresh (code 2 or 128): each may send the other ROUTE-REFRESH (RFC 2918 §4). */
  readonly routeRefresh: boolean;
  /** Both sent enhanced route refresh (RFC 7313 §4): refreshes are bracketed by BoRR/EoRR. */
  readonly enhancedRouteRefresh: boolean;
  /** Families both sides may exchange, in our order. */
  readonly families: readonly AfiSafi[];
  /** RFC 7911 §5, per negotiated family: `send` = our NLRI carry path ids, `receive` = the peer's do. */
  readonly addPath: { readonly send: readonly AfiSafi[]; readonly receive: readonly AfiSafi[] };
  /** The peer's graceful restart capability, if it sent one (RFC 4724). */
  readonly gracefulRestart?: GracefulRestartCapability;
}

function isCapabilityList(x: OpenMessage | readonly Capability[]): x is readonly Capability[] {
  return Array.isArray(x);
}

const IPV4_UNICAST: AfiSafi = { afi: Afi.Ipv4, safi: Safi.Unicast };

/** RFC 4760 §8: a speaker that sends no multiprotocol capability at all is taken to support IPv4 unicast only. */
function familiesOf(caps: readonly Capability[]): AfiSafi[] {
  const mp = caps.filter((c): c is CapabilityOf<'multiprotocol'> => c.kind === 'multiprotocol');
  if (mp.length === 0) return [IPV4_UNICAST];
  return mp.map((c) => ({ afi: c.afi, safi: c.safi }));
}

const sameFamily = (a: AfiSafi, b: AfiSafi): boolean => a.afi === b.afi && a.safi === b.safi;

/** The Send/Receive value a speaker advertised for a family (0 when absent). */
function addPathMode(caps: readonly Capability[], family: AfiSafi): number {
  const ap = findCap(caps, 'add-path');
  return ap?.families.find((f) => sameFamily(f, family))?.sendReceive ?? 0;
}

/** True when a mode value has the bit set; values outside 1..3 mean nothing (RFC 7911 §4 defines only 1, 2, 3). */
function hasMode(mode: number, bit: number): boolean {
  return mode >= 1 && mode <= 3 && (mode & bit) !== 0;
}

/**
 * What our capabilities and the peer's agree on. Pass the peer's whole OPEN so that `peerAsn` falls back to its My
 * Autonomous System field when it sent no four-octet-as capability; with a bare capability list the fallback is
 * `remoteMyAs` (AS_TRANS when not given, which no real peer has).
 */
export function negotiate(
  local: readonly Capability[],
  remoteOpen: OpenMessage | readonly Capability[],
  remoteMyAs: number = AS_TRANS,
): Negotiated {
  const remote = isCapabilityList(remoteOpen) ? remoteOpen : remoteOpen.capabilities;
  const myAs = isCapabilityList(remoteOpen) ? remoteMyAs : remoteOpen.myAs;
  const has = (caps: readonly Capability[], kind: CapabilityKind): boolean => caps.some((c) => c.kind === kind);
  const rr = (caps: readonly Capability[]): boolean => has(caps, 'route-refresh') || has(caps, 'route-refresh-cisco');
  const remoteFamilies = familiesOf(remote);
  const families = familiesOf(local).filter((f) => remoteFamilies.some((r) => sameFamily(f, r)));
  const send: AfiSafi[] = [];
  const receive: AfiSafi[] = [];
  for (const f of families) {
    const ours = addPathMode(local, f);
    const theirs = addPathMode(remote, f);
    // RFC 7911 §5: we may send path ids when we said send and they said receive, and the reverse.
    if (hasMode(ours, ADD_PATH_SEND) && hasMode(theirs, ADD_PATH_RECEIVE)) send.push(f);
    if (hasMode(ours, ADD_PATH_RECEIVE) && hasMode(theirs, ADD_PATH_SEND)) receive.push(f);
  }
  const remoteAs4 = findCap(remote, 'four-octet-as');
  const gracefulRestart = findCap(remote, 'graceful-restart');
  return {
    fourOctetAs: has(local, 'four-octet-as') && remoteAs4 !== undefined,
    peerAsn: remoteAs4?.asn ?? myAs,
    extendedMessage: has(local, 'extended-message') && has(remote, 'extended-message'),
    routeRefresh: rr(local) && rr(remote),
    enhancedRouteRefresh: has(local, 'enhanced-route-refresh') && has(remote, 'enhanced-route-refresh'),
    families,
    addPath: { send, receive },
    ...(gracefulRestart ? { gracefulRestart } : {}),
  };
}

/** The codec's name for a unicast family, or undefined for families the codec does not carry. */
export function familyOf(f: AfiSafi): Family | undefined {
  if (f.safi !== Safi.Unicast) return undefined;
  if (f.afi === Afi.Ipv4) return 'ipv4';
  if (f.afi === Afi.Ipv6) return 'ipv6';
  return undefined;
}

/**
 * CodecOptions for one direction of a session: 'receive' to decode what the peer sends, 'send' to encode what we
 * send (ADD-PATH differs per direction; everything else is shared).
 */
export function codecOptionsFor(n: Negotiated, direction: 'send' | 'receive', internal: boolean): CodecOptions {
  const addPath = new Set<Family>();
  for (const f of direction === 'send' ? n.addPath.send : n.addPath.receive) {
    const fam = familyOf(f);
    if (fam) addPath.add(fam);
  }
  return { fourOctetAs: n.fourOctetAs, extendedMessage: n.extendedMessage, addPath, internal };
}

/**
 * RFC 5492 §5: the NOTIFICATION a speaker sends when the peer lacks a capability it requires (for example a family
 * it must exchange); the data lists the missing capabilities so the peer can tell what was wanted.
 */
export function unsupportedCapabilityError(required: readonly Capability[], detail: string): BgpError {
  return new BgpError(ErrorCode.OpenMessage, OpenSubcode.UnsupportedCapability, detail, encodeCapabilities(required));
}
