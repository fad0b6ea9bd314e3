// The wire format between a NetnsNetlink proxy (netns-proxy.ts) and the child that owns a real RtNetlink inside
// another network namespace (netns-child.ts): one JSON object per line.
//   request: { "id": 1, "method": "addRoute", "args": [ {...} ] }
//   reply:   { "id": 1, "ok": true, "value": ... }  or  { "id": 1, "ok": false, "error": WireError }
// NetlinkErrors cross the pipe by errno, op and object and come back as NetlinkError (IpipUnavailableError for that
// case), so callers branch on the same codes as in-process. JSON has no undefined: null stands for it both ways.
import { IpipUnavailableError, NetlinkError } from './netlink-error';
import { describeError } from '../lib/errors';

export interface WireRequest {
  readonly id: number;
  readonly method: string;
  readonly args: unknown[];
}

export interface WireError {
  readonly name: string;
  readonly code: string;
  readonly errno?: string;
  readonly op?: string;
  readonly object?: string;
  readonly message: string;
}

export interface WireReply {
  readonly id: number;
  readonly ok: boolean;
  readonly value?: unknown;
  readonly error?: WireError;
}

export function errorToWire(err: unknown): WireError {
  if (err instanceof NetlinkError) {
    return { name: err.name, code: err.code, errno: err.errno, op: err.op, object: err.object, message: err.message };
  }
  return { name: 'Error', code: 'UNEXPECTED', message: describeError(err) };
}

export function errorFromWire(e: WireError): Error {
  if (e.name === 'IpipUnavailableError') return new IpipUnavailableError(e.object ?? '');
  if (e.errno !== undefined) {
    const err = new NetlinkError(e.errno, e.op ?? '', e.object ?? '');
    // Keep the child's exact text (it may carry a detail this side cannot rebuild).
    Object.defineProperty(err, 'message', { value: e.message });
    return err;
  }
  return new Error(`${e.code}: ${e.message}`);
}

/** Serialises a reply; Errors inside values (routeBatch results) are encoded like thrown ones. */
export function encodeReply(reply: WireReply): string {
  return JSON.stringify(reply, (_k, v: unknown) => (v instanceof Error ? errorToWire(v) : v)) + '\n';
}

/** Revives errors inside returned values (routeBatch results) and turns null back into undefined. */
export function reviveValue(v: unknown): unknown {
  if (v === null) return undefined;
  if (Array.isArray(v)) return v.map(reviveValue);
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (o.ok === false && o.error && typeof o.error === 'object') return { ok: false, error: errorFromWire(o.error as WireError) };
    return o;
  }
  return v;
}
