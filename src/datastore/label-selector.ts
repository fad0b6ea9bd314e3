// Applies a LabelSelector (predicate or equality map) to a resource. The selector language itself belongs to src/api;
// this file only runs what it compiled.
import type { LabelSelector, StoredResource } from './types';

const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});

export function labelsMatch(selector: LabelSelector | undefined, labels: Readonly<Record<string, string>> | undefined): boolean {
  if (selector === undefined) return true;
  const have = labels ?? NO_LABELS;
  if (typeof selector === 'function') return selector(have);
  // Own properties only: a label named "constructor" must not match through the prototype.
  return Object.entries(selector).every(([k, v]) => Object.prototype.hasOwnProperty.call(have, k) && have[k] === v);
}

export function resourceMatches(selector: LabelSelector | undefined, res: StoredResource): boolean {
  return labelsMatch(selector, res.metadata.labels);
}
