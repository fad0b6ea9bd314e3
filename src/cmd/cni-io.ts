// The process side of a CNI plugin executable: environment, stdin read to the end, stdout/stderr, exit status.
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { runPlugin, type ContextFactory, type PluginKind } from '../cni/run-plugin';

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

// Loaded on first use: VERSION and configuration errors answer without loading the datastore clients (grpc,
// @kubernetes/client-node), which costs most of a cold start.
const lazyFactory: ContextFactory = async (conf, env) => (await import('./cni-context')).realContextFactory(conf, env);

export function runCniExecutable(kind: PluginKind): void {
  void runPlugin(
    kind,
    {
      env: process.env,
      readStdin,
      stdout: (t) => process.stdout.write(t),
      stderr: (t) => process.stderr.write(t),
      appendLog: (file, line) => {
        mkdirSync(path.dirname(file), { recursive: true });
        appendFileSync(file, line);
      },
    },
    lazyFactory,
  ).then((code) => {
    // Exit once stdout is flushed: a CNI plugin must not linger on a client's idle sockets or timers.
    process.stdout.write('', () => process.exit(code));
  });
}
