// CniError: a failure as the CNI specification reports it to the runtime: the JSON object
// {cniVersion, code, msg, details} printed on stdout with a non-zero exit status (SPEC.md "Error"). This module owns
// the well-known codes and the rendering; nothing here prints. Everything the plugin throws is turned into one of
// these by toCniError, so the runtime never sees a stack trace.
import { GinghamError, describeError } from '../lib/errors';

/** Well-known error codes (CNI SPEC.md "Well-known Error Codes"); 100+ are plugin-specific, 999 is "other". */
export const CNI_ERR = {
  INCOMPATIBLE_VERSION: 1,
  UNSUPPORTED_FIELD: 2,
  UNKNOWN_CONTAINER: 3,
  INVALID_ENV: 4,
  IO: 5,
  DECODE: 6,
  INVALID_CONFIG: 7,
  TRY_AGAIN_LATER: 11,
  /** CNI 1.1 STATUS: the plugin cannot serve ADD now. */
  PLUGIN_NOT_AVAILABLE: 50,
  OTHER: 999,
} as const;

export type CniErrorCode = (typeof CNI_ERR)[keyof typeof CNI_ERR];

export class CniError extends GinghamError {
  constructor(
    readonly cniCode: CniErrorCode,
    /** Short message for the runtime's log: says what failed and names the field. */
    readonly msg: string,
    /** Longer detail (the underlying cause); optional. */
    readonly details?: string,
    options?: { cause?: unknown },
  ) {
    super(`CNI_${cniCode}`, details ? `${msg}: ${details}` : msg, options);
  }
}

export interface CniErrorJson {
  readonly cniVersion: string;
  readonly code: number;
  readonly msg: string;
  readonly details?: string;
}

/** Turns anything thrown into a CniError; unknown failures become code 999 with their message only (no stack). */
export function toCniError(err: unknown): CniError {
  if (err instanceof CniError) return err;
  const text = describeError(err);
  return new CniError(CNI_ERR.OTHER, text, undefined, { cause: err });
}

export function errorJson(err: CniError, cniVersion: string): CniErrorJson {
  return err.details === undefined
    ? { cniVersion, code: err.cniCode, msg: err.msg }
    : { cniVersion, code: err.cniCode, msg: err.msg, details: err.details };
}
