// Timer values two speakers agree on from their OPENs (RFC 4271 §4.2, §4.4, §10; RFC 9687 §4). Pure arithmetic; the
// transition function applies the results.
import type { FsmConfig } from './context';

export interface NegotiatedTimers {
  /** 0 means neither side runs a hold timer nor sends periodic KEEPALIVEs. */
  readonly holdTimeSeconds: number;
  /** 0 exactly when holdTimeSeconds is 0. */
  readonly keepaliveSeconds: number;
}

/**
 * RFC 4271 §4.2: "the calculated value ... MUST be the smaller of its configured Hold Time and the Hold Time received in
 * the OPEN message"; zero disables both timers (§4.4). The keepalive interval is a third of the hold time (§10), or the
 * configured interval when that is shorter, and never below one second.
 */
export function negotiateTimers(config: Pick<FsmConfig, 'holdTimeSeconds' | 'keepaliveSeconds'>, peerHoldTimeSeconds: number): NegotiatedTimers {
  const holdTimeSeconds = Math.min(config.holdTimeSeconds, peerHoldTimeSeconds);
  if (holdTimeSeconds === 0) return { holdTimeSeconds: 0, keepaliveSeconds: 0 };
  const third = Math.max(1, Math.floor(holdTimeSeconds / 3));
  const keepaliveSeconds = config.keepaliveSeconds !== undefined ? Math.min(third, config.keepaliveSeconds) : third;
  return { holdTimeSeconds, keepaliveSeconds };
}

/** RFC 9687 send hold time for a session: the configured value, else max(8 minutes, 2 × negotiated hold time). */
export function sendHoldSecondsFor(config: Pick<FsmConfig, 'sendHoldSeconds'>, negotiatedHoldSeconds: number): number {
  if (config.sendHoldSeconds !== undefined) return config.sendHoldSeconds;
  return Math.max(480, 2 * negotiatedHoldSeconds);
}
