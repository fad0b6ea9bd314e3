// A local status API: gRPC (@grpc/grpc-js) over a unix socket whose file is mode 0600 from the moment it appears at
// its path, with JSON messages, so a service is just a list of method names and TypeScript types; no .proto file
// ships with the build. Used by the speaker's and the node agent's status APIs (`gingham bgp|node status`). Owns the server and client handles it creates.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { GinghamError, InUseError, describeError } from './errors';

export type JsonServiceDefinition = grpc.ServiceDefinition<grpc.UntypedServiceImplementation>;

/** A service `/<pkg>/<method>` for each name, every message JSON. */
export function jsonService(pkg: string, methods: readonly string[]): JsonServiceDefinition {
  const def: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const name of methods) {
    def[name] = {
      path: `/${pkg}/${name}`,
      requestStream: false,
      responseStream: false,
      requestSerialize: (v: unknown) => Buffer.from(JSON.stringify(v ?? {})),
      requestDeserialize: (b: Buffer) => JSON.parse(b.toString('utf8')) as unknown,
      responseSerialize: (v: unknown) => Buffer.from(JSON.stringify(v)),
      responseDeserialize: (b: Buffer) => JSON.parse(b.toString('utf8')) as unknown,
    };
  }
  return def as JsonServiceDefinition;
}

export interface UnixServer {
  readonly socketPath: string;
  close(): Promise<void>;
}

export type JsonHandlers = Readonly<Record<string, (request: unknown) => unknown>>;

/** Whether a process accepts connections on the unix socket at socketPath (a file nobody serves is stale). */
export function socketServed(socketPath: string): Promise<boolean> {
  if (!fs.existsSync(socketPath)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const s = net.connect(socketPath);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * Serves `handlers` on a unix socket. A stale socket file of an earlier run is replaced; one that a live process still
 * serves is left alone (InUseError naming `what`): a second agent must not take the first one's status away.
 */
export async function serveUnix(socketPath: string, service: JsonServiceDefinition, handlers: JsonHandlers, what = `socket ${socketPath}`): Promise<UnixServer> {
  fs.mkdirSync(path.dirname(socketPath), { recursive: true, mode: 0o700 });
  if (await socketServed(socketPath)) throw new InUseError(what);
  fs.rmSync(socketPath, { force: true });
  const server = new grpc.Server();
  const impl: grpc.UntypedServiceImplementation = {};
  for (const name of Object.keys(service)) {
    const handler = handlers[name];
    if (handler === undefined) throw new Error(`no handler for ${name}`);
    impl[name] = (call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      Promise.resolve()
        .then(() => handler(call.request))
        .then(
          (v) => cb(null, v),
          (err: unknown) => cb({ code: grpc.status.INTERNAL, details: describeError(err) }, null),
        );
    };
  }
  server.addService(service, impl);
  // The socket is bound inside a fresh 0700 directory, made 0600 there and only then renamed into place, so that it
  // is never reachable at its path with the default (umask) permissions, even in a shared directory.
  const privateDir = fs.mkdtempSync(path.join(path.dirname(socketPath), '.bind-'));
  const bound = path.join(privateDir, 's');
  try {
    await new Promise<void>((resolve, reject) => {
      server.bindAsync(`unix:${bound}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve()));
    });
    fs.chmodSync(bound, 0o600);
    fs.renameSync(bound, socketPath);
  } catch (err) {
    server.forceShutdown();
    throw err;
  } finally {
    fs.rmSync(privateDir, { recursive: true, force: true });
  }
  return {
    socketPath,
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => {
          fs.rmSync(socketPath, { force: true });
          resolve();
        });
      }),
  };
}

export class UnixJsonClient {
  private readonly client: grpc.Client;

  constructor(
    readonly socketPath: string,
    service: JsonServiceDefinition,
    /** Who serves this socket, for the "is it running?" message. */
    private readonly serverName: string,
  ) {
    const Ctor = grpc.makeGenericClientConstructor(service, 'Service');
    this.client = new Ctor(`unix:${socketPath}`, grpc.credentials.createInsecure());
  }

  call<Res>(method: string, request: unknown = {}, timeoutMs = 5000): Promise<Res> {
    const deadline = new Date(Date.now() + timeoutMs);
    return new Promise((resolve, reject) => {
      const fn = (this.client as unknown as Record<string, (r: unknown, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, v: Res) => void) => void>)[method];
      if (fn === undefined) {
        reject(new Error(`no method ${method}`));
        return;
      }
      fn.call(this.client, request, { deadline }, (err, value) => (err ? reject(new UnreachableError(this.describe(err), err.code)) : resolve(value)));
    });
  }

  private describe(err: grpc.ServiceError): string {
    if (err.code === grpc.status.UNAVAILABLE || err.code === grpc.status.DEADLINE_EXCEEDED) return `cannot reach the ${this.serverName} at ${this.socketPath}: is it running? (${err.details})`;
    return err.details || err.message;
  }

  close(): void {
    this.client.close();
  }
}

/** A call that failed; `grpcCode` UNAVAILABLE (14) or DEADLINE_EXCEEDED (4) means nothing answered. */
export class UnreachableError extends GinghamError {
  constructor(
    message: string,
    readonly grpcCode: number,
  ) {
    super('Unreachable', message);
  }

  get nothingAnswered(): boolean {
    return this.grpcCode === grpc.status.UNAVAILABLE || this.grpcCode === grpc.status.DEADLINE_EXCEEDED;
  }
}
