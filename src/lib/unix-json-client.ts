// The client side of a one-request-per-connection JSON exchange over a unix socket: connect, write one JSON document
// and a newline, half-close, read until the server closes, parse. Loads nothing but node:net (the CNI shim's cold
// start is what this is for; @grpc/grpc-js costs hundreds of milliseconds to load). Failures are typed: a caller
// tells "nobody is listening" (CONNECT) from "the server took the request and then failed" (TIMEOUT, PROTOCOL).
import net from 'node:net';
import { GinghamError } from './errors';

export const UNIX_JSON_ERR = {
  /** No server: the socket file is missing, refused the connection, or did not accept in time. */
  CONNECT: 'UNIX_JSON_CONNECT',
  /** Connected, but no complete reply before the deadline. */
  TIMEOUT: 'UNIX_JSON_TIMEOUT',
  /** Connected, but the reply was not one JSON document (or the connection broke). */
  PROTOCOL: 'UNIX_JSON_PROTOCOL',
} as const;

export type UnixJsonErrorCode = (typeof UNIX_JSON_ERR)[keyof typeof UNIX_JSON_ERR];

// lib/errors imports nothing, so the shim's start-up pays one small module for it.
export class UnixJsonError extends GinghamError {
  declare readonly code: UnixJsonErrorCode;
  constructor(code: UnixJsonErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

export interface UnixJsonRequestOptions {
  /** Bound on connecting (a unix socket connects at once unless its backlog is full). */
  readonly connectTimeoutMs: number;
  /** Bound on the whole exchange after connecting. */
  readonly replyTimeoutMs: number;
  /** Largest reply accepted. Default 4 MiB. */
  readonly maxBytes?: number;
}

export function requestUnixJson(socketPath: string, body: unknown, opts: UnixJsonRequestOptions): Promise<unknown> {
  const maxBytes = opts.maxBytes ?? 4 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    let connected = false;
    let done = false;
    const chunks: Buffer[] = [];
    let size = 0;
    const sock = net.createConnection({ path: socketPath });
    const finish = (err: UnixJsonError | undefined, value?: unknown): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(value);
    };
    let timer = setTimeout(
      () => finish(new UnixJsonError(UNIX_JSON_ERR.CONNECT, `${socketPath}: not accepted within ${opts.connectTimeoutMs} ms`)),
      opts.connectTimeoutMs,
    );
    sock.on('connect', () => {
      connected = true;
      clearTimeout(timer);
      timer = setTimeout(() => finish(new UnixJsonError(UNIX_JSON_ERR.TIMEOUT, `${socketPath}: no reply within ${opts.replyTimeoutMs} ms`)), opts.replyTimeoutMs);
      sock.end(JSON.stringify(body) + '\n');
    });
    sock.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) finish(new UnixJsonError(UNIX_JSON_ERR.PROTOCOL, `${socketPath}: reply larger than ${maxBytes} bytes`));
      else chunks.push(c);
    });
    sock.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        finish(undefined, JSON.parse(text));
      } catch (err) {
        finish(new UnixJsonError(UNIX_JSON_ERR.PROTOCOL, `${socketPath}: the reply is not JSON (${text.length} bytes)`, { cause: err }));
      }
    });
    sock.on('error', (err: NodeJS.ErrnoException) => {
      if (!connected) finish(new UnixJsonError(UNIX_JSON_ERR.CONNECT, `${socketPath}: ${err.code ?? err.message}`, { cause: err }));
      else finish(new UnixJsonError(UNIX_JSON_ERR.PROTOCOL, `${socketPath}: connection failed: ${err.code ?? err.message}`, { cause: err }));
    });
  });
}
