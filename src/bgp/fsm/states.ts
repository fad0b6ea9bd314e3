// The six session states of RFC 4271 §8.2.2. This module owns the names only; transition.ts owns the rules that move
// between them.

export type FsmState = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';

/** Every state, in the order RFC 4271 §8.2.2 describes them (tests iterate over it to prove the FSM is total). */
export const FSM_STATES: readonly FsmState[] = ['Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'];
