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
