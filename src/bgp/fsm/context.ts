// The FSM's configuration (what one peering asks for, with RFC 4271 §10 defaults) and its context (the session
// attributes of RFC 4271 §8 that outlive a single event: state, ConnectRetryCounter, negotiated timers, damping).
// Both are immutable plain data: transition() returns a new context, it never edits one.
import { AS_TRANS, BGP_VERSION } from '../packet/constants';
import type { Capability, OpenMessage } from '../packet/types';
import { bgpIdToNumber, FsmError } from './fsm-error';
import type { FsmState } from './states';

/** What the caller supplies; every field with a default may be left out. */
export interface FsmConfigInput {
  /** Our AS number (up to 4 octets). The OPEN carries AS_TRANS in its 2-octet field when it is above 65535. */
  readonly localAsn: number;
  /** Our BGP Identifier, dotted quad, non-zero (RFC 6286 §2.1). */
  readonly bgpId: string;
  /** Hold Time we offer in OPEN: 0 (no keepalives) or 3..65535 (RFC 4271 §4.2). Default 90 (§10). */
  readonly holdTimeSeconds?: number;
  /** Keepalive interval when shorter than a third of the negotiated hold time. Default: a third (§10). */
  readonly keepaliveSeconds?: number;
  /** First ConnectRetryTimer value. Default 120 (§10); Calico's BIRD uses 5 ("connect retry time 5"). */
  readonly connectRetrySeconds?: number;
  /** Cap of the connect back-off (doubling per failed attempt). Default max(connectRetrySeconds, 30). */
  readonly connectRetryMaxSeconds?: number;
  /** HoldTimer while waiting for the peer's OPEN: RFC 4271 §8.2.2 suggests "a large value", 4 minutes. Default 240. */
  readonly openSentHoldSeconds?: number;
  /**
   * HoldTimer while waiting for the peer's OPEN on a connection the peer opened. Every BGP speaker sends its OPEN as
   * soon as its connection is up, so a connection that sends none within a few seconds is half-open or not BGP, and
   * must not hold the peer's slot for the 240 s of openSentHoldSeconds. Default 5.
   */
  readonly openWaitSeconds?: number;
  /** Never initiate a connection; wait for the peer (Calico: the side with the higher address of a mesh pair). */
  readonly passive?: boolean;
  /**
   * Errors arm the damped automatic restart (default true). False for the FSM of an extra inbound connection, which
   * goes with its connection (the peer's session restarts from its own FSM).
   */
  readonly autoRestart?: boolean;
  /** Capabilities to put in our OPEN (RFC 5492), in order. */
  readonly capabilities?: readonly Capability[];
  /** Damping: delay before the first automatic restart after an error. Default 5 (Calico: "error wait time 5,30"). */
  readonly idleHoldInitialSeconds?: number;
  /** Damping: the delay doubles per consecutive error up to this. Default 30. */
  readonly idleHoldMaxSeconds?: number;
  /** Damping is forgotten once a session stays Established this long. Default 300 (BIRD "error forget time"). */
  readonly errorForgetSeconds?: number;
  /**
   * RFC 9687 send hold time. Undefined: max(480, 2 × negotiated hold time), the RFC's recommendation; 0 disables.
   * A configured value must exceed holdTimeSeconds.
   */
  readonly sendHoldSeconds?: number;
}

/** FsmConfigInput with every default applied; produced by resolveFsmConfig(). */
export interface FsmConfig {
  readonly localAsn: number;
  readonly bgpId: string;
  readonly holdTimeSeconds: number;
  readonly keepaliveSeconds?: number;
  readonly connectRetrySeconds: number;
  readonly connectRetryMaxSeconds: number;
  readonly openSentHoldSeconds: number;
  readonly openWaitSeconds: number;
  readonly passive: boolean;
  readonly autoRestart: boolean;
  readonly capabilities: readonly Capability[];
  readonly idleHoldInitialSeconds: number;
  readonly idleHoldMaxSeconds: number;
  readonly errorForgetSeconds: number;
  readonly sendHoldSeconds?: number;
}

export const FSM_DEFAULTS = {
  holdTimeSeconds: 90,
  connectRetrySeconds: 120,
  connectRetryMinCapSeconds: 30,
  openSentHoldSeconds: 240,
  openWaitSeconds: 5,
  idleHoldInitialSeconds: 5,
  idleHoldMaxSeconds: 30,
  errorForgetSeconds: 300,
} as const;

