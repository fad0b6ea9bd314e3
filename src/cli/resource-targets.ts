// What get, delete, patch and label act on: the resources a file names, or KIND and NAMEs from the command line
// (kind, plural or alias, any case, as calicoctl accepts them: `ippool`, `IPPools`, `ipp`). Also the options these
// commands share with create/apply/replace (-f, -R, --skip-empty, -n, -c).
import type { Command } from 'commander';
import { resolveKind, suggestKind, type KindInfo, type Resource } from '../api/resource';
import { addDatastoreOptions } from './datastore-options';
import { InputError, readResources, type LocatedResource } from './resource-input';
import { settleNamespace, type NamespaceFlags } from './resource-namespace';
import { CliExit } from './run';

export interface FileCliOptions {
  readonly filename?: string[];
  readonly recursive?: boolean;
  readonly skipEmpty?: boolean;
  readonly namespace?: string;
  readonly allNamespaces?: boolean;
  readonly config?: string;
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

/** -f/--filename (repeatable; "-" is stdin; a directory means its manifests), -R, --skip-empty, -n, -c. */
export function addFileOptions(cmd: Command, fileRequired: boolean): Command {
  const desc = 'file, directory or "-" (stdin) with the resources, in YAML or JSON; may be repeated';
  if (fileRequired) cmd.requiredOption('-f, --filename <file>', desc, collect);
  else cmd.option('-f, --filename <file>', desc, collect);
  cmd
    .option('-R, --recursive', 'process the directory given with -f recursively')
    .option('--skip-empty', 'do not fail on files or directories without resources')
    .option('-n, --namespace <namespace>', 'namespace of namespaced resources (NetworkPolicy, WorkloadEndpoint); default "default"');
  return addDatastoreOptions(cmd);
}

/** Reads -f input; an unreadable or invalid file is calicoctl's "Failed to execute command". */
export async function readInput(opts: FileCliOptions, readStdin: () => Promise<string>): Promise<LocatedResource[]> {
  try {
    return await readResources(opts.filename ?? [], opts, readStdin);
  } catch (err) {
    if (err instanceof InputError) throw new CliExit(1, `Failed to execute command: ${err.message}`);
    throw err;
  }
}

export function kindFromArg(arg: string): KindInfo {
  const info = resolveKind(arg);
  if (!info) throw new CliExit(1, `resource type '${arg}' is not supported${suggestKind(arg)}`);
  return info;
}

/** A resource standing for a name given on the command line (calicoctl GetResourcesFromArgs). */
export function refFromArgs(info: KindInfo, name: string, namespace: string | undefined): Resource {
  if (name === '') throw new CliExit(1, 'resource name may not be empty');
  return {
    apiVersion: 'projectcalico.org/v3',
    kind: info.kind,
    metadata: { name, ...(info.namespaced && namespace ? { namespace } : {}) },
  };
}

/** Settles each resource's namespace against -n/-A; the first problem ends the command, naming its location. */
export function settleAll(items: readonly LocatedResource[], flags: NamespaceFlags, where: (i: LocatedResource) => string): LocatedResource[] {
  return items.map((item) => {
    const settled = settleNamespace(item.resource, flags);
    if (typeof settled === 'string') throw new CliExit(1, `${where(item)}${settled}`);
    return { ...item, resource: settled };
  });
}
