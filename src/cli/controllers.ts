// `gingham controllers run` (calico-kube-controllers): the flags and the environment parsed into runControllers'
// configuration (src/controllers/run.ts assembles the process), then run until SIGTERM/SIGINT.
// The datastore comes from `-c FILE` or the environment (DATASTORE_TYPE, ETCD_ENDPOINTS, KUBECONFIG); the Kubernetes
// API from KUBECONFIG or the in-cluster service account. Replicas elect a leader: through an etcd lease in etcd mode,
// through the coordination.k8s.io/v1 Lease `gingham-kube-controllers` in $POD_NAMESPACE (kube-system) in Kubernetes mode.
import os from 'node:os';
import type { Command } from 'commander';
import { LISTEN_HOSTS } from '../api/well-known';
import { effectiveConfig, needsKubernetes, withEnabledControllers } from '../controllers/config';
import { casElection, electionCapable } from '../datastore';
import { parseLevelSpec, type LogFormat } from '../lib/logger';
import { addDatastoreOptions, withDatastore } from './datastore-options';
import type { CliDeps } from './deps';
import { CliExit } from './run';

/** The etcd election and the Kubernetes Lease the replicas share. */
const LEASE_NAME = 'gingham-kube-controllers';

interface RunOptions {
  readonly config?: string;
  readonly healthPort: string;
  readonly healthHost: string;
  readonly metricsHost: string;
  readonly identity: string;
  readonly leaderElection: boolean;
  readonly leaseTtl: string;
  readonly logFormat: LogFormat;
  readonly logLevel: string;
}

function intFlag(text: string, field: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new CliExit(1, `controllers run: ${field}: "${text}" must be an integer from ${min} to ${max}`);
  return n;
}

export function registerControllers(program: Command, deps: CliDeps): void {
  const controllers = program.command('controllers').description('the cluster-wide controllers (calico-kube-controllers)');
  addDatastoreOptions(
    controllers
      .command('run')
      .description('run the controllers: IPAM garbage collection, node clean-up and label sync (etcd mode), metrics')
      .option('--health-port <port>', 'port of /liveness and /readiness (0: off, as kube-controllers)', '0')
      .option('--health-host <host>', 'address the health endpoints listen on', LISTEN_HOSTS.health)
      .option('--metrics-host <host>', 'address /metrics listens on (its port is prometheusMetricsPort)', LISTEN_HOSTS.metrics)
      .option('--identity <name>', 'this replica in the leader election (default $POD_NAME, else host and pid)', process.env.POD_NAME ?? `${os.hostname()}-${process.pid}`)
      .option('--no-leader-election', 'lead unconditionally (run exactly one replica)')
      .option('--lease-ttl <seconds>', 'lease duration of the leader (etcd lease TTL, Lease leaseDurationSeconds)', '15')
      .option('--log-format <format>', 'text or json', 'text')
      .option('--log-level <spec>', 'levels, e.g. info or info,controllers=debug', 'info'),
  ).action(async (opts: RunOptions) => {
    parseLevelSpec(opts.logLevel);
    const logger = deps.logger({ format: opts.logFormat, levels: opts.logLevel });
    const healthPort = intFlag(opts.healthPort, '--health-port', 0, 65535);
    const ttl = intFlag(opts.leaseTtl, '--lease-ttl', 2, 3600);
    // ENABLED_CONTROLLERS=routereflector alone needs no Kubernetes API (an etcd-mode cluster without one, the lab).
    const only = process.env.ENABLED_CONTROLLERS;
    const kubeNeeded = only === undefined || only.trim() === '' || needsKubernetes(withEnabledControllers(effectiveConfig({}), only));
    const openKube = deps.openKube;
    if (kubeNeeded && openKube === undefined) throw new CliExit(1, 'controllers run: no Kubernetes API client in this build');
    await withDatastore(deps, opts, async (store) => {
      const datastoreType = store.backend === 'etcdv3' ? 'etcdv3' : 'kubernetes';
      let election;
      if (opts.leaderElection) {
        if (electionCapable(store)) election = store.leaseElection(LEASE_NAME, ttl);
        else if (deps.openKubeLease !== undefined) {
          const lease = deps.openKubeLease(process.env.POD_NAMESPACE ?? 'kube-system', LEASE_NAME);
          election = casElection(lease, deps.clock, { leaseDurationMs: ttl * 1000, renewDeadlineMs: (ttl * 1000 * 2) / 3, retryPeriodMs: Math.max(1000, (ttl * 1000) / 7) });
        } else logger.warn('no leader election on this datastore: run a single replica', { datastore: store.backend });
      }
      // Loaded here, not at the top: every other command would pay for the controllers (program.ts).
      const { runControllers } = await import('../controllers/run');
      const running = await runControllers(
        {
          datastoreType,
          identity: opts.identity,
          metricsHost: opts.metricsHost,
          ...(healthPort > 0 ? { health: { host: opts.healthHost, port: healthPort } } : {}),
          env: process.env,
        },
        { clock: deps.clock, logger, store, ...(kubeNeeded && openKube ? { kube: openKube() } : {}), ...(election ? { election } : {}) },
      );
      const sig = await deps.waitForSignal(['SIGTERM', 'SIGINT']);
      logger.child('controllers').info(`${sig}: stopping`);
      await running.stop();
    });
  });
}
