// Runs the built `gingham` binary (dist/cmd/gingham.js, from `npm run build`) as a separate process, the way an
// operator does, with a clean environment: only PATH, a private HOME (so no ~/.kube/config leaks in) and what the test
// passes. Bounded by a timeout; the child is killed by its own PID when it overruns.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const REPO = path.join(__dirname, '..', '..');
export const GINGHAM_JS = path.join(REPO, 'dist', 'cmd', 'gingham.js');

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Fails (never skips) when the binary has not been built. It is not compared with the sources' times: other work in a
 * shared tree touches them all the time; `npm test` builds before it runs e2e.
 */
export function requireBuiltCli(): void {
  for (const f of [GINGHAM_JS, path.join(REPO, 'dist', 'cli', 'resources.js')]) {
    if (!fs.existsSync(f)) throw new Error(`${f} does not exist: run \`npm run build\` first`);
  }
}

export interface RunOptions {
  readonly env?: Readonly<Record<string, string>>;
  readonly stdin?: string;
  readonly timeoutMs?: number;
  /** The executable and its leading arguments; default `node dist/cmd/gingham.js`. */
  readonly command?: readonly [string, ...string[]];
}

export function runCli(args: readonly string[], opts: RunOptions = {}): Promise<CliRun> {
  const [cmd, ...lead] = opts.command ?? [process.execPath, GINGHAM_JS];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...lead, ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: opts.env?.HOME ?? '/nonexistent', ...(opts.env ?? {}) },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
      reject(new Error(`gingham ${args.join(' ')}: no exit within ${opts.timeoutMs ?? 30_000} ms; stderr: ${stderr}`));
    }, opts.timeoutMs ?? 30_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.stdin ?? '');
  });
}
