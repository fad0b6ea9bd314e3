#!/usr/bin/env node
// Entry point of the `gingham` binary (also installed as `kubectl-gingham`): the composition root that builds the
// real clock, sockets, logger and datastore connector (open-datastore.ts) and hands them to the command tree.
import fs from 'node:fs';
import os from 'node:os';
import { buildProgram } from '../cli/program';
import { runCli } from '../cli/run';
import type { CliDeps, NodeHostDeps } from '../cli/deps';
import { describeError } from '../lib/errors';
import { systemClock } from '../lib/clock';
import type { LoggerOptions } from '../lib/logger';

// Every command pays for what this file loads, and lab tests run hundreds of short commands: the sockets, netlink,
// the datastore clients and the logger are loaded on first use (a synchronous require in a getter or a function),
// not at start-up. `gingham version` loads commander and the command tree only.
/* eslint-disable @typescript-eslint/no-require-imports */
const load = {
  logger: (): typeof import('../lib/logger') => require('../lib/logger') as typeof import('../lib/logger'),
  transport: (): typeof import('../bgp/session/transport') => require('../bgp/session/transport') as typeof import('../bgp/session/transport'),
  speaker: (): typeof import('../bgp/speaker') => require('../bgp/speaker') as typeof import('../bgp/speaker'),
  rtnetlink: (): typeof import('../netlink/rtnetlink') => require('../netlink/rtnetlink') as typeof import('../netlink/rtnetlink'),
  sysctl: (): typeof import('../cni/sysctl') => require('../cni/sysctl') as typeof import('../cni/sysctl'),
  commands: (): typeof import('../lib/command-runner') => require('../lib/command-runner') as typeof import('../lib/command-runner'),
  datastore: (): typeof import('./open-datastore') => require('./open-datastore') as typeof import('./open-datastore'),
  kube: (): typeof import('./controllers-kube') => require('./controllers-kube') as typeof import('./controllers-kube'),
  token: (): typeof import('./kube-token') => require('./kube-token') as typeof import('./kube-token'),
};
/* eslint-enable @typescript-eslint/no-require-imports */

const createLogger = (opts: LoggerOptions): ReturnType<typeof import('../lib/logger').createLogger> => load.logger().createLogger(opts);

let nodeHost: NodeHostDeps | undefined;

// Node's deprecation warnings are for developers, not for an operator's terminal (grpc-js triggers DEP0123 on every
// TLS connection to an etcd named by IP address).
process.noDeprecation = true;

/** $KUBECONFIG's text, or undefined for the in-cluster service account (the controllers' Kubernetes API access). */
const kubeconfigText = (): string | undefined => (process.env.KUBECONFIG ? fs.readFileSync(process.env.KUBECONFIG, 'utf8') : undefined);

const deps: CliDeps = {
  clock: systemClock,
  get transport() {
    return load.transport().tcpTransport;
  },
  get listener() {
    return load.speaker().tcpListener;
  },
  logger: createLogger,
  get nodeHost() {
    return (nodeHost ??= { openNetlink: () => new (load.rtnetlink().RtNetlink)(), sysctl: load.sysctl().procSysWriter(), runCommand: load.commands().spawnCommandRunner() });
  },
  openKube: () => load.kube().clientNodeKubePort(kubeconfigText()),
  openKubeLease: (namespace, name) => load.kube().clientNodeLeaseStore(kubeconfigText(), namespace, name),
  requestServiceAccountToken: (name, expirationSeconds) => load.token().requestServiceAccountToken(name, expirationSeconds),
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
  openDatastore: (cfg) => load.datastore().openDatastore(cfg, createLogger({ levels: process.env.GINGHAM_LOG_LEVEL ?? 'warn' })),
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
