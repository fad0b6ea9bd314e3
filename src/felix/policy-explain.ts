// felix's surface for `gingham policy explain` (node/policy-explain.ts composes it with the policy inputs): the
// packet judge of felix/rules and its result types. See rules/explain.ts for what is judged and how.
export { explainPacket, type ExplainPeer, type ExplainQuery, type ExplainResult, type SideResult } from './rules/explain';
export { ExplainError, ExplainErrorCode } from './rules/explain-error';
export type { Decision, DirectionWalk, Outcome, PolicyStep, ProfileStep, TierStep } from './rules/explain-walk';
export type { Packet } from './rules/ir-match';
