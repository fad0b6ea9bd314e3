// Prometheus metrics of the node agent (prom-client), served on :9091/metrics when enabled (Felix's
// prometheusMetricsEnabled / FELIX_PROMETHEUSMETRICSENABLED). Session and prefix gauges are read from the speaker at
// scrape time (collect callbacks), so nothing has to be kept in step; the route table's latency and resync
// durations are observed where they happen.
import http from 'node:http';
import { listenHttp } from '../lib/http-listen';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export { registerPolicyMetrics } from './policy-metrics';

export interface SessionSample {
  readonly peer: string;
  readonly state: string;
  readonly prefixesReceived: number;
  readonly prefixesSent: number;
  readonly updatesIn: number;
  readonly updatesOut: number;
}

const STATES = ['Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'] as const;

export class NodeMetrics {
  readonly registry = new Registry();
  private readonly programming: Histogram;
  private readonly resync: Histogram;
  private readonly applyErrors: Counter;

  /** datastore: 1 while the datastore answers, 0 while it does not (DatastoreMonitor's state). */
  constructor(sessions: () => readonly SessionSample[], datastore?: () => { readonly connected: boolean; readonly since: number }) {
    const registers = [this.registry];
    if (datastore !== undefined) {
      new Gauge({
        name: 'gingham_datastore_connected',
        help: '1 while the datastore answers the agent, 0 while it is unreachable',
        registers,
        collect() {
          this.set(datastore().connected ? 1 : 0);
        },
      });
      new Gauge({
        name: 'gingham_datastore_state_since_seconds',
        help: 'When the datastore last became reachable or unreachable (seconds since the epoch)',
        registers,
        collect() {
          this.set(datastore().since / 1000);
        },
      });
    }
    new Gauge({
      name: 'gingham_bgp_sessions',
      help: 'BGP sessions by RFC 4271 state',
      labelNames: ['state'],
      registers,
      collect() {
        const all = sessions();
        for (const s of STATES) this.set({ state: s }, all.filter((x) => x.state === s).length);
      },
    });
    new Gauge({
      name: 'gingham_bgp_prefixes_received',
      help: 'Prefixes received from a peer (Adj-RIB-In)',
      labelNames: ['peer'],
      registers,
      collect() {
        this.reset();
        for (const s of sessions()) this.set({ peer: s.peer }, s.prefixesReceived);
      },
    });
    new Gauge({
      name: 'gingham_bgp_prefixes_advertised',
      help: 'Prefixes advertised to a peer (Adj-RIB-Out)',
      labelNames: ['peer'],
      registers,
      collect() {
        this.reset();
        for (const s of sessions()) this.set({ peer: s.peer }, s.prefixesSent);
      },
    });
    new Gauge({
      name: 'gingham_bgp_updates_total',
      help: 'UPDATE messages exchanged with a peer since its session started',
      labelNames: ['peer', 'direction'],
      registers,
      collect() {
        this.reset();
        for (const s of sessions()) {
          this.set({ peer: s.peer, direction: 'in' }, s.updatesIn);
          this.set({ peer: s.peer, direction: 'out' }, s.updatesOut);
        }
      },
    });
    this.programming = new Histogram({
      name: 'gingham_route_programming_seconds',
      help: 'Time to bring the kernel routes to the desired state after a change',
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers,
    });
    this.resync = new Histogram({
      name: 'gingham_route_resync_seconds',
      help: 'Duration of full route table resyncs (kernel re-read)',
      buckets: [0.001, 0.01, 0.1, 1, 10],
      registers,
    });
    this.applyErrors = new Counter({ name: 'gingham_route_apply_failures_total', help: 'Route operations that failed twice', registers });
  }

  observeApply(seconds: number, resynced: boolean, failures: number): void {
    (resynced ? this.resync : this.programming).observe(seconds);
    if (failures > 0) this.applyErrors.inc(failures);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}

export function serveMetrics(host: string, port: number, metrics: NodeMetrics): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end('not found\n');
      return;
    }
    metrics.text().then(
      (body) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body),
      (err: unknown) => res.writeHead(500).end(String(err)),
    );
  });
  return listenHttp(server, host, port);
}
