// A client of the BIRD 2 control socket (the protocol birdc speaks): one command at a time, reply lines up to the one
// whose 4-digit code is followed by a space. Every command is bounded by a timeout. The benchmark polls the sink's
// route counter through one persistent connection, so a poll costs BIRD one command, not a birdc process.
import net from 'node:net';

export class BirdControlError extends Error {}

export interface BirdProto {
  readonly state: string;
  readonly imported: number;
  readonly exported: number;
}

export class BirdControl {
  private buf = '';
  private waiter: { resolve: (lines: string[]) => void; reject: (e: Error) => void } | undefined;
  private lines: string[] = [];
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly sock: net.Socket,
    private readonly timeoutMs: number,
  ) {
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => this.onData(d));
    sock.on('close', () => {
      this.closed = true;
      this.waiter?.reject(new BirdControlError(`BIRD control socket ${path} closed`));
      this.waiter = undefined;
    });
    sock.on('error', () => undefined); // surfaced through 'close'
  }

  static async connect(path: string, timeoutMs = 30000): Promise<BirdControl> {
    const sock = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect(path);
      s.once('connect', () => resolve(s));
      s.once('error', reject);
    });
    const c = new BirdControl(path, sock, timeoutMs);
    await c.reply(); // greeting "0001 BIRD 2.0.12 ready."
    return c;
  }

  private onData(d: string): void {
    this.buf += d;
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      this.lines.push(line);
      if (/^\d{4} /.test(line) && this.waiter) {
        const w = this.waiter;
        this.waiter = undefined;
        const out = this.lines;
        this.lines = [];
        w.resolve(out);
      }
    }
  }

  private reply(): Promise<string[]> {
    if (this.closed) return Promise.reject(new BirdControlError(`BIRD control socket ${this.path} closed`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new BirdControlError(`BIRD control socket ${this.path}: no reply in ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.waiter = {
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      // a reply may already be complete in the buffer (the greeting arrives with the connect)
      this.onData('');
    });
  }

  async cmd(command: string): Promise<string[]> {
    this.sock.write(command + '\n');
    return this.reply();
  }

  /** BGP state (or protocol state) and the route counters of protocol `name` (`show protocols all NAME`). */
  async proto(name: string): Promise<BirdProto> {
    const out = (await this.cmd(`show protocols all ${name}`)).join('\n');
    const bgp = /BGP state:\s+(\w+)/.exec(out);
    const plain = new RegExp(`^\\d{4}-${name}\\s+\\S+\\s+\\S+\\s+(\\w+)`, 'm').exec(out);
    const routes = /Routes:\s+(\d+) imported(?:, (?:\d+ filtered, )?(\d+) exported)?/.exec(out);
    return {
      state: bgp?.[1] ?? plain?.[1] ?? '?',
      imported: routes?.[1] !== undefined ? Number(routes[1]) : 0,
      exported: routes?.[2] !== undefined ? Number(routes[2]) : 0,
    };
  }

  close(): void {
    this.sock.destroy();
  }
}
