// How the table owner reaches nft(8): through an injected runner, so unit tests use a fake (with failure
// injection) and the agent a child process, optionally inside a network namespace (`ip netns exec <ns> nft ...`).

import { spawn } from 'node:child_process';
import { GinghamError } from '../../lib/errors';

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface NftRunner {
  /** Runs `nft <args>` with `stdin` as its input. */
  run(args: readonly string[], stdin?: string): Promise<CommandResult>;
}

export type NftErrorCode = 'NftApplyFailed' | 'NftListFailed';

/** nft refused a transaction (nothing of it was applied) or a listing failed. */
export class NftError extends GinghamError {
  constructor(
    code: NftErrorCode,
    readonly table: string,
    readonly line: number | undefined,
    readonly lineText: string | undefined,
    readonly stderr: string,
  ) {
    super(code, `nft ${code === 'NftApplyFailed' ? 'transaction' : 'listing'} on table ${table} failed${line !== undefined ? ` at line ${line}: ${lineText ?? ''}` : ''}: ${stderr.split('\n')[0] ?? ''}`);
  }
}

/** The first "<file>:<line>:<col>: Error:" of nft's stderr, as a 1-based line of the script. */
export function failingLine(stderr: string): number | undefined {
  const m = /^[^\s:]*:(\d+):\d+(?:-\d+)?: Error:/m.exec(stderr);
  return m ? Number(m[1]) : undefined;
}

/** Runs the real binary; `netns` prefixes `ip netns exec <netns>`. */
export function processNftRunner(options: { netns?: string; timeoutMs?: number } = {}): NftRunner {
  return {
    run(args, stdin) {
      const [cmd, argv] = options.netns ? ['ip', ['netns', 'exec', options.netns, 'nft', ...args]] : ['nft', [...args]];
      return new Promise((resolve, reject) => {
        const child = spawn(cmd, argv, { stdio: ['pipe', 'pipe', 'pipe'], timeout: options.timeoutMs ?? 30_000 });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
        child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
        // nft may exit before reading its input (a listing reads none, a refused script stops early): the pipe's
        // EPIPE then says nothing the exit code and stderr do not.
        child.stdin.on('error', () => undefined);
        child.stdin.end(stdin ?? '');
      });
    },
  };
}
