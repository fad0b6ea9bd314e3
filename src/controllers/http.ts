// The controllers' HTTP endpoints: /liveness and /readiness (kube-controllers' --health-port, which answers both from
// the same "all conditions Ready" check; Gingham's liveness only says the process serves) and /metrics (Prometheus, on
// prometheusMetricsPort, 9094 by default). One small server per port, as in kube-controllers.
import http from 'node:http';
import { listenHttp, type ListeningHttp } from '../lib/http-listen';

export type Served = ListeningHttp;

export type Route = () => Promise<{ code: number; type: string; body: string }>;

export function serveRoutes(host: string, port: number, routes: Readonly<Record<string, Route>>): Promise<Served> {
  const server = http.createServer((req, res) => {
    const route = routes[req.url ?? ''];
    if (route === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    route().then(
      (r) => res.writeHead(r.code, { 'content-type': r.type }).end(r.body),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(err)}\n`),
    );
  });
  return listenHttp(server, host, port);
}
