// The public face of the FSM package, for the session shell and status code: the pure transition function, its
// inputs and outputs, the configuration helpers and collision resolution.
export type { FsmState } from './states';
export { FSM_STATES } from './states';
export type { FsmEvent, FsmEventType } from './events';
export { FSM_EVENT_TYPES } from './events';
export type { FsmAction, FsmActionType, TimerName } from './actions';
export { TIMER_NAMES, timerExpiryEvent } from './actions';
export type { FsmConfig, FsmConfigInput, FsmContext, FsmLastError } from './context';
export { FSM_DEFAULTS, buildOpen, initialContext, openMyAsField, peerAsnOf, resolveFsmConfig } from './context';
export { transition, type FsmResult } from './transition';
export { connectRetryDelaySeconds, nextIdleHoldSeconds } from './backoff';
export { negotiateTimers, sendHoldSecondsFor, type NegotiatedTimers } from './negotiation';
export { chooseOnOpen, resolveCollision, type CollisionOutcome, type ConnectionView, type OpenArrival, type OpenArrivalChoice, type SpeakerIdentity } from './collision';
export {
  encodeShutdownCommunication,
  fsmErrorNotification,
  notificationFromError,
  shutdownNotification,
} from './notification';
export { FsmError, bgpIdToNumber, type FsmErrorCode } from './fsm-error';
