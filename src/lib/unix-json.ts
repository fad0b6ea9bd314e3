// The server side of lib/unix-json-client.ts: a unix socket that takes one JSON document per connection (ended by a
// newline or the client's half-close), hands it to a handler and writes the handler's answer back, then closes.
// The socket is created mode 0600 (the umask is narrowed around bind, so there is no window where another user could
// connect) in a directory created 0700 if missing; a stale socket file left by a killed process is removed first.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { GinghamError } from './errors';

export const UNIX_JSON_SERVER_ERR = {
  /** Another live process serves the path. */
  IN_USE: 'UNIX_JSON_IN_USE',
} as const;

export class UnixJsonServerError extends GinghamError {}

export interface UnixJsonServer {
  readonly path: string;
  /** Stops accepting, waits for the requests in flight, removes the socket file. */
  close(): Promise<void>;
}

export interface UnixJsonServeOptions {
  /** Largest request accepted. Default 1 MiB. */
  readonly maxBytes?: number;
  /** The answer to a request that is not JSON or too large (the handler is not called). */
  readonly badRequest: (problem: string) => unknown;
}

function isLive(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createConnection({ path: socketPath });
    s.on('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

async function removeStale(socketPath: string): Promise<void> {
  if (!fs.existsSync(socketPath)) return;
  if (await isLive(socketPath)) throw new UnixJsonServerError(UNIX_JSON_SERVER_ERR.IN_USE, `${socketPath}: another process is serving this socket`);
  fs.rmSync(socketPath, { force: true });
}

export async function serveUnixJson(socketPath: string, handler: (request: unknown) => Promise<unknown>, opts: UnixJsonServeOptions): Promise<UnixJsonServer> {
  const maxBytes = opts.maxBytes ?? 1024 * 1024;
  fs.mkdirSync(path.dirname(socketPath), { recursive: true, mode: 0o700 });
  await removeStale(socketPath);
  const inFlight = new Set<Promise<void>>();
  // allowHalfOpen: the client half-closes after its request; the reply still has to go back on the same connection.
  const server = net.createServer({ allowHalfOpen: true }, (sock) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let received = false;
    sock.setTimeout(60000, () => sock.destroy());
    const answer = (value: unknown): void => {
      if (!sock.destroyed) sock.end(JSON.stringify(value) + '\n');
    };
    const handle = (text: string): void => {
      received = true;
      let req: unknown;
      try {
        req = JSON.parse(text);
      } catch {
        answer(opts.badRequest('the request is not JSON'));
        return;
      }
      const p = handler(req).then(answer, (err: unknown) => answer(opts.badRequest(err instanceof Error ? err.message : String(err))));
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    };
    sock.on('data', (c: Buffer) => {
      if (received) return; // one request per connection: anything after it is ignored
      size += c.length;
      if (size > maxBytes) {
        received = true;
        answer(opts.badRequest(`the request is larger than ${maxBytes} bytes`));
        return;
      }
      chunks.push(c);
      if (c.includes(0x0a)) {
        const text = Buffer.concat(chunks).toString('utf8');
        handle(text.slice(0, text.indexOf('\n')));
      }
    });
    sock.on('end', () => {
      if (!received) handle(Buffer.concat(chunks).toString('utf8'));
    });
    sock.on('error', () => sock.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const old = process.umask(0o177);
    try {
      server.listen(socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    } finally {
      process.umask(old);
    }
  });
  fs.chmodSync(socketPath, 0o600);
  return {
    path: socketPath,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.allSettled([...inFlight]);
      fs.rmSync(socketPath, { force: true });
    },
  };
}
