// Running system commands (iptables-restore for NAT outgoing, later nft): the injected port, its real implementation
// on child_process.spawn, and the typed failure. A runner resolves with the exit status and output and never rejects
// for a non-zero exit; runChecked turns a non-zero exit into a CommandError carrying the exit code and stderr, so a
// caller branches on `exitCode`, never on the text.
import { spawn } from 'node:child_process';
import { GinghamError } from './errors';

export interface CommandResult {
  /** The exit status: 127 when the command could not be started, 137 when it was killed after its timeout. */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command with the given stdin; resolves with its exit code and output (never rejects for a non-zero exit). */
export type CommandRunner = (argv: readonly string[], stdin?: string) => Promise<CommandResult>;

/** A command exited non-zero (or could not start: exit code 127). */
export class CommandError extends GinghamError {
  constructor(
    readonly argv: readonly string[],
    readonly exitCode: number,
    readonly stderr: string,
    /** What the command was for, e.g. "iptables-restore of gingham-nat-outgoing". */
    what = argv[0] ?? 'command',
  ) {
    super('CommandFailed', `${what} failed (exit ${exitCode})${stderr.trim() ? `: ${stderr.trim()}` : ''}`);
  }
}

/** Runs argv and resolves with its result when it exits 0; otherwise rejects with a CommandError. */
export async function runChecked(run: CommandRunner, argv: readonly string[], stdin?: string, what?: string): Promise<CommandResult> {
  const result = await run(argv, stdin);
  if (result.code !== 0) throw new CommandError(argv, result.code, result.stderr, what);
  return result;
}

export interface SpawnRunnerOptions {
  /** A command still running after this long is killed with SIGKILL. Default 30 s. */
  readonly timeoutMs?: number;
}

/** The real runner: spawns argv[0] (looked up on PATH) with argv[1..], writes stdin and collects the output. */
export function spawnCommandRunner(opts: SpawnRunnerOptions = {}): CommandRunner {
  const timeout = opts.timeoutMs ?? 30_000;
  return (argv, stdin) =>
    new Promise((resolve) => {
      const [cmd = '', ...args] = argv;
      const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
      // Our own timer rather than spawn's `timeout` option, which stays armed when the command cannot start.
      const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
      let stdout = '';
      let stderr = '';
      const done = (result: CommandResult): void => {
        clearTimeout(timer);
        resolve(result);
      };
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', (err) => done({ code: 127, stdout, stderr: `${stderr}${err.message}` }));
      // A command killed by a signal has no exit code: report 128 + the signal's number as a shell does (SIGKILL: 137).
      child.on('close', (code, signal) => done({ code: code ?? (signal === 'SIGKILL' ? 137 : 1), stdout, stderr }));
      // A command that exits before reading its input makes the write fail with EPIPE: its exit code tells the
      // caller what happened; an unhandled stream error would kill the process.
      child.stdin.on('error', () => undefined);
      child.stdin.end(stdin ?? '');
    });
}
