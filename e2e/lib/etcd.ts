// A real etcd for e2e tests: one member on free loopback ports with its own temporary data directory, started and
// stopped by PID, plus etcdctl helpers (revision, compaction). The process can be stopped and started again on the
// same ports and data (to test clients' reconnect and resume); stop() removes everything.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface EtcdServer {
  /** Client URL, http://127.0.0.1:PORT. */
  readonly endpoint: string;
  readonly dataDir: string;
  /** PID of the running etcd, or undefined while stopped. */
  readonly pid: number | undefined;
  /** Current store revision (etcdctl endpoint status). */
  revision(): Promise<number>;
  /** Compacts history up to revision (default: the current revision), physically. */
  compact(revision?: number): Promise<void>;
  /** Stops the process but keeps its data and ports, for startProcess() to bring it back. */
  stopProcess(): Promise<void>;
  /** Starts the process again on the same ports and data, waiting until it is healthy. */
  startProcess(): Promise<void>;
  /** Stops the process and removes its data directory. Idempotent. */
  stop(): Promise<void>;
}

const HEALTH_TIMEOUT_MS = 20_000;
const EXIT_TIMEOUT_MS = 10_000;

/** A loopback TCP port nothing listened on a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

function run(cmd: string, args: string[], timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, env: { ...process.env, ETCDCTL_API: '3' } }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${err.message} ${stderr}`));
      else resolve(stdout);
    });
  });
}

async function waitExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

async function healthy(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
    const body = (await res.json()) as { health?: unknown };
    return res.ok && body.health === 'true';
  } catch {
    return false;
  }
}

export async function startEtcd(): Promise<EtcdServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gingham-etcd-'));
  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, 'etcd.log');
  const clientPort = await freePort();
  const peerPort = await freePort();
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  let child: ChildProcess | undefined;
  let removed = false;

  const args = [
    '--name', 'gingham-e2e',
    '--data-dir', dataDir,
    '--listen-client-urls', endpoint,
    '--advertise-client-urls', endpoint,
    '--listen-peer-urls', peer,
    '--initial-advertise-peer-urls', peer,
    '--initial-cluster', `gingham-e2e=${peer}`,
    '--initial-cluster-state', 'new',
    '--log-level', 'warn',
    '--logger', 'zap',
  ];

  async function startProcess(): Promise<void> {
    if (child !== undefined) throw new Error('etcd already running');
    const out = openSync(logFile, 'a');
    const proc = spawn('etcd', args, { stdio: ['ignore', out, out] });
    closeSync(out);
    child = proc;
    const started = Date.now();
    while (Date.now() - started < HEALTH_TIMEOUT_MS) {
      if (proc.exitCode !== null || proc.signalCode !== null) break;
      if (await healthy(endpoint)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    const log = readFileSync(logFile, 'utf8').slice(-2000);
    await stopProcess();
    throw new Error(`etcd did not become healthy within ${HEALTH_TIMEOUT_MS} ms on ${endpoint}; log tail:\n${log}`);
  }

  async function stopProcess(): Promise<void> {
    const proc = child;
    child = undefined;
    if (proc === undefined || proc.pid === undefined) return;
    if (proc.exitCode === null && proc.signalCode === null) {
      process.kill(proc.pid, 'SIGTERM');
      if (!(await waitExit(proc, EXIT_TIMEOUT_MS))) {
        process.kill(proc.pid, 'SIGKILL');
        await waitExit(proc, EXIT_TIMEOUT_MS);
      }
    }
  }

  async function revision(): Promise<number> {
    const out = await run('etcdctl', ['--endpoints', endpoint, 'endpoint', 'status', '-w', 'json']);
    const status = JSON.parse(out) as Array<{ Status: { header: { revision: number } } }>;
    const rev = status[0]?.Status.header.revision;
    if (typeof rev !== 'number') throw new Error(`etcdctl endpoint status: no revision in ${out}`);
    return rev;
  }

  await startProcess();
  return {
    endpoint,
    dataDir,
    get pid() {
      return child?.pid;
    },
    revision,
    async compact(rev?: number) {
      const to = rev ?? (await revision());
      await run('etcdctl', ['--endpoints', endpoint, 'compact', String(to), '--physical']);
    },
    stopProcess,
    startProcess,
    async stop() {
      await stopProcess();
      if (!removed) {
        removed = true;
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
