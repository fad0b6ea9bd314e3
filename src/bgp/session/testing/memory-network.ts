// Test-only: an in-memory network of BGP sockets, so session tests run with a FakeClock and no real TCP.
// Data written on one end arrives at the other on a later macrotask (setImmediate), like a real socket; an end can be
// frozen (its writes are held back, like a peer stopped with SIGSTOP), stalled (held and never drained, like a peer
// that stopped reading) or refuse connections.
import { EventEmitter } from 'node:events';
import type { BgpSocket, ConnectOptions, Listener, Transport } from '../transport';

export class MemorySocket extends EventEmitter implements BgpSocket {
  peer: MemorySocket | undefined;
  private destroyed = false;
  frozen = false;
  /** The reader at the other end stopped: writes are held and report no progress (no 'drain'), as a full send buffer. */
  private stalled = false;
  private held: Buffer[] = [];
  noDelay = false;

  constructor(
    readonly localAddress: string,
    readonly localPort: number,
    readonly remoteAddress: string,
    readonly remotePort: number,
  ) {
    super();
  }

  write(data: Buffer, cb?: (err?: Error | null) => void): boolean {
    if (this.destroyed) return false;
    const copy = Buffer.from(data);
    if (this.frozen) this.held.push(copy);
    else this.deliver(copy);
    cb?.(null);
    return !this.stalled;
  }

  get writableNeedDrain(): boolean {
    return this.stalled;
  }

  /** From now on nothing this end writes is read (RFC 9687's stuck peer): writes are held and never drain. */
  stall(): void {
    this.stalled = true;
    this.frozen = true;
  }

  private deliver(data: Buffer): void {
    const peer = this.peer;
    setImmediate(() => {
      if (peer !== undefined && !peer.destroyed) peer.emit('data', data);
    });
  }

  /** Releases what a frozen end wrote. */
  thaw(): void {
    this.frozen = false;
    this.stalled = false;
    const held = this.held;
    this.held = [];
    for (const b of held) this.deliver(b);
  }

  end(cb?: () => void): void {
    // Let written data arrive first, then close both ends.
    setImmediate(() => {
      this.destroy();
      cb?.();
    });
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    const peer = this.peer;
    setImmediate(() => {
      this.emit('close', false);
      if (peer !== undefined && !peer.destroyed) {
        peer.destroyed = true;
        setImmediate(() => peer.emit('close', false));
      }
    });
  }

  /**
   * This end disappears without a FIN or RST reaching the other end (a crash behind a dropped link): from now on
   * nothing written here arrives there, and closing this end is not seen there.
   */
  vanish(): void {
    const other = this.peer;
    this.peer = undefined;
    if (other !== undefined) other.peer = undefined;
  }

  get isDestroyed(): boolean {
    return this.destroyed;
  }

  setNoDelay(noDelay = true): void {
    this.noDelay = noDelay;
  }
}

export class MemoryNetwork {
  private readonly listeners = new Map<string, (s: MemorySocket) => void>();
  private nextPort = 40000;
  readonly sockets: MemorySocket[] = [];
  /** Addresses whose connections are refused. */
  readonly down = new Set<string>();

  listener(): Listener {
    return {
      listen: async (address, port, onConnection) => {
        const key = `${address}:${port}`;
        this.listeners.set(key, onConnection as (s: MemorySocket) => void);
        return {
          close: async () => {
            this.listeners.delete(key);
          },
        };
      },
    };
  }

  /** A transport whose connections come from `from` (the speaker's own address). */
  transport(from: string): Transport {
    return {
      connect: (opts: ConnectOptions) =>
        new Promise<BgpSocket>((resolve, reject) => {
          setImmediate(() => {
            const accept = this.listeners.get(`${opts.host}:${opts.port}`);
            if (accept === undefined || this.down.has(opts.host)) {
              reject(new Error('connect ECONNREFUSED'));
              return;
            }
            const port = this.nextPort++;
            const client = new MemorySocket(opts.localAddress ?? from, port, opts.host, opts.port);
            const server = new MemorySocket(opts.host, opts.port, opts.localAddress ?? from, port);
            client.peer = server;
            server.peer = client;
            this.sockets.push(client, server);
            accept(server);
            resolve(client);
          });
        }),
    };
  }

  /** Sockets whose local end is `address`. */
  socketsOf(address: string): MemorySocket[] {
    return this.sockets.filter((s) => s.localAddress === address && !s.isDestroyed);
  }
}

/** Lets pending setImmediate callbacks (message delivery) run, a bounded number of rounds. */
export async function settle(rounds = 50): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}
