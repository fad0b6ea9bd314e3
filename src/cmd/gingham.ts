#!/usr/bin/env node
// Entry point of the `gingham` binary (also installed as `kubectl-gingham`): the composition root that builds the
// real clock, sockets, logger and datastore connector (open-datastore.ts) and hands them to the command tree.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { buildProgram } from '../cli/program';
import { runCli } from '../cli/run';
import type { CliDeps } from '../cli/deps';
import { describeError } from '../lib/errors';
import { systemClock } from '../lib/clock';
import { createLogger } from '../lib/logger';
import { tcpTransport } from '../bgp/session/transport';
import { tcpListener } from '../bgp/speaker';
import { RtNetlink } from '../netlink/rtnetlink';
import { procSysWriter } from '../cni/sysctl';
import type { CommandRunner } from '../felix/nat-outgoing';
import { openDatastore } from './open-datastore';
import { clientNodeKubePort, clientNodeLeaseStore } from './controllers-kube';

// Node's deprecation warnings are for developers, not for an operator's terminal (grpc-js triggers DEP0123 on every
// TLS connection to an etcd named by IP address).
process.noDeprecation = true;

/** Runs a system command with stdin (iptables-restore for NAT outgoing); never rejects for a non-zero exit. */
const runCommand: CommandRunner = (argv, stdin) =>
  new Promise((resolve) => {
    const [cmd, ...args] = argv as [string, ...string[]];
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], timeout: 30_000, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err) => resolve({ code: 127, stdout, stderr: `${stderr}${err.message}` }));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    // A command that exits before reading its input makes the write fail with EPIPE: its exit code tells the
    // caller what happened; an unhandled stream error would kill the agent.
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin ?? '');
  });

/** $KUBECONFIG's text, or undefined for the in-cluster service account (the controllers' Kubernetes API access). */
const kubeconfigText = (): string | undefined => (process.env.KUBECONFIG ? fs.readFileSync(process.env.KUBECONFIG, 'utf8') : undefined);

const deps: CliDeps = {
  clock: systemClock,
  transport: tcpTransport,
  listener: tcpListener,
  logger: createLogger,
  nodeHost: { openNetlink: () => new RtNetlink(), sysctl: procSysWriter(), runCommand },
  openKube: () => clientNodeKubePort(kubeconfigText()),
  openKubeLease: (namespace, name) => clientNodeLeaseStore(kubeconfigText(), namespace, name),
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
  stderr: (text) => {
    process.stderr.write(text);
  },
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
  configIo: {
    readFile: (path) => {
      try {
        return fs.readFileSync(path, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },
    exists: (path) => fs.existsSync(path),
    env: process.env,
    home: process.env.HOME ?? os.homedir(),
  },
  openDatastore: (cfg) => openDatastore(cfg, createLogger({ levels: process.env.GINGHAM_LOG_LEVEL ?? 'warn' })),
};

async function main(argv: string[]): Promise<number> {
  const code = await runCli(buildProgram(deps), argv, deps.stderr);
  return code !== 0 ? code : typeof process.exitCode === 'number' ? process.exitCode : 0;
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