/** Why the session last left a working state; kept for `node status` ("Idle BGP Error: Bad peer AS"). */
export interface FsmLastError {
  readonly reason: string;
  /** The NOTIFICATION we sent, if any. */
  readonly sent?: { readonly code: number; readonly subcode: number };
  /** The NOTIFICATION the peer sent, if any. */
  readonly received?: { readonly code: number; readonly subcode: number; readonly shutdownMessage?: string };
}

export interface FsmContext {
  readonly state: FsmState;
  readonly config: FsmConfig;
  /**
   * RFC 4271 §8 ConnectRetryCounter: incremented on each error that drops the session. Reset by ManualStart and
   * ManualStop as the RFC says; an automatic restart keeps it (unlike the RFC's AutomaticStart), so it counts
   * consecutive failures for status and damping.
   */
  readonly connectRetryCounter: number;
  /** Outbound connection attempts since the last start or successful connection; drives the connect back-off. */
  readonly connectAttempts: number;
  /** In OpenSent: the HoldTimer armed while waiting for the peer's OPEN (openSentHoldSeconds or openWaitSeconds). */
  readonly openSentHoldSeconds?: number;
  /** Present from the peer's OPEN (OpenConfirm) until the session ends. */
  readonly negotiatedHoldSeconds?: number;
  readonly negotiatedKeepaliveSeconds?: number;
  readonly peerOpen?: OpenMessage;
  /** Damping delay the next error will impose before the automatic restart. */
  readonly idleHoldSeconds: number;
  /** An error armed the idleHold timer and its expiry should restart the session (false after a manual stop). */
  readonly autoRestartPending: boolean;
  /** Times the session reached Established (RFC 4273 bgpPeerFsmEstablishedTransitions). */
  readonly establishedTransitions: number;
  readonly lastError?: FsmLastError;
}

function isInt(n: number, min: number, max: number): boolean {
  return Number.isInteger(n) && n >= min && n <= max;
}

function invalid(message: string): FsmError {
  return new FsmError('FSM_CONFIG_INVALID', message);
}

