// The selector language's public face: parse once, then match label maps; canonical text for storage and
// comparison. Parsed selectors are cached by text because the same few selectors are evaluated for every node
// and endpoint on every change.

import type { LabelMap, SelectorNode } from './ast';
import { evaluateSelector } from './evaluate';
import { parseSelector } from './parser';
import { printSelector } from './print';
import { SelectorError } from './selector-error';

export type { LabelMap, SelectorNode } from './ast';
export { evaluateSelector } from './evaluate';
export { parseSelector } from './parser';
export { printSelector } from './print';
export { SelectorError } from './selector-error';

export interface Selector {
  readonly ast: SelectorNode;
  /** Canonical text (Calico's String() form). */
  readonly text: string;
  matches(labels: LabelMap): boolean;
}

const CACHE_LIMIT = 1000;
const cache = new Map<string, Selector>();

/** Parses `text` (throws SelectorError) and returns a reusable matcher. */
export function compileSelector(text: string): Selector {
  const hit = cache.get(text);
  if (hit) return hit;
  const ast = parseSelector(text);
  const sel: Selector = { ast, text: printSelector(ast), matches: (labels) => evaluateSelector(ast, labels) };
  // Bounded: drop the oldest entry rather than grow without limit on adversarial input.
  if (cache.size >= CACHE_LIMIT) {
    const oldest = cache.keys().next();
    if (!oldest.done) cache.delete(oldest.value);
  }
  cache.set(text, sel);
  return sel;
}

/** Validation helper: undefined when `text` parses, else the SelectorError's detail with column. */
export function selectorProblem(text: string): string | undefined {
  try {
    parseSelector(text);
    return undefined;
  } catch (err) {
    if (err instanceof SelectorError) return `invalid selector: ${err.detail} at column ${err.column}`;
    throw err;
  }
}
