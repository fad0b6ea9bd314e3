// `gingham delete KIND NAME...` or `gingham delete -f FILE`, with --skip-not-exists, as calicoctl's delete. Every
// resource is checked first (it exists, it may be deleted, the resourceVersion a file gives is current); if any check
// fails nothing is deleted. A resourceVersion in the file guards its delete, as in calicoctl.
import type { Command } from 'commander';
import { kindInfo, resourceId, type Resource } from '../api/resource';
import { DatastoreErrorCode, isDatastoreError } from '../datastore';
import type { CliDeps } from './deps';
import { withDatastore } from './datastore-options';
import { describeFailure, failureSummary, successSummary } from './resource-errors';
import { locationOf, type LocatedResource } from './resource-input';
import { addFileOptions, kindFromArg, readInput, refFromArgs, settleAll, type FileCliOptions } from './resource-targets';
import { CliExit } from './run';

interface DeleteOptions extends FileCliOptions {
  readonly skipNotExists?: boolean;
}

async function runDelete(deps: CliDeps, kindArg: string | undefined, names: string[], opts: DeleteOptions): Promise<void> {
  const fromFile = (opts.filename ?? []).length > 0;
  if (fromFile && kindArg !== undefined) throw new CliExit(1, 'give either KIND NAME... or -f FILE, not both');
  let items: LocatedResource[];
  if (fromFile) {
    items = await readInput(opts, deps.readStdin);
  } else {
    if (kindArg === undefined || names.length === 0) throw new CliExit(1, 'No resources specified: gingham delete KIND NAME... (or -f FILE)');
    const info = kindFromArg(kindArg);
    items = names.map((n, i) => ({ resource: refFromArgs(info, n, undefined), source: 'command line', doc: i + 1 }));
  }
  if (items.length === 0) {
    deps.stdout('No resources specified\n');
    return;
  }
  const where = (i: LocatedResource): string => (fromFile ? `${locationOf(i)}: ` : '');
  items = settleAll(items, opts, (i) => `Failed to execute command: ${where(i)}`);
  const kinds = items.map((i) => i.resource.kind);
  await withDatastore(deps, opts, async (ds) => {
    const errors: string[] = [];
    const todo: Array<{ item: LocatedResource; guard?: string }> = [];
    for (const item of items) {
      const r = item.resource;
      if (kindInfo(r.kind)?.readOnly) {
        errors.push(`${where(item)}operation delete is not supported on ${r.kind}`);
        continue;
      }
      let current: Resource | undefined;
      try {
        current = await ds.get<Resource>(r.kind, r.metadata.name, r.metadata.namespace);
      } catch (err) {
        if (!isDatastoreError(err, DatastoreErrorCode.NotFound)) throw new CliExit(1, failureSummary('delete', kinds, [`${where(item)}${describeFailure(err, r)}`]));
      }
      if (current === undefined) {
        if (!opts.skipNotExists) errors.push(`${where(item)}resource does not exist: ${resourceId(r)}`);
        continue;
      }
      const rv = r.metadata.resourceVersion;
      if (rv && rv !== current.metadata.resourceVersion) {
        errors.push(`${where(item)}update conflict: ${resourceId(r)}: resourceVersion '${rv}' is out of date (latest: ${current.metadata.resourceVersion ?? ''})`);
        continue;
      }
      todo.push({ item, ...(rv ? { guard: rv } : {}) });
    }
    if (errors.length > 0) throw new CliExit(1, failureSummary('delete', kinds, errors));
    let deleted = 0;
    for (const { item, guard } of todo) {
      const r = item.resource;
      try {
        await ds.delete(r.kind, r.metadata.name, r.metadata.namespace, guard ? { resourceVersion: guard } : {});
        deleted++;
      } catch (err) {
        // Checked a moment ago: only a concurrent change gets here. Deletes cannot be undone; say how far it got.
        if (isDatastoreError(err, DatastoreErrorCode.NotFound) && opts.skipNotExists) continue;
        const partial = deleted > 0 ? `Partial success: deleted the first ${deleted} out of ${todo.length} resources:\n` : '';
        throw new CliExit(1, `${partial}${failureSummary('delete', kinds, [`${where(item)}${describeFailure(err, r)}`])}`);
      }
    }
  });
  deps.stdout(`${successSummary('deleted', kinds)}\n`);
}

export function registerDeleteCommand(program: Command, deps: CliDeps): void {
  const cmd = program
    .command('delete')
    .description('delete resources by type and names, or by file: gingham delete ippool pool1 pool2; gingham delete -f pools.yaml')
    .argument('[kind]', 'resource type')
    .argument('[names...]', 'names of the resources to delete');
  addFileOptions(cmd, false)
    .option('-s, --skip-not-exists', 'skip over resources that do not exist')
    .action(async (kind: string | undefined, names: string[], opts: DeleteOptions) => runDelete(deps, kind, names, opts));
}
