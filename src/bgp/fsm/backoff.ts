// Back-off arithmetic of the FSM: how long to wait before the next outbound connect, and the damping delay before an
// automatic restart after an error. Pure functions of the configuration and counters; the timers themselves belong to
// the session shell.
//
// RFC 4271 §8.1.1 leaves peer-oscillation damping to the implementation ("the method of preventing persistent peer
// oscillation is outside the scope of this document"); RFC 1771 §8 asked for an exponentially growing delay between
// automatic starts. We follow BIRD, whose "error wait time min,max" doubles the delay per consecutive error and whose
// "error forget time" forgets it once the session has been stable (Calico: "error wait time 5,30").
import type { FsmConfig } from './context';

/** Beyond this many doublings every realistic cap is reached; stops 2**n from growing without bound. */
const MAX_DOUBLINGS = 20;

/**
 * Seconds before the next ConnectRetryTimer expiry after `attempts` failed outbound attempts: connectRetrySeconds,
 * doubled per attempt, capped at connectRetryMaxSeconds. With the defaults (120, cap 120) it is the RFC's fixed 120 s.
 */
export function connectRetryDelaySeconds(config: Pick<FsmConfig, 'connectRetrySeconds' | 'connectRetryMaxSeconds'>, attempts: number): number {
  const doublings = Math.min(Math.max(0, Math.floor(attempts)), MAX_DOUBLINGS);
  return Math.min(config.connectRetrySeconds * 2 ** doublings, config.connectRetryMaxSeconds);
}

/**
 * The damping delay after the one just imposed: doubled, capped at idleHoldMaxSeconds. An initial value of 0 turns
 * damping off (it stays 0).
 */
export function nextIdleHoldSeconds(config: Pick<FsmConfig, 'idleHoldMaxSeconds'>, current: number): number {
  return Math.min(current * 2, config.idleHoldMaxSeconds);
}
