// Base of Gingham's typed errors. Every error class in src/ extends GinghamError and carries a stable string code;
// callers branch on `code` (or the class), never on message text. An error caused by another passes it as `cause`,
// and describeError shows the whole chain with its codes.

export class GinghamError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export interface DescribeOptions {
  /** Prefix each error's code (default true). The CLI turns it off where it prints calicoctl's words. */
  readonly codes?: boolean;
}

/** How deep describeError follows `cause` (a guard against cycles and runaway chains). */
const MAX_CAUSES = 8;

/**
 * One line for a log or an operator's terminal: "CODE: message: caused by CODE2: message2 ...". The code is that of a
 * GinghamError or of a Node.js system error (`ENOENT`, ...) and is left out when the message already starts with it.
 * A cause whose message the error above already quotes is not repeated.
 */
export function describeError(err: unknown, opts: DescribeOptions = {}): string {
  const codes = opts.codes ?? true;
  const parts: string[] = [];
  const seen = new Set<unknown>();
  let cur: unknown = err;
  let above = '';
  while (cur !== undefined && cur !== null && !seen.has(cur) && parts.length < MAX_CAUSES) {
    seen.add(cur);
    const message = cur instanceof Error ? cur.message : String(cur);
    if (parts.length === 0 || !above.includes(message)) parts.push(withCode(cur, message, codes));
    above = message;
    cur = cur instanceof Error ? cur.cause : undefined;
  }
  return parts.join(': caused by ');
}

function withCode(err: unknown, message: string, codes: boolean): string {
  if (!codes || !(err instanceof Error)) return message;
  const code = (err as { code?: unknown }).code;
  // Node's system errors already name their errno in the message ("connect ECONNREFUSED 127.0.0.1:179").
  if (typeof code !== 'string' || code === '' || message.includes(code)) return message;
  return message === '' ? code : `${code}: ${message}`;
}

/** A port or socket this process must own is held by another process; `what` names it ("BGP port 0.0.0.0:179"). */
export class InUseError extends GinghamError {
  static readonly CODE = 'IN_USE';
  constructor(
    readonly what: string,
    options?: { cause?: unknown },
  ) {
    super(InUseError.CODE, `${what} is in use by another process`, options);
  }
}

/** True for a Node.js system error with this errno code (EADDRINUSE, ECONNREFUSED, ...). */
export function hasErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}
