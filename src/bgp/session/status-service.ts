// The speaker's status API: gRPC (@grpc/grpc-js) over a unix socket, mode 0600, read by `gingham bgp status` and
// `gingham bgp routes`. Messages are JSON-encoded (a gRPC service definition with JSON serializers), so the types
// below are the schema; no .proto file has to ship with the build.
import fs from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';

export interface StatusRequest {
  readonly _?: never;
}

export interface RoutesRequest {
  readonly peer?: string;
  readonly family?: 'ipv4' | 'ipv6';
  /** Only the best path of each prefix (the Loc-RIB, local routes included) instead of the Adj-RIBs-In. */
  readonly best?: boolean;
}

/** What GetStatus answers; the speaker fills it from its own status types. */
export interface StatusReply {
  readonly asn: number;
  readonly routerId: string;
  readonly now: number;
  readonly peers: ReadonlyArray<{
    readonly name: string;
    readonly address: string;
    readonly asn: number;
    readonly state: string;
    readonly since: number;
    readonly info: string;
    readonly prefixesReceived: number;
    readonly prefixesSent: number;
  }>;
}

export interface RoutesReply {
  readonly routes: ReadonlyArray<{
    readonly peer: string;
    readonly family: string;
    readonly prefix: string;
    readonly nextHop?: string;
    readonly asPath: string;
    readonly origin?: string;
    readonly localPref?: number;
    readonly med?: number;
    readonly communities: readonly string[];
    readonly largeCommunities: readonly string[];
    readonly originatorId?: string;
    readonly clusterList?: readonly string[];
    /** The path is the prefix's best path; decidedBy names the decision step that chose it. */
    readonly best?: boolean;
    readonly decidedBy?: string;
    readonly stale?: boolean;
  }>;
}

function jsonMethod<Req, Res>(name: string): grpc.MethodDefinition<Req, Res> {
  return {
    path: `/gingham.bgp.v1.Status/${name}`,
    requestStream: false,
    responseStream: false,
    requestSerialize: (v: Req) => Buffer.from(JSON.stringify(v)),
    requestDeserialize: (b: Buffer) => JSON.parse(b.toString('utf8')) as Req,
    responseSerialize: (v: Res) => Buffer.from(JSON.stringify(v)),
    responseDeserialize: (b: Buffer) => JSON.parse(b.toString('utf8')) as Res,
  };
}

const service = {
  GetStatus: jsonMethod<StatusRequest, StatusReply>('GetStatus'),
  ListRoutes: jsonMethod<RoutesRequest, RoutesReply>('ListRoutes'),
};

export interface StatusHandlers {
  getStatus(): StatusReply;
  listRoutes(req: RoutesRequest): RoutesReply;
}

export interface StatusServer {
  readonly socketPath: string;
  close(): Promise<void>;
}

/** Serves the status API on a unix socket; the socket file is made mode 0600 and its directory created 0700. */
export async function serveStatus(socketPath: string, handlers: StatusHandlers): Promise<StatusServer> {
  fs.mkdirSync(path.dirname(socketPath), { recursive: true, mode: 0o700 });
  if (fs.existsSync(socketPath)) fs.unlinkSync(socketPath); // a stale socket of a previous run
  const server = new grpc.Server();
  server.addService(service, {
    GetStatus: (_call: grpc.ServerUnaryCall<StatusRequest, StatusReply>, cb: grpc.sendUnaryData<StatusReply>) => {
      try {
        cb(null, handlers.getStatus());
      } catch (err) {
        cb({ code: grpc.status.INTERNAL, details: String(err) }, null);
      }
    },
    ListRoutes: (call: grpc.ServerUnaryCall<RoutesRequest, RoutesReply>, cb: grpc.sendUnaryData<RoutesReply>) => {
      try {
        cb(null, handlers.listRoutes(call.request));
      } catch (err) {
        cb({ code: grpc.status.INTERNAL, details: String(err) }, null);
      }
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.bindAsync(`unix:${socketPath}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve()));
  });
  fs.chmodSync(socketPath, 0o600);
  return {
    socketPath,
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => {
          try {
            fs.unlinkSync(socketPath);
          } catch {
            // already gone
          }
          resolve();
        });
      }),
  };
}

const StatusClientCtor = grpc.makeGenericClientConstructor(service, 'Status');

export class StatusClient {
  private readonly client: grpc.Client;

  constructor(readonly socketPath: string) {
    this.client = new StatusClientCtor(`unix:${socketPath}`, grpc.credentials.createInsecure());
  }

  private call<Req, Res>(method: 'GetStatus' | 'ListRoutes', req: Req, timeoutMs: number): Promise<Res> {
    const deadline = new Date(Date.now() + timeoutMs);
    return new Promise((resolve, reject) => {
      const fn = (this.client as unknown as Record<string, (r: Req, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, v: Res) => void) => void>)[method];
      if (fn === undefined) {
        reject(new Error(`no method ${method}`));
        return;
      }
      fn.call(this.client, req, { deadline }, (err, value) => (err ? reject(new Error(describeGrpcError(err, this.socketPath))) : resolve(value)));
    });
  }

  getStatus(timeoutMs = 5000): Promise<StatusReply> {
    return this.call<StatusRequest, StatusReply>('GetStatus', {}, timeoutMs);
  }

  listRoutes(req: RoutesRequest, timeoutMs = 10000): Promise<RoutesReply> {
    return this.call<RoutesRequest, RoutesReply>('ListRoutes', req, timeoutMs);
  }

  close(): void {
    this.client.close();
  }
}

function describeGrpcError(err: grpc.ServiceError, socketPath: string): string {
  if (err.code === grpc.status.UNAVAILABLE || err.code === grpc.status.DEADLINE_EXCEEDED) {
    return `cannot reach the speaker's status socket ${socketPath}: is it running? (${err.details})`;
  }
  return err.details || err.message;
}
