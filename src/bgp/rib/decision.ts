// The decision process over the candidate paths of one prefix: drop ineligible paths (RFC 4271 §9.1.2.1), then run
// the steps of decision-steps.ts in order as eliminations, the way RFC 4271 §9.1.2.2 states them: a path is removed
// when some other remaining path beats it at this step. Because a step never compares two paths it cannot compare
// (MED across neighbouring ASes), the result does not depend on the order paths arrived in, unlike a sort with a
// pairwise comparator (see bgp-implementations.md §3.5). The step at which one path was left is the reason shown.
import type { Path } from './path';
import { DECISION_STEPS, type DecisionOptions, type DecisionStep, type StepName } from './decision-steps';

export interface Decision {
  readonly best: Path | undefined;
  /** The step that left one path. */
  readonly step: StepName;
  /** Paths equal to the best up to and including "eBGP over iBGP" (ECMP candidates), the best first. */
  readonly multipath: readonly Path[];
}

const MULTIPATH_AFTER: StepName = 'ebgp-over-ibgp';

function eliminate(cands: Path[], step: DecisionStep, opts: DecisionOptions): Path[] {
  const keep: Path[] = [];
  for (const m of cands) {
    let beaten = false;
    for (const n of cands) {
      if (n === m) continue;
      const c = step.compare(n, m, opts);
      if (c !== undefined && c < 0) {
        beaten = true;
        break;
      }
    }
    if (!beaten) keep.push(m);
  }
  return keep;
}

export function decide(paths: readonly Path[], opts: DecisionOptions): Decision {
  const ok = opts.resolvable;
  const eligible = ok === undefined ? paths : paths.filter(ok);
  if (eligible.length === 0) return { best: undefined, step: 'none', multipath: [] };
  if (eligible.length === 1) {
    const only = eligible[0] as Path;
    return { best: only, step: paths.length === 1 ? 'only-path' : 'next-hop', multipath: [only] };
  }
  let cands = [...eligible];
  let multipath: Path[] | undefined;
  let step: StepName = 'none';
  for (const s of DECISION_STEPS) {
    cands = eliminate(cands, s, opts);
    if (s.name === MULTIPATH_AFTER) multipath = cands;
    if (cands.length === 1) {
      step = s.name;
      break;
    }
  }
  if (cands.length > 1) {
    // Two paths that no step separates can only come from one address (say, a session replaced by a new one):
    // keep the newer session's path, deterministically.
    cands.sort((a, b) => b.source.id - a.source.id);
    step = 'peer-address';
  }
  const best = cands[0] as Path;
  const mp = multipath ?? [best];
  return { best, step, multipath: [best, ...mp.filter((p) => p !== best)] };
}

/** Which of two paths wins, and at which step (for tests and explanations). */
export function compareTwo(a: Path, b: Path, opts: DecisionOptions): { winner: Path; step: StepName } {
  const d = decide([a, b], opts);
  return { winner: d.best ?? a, step: d.step };
}
