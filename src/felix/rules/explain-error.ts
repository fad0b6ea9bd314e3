// ExplainError: a packet `gingham policy explain` cannot judge. The code says why; callers branch on it.
import { GinghamError } from '../../lib/errors';

export const ExplainErrorCode = {
  /** A rule matches on the source port and the query gave none (a client's port is usually ephemeral). */
  SourcePortNeeded: 'EXPLAIN_SOURCE_PORT_NEEDED',
  /** A match that only the base chains use (interfaces, marks) reached the packet evaluator. */
  UnsupportedMatch: 'EXPLAIN_UNSUPPORTED_MATCH',
  /** The two ends are not addresses of one family. */
  FamilyMismatch: 'EXPLAIN_FAMILY_MISMATCH',
  /** An endpoint the calculation did not resolve (not local to it). */
  NotResolved: 'EXPLAIN_ENDPOINT_NOT_RESOLVED',
  /** `--from`/`--to` names no workload endpoint and is no address. */
  UnknownPeer: 'EXPLAIN_UNKNOWN_PEER',
} as const;
export type ExplainErrorCode = (typeof ExplainErrorCode)[keyof typeof ExplainErrorCode];

export class ExplainError extends GinghamError {
  constructor(code: ExplainErrorCode, message: string) {
    super(code, message);
  }
}
