// A long-lived `nft -i` for small transactions: starting nft (and `ip netns exec`) costs more than a small label
// change's transaction itself. nft's interactive mode runs each input line as one batch (atomic: all of it or
// none of it), so a script is sent as ONE line with its statements joined by "; ". Completion is known from a
// sentinel that follows each transaction: listing a table that does not exist, whose error (on stderr, after any
// error of the transaction) names the sentinel's sequence number. A transaction's error is returned in `nft -f`'s
// form (`-:<statement>:<column>: Error: ...`) so the table owner names the failing line as for `nft -f`.
// Listings, and scripts over `maxLineBytes` (nft's line editor is slow on very long lines), go to the one-shot
// runner. The process is started on first use and again after it died or timed out; a transaction in flight
// when that happens fails (the owner then rewrites its table in full on the next sync).

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { processNftRunner, type CommandResult, type NftRunner } from './nft-command';

export interface NftSessionOptions {
  /** Starts `nft -i` (with `ip netns exec` in front where needed). */
  readonly spawn: () => ChildProcessWithoutNullStreams;
  /** For listings and big scripts. */
  readonly oneShot: NftRunner;
  readonly timeoutMs?: number;
  readonly maxLineBytes?: number;
}

interface Pending {
  readonly seq: number;
  readonly statements: readonly string[];
  readonly resolve: (r: CommandResult) => void;
  readonly timer: NodeJS.Timeout;
}

const SENTINEL = 'ginghamsentinel';

/** The statement (1-based) that a caret column of the joined line falls in, and the column within it. */
export function statementAt(statements: readonly string[], column: number): { line: number; col: number } {
  let start = 0;
  for (let i = 0; i < statements.length; i++) {
    const end = start + (statements[i] as string).length;
    if (column < end + 2 || i === statements.length - 1) return { line: i + 1, col: Math.max(1, column - start + 1) };
    start = end + 2;
  }
  return { line: 1, col: 1 };
}

/** nft -i's error block for the joined line, rewritten in nft -f's `-:<line>:<col>: Error:` form. */
export function asScriptError(stderr: string, statements: readonly string[]): string {
  const lines = stderr.split('\n');
  const caret = lines.findIndex((l) => /^\s*\^+\s*$/.test(l));
  const first = lines.find((l) => l.startsWith('Error:')) ?? lines[0] ?? 'Error: nft failed';
  if (caret < 0) return `${first}\n`;
  const { line, col } = statementAt(statements, (lines[caret] as string).indexOf('^'));
  return `-:${line}:${col}: ${first}\n${statements[line - 1] ?? ''}\n`;
}

export class NftSession implements NftRunner {
  private child: ChildProcessWithoutNullStreams | undefined;
  private stderr = '';
  private seq = 0;
  private pending: Pending | undefined;
  /** Transactions queued behind the one in flight (callers may overlap; nft runs them in order). */
  private queue: Promise<unknown> = Promise.resolve();
  /** Processes started, for tests and diagnostics. */
  starts = 0;

  constructor(private readonly options: NftSessionOptions) {}

  run(args: readonly string[], stdin?: string): Promise<CommandResult> {
    const script = stdin ?? '';
    const fits = args.length === 2 && args[0] === '-f' && args[1] === '-' && Buffer.byteLength(script) <= (this.options.maxLineBytes ?? 65_536);
    if (!fits) return this.options.oneShot.run(args, stdin);
    const statements = script.split('\n').filter((l) => l.trim() !== '');
    const next = this.queue.then(() => this.transact(statements));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** The nft process's id while one runs (diagnostics: its CPU time). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Ends the process (the agent's shutdown; tests). */
  close(): void {
    this.child?.stdin.end();
    this.child = undefined;
  }

  private transact(statements: readonly string[]): Promise<CommandResult> {
    if (statements.length === 0) return Promise.resolve({ code: 0, stdout: '', stderr: '' });
    const child = this.ensure();
    const seq = ++this.seq;
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.fail(`nft -i gave no answer within ${this.options.timeoutMs ?? 30_000} ms`, true), this.options.timeoutMs ?? 30_000);
      this.pending = { seq, statements, resolve, timer };
      this.stderr = '';
      child.stdin.write(`${statements.join('; ')}\nlist table ip ${SENTINEL}${seq}\n`);
    });
  }

  private ensure(): ChildProcessWithoutNullStreams {
    if (this.child) return this.child;
    const child = this.options.spawn();
    this.starts++;
    this.child = child;
    child.stdout.resume();
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (this.child !== child) return;
      this.stderr += d;
      this.settle();
    });
    const died = (): void => {
      if (this.child !== child) return;
      this.child = undefined;
      this.fail('nft -i exited', false);
    };
    child.on('close', died);
    child.on('error', died);
    child.stdin.on('error', died);
    return child;
  }

  /** Completes the transaction in flight once the sentinel's error block is complete. */
  private settle(): void {
    const p = this.pending;
    if (!p) return;
    const marker = `${SENTINEL}${p.seq}\n`;
    const at = this.stderr.indexOf(marker);
    // The sentinel's block ends with its caret line.
    if (at < 0 || !/\^+\s*\n/.test(this.stderr.slice(at + marker.length))) return;
    const before = this.stderr.slice(0, this.stderr.lastIndexOf('Error:', at));
    this.finish(p, before.trim() === '' ? { code: 0, stdout: '', stderr: '' } : { code: 1, stdout: '', stderr: asScriptError(before, p.statements) });
  }

  private fail(reason: string, kill: boolean): void {
    const p = this.pending;
    if (kill && this.child) {
      this.child.kill('SIGKILL');
      this.child = undefined;
    }
    if (p) this.finish(p, { code: -1, stdout: '', stderr: `Error: ${reason}\n` });
  }

  private finish(p: Pending, r: CommandResult): void {
    clearTimeout(p.timer);
    this.pending = undefined;
    this.stderr = '';
    p.resolve(r);
  }
}

/** A session on the real binary; `netns` prefixes `ip netns exec <netns>`. */
export function processNftSession(options: { netns?: string; timeoutMs?: number } = {}): NftSession {
  const argv = options.netns ? ['ip', 'netns', 'exec', options.netns, 'nft', '-i'] : ['nft', '-i'];
  return new NftSession({
    spawn: () => spawn(argv[0] as string, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] }),
    oneShot: processNftRunner(options),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  });
}
