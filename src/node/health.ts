// calico-node's health endpoints, on localhost:9099 by default (Felix's health port): GET /liveness answers 200 while
// the agent runs; GET /readiness answers 200 once BGP is ready as calico-node's bird-ready judges it: no peers, or
// within the start-up threshold every peer Established, and after it at least one. Otherwise 503 with the reason
// ("BGP not established with 10.0.0.15,10.0.0.16").
import http from 'node:http';

export interface Readiness {
  readonly ready: boolean;
  readonly reason?: string;
}

export interface PeerState {
  readonly address: string;
  readonly state: string;
  readonly notStarted?: string;
}

/** bird-ready's rule. `sinceStartMs` is how long the agent has run; `thresholdMs` calico-node's --threshold-time. */
export function bgpReadiness(peers: readonly PeerState[], sinceStartMs: number, thresholdMs = 30_000): Readiness {
  const live = peers.filter((p) => p.notStarted === undefined);
  if (live.length === 0) return { ready: true };
  const down = live.filter((p) => p.state !== 'Established').map((p) => p.address);
  if (down.length === 0) return { ready: true };
  if (sinceStartMs > thresholdMs && down.length < live.length) return { ready: true };
  return { ready: false, reason: `BGP not established with ${down.join(',')}` };
}

export interface HealthServer {
  readonly port: number;
  close(): Promise<void>;
}

export function serveHealth(host: string, port: number, readiness: () => Readiness): Promise<HealthServer> {
  const server = http.createServer((req, res) => {
    const send = (code: number, text: string): void => {
      res.writeHead(code, { 'content-type': 'text/plain' });
      res.end(text);
    };
    if (req.url === '/liveness') return send(200, 'live\n');
    if (req.url === '/readiness') {
      const r = readiness();
      return r.ready ? send(200, 'ready\n') : send(503, `gingham node is not ready: ${r.reason ?? 'unknown'}\n`);
    }
    return send(404, 'not found\n');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const addr = server.address();
      resolve({
        port: typeof addr === 'object' && addr !== null ? addr.port : port,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
