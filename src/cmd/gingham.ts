#!/usr/bin/env node
// Entry point of the `gingham` binary (also installed as `kubectl-gingham`): the composition root that builds the
// real clock, sockets, logger and datastore connector (open-datastore.ts) and hands them to the command tree.
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
import { spawnCommandRunner } from '../lib/command-runner';
import { openDatastore } from './open-datastore';
import { clientNodeKubePort, clientNodeLeaseStore } from './controllers-kube';
import { requestServiceAccountToken } from './kube-token';

// Node's deprecation warnings are for developers, not for an operator's terminal (grpc-js triggers DEP0123 on every
// TLS connection to an etcd named by IP address).
process.noDeprecation = true;

/** $KUBECONFIG's text, or undefined for the in-cluster service account (the controllers' Kubernetes API access). */
const kubeconfigText = (): string | undefined => (process.env.KUBECONFIG ? fs.readFileSync(process.env.KUBECONFIG, 'utf8') : undefined);

const deps: CliDeps = {
  clock: systemClock,
  transport: tcpTransport,
  listener: tcpListener,
  logger: createLogger,
  nodeHost: { openNetlink: () => new RtNetlink(), sysctl: procSysWriter(), runCommand: spawnCommandRunner() },
  openKube: () => clientNodeKubePort(kubeconfigText()),
  openKubeLease: (namespace, name) => clientNodeLeaseStore(kubeconfigText(), namespace, name),
  requestServiceAccountToken,
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
    process.stderr.write(`gingham: ${describeError(err, { codes: false })}\n`);
    process.exitCode = 1;
  },
);
