// `gingham patch KIND NAME -p PATCH` and `gingham label KIND NAME key=value|key-|key --remove [--overwrite]`: read one
// resource, change it, check the result as create/apply would (shape, defaults, validation, immutable fields) and
// write it back guarded by the resourceVersion that was read. Messages as calicoctl's patch and label commands.
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { checkUpdate } from '../api/immutable';
import { applyDefaults, decodeResource, validateResource, type Resource } from '../api/resource';
import type { Datastore } from '../datastore';
import { describeError, GinghamError } from '../lib/errors';
import type { CliDeps } from './deps';
import { addDatastoreOptions, withDatastore } from './datastore-options';
import { jsonPatch, mergePatch } from './json-patch';
import { describeFailure } from './resource-errors';
import { settleNamespace } from './resource-namespace';
import { kindFromArg, refFromArgs } from './resource-targets';
import { CliExit } from './run';

interface EditOptions {
  readonly namespace?: string;
  readonly config?: string;
}

/** Thrown by an edit function: the message is the whole error line. */
class EditRefused extends GinghamError {
  constructor(message: string) {
    super('EditRefused', message);
  }
}

/** Reads KIND/NAME, applies `edit`, checks and writes the result. Returns what was stored. */
async function editOne(ds: Datastore, ref: Resource, edit: (current: Resource) => Resource): Promise<Resource> {
  const current = await ds.get<Resource>(ref.kind, ref.metadata.name, ref.metadata.namespace);
  const changed = edit(structuredClone(current));
  const next = applyDefaults(decodeResource(changed));
  validateResource(next);
  checkUpdate(applyDefaults(current), next);
  return ds.update({ ...next, metadata: { ...next.metadata, resourceVersion: current.metadata.resourceVersion } });
}

function targetOf(kindArg: string, name: string, opts: EditOptions): Resource {
  const settled = settleNamespace(refFromArgs(kindFromArg(kindArg), name, undefined), opts);
  if (typeof settled === 'string') throw new CliExit(1, settled);
  return settled;
}

function parsePatchText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    try {
      return parseYaml(text) as unknown;
    } catch (err) {
      throw new CliExit(1, `the patch is neither JSON nor YAML: ${describeError(err, { codes: false })}`);
    }
  }
}

interface PatchOptions extends EditOptions {
  readonly patch: string;
  readonly type?: string;
}

async function runPatch(deps: CliDeps, kindArg: string, name: string, opts: PatchOptions): Promise<void> {
  const type = opts.type ?? 'strategic';
  if (!['strategic', 'merge', 'json'].includes(type)) throw new CliExit(1, `--type: must be strategic, merge or json (got "${type}")`);
  const patch = parsePatchText(opts.patch);
  if (type !== 'json' && (typeof patch !== 'object' || patch === null || Array.isArray(patch))) {
    throw new CliExit(1, 'a strategic or merge patch must be a JSON object, e.g. \'{"spec":{"natOutgoing":true}}\'');
  }
  const ref = targetOf(kindArg, name, opts);
  await withDatastore(deps, opts, async (ds) => {
    try {
      await editOne(ds, ref, (current) => (type === 'json' ? jsonPatch(current, patch) : mergePatch(current, patch)) as Resource);
    } catch (err) {
      throw new CliExit(1, `Failed to patch '${ref.kind}' resource: ${describeFailure(err, ref)}`);
    }
  });
  deps.stdout(`Successfully patched 1 '${ref.kind}' resource\n`);
}

interface LabelOptions extends EditOptions {
  readonly overwrite?: boolean;
  readonly remove?: boolean;
}

async function runLabel(deps: CliDeps, kindArg: string, name: string, label: string, opts: LabelOptions): Promise<void> {
  let key: string;
  let value: string | undefined;
  if (opts.remove) {
    if (opts.overwrite) throw new CliExit(1, '--overwrite and --remove cannot be used together');
    key = label;
  } else if (label.endsWith('-') && !label.includes('=')) {
    key = label.slice(0, -1);
  } else {
    const kv = label.split('=');
    if (kv.length !== 2 || kv[0] === '') throw new CliExit(1, `invalid label ${label} (key=value to set, key- or key --remove to remove)`);
    [key, value] = kv as [string, string];
  }
  const ref = targetOf(kindArg, name, opts);
  let outcome = 'set' as 'removed' | 'updated' | 'set';
  await withDatastore(deps, opts, async (ds) => {
    try {
      await editOne(ds, ref, (current) => {
        const labels = { ...(current.metadata.labels ?? {}) };
        if (value === undefined) {
          if (!(key in labels)) throw new EditRefused(`cannot remove label of ${kindArg} ${name}, key ${key} does not exist`);
          delete labels[key];
          outcome = 'removed';
        } else {
          if (key in labels) {
            if (!opts.overwrite && labels[key] !== value) {
              throw new EditRefused(`failed to update label of ${kindArg} ${name}, key ${key} is already present. please use '--overwrite' to set a new value.`);
            }
            outcome = 'updated';
          }
          labels[key] = value;
        }
        const { labels: _old, ...rest } = current.metadata;
        return { ...current, metadata: Object.keys(labels).length === 0 ? rest : { ...rest, labels } };
      });
    } catch (err) {
      if (err instanceof EditRefused) throw new CliExit(1, err.message);
      throw new CliExit(1, `failed to update ${kindArg} ${name}, label not changed: ${describeFailure(err, ref)}`);
    }
  });
  if (outcome === 'removed') deps.stdout(`Successfully removed label ${key} from ${kindArg} ${name}\n`);
  else if (outcome === 'updated') deps.stdout(`Successfully updated label ${key} on ${kindArg} ${name}\n`);
  else deps.stdout(`Successfully set label ${key} on ${kindArg} ${name}\n`);
}

export function registerEditCommands(program: Command, deps: CliDeps): void {
  const patch = program
    .command('patch')
    .description('change fields of one resource in place: gingham patch ippool default-ipv4-ippool -p \'{"spec":{"ipipMode":"CrossSubnet"}}\'')
    .argument('<kind>', 'resource type')
    .argument('<name>', 'resource name')
    .requiredOption('-p, --patch <patch>', 'the patch, JSON (or YAML)')
    .option('-t, --type <type>', 'strategic (default; a merge patch for these kinds), merge (RFC 7386) or json (RFC 6902)')
    .option('-n, --namespace <namespace>', 'namespace of a namespaced resource');
  addDatastoreOptions(patch).action(async (kind: string, name: string, opts: PatchOptions) => runPatch(deps, kind, name, opts));

  const label = program
    .command('label')
    .description('set or remove a label: gingham label node node1 route-reflector=true; gingham label node node1 route-reflector-')
    .argument('<kind>', 'resource type')
    .argument('<name>', 'resource name')
    .argument('<label>', 'key=value to set, key- (or key with --remove) to remove')
    .option('--overwrite', 'replace the value when the key is already present')
    .option('--remove', 'remove the label with this key')
    .option('-n, --namespace <namespace>', 'namespace of a namespaced resource');
  addDatastoreOptions(label).action(async (kind: string, name: string, l: string, opts: LabelOptions) => runLabel(deps, kind, name, l, opts));
}
