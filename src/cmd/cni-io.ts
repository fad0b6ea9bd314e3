// The process side of a CNI plugin executable: environment, stdin read to the end, stdout/stderr, exit status. The
// executable is the shim (src/cni/forward.ts): it forwards to the node agent's CNI socket when the configuration names
// one, and loads the standalone plugin (and with it the datastore clients) only when it has to run it here.
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { CniWirePlugin } from '../api/wire/cni';
import { runShim, type ShimIo } from '../cni/forward';
import type { ContextFactory } from '../cni/run-plugin';
import { requestUnixJson } from '../lib/unix-json-client';

function readStdin(): Promise<string> {
  // A terminal is not a configuration: do not wait for one.
  if (process.stdin.isTTY) return Promise.resolve('');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (c: Buffer) => chunks.push(c));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

// Loaded on first use: configuration errors answer without loading the datastore clients (grpc,
// @kubernetes/client-node), which costs most of a cold start.
const lazyFactory: ContextFactory = async (conf, env) => (await import('./cni-context')).realContextFactory(conf, env);

/** The standalone plugin in this process, on a configuration already read from stdin. */
async function standalone(kind: CniWirePlugin, stdin: string, io: ShimIo): Promise<number> {
  const { runPlugin } = await import('../cni/run-plugin');
  return runPlugin(
    kind,
    {
      ...io,
      readStdin: () => Promise.resolve(stdin),
      appendLog: (file, line) => {
        mkdirSync(path.dirname(file), { recursive: true });
        appendFileSync(file, line);
      },
    },
    lazyFactory,
  );
}

export function runCniExecutable(kind: CniWirePlugin): void {
  const io: ShimIo = { env: process.env, readStdin, stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) };
  void runShim(kind, io, { request: requestUnixJson, standalone: (k, stdin) => standalone(k, stdin, io) }).then(
    (code) => {
      // Exit once stdout is flushed: a CNI plugin must not linger on a client's idle sockets or timers.
      process.stdout.write('', () => process.exit(code));
    },
    (err: unknown) => {
      process.stderr.write(`${kind}: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
