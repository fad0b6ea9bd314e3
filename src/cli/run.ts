// Runs the command tree once and turns the outcome into an exit code, the same way for the binary (cmd/gingham.ts)
// and for in-process tests: commander's own errors keep commander's code (usage: 1, --help: 0); a CliExit carries the
// code of a command that has already said what went wrong (or says it now); anything else is an unexpected failure
// reported in one line, never a stack trace.
import { Command, CommanderError } from 'commander';
import { describeError, GinghamError } from '../lib/errors';

/** A command failed: `message` (if any) goes to stderr, and the process exits with `exitCode`. */
export class CliExit extends GinghamError {
  constructor(
    readonly exitCode: number,
    message = '',
  ) {
    super('CliExit', message);
  }
}

/**
 * One line for the terminal. Some client errors span lines and end in an HTTP header or body dump
 * (@kubernetes/client-node's "HTTP-Code: 401\nMessage: Unauthorized\nBody: ...\nHeaders: ..."); keep what says what
 * happened and drop the dumps.
 */
export function oneLine(message: string): string {
  return message
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^(Headers|Body): /.test(l))
    .join('; ');
}

export async function runCli(program: Command, argv: readonly string[], stderr: (text: string) => void): Promise<number> {
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof CliExit) {
      if (err.message !== '') stderr(err.message.endsWith('\n') ? err.message : `${err.message}\n`);
      return err.exitCode;
    }
    stderr(`gingham: ${oneLine(describeError(err, { codes: false }))}\n`);
    return 1;
  }
}
