#!/usr/bin/env node
// Entry point of the `gingham` binary (also installed as `kubectl-gingham`): the composition root that builds the
// real clock, sockets and logger and hands them to the command tree.
import { CommanderError } from 'commander';
import { buildProgram } from '../cli/program';
import type { CliDeps } from '../cli/deps';
import { describeError } from '../lib/errors';
import { systemClock } from '../lib/clock';
import { createLogger } from '../lib/logger';
import { tcpTransport } from '../bgp/session/transport';
import { tcpListener } from '../bgp/speaker';

const deps: CliDeps = {
  clock: systemClock,
  transport: tcpTransport,
  listener: tcpListener,
  logger: createLogger,
  stdout: (text) => {
    process.stdout.write(text);
  },
  waitForSignal: (signals) =>
    new Promise((resolve) => {
      const handler = (sig: NodeJS.Signals): void => {
        for (const s of signals) process.removeListener(s, handler);
        resolve(sig);
      };
      for (const s of signals) process.on(s, handler);
    }),
};

async function main(argv: string[]): Promise<number> {
  const program = buildProgram(deps);
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
