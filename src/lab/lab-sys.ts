// The processes and commands the lab runs: `ip` (namespaces, links, routes), sysctl, and detached daemons inside a
// namespace. Everything the lab does to the machine goes through LabSys, so `up`/`down` read as a plan and a test
// can see what would be run. Every command has a timeout; every wait is bounded.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { GinghamError } from '../lib/errors';

export class LabCommandError extends GinghamError {
  constructor(
    readonly command: string,
    readonly output: string,
  ) {
    super('LabCommandFailed', `${command}: ${output.trim() || 'failed'}`);
  }
}

export interface RunResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface LabSys {
  /** Runs a command to completion (bounded by timeoutMs). */
  run(cmd: string, args: readonly string[], opts?: { timeoutMs?: number; input?: string; env?: NodeJS.ProcessEnv }): RunResult;
  /** Starts a detached daemon with stdout+stderr appended to logFile; returns its PID. */
  spawnDetached(cmd: string, args: readonly string[], logFile: string, env: NodeJS.ProcessEnv): number;
  alive(pid: number): boolean;
  kill(pid: number, signal: NodeJS.Signals): void;
  sleep(ms: number): Promise<void>;
}

export const realLabSys: LabSys = {
  run(cmd, args, opts = {}) {
    const r = spawnSync(cmd, [...args], { encoding: 'utf8', timeout: opts.timeoutMs ?? 15000, input: opts.input, env: opts.env ?? process.env, killSignal: 'SIGKILL' });
    return { status: r.status, stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + (r.error ? String(r.error.message) : '') };
  },
  spawnDetached(cmd, args, logFile, env) {
    const fd = openSync(logFile, 'a');
    try {
      const child = spawn(cmd, [...args], { detached: true, stdio: ['ignore', fd, fd], env });
      if (child.pid === undefined) throw new LabCommandError(cmd, 'could not start');
      child.unref();
      return child.pid;
    } finally {
      closeSync(fd);
    }
  },
  alive(pid) {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  },
  kill(pid, signal) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  },
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

/** Runs a command and throws LabCommandError (with its output) unless it exits 0. */
export function runOk(sys: LabSys, cmd: string, args: readonly string[], opts?: { timeoutMs?: number; input?: string; env?: NodeJS.ProcessEnv }): string {
  const r = sys.run(cmd, args, opts);
  if (r.status !== 0) throw new LabCommandError(`${cmd} ${args.join(' ')}`, r.stderr || r.stdout);
  return r.stdout;
}

/** `ip -n NS ...` */
export function ipIn(sys: LabSys, ns: string, args: readonly string[]): string {
  return runOk(sys, 'ip', ['-n', ns, ...args]);
}

/** `ip netns exec NS cmd...` */
export function execIn(sys: LabSys, ns: string, cmd: readonly string[], opts?: { timeoutMs?: number; input?: string; env?: NodeJS.ProcessEnv }): RunResult {
  return sys.run('ip', ['netns', 'exec', ns, ...cmd], opts);
}

export function listNamespaces(sys: LabSys): string[] {
  const out = runOk(sys, 'ip', ['netns', 'list']);
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => n !== '');
}

export function namespacePids(sys: LabSys, ns: string): number[] {
  const r = sys.run('ip', ['netns', 'pids', ns]);
  if (r.status !== 0) return [];
  return r.stdout
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((p) => Number.isInteger(p) && p > 0);
}

/** Polls until check() is truthy or timeoutMs passes; returns the last value. */
export async function waitUntil<T>(sys: LabSys, check: () => Promise<T | undefined> | T | undefined, timeoutMs: number, stepMs = 250): Promise<T | undefined> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() >= end) return undefined;
    await sys.sleep(stepMs);
  }
}

/** SIGTERM, then SIGKILL after graceMs, for each PID still alive. */
export async function stopPids(sys: LabSys, pids: readonly number[], graceMs = 5000): Promise<void> {
  const live = pids.filter((p) => sys.alive(p));
  for (const p of live) sys.kill(p, 'SIGTERM');
  await waitUntil(sys, () => live.every((p) => !sys.alive(p)), graceMs, 100);
  for (const p of live) if (sys.alive(p)) sys.kill(p, 'SIGKILL');
  await waitUntil(sys, () => live.every((p) => !sys.alive(p)), 2000, 100);
}