/** Applies defaults and checks ranges; throws FsmError FSM_CONFIG_INVALID (or FSM_BAD_BGP_ID). Idempotent. */
export function resolveFsmConfig(input: FsmConfigInput): FsmConfig {
  if (!isInt(input.localAsn, 1, 0xffffffff)) throw invalid(`localAsn ${input.localAsn} is not an AS number (1..4294967295)`);
  if (bgpIdToNumber(input.bgpId) === 0) throw invalid('bgpId 0.0.0.0 is not allowed (RFC 6286 §2.1: non-zero)');
  const holdTimeSeconds = input.holdTimeSeconds ?? FSM_DEFAULTS.holdTimeSeconds;
  // RFC 4271 §4.2: "Hold Time MUST be either zero or at least three seconds."
  if (!isInt(holdTimeSeconds, 0, 65535) || holdTimeSeconds === 1 || holdTimeSeconds === 2) {
    throw invalid(`holdTimeSeconds ${holdTimeSeconds} must be 0 or 3..65535 (RFC 4271 §4.2)`);
  }
  if (input.keepaliveSeconds !== undefined && !isInt(input.keepaliveSeconds, 1, 65535)) {
    throw invalid(`keepaliveSeconds ${input.keepaliveSeconds} must be 1..65535`);
  }
  const connectRetrySeconds = input.connectRetrySeconds ?? FSM_DEFAULTS.connectRetrySeconds;
  if (!isInt(connectRetrySeconds, 1, 65535)) throw invalid(`connectRetrySeconds ${connectRetrySeconds} must be 1..65535`);
  const connectRetryMaxSeconds = input.connectRetryMaxSeconds ?? Math.max(connectRetrySeconds, FSM_DEFAULTS.connectRetryMinCapSeconds);
  if (!isInt(connectRetryMaxSeconds, connectRetrySeconds, 65535)) {
    throw invalid(`connectRetryMaxSeconds ${connectRetryMaxSeconds} must be connectRetrySeconds..65535`);
  }
  const openSentHoldSeconds = input.openSentHoldSeconds ?? FSM_DEFAULTS.openSentHoldSeconds;
  if (!isInt(openSentHoldSeconds, 3, 65535)) throw invalid(`openSentHoldSeconds ${openSentHoldSeconds} must be 3..65535`);
  const openWaitSeconds = input.openWaitSeconds ?? FSM_DEFAULTS.openWaitSeconds;
  if (!isInt(openWaitSeconds, 1, openSentHoldSeconds)) throw invalid(`openWaitSeconds ${openWaitSeconds} must be 1..openSentHoldSeconds (${openSentHoldSeconds})`);
  const idleHoldInitialSeconds = input.idleHoldInitialSeconds ?? FSM_DEFAULTS.idleHoldInitialSeconds;
  const idleHoldMaxSeconds = input.idleHoldMaxSeconds ?? Math.max(idleHoldInitialSeconds, FSM_DEFAULTS.idleHoldMaxSeconds);
  if (!isInt(idleHoldInitialSeconds, 0, 65535)) throw invalid(`idleHoldInitialSeconds ${idleHoldInitialSeconds} must be 0..65535`);
  if (!isInt(idleHoldMaxSeconds, idleHoldInitialSeconds, 65535)) {
    throw invalid(`idleHoldMaxSeconds ${idleHoldMaxSeconds} must be idleHoldInitialSeconds..65535`);
  }
  const errorForgetSeconds = input.errorForgetSeconds ?? FSM_DEFAULTS.errorForgetSeconds;
  if (!isInt(errorForgetSeconds, 1, 0x7fffffff)) throw invalid(`errorForgetSeconds ${errorForgetSeconds} must be positive`);
  if (input.sendHoldSeconds !== undefined && input.sendHoldSeconds !== 0) {
    // RFC 9687 §4: the send hold time has to be longer than the hold time, or a slow reader would be cut off first.
    if (!isInt(input.sendHoldSeconds, holdTimeSeconds + 1, 0x7fffffff)) {
      throw invalid(`sendHoldSeconds ${input.sendHoldSeconds} must be 0 or greater than holdTimeSeconds (${holdTimeSeconds})`);
    }
  }
  const capabilities = input.capabilities ?? [];
  const fourOctet = capabilities.find((c) => c.kind === 'four-octet-as');
  if (fourOctet !== undefined && fourOctet.asn !== input.localAsn) {
    throw invalid(`four-octet-as capability carries AS ${fourOctet.asn}, not localAsn ${input.localAsn}`);
  }
  // RFC 6793 §3: a 4-octet AS travels only in the capability; without it the peer would see AS_TRANS as our AS.
  if (input.localAsn > 0xffff && fourOctet === undefined) {
    throw invalid(`localAsn ${input.localAsn} needs the four-octet-as capability (RFC 6793)`);
  }
  const config: FsmConfig = {
    localAsn: input.localAsn,
    bgpId: input.bgpId,
    holdTimeSeconds,
    connectRetrySeconds,
    connectRetryMaxSeconds,
    openSentHoldSeconds,
    openWaitSeconds,
    passive: input.passive ?? false,
    autoRestart: input.autoRestart ?? true,
    capabilities,
    idleHoldInitialSeconds,
    idleHoldMaxSeconds,
    errorForgetSeconds,
  };
  return {
    ...config,
    ...(input.keepaliveSeconds !== undefined ? { keepaliveSeconds: input.keepaliveSeconds } : {}),
    ...(input.sendHoldSeconds !== undefined ? { sendHoldSeconds: input.sendHoldSeconds } : {}),
  };
}

/** A peer in Idle with nothing running; the shell then delivers ManualStart (or ManualStartPassive). */
export function initialContext(input: FsmConfigInput): FsmContext {
  const config = resolveFsmConfig(input);
  return {
    state: 'Idle',
    config,
    connectRetryCounter: 0,
    connectAttempts: 0,
    idleHoldSeconds: config.idleHoldInitialSeconds,
    autoRestartPending: false,
    establishedTransitions: 0,
  };
}

/** The 2-octet My Autonomous System field for an AS: AS_TRANS (23456) when it does not fit (RFC 6793 §4.1). */
export function openMyAsField(asn: number): number {
  return asn > 0xffff ? AS_TRANS : asn;
}

/** The peer's real AS: from its four-octet-as capability when present (RFC 6793 §4.1), else the 2-octet field. */
export function peerAsnOf(open: OpenMessage): number {
  for (const c of open.capabilities) if (c.kind === 'four-octet-as') return c.asn;
  return open.myAs;
}

/** Our OPEN, built from the configuration. */
export function buildOpen(config: FsmConfig): OpenMessage {
  return {
    type: 'open',
    version: BGP_VERSION,
    myAs: openMyAsField(config.localAsn),
    holdTime: config.holdTimeSeconds,
    bgpId: config.bgpId,
    capabilities: config.capabilities,
  };
}
