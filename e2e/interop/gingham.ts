// Runs the real `gingham bgp run` binary (dist/, built by `npm test` before jest) as a daemon for interop tests, and
// reads its state through `gingham bgp status|routes -o json` over the status socket, as an operator would.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import type { RoutesReply, StatusReply } from '../../src/bgp/status-service';

const ROOT = path.join(__dirname, '..', '..');
/** GINGHAM_DIST: another build of src/ (e.g. one private to a working copy); default the package's dist/. */
const BIN = path.join(process.env.GINGHAM_DIST ?? path.join(ROOT, 'dist'), 'cmd', 'gingham.js');

export interface GinghamPeer {
  address: string;
  asNumber: number | string;
  port?: number;
  passive?: boolean;
  holdTime?: number;
  families?: Array<'ipv4' | 'ipv6'>;
  localAddress?: string;
  name?: string;
  localAsNumber?: number | string;
  routeReflectorClient?: boolean;
  nextHopMode?: 'auto' | 'self' | 'keep';
  allowOwnAs?: number;
  gracefulRestart?: boolean;
  filters?: string[];
}

export interface GinghamOriginate {
  prefix: string;
  nextHop?: string;
  communities?: string[];
  largeCommunities?: string[];
  med?: number;
}

export interface GinghamOptions {
  asNumber: number | string;
  routerId: string;
  listen: { address: string; port?: number };
  peers: GinghamPeer[];
  originate?: GinghamOriginate[];
  clusterId?: string;
  gracefulRestart?: { restartTime?: number; staleTime?: number; deferralTime?: number; forwardingPreserved?: boolean };
  /** Named BGPFilter specs (projectcalico.org/v3), attached to peers by name. */
  filters?: Record<string, unknown>;
}

export class GinghamSpeaker {
  private exited: Promise<number | null>;
  private log = '';

  private constructor(
    readonly dir: string,
    readonly socket: string,
    readonly configPath: string,
    private child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    child.stdout?.on('data', (d: Buffer) => (this.log += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.log += d.toString()));
  }

  /** Rewrites the configuration and sends SIGHUP: the speaker applies the difference in place. */
  reconfigure(opts: GinghamOptions): void {
    fs.writeFileSync(this.configPath, stringify({ ...opts, statusSocket: this.socket, logLevel: 'debug' }));
    this.child.kill('SIGHUP');
  }

  /** `args` are added to `gingham bgp run -c FILE` (e.g. `--log-format json`). */
  static async start(opts: GinghamOptions, args: readonly string[] = []): Promise<GinghamSpeaker> {
    if (!fs.existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first (npm test does)`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gingham-interop-'));
    const socket = path.join(dir, 'bgp.sock');
    const configPath = path.join(dir, 'speaker.yaml');
    fs.writeFileSync(configPath, stringify({ ...opts, statusSocket: socket, logLevel: 'debug' }));
    const child = spawn(process.execPath, [BIN, 'bgp', 'run', '-c', configPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const g = new GinghamSpeaker(dir, socket, configPath, child);
    await g.waitFor(() => fs.existsSync(socket), 15000, 'status socket to appear');
    return g;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get output(): string {
    return this.log;
  }

  /** The log as JSON objects, one per line (for a speaker started with `--log-format json`); throws on a non-JSON line. */
  jsonLog(): Array<{ level: string; message: string; component: string; timestamp: string; [k: string]: unknown }> {
    return this.log
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => {
        try {
          return JSON.parse(l) as { level: string; message: string; component: string; timestamp: string };
        } catch {
          throw new Error(`not a JSON log line: ${l}`);
        }
      });
  }

  get exitCode(): number | null {
    return this.child.exitCode;
  }

  /** Resolves with the exit code once the process has exited (bounded by timeoutMs). */
  async waitExit(timeoutMs: number): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`gingham did not exit within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends a signal to the speaker process (SIGTERM, SIGHUP). */
  signal(sig: NodeJS.Signals): void {
    this.child.kill(sig);
  }

  private cli(args: string[]): string {
    const res = spawnSync(process.execPath, [BIN, ...args, '--socket', this.socket, '-o', 'json'], { encoding: 'utf8', timeout: 15000 });
    if (res.status !== 0) throw new Error(`gingham ${args.join(' ')} failed: ${res.stderr}`);
    return res.stdout;
  }

  status(): StatusReply {
    return JSON.parse(this.cli(['bgp', 'status'])) as StatusReply;
  }

  peer(address: string): StatusReply['peers'][number] | undefined {
    return this.status().peers.find((p) => p.address === address);
  }

  routes(peer?: string, family?: 'ipv4' | 'ipv6', best = false): RoutesReply['routes'] {
    const args = ['bgp', 'routes'];
    if (peer) args.push('--peer', peer);
    if (family) args.push('--family', family);
    if (best) args.push('--best');
    return (JSON.parse(this.cli(args)) as RoutesReply).routes;
  }

  async waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let lastErr: unknown;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`gingham exited (${this.child.exitCode}) while waiting for ${what}:\n${this.log.slice(-3000)}`);
      try {
        if (cond()) return;
      } catch (err) {
        lastErr = err;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? ` (last error: ${String(lastErr)})` : ''}\n--- gingham log ---\n${this.log.slice(-3000)}`);
  }

  async waitState(address: string, state: string, timeoutMs = 30000): Promise<void> {
    await this.waitFor(() => this.peer(address)?.state === state, timeoutMs, `peer ${address} to be ${state}`);
  }

  /** SIGTERM, then SIGKILL after a bound; removes the work dir. Returns the exit code. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const killer = setTimeout(() => this.child.kill('SIGKILL'), 10000);
      await this.exited;
      clearTimeout(killer);
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
    return this.child.exitCode;
  }

  kill9(): void {
    this.child.kill('SIGKILL');
  }
}
