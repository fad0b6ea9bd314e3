// Datastore and validation failures in calicoctl's words (libcalico-go lib/errors: "resource does not exist:
// IPPool(foo)", "resource already exists: ...", "update conflict: ..."), so operators' scripts and habits carry over.
// Anything else keeps its own one-line message; never a stack trace.
import { resourceId } from '../api/resource';
import { DatastoreErrorCode, isDatastoreError } from '../datastore';
import { describeError } from '../lib/errors';
import { oneLine } from './run';

type Ref = { kind: string; metadata: { name: string; namespace?: string } };

export function describeFailure(err: unknown, ref?: Ref): string {
  if (isDatastoreError(err)) {
    const id = ref ? resourceId(ref) : resourceId({ kind: err.kind, metadata: { name: err.resourceName, ...(err.namespace ? { namespace: err.namespace } : {}) } });
    switch (err.code) {
      case DatastoreErrorCode.NotFound:
        return `resource does not exist: ${id}`;
      case DatastoreErrorCode.AlreadyExists:
        return `resource already exists: ${id}`;
      case DatastoreErrorCode.Conflict:
        return `update conflict: ${id}`;
      default:
        return oneLine(describeError(err, { codes: false }));
    }
  }
  return oneLine(describeError(err, { codes: false }));
}

/** calicoctl's summary when nothing was done: one error in brackets, several one per line. */
export function failureSummary(action: string, kinds: readonly string[], errors: readonly string[], brackets = true): string {
  const single = new Set(kinds).size === 1 ? kinds[0] : undefined;
  const head =
    kinds.length === 1
      ? `Failed to ${action} '${single}' resource`
      : single !== undefined
        ? `Failed to ${action} any '${single}' resources`
        : `Failed to ${action} any resources`;
  if (errors.length === 1) return brackets ? `${head}: [${errors[0]}]` : `${head}: ${errors[0]}`;
  return `${head}:\n${errors.map((e) => `  ${e}`).join('\n')}`;
}

/** "Successfully applied 3 'IPPool' resource(s)", or without the kind when several kinds were involved. */
export function successSummary(past: string, kinds: readonly string[]): string {
  const single = new Set(kinds).size === 1 ? kinds[0] : undefined;
  return single !== undefined ? `Successfully ${past} ${kinds.length} '${single}' resource(s)` : `Successfully ${past} ${kinds.length} resource(s)`;
}
