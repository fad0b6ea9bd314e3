// Base of Gingham's typed errors. Every error a caller may branch on carries a stable string code;
// callers branch on `code`, never on message text.

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

/** Turns anything thrown into a one-line message fit for a log or an operator's terminal. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
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
