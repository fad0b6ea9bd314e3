// The process inside every lab pod's network namespace (started by the lab, its PID in state.json, stopped by
// `lab down` or when the pod is deleted): it serves each declared container port as the tutorial's test image
// (mykubernetes/pod_test) does on TCP 80, and answers other TCP ports with the pod name (then closes) and UDP ports
// with one datagram holding the pod name per datagram received. Also the client of `gingham lab probe`, run inside
// the source pod's namespace: it connects (TCP) or sends and waits for the reply (UDP) within a timeout.
//
//   node pod-server.js serve NAME IP PORT/PROTO...
//   node pod-server.js probe IP PORT tcp|udp TIMEOUT_MS     -> one JSON line; exit 0 connected, 1 blocked, 2 failed
import dgram from 'node:dgram';
import http from 'node:http';
import net from 'node:net';

/** The tutorial image's reply, byte for byte (its ServerName is the pod name, ServerIP the pod's address). */
export function podTestReply(clientIp: string, podName: string, podIp: string): string {
  return `kubernetes pod-test v0.1!! ClientIP: ${clientIp}, ServerName: ${podName}, ServerIP: ${podIp}!\n`;
}

const plainIp = (a: string | undefined): string => (a ?? '').replace(/^::ffff:/, '');

export interface ProbeResult {
  readonly result: 'connected' | 'blocked' | 'failed';
  readonly reply?: string;
  readonly reason?: string;
  readonly ms: number;
}

/** Errors that mean the network said no (or said nothing): blocked. Anything else is a failed probe. */
const BLOCKED = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'ETIMEDOUT']);

export function probeExit(r: ProbeResult): number {
  return r.result === 'connected' ? 0 : r.result === 'blocked' ? 1 : 2;
}

export function probeTcp(ip: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  const start = Date.now();
  return new Promise((resolve) => {
    const sock = net.connect({ host: ip, port });
    let reply = '';
    let connected = false;
    const done = (r: Omit<ProbeResult, 'ms'>): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ ...r, ms: Date.now() - start });
    };
    const timer = setTimeout(() => done(connected ? { result: 'connected', reply } : { result: 'blocked', reason: `no answer within ${timeoutMs} ms` }), timeoutMs);
    sock.on('connect', () => {
      connected = true;
      // An HTTP port answers a request; the others write the pod name and close.
      if (port === 80) sock.write(`GET / HTTP/1.0\r\nHost: ${ip}\r\n\r\n`);
    });
    sock.on('data', (d: Buffer) => (reply += d.toString()));
    sock.on('end', () => done({ result: 'connected', reply: reply.split('\r\n\r\n').pop()!.trim() }));
    sock.on('error', (e: NodeJS.ErrnoException) => {
      if (connected) return done({ result: 'connected', reply });
      done(BLOCKED.has(e.code ?? '') ? { result: 'blocked', reason: e.code! } : { result: 'failed', reason: `${e.code ?? ''} ${e.message}`.trim() });
    });
  });
}

export function probeUdp(ip: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  const start = Date.now();
  return new Promise((resolve) => {
    const sock = dgram.createSocket('udp4');
    const done = (r: Omit<ProbeResult, 'ms'>): void => {
      clearTimeout(timer);
      sock.close();
      resolve({ ...r, ms: Date.now() - start });
    };
    const timer = setTimeout(() => done({ result: 'blocked', reason: `no reply within ${timeoutMs} ms` }), timeoutMs);
    sock.on('message', (m) => done({ result: 'connected', reply: m.toString().trim() }));
    sock.on('error', (e: NodeJS.ErrnoException) => done(BLOCKED.has(e.code ?? '') ? { result: 'blocked', reason: e.code! } : { result: 'failed', reason: `${e.code ?? ''} ${e.message}`.trim() }));
    sock.connect(port, ip, () => sock.send('probe\n'));
  });
}

/**
 * Serves the ports until close() (the lab's pods never call it: the process is stopped by PID). A client's reset or a
 * failed reply is that client's problem, never the server's: every socket has an error handler that notes the error on
 * stderr (the pod's log) and carries on, since an unhandled 'error' event would end the process and the pod would stop
 * listening for the rest of the lab's life.
 */
export async function serve(name: string, ip: string, ports: ReadonlyArray<{ port: number; protocol: string }>): Promise<{ close(): void }> {
  const closers: Array<() => void> = [];
  const note =
    (what: string) =>
    (e: NodeJS.ErrnoException): void => {
      process.stderr.write(`pod-server ${name}: ${what}: ${e.code ?? e.message}\n`);
    };
  for (const p of ports) {
    if (p.protocol === 'UDP') {
      const s = dgram.createSocket('udp4');
      closers.push(() => s.close());
      s.on('error', note(`udp ${p.port}`));
      s.on('message', (_m, rinfo) =>
        s.send(`${name}\n`, rinfo.port, rinfo.address, (e) => {
          if (e) note(`udp ${p.port} reply to ${rinfo.address}:${rinfo.port}`)(e);
        }),
      );
      await new Promise<void>((r) => s.bind(p.port, '0.0.0.0', () => r()));
    } else if (p.protocol === 'TCP' && p.port === 80) {
      const s = http.createServer((req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(podTestReply(plainIp(req.socket.remoteAddress), name, ip));
      });
      closers.push(() => {
        s.closeAllConnections();
        s.close();
      });
      s.on('clientError', (e: NodeJS.ErrnoException, c: net.Socket) => {
        note(`tcp ${p.port} client`)(e);
        c.destroy();
      });
      await new Promise<void>((r) => s.listen(p.port, '0.0.0.0', () => r()));
    } else if (p.protocol === 'TCP') {
      const s = net.createServer((c) => {
        c.on('error', note(`tcp ${p.port} connection from ${plainIp(c.remoteAddress)}`));
        c.end(`${name}\n`);
      });
      closers.push(() => s.close());
      await new Promise<void>((r) => s.listen(p.port, '0.0.0.0', () => r()));
    } else {
      // SCTP: node has no SCTP sockets; the port is declared but not served (the probe says where the kernel lacks it).
      process.stderr.write(`pod-server ${name}: ${p.protocol} port ${p.port} is not served (no ${p.protocol} sockets in node)\n`);
    }
  }
  process.stdout.write(`pod-server ${name} ${ip}: serving ${ports.map((p) => `${p.port}/${p.protocol}`).join(', ')}\n`);
  return { close: () => closers.forEach((c) => c()) };
}

async function main(argv: readonly string[]): Promise<number> {
  const [mode, ...rest] = argv;
  if (mode === 'serve') {
    const [name, ip, ...ports] = rest;
    await serve(
      name!,
      ip!,
      ports.map((x) => {
        const [port, protocol] = x.split('/');
        return { port: Number(port), protocol: (protocol ?? 'TCP').toUpperCase() };
      }),
    );
    return -1;
  }
  if (mode === 'probe') {
    const [ip, port, protocol, timeout] = rest;
    const r = protocol === 'udp' ? await probeUdp(ip!, Number(port), Number(timeout)) : await probeTcp(ip!, Number(port), Number(timeout));
    process.stdout.write(JSON.stringify(r) + '\n');
    return probeExit(r);
  }
  process.stderr.write('usage: pod-server serve NAME IP PORT/PROTO... | probe IP PORT tcp|udp TIMEOUT_MS\n');
  return 2;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      if (code >= 0) process.exit(code);
    },
    (err: unknown) => {
      process.stderr.write(`pod-server: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(2);
    },
  );
}
