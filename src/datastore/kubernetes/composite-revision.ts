// The revision of a kind read from several API collections (KindStorage.sources): each collection's resourceVersion,
// joined by "/" in source order, as libcalico-go joins a Profile's namespace and service-account revisions
// (conversion.go JoinProfileRevisions / SplitProfileRevision). A kind with one source has that source's revision as
// it is. Pure functions.
import { parseRevision } from '../watch-filter';

export function joinRevisions(parts: readonly string[]): string {
  return parts.join('/');
}

/** The per-source revisions of `revision`, or undefined when it is not `count` revisions joined by "/". */
export function splitRevision(revision: string, count: number): string[] | undefined {
  const parts = revision.split('/');
  if (parts.length !== count || parts.some((p) => parseRevision(p) === undefined)) return undefined;
  return parts;
}
