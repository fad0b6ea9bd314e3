// Turns one raw change of a kind (previous state, new state) into what a watch with a namespace and a label selector
// must see. Shared by backends whose storage watch cannot filter by labels (memory, etcd).
import { resourceMatches } from './label-selector';
import type { StoredResource, WatchEvent, WatchOptions } from './types';

export interface RawChange<T extends StoredResource> {
  /** Store revision of the change. */
  readonly revision: string;
  /** State before the change; undefined for a creation (or when the backend no longer has it). */
  readonly previous: T | undefined;
  /** State after the change; undefined for a deletion. */
  readonly current: T | undefined;
}

/**
 * The event a watch delivers for a change, or undefined when the change is invisible to it. With a selector, entering
 * the selection is `added` and leaving it is `deleted` (object = the state that no longer matches), so the
 * consumer's cache stays equal to a list with the same selector.
 */
export function filterChange<T extends StoredResource>(opts: Pick<WatchOptions, 'namespace' | 'selector'>, change: RawChange<T>): WatchEvent<T> | undefined {
  const subject = change.current ?? change.previous;
  if (subject === undefined) return undefined;
  if (opts.namespace !== undefined && opts.namespace !== '' && subject.metadata.namespace !== opts.namespace) return undefined;
  const was = change.previous !== undefined && resourceMatches(opts.selector, change.previous);
  const is = change.current !== undefined && resourceMatches(opts.selector, change.current);
  const { revision } = change;
  if (was && is) return { type: 'modified', object: change.current as T, previous: change.previous, revision };
  if (is) return { type: 'added', object: change.current as T, revision };
  if (was) return { type: 'deleted', object: change.current ?? (change.previous as T), revision };
  return undefined;
}

/** Parses a revision given as fromRevision; undefined when it is not a non-negative integer. */
export function parseRevision(revision: string): bigint | undefined {
  return /^\d{1,19}$/.test(revision) ? BigInt(revision) : undefined;
}
