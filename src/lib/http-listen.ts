// Starts an HTTP server on host:port and gives back the bound port (port 0: any free one) and a close() that ends
// open keep-alive connections too, so a stopping process is not held up by a scraper's idle connection. Shared by
// the node agent's and the controllers' health and metrics endpoints.
import type http from 'node:http';

export interface ListeningHttp {
  readonly port: number;
  close(): Promise<void>;
}

export function listenHttp(server: http.Server, host: string, port: number): Promise<ListeningHttp> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const a = server.address();
      resolve({
        port: typeof a === 'object' && a !== null ? a.port : port,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
