// The speaker's status API: gRPC (@grpc/grpc-js) over a unix socket, mode 0600, read by `gingham bgp status` and
// `gingham bgp routes`. Messages are JSON-encoded (a gRPC service definition with JSON serializers), so the types
// below are the schema; no .proto file has to ship with the build.
import { jsonService, serveUnix, UnixJsonClient } from '../lib/unix-grpc';

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

export interface StatusHandlers {
  getStatus(): StatusReply;
  listRoutes(req: RoutesRequest): RoutesReply;
}

export interface StatusServer {
  readonly socketPath: string;
  close(): Promise<void>;
}

const SERVICE = jsonService('gingham.bgp.v1.Status', ['GetStatus', 'ListRoutes']);

/** Serves the status API on a unix socket; the socket file is made mode 0600 and its directory created 0700. */
export function serveStatus(socketPath: string, handlers: StatusHandlers): Promise<StatusServer> {
  return serveUnix(socketPath, SERVICE, {
    GetStatus: () => handlers.getStatus(),
    ListRoutes: (req) => handlers.listRoutes((req ?? {}) as RoutesRequest),
  });
}

export class StatusClient {
  private readonly client: UnixJsonClient;

  constructor(readonly socketPath: string) {
    this.client = new UnixJsonClient(socketPath, SERVICE, "speaker's status socket");
  }

  getStatus(timeoutMs = 5000): Promise<StatusReply> {
    return this.client.call<StatusReply>('GetStatus', {}, timeoutMs);
  }

  listRoutes(req: RoutesRequest, timeoutMs = 10000): Promise<RoutesReply> {
    return this.client.call<RoutesReply>('ListRoutes', req, timeoutMs);
  }

  close(): void {
    this.client.close();
  }
}
