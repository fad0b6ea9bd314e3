// The socket seam of the BGP session layer. Production code uses node:net; tests inject an in-memory pair so session
// behaviour (collisions, hold timers, back-pressure) is tested without the network.
import net from 'node:net';

/** The subset of net.Socket a BGP connection uses. */
export interface BgpSocket {
  readonly remoteAddress?: string;
  readonly remotePort?: number;
  readonly localAddress?: string;
  readonly localPort?: number;
  readonly writableNeedDrain: boolean;
  write(data: Buffer, cb?: (err?: Error | null) => void): boolean;
  end(cb?: () => void): void;
  destroy(err?: Error): void;
  setNoDelay(noDelay?: boolean): void;
  on(event: 'data', listener: (chunk: Buffer) => void): this;
  on(event: 'drain', listener: () => void): this;
  on(event: 'close', listener: (hadError: boolean) => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  once(event: 'connect', listener: () => void): this;
  once(event: 'error', listener: (err: Error) => void): this;
  removeAllListeners(event?: string): this;
}

export interface ConnectOptions {
  readonly host: string;
  readonly port: number;
  /** Source the session from this address (Calico: the node IP). */
  readonly localAddress?: string;
  readonly timeoutMs: number;
}

export interface Transport {
  /** Opens a TCP connection; resolves once connected, rejects on failure or timeout. */
  connect(opts: ConnectOptions): Promise<BgpSocket>;
}

export const tcpTransport: Transport = {
  connect(opts) {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: opts.host, port: opts.port, localAddress: opts.localAddress });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(Object.assign(new Error(`connect ETIMEDOUT ${opts.host}:${opts.port} (no answer within ${opts.timeoutMs} ms)`), { code: 'ETIMEDOUT' }));
      }, opts.timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(socket);
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        socket.destroy();
        reject(err);
      });
    });
  },
};

/** The listening seam: production binds a TCP server; tests may inject their own. */
export interface Listener {
  listen(address: string, port: number, onConnection: (socket: BgpSocket) => void): Promise<{ close(): Promise<void> }>;
}

export const tcpListener: Listener = {
  listen(address, port, onConnection) {
    return new Promise((resolve, reject) => {
      const server = net.createServer({ noDelay: true }, (socket) => onConnection(socket));
      server.once('error', reject);
      server.listen({ host: address, port, exclusive: true }, () => {
        server.removeListener('error', reject);
        resolve({
          close: () =>
            new Promise<void>((done) => {
              server.close(() => done());
            }),
        });
      });
    });
  },
};
