// calico-node's health endpoints, on localhost:9099 by default (Felix's health port): GET /liveness answers 200 while
// the agent runs; GET /readiness answers 200 once BGP is ready as calico-node's bird-ready judges it: no peers, or
// within the start-up threshold every peer Established, and after it at least one. Otherwise 503 with the reason
// ("BGP not established with 10.0.0.15,10.0.0.16").
import http from 'node:http';
import type { DatastoreHealth } from '../datastore';
import { hasErrno, InUseError } from '../lib/errors';

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

/**
 * How long the datastore may stay unreachable before readiness fails: libcalico-go's DefaultWatchRetryTimeout (600 s,
 * lib/backend/watchersyncer/watchercache.go). Until then calico-node stays ready through a datastore outage: its
 * syncer stays InSync while the watches resume from their revision, and Felix's readiness is the calculation graph's
 * `Ready: syncStatus == InSync` (felix/calc/async_calc_graph.go reportHealth); only a connection failed for longer
 * than the watch retry timeout makes the next resync report WaitForDatastore, which is not ready. The agent keeps
 * routing on the last state it read meanwhile, so a short outage must not take every node out of service at once.
 */
export const DATASTORE_READY_GRACE_MS = 600_000;

/** Readiness as far as the datastore goes: not ready once it has been unreachable for longer than graceMs. */
export function datastoreReadiness(health: DatastoreHealth, now: number, graceMs = DATASTORE_READY_GRACE_MS): Readiness {
  if (health.connected || now - health.since <= graceMs) return { ready: true };
  return { ready: false, reason: `datastore (${health.backend}) unreachable for ${Math.round((now - health.since) / 1000)} s: ${health.lastError ?? 'unknown cause'}` };
}

/** Ready when every check is; the reasons of those that are not, joined. */
export function allReady(checks: readonly Readiness[]): Readiness {
  const reasons = checks.filter((c) => !c.ready).map((c) => c.reason ?? 'unknown');
  return reasons.length === 0 ? { ready: true } : { ready: false, reason: reasons.join('; ') };
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
    server.once('error', (err) => reject(hasErrno(err, 'EADDRINUSE') ? new InUseError(`health port ${host}:${port}`, { cause: err }) : err));
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
