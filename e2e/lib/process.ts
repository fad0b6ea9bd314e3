// Process plumbing for e2e suites that start real daemons: a private temp work dir per daemon, spawn with the PID
// recorded, bounded polling (`waitFor`), stop by PID (SIGTERM, then SIGKILL after a bound), SIGSTOP/SIGCONT, and a
// registry so one `afterAll(cleanupAll)` always stops everything a suite started and removes its work dirs.
// It must never signal a process it did not start: no pkill/killall by name, only PIDs it spawned itself.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, rmSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Default bound for the SIGTERM -> SIGKILL escalation. */
export const STOP_GRACE_MS = 5000;

export class E2eTimeoutError extends Error {
  readonly code = 'E2E_TIMEOUT';
  constructor(what: string, timeoutMs: number, last?: unknown) {
    super(`timed out after ${timeoutMs} ms waiting for ${what}${last === undefined ? '' : ` (last: ${describe(last)})`}`);
    this.name = 'E2eTimeoutError';
  }
}

function describe(v: unknown): string {
  if (v instanceof Error) return v.message;
  if (typeof v === 'string') return v;
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `cond` every `intervalMs` until it returns something other than undefined/false/null, and returns that.
 * Throws E2eTimeoutError after `timeoutMs`; an exception thrown by `cond` counts as "not yet" and its message is
 * reported in the timeout error, so a daemon that is still starting does not abort the wait.
 */
export async function waitFor<T>(
  cond: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs: number,
  what: string,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await cond();
      if (v !== undefined && v !== null && v !== false) return v;
      last = undefined;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) throw new E2eTimeoutError(what, timeoutMs, last);
    await sleep(Math.min(intervalMs, Math.max(1, deadline - Date.now())));
  }
}

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

/** Runs a short command (a CLI query) with a hard timeout; never throws on a non-zero exit, the caller decides. */
export function run(cmd: string, args: readonly string[], timeoutMs = 10000): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(cmd, [...args], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: number | string }) | null;
      const code = e === null ? 0 : typeof e.code === 'number' ? e.code : -1;
      resolve({ stdout: String(stdout), stderr: String(stderr) + (e !== null && typeof e.code !== 'number' ? `\n${e.message}` : ''), code });
    });
  });
}

/** Like run, but throws with stderr when the command fails. */
export async function runOk(cmd: string, args: readonly string[], timeoutMs = 10000): Promise<string> {
  const res = await run(cmd, args, timeoutMs);
  if (res.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${res.code}: ${res.stderr.trim() || res.stdout.trim()}`);
  return res.stdout;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly workDir: string;
  readonly logFile: string;
  readonly child: ChildProcess;
  /** True once the process has exited (the 'exit' event was seen). */
  exited(): boolean;
  /** Tail of the stdout/stderr log, for error messages. */
  logTail(lines?: number): string;
}

const registry = new Map<number, ManagedProcess>();
const workDirs = new Set<string>();

/** A fresh private directory under the OS temp dir, removed by cleanupAll (unless GINGHAM_E2E_KEEP=1). */
export function makeWorkDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `gingham-e2e-${prefix}-`));
  workDirs.add(dir);
  return dir;
}

export interface SpawnOptions {
  readonly name: string;
  readonly cmd: string;
  readonly args: readonly string[];
  readonly workDir: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Pipe stdin instead of /dev/null (for helpers driven over stdin). */
  readonly stdinPipe?: boolean;
}

/**
 * Starts a daemon in the foreground of a child process (never a self-daemonising fork, so the PID we record is the
 * daemon), stdout+stderr to `<workDir>/<name>.out`, and registers it for cleanupAll.
 */
export function spawnDaemon(opts: SpawnOptions): ManagedProcess {
  const logFile = join(opts.workDir, `${opts.name}.out`);
  const fd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(opts.cmd, [...opts.args], {
      cwd: opts.workDir,
      env: opts.env ?? process.env,
      stdio: [opts.stdinPipe === true ? 'pipe' : 'ignore', fd, fd],
    });
  } finally {
    closeSync(fd);
  }
  if (child.pid === undefined) throw new Error(`could not spawn ${opts.cmd}`);
  let hasExited = false;
  child.on('exit', () => {
    hasExited = true;
  });
  child.on('error', () => {
    hasExited = true;
  });
  const proc: ManagedProcess = {
    name: opts.name,
    pid: child.pid,
    workDir: opts.workDir,
    logFile,
    child,
    exited: () => hasExited,
    logTail: (lines = 20) => {
      try {
        return readFileSync(logFile, 'utf8').split('\n').slice(-lines).join('\n');
      } catch {
        return '';
      }
    },
  };
  registry.set(proc.pid, proc);
  return proc;
}

/** The process with this PID still exists (signal 0 probes without touching it). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Stops a process this suite started: SIGCONT (a stopped process cannot handle SIGTERM), SIGTERM, then SIGKILL if it
 * has not exited after `graceMs`. Refuses PIDs that are not in the registry.
 */
export async function stopProcess(pid: number, graceMs = STOP_GRACE_MS): Promise<void> {
  const proc = registry.get(pid);
  if (proc === undefined) throw new Error(`refusing to signal PID ${pid}: not started by this suite`);
  const gone = (): boolean => proc.exited() || !alive(pid);
  if (!gone()) {
    try {
      process.kill(pid, 'SIGCONT');
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
    try {
      await waitFor(() => gone(), graceMs, `${proc.name} (PID ${pid}) to exit after SIGTERM`, 50);
    } catch {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // exited between the check and the kill
      }
      await waitFor(() => gone(), 5000, `${proc.name} (PID ${pid}) to exit after SIGKILL`, 50);
    }
  }
  registry.delete(pid);
}

/** SIGSTOP: freezes a daemon (its peers' hold timers run out) without closing its sockets. */
export function pauseProcess(pid: number): void {
  if (!registry.has(pid)) throw new Error(`refusing to signal PID ${pid}: not started by this suite`);
  process.kill(pid, 'SIGSTOP');
}

export function resumeProcess(pid: number): void {
  if (!registry.has(pid)) throw new Error(`refusing to signal PID ${pid}: not started by this suite`);
  process.kill(pid, 'SIGCONT');
}

/** PIDs this suite has started and not yet stopped. */
export function runningPids(): number[] {
  return [...registry.keys()];
}

/**
 * Stops every registered process (by PID) and removes every work dir made by makeWorkDir. Call in afterAll; it
 * never throws, so one stuck daemon does not keep the others alive, but it reports what it could not do.
 */
export async function cleanupAll(): Promise<void> {
  const problems: string[] = [];
  await Promise.all(
    [...registry.keys()].map(async (pid) => {
      try {
        await stopProcess(pid);
      } catch (err) {
        problems.push(describe(err));
      }
    }),
  );
  if (process.env.GINGHAM_E2E_KEEP !== '1') {
    for (const dir of workDirs) {
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    }
  } else if (workDirs.size > 0) {
    process.stderr.write(`GINGHAM_E2E_KEEP=1: kept ${[...workDirs].join(' ')}\n`);
  }
  workDirs.clear();
  if (problems.length > 0) process.stderr.write(`cleanupAll: ${problems.join('; ')}\n`);
}
