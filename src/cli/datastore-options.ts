// calicoctl's datastore option for every command that reads or writes resources (`-c, --config <file>`), and the
// open-use-close sequence around a command's work. Commands (resources, ipam, node status) use these two so that
// configuration errors read the same everywhere and no command leaves a connection open.
import type { Command } from 'commander';
import type { Datastore } from '../datastore';
import { describeError } from '../lib/errors';
import { DEFAULT_CONFIG_PATH, loadClientConfig } from './client-config';
import type { CliDeps } from './deps';
import { CliExit, oneLine } from './run';

export interface DatastoreCliOptions {
  readonly config?: string;
}

/** Adds `-c, --config <file>` to a command. */
export function addDatastoreOptions(cmd: Command): Command {
  return cmd.option(
    '-c, --config <file>',
    `path to the file containing connection configuration in YAML or JSON format (default ${DEFAULT_CONFIG_PATH}; when absent, the environment: DATASTORE_TYPE, ETCD_ENDPOINTS, KUBECONFIG, ...)`,
  );
}

/**
 * Loads the configuration, opens the datastore, runs fn, and closes the datastore whatever happens. A configuration
 * that cannot be used ends the command as calicoctl's does: "Failed to create Gingham API client: <why>", exit 1.
 */
export async function withDatastore<T>(deps: CliDeps, opts: DatastoreCliOptions, fn: (ds: Datastore) => Promise<T>): Promise<T> {
  let ds: Datastore;
  try {
    ds = await deps.openDatastore(loadClientConfig(opts.config, deps.configIo));
  } catch (err) {
    throw new CliExit(1, `Failed to create Gingham API client: ${oneLine(describeError(err, { codes: false }))}`);
  }
  try {
    return await fn(ds);
  } finally {
    await ds.close();
  }
}
