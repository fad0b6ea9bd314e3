#!/usr/bin/env node
// Entry point of the `gingham` binary (also installed as `kubectl-gingham`).
import { CommanderError } from 'commander';
import { buildProgram } from '../cli/program';
import { describeError } from '../lib/errors';

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    process.stderr.write(`gingham: ${describeError(err)}\n`);
    return 1;
  }
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`gingham: ${describeError(err)}\n`);
    process.exitCode = 1;
  },
);
