// `gingham create|apply|replace|validate -f FILE`: calicoctl's commands and messages ("Successfully applied 1
// 'IPPool' resource(s)", "Failed to apply 'IPPool' resource: [...]"), all-or-nothing (resource-write.ts): when any
// resource is wrong, every problem is listed with its file and document and nothing is written.
import type { Command } from 'commander';
import type { CliDeps } from './deps';
import { withDatastore } from './datastore-options';
import { failureSummary, successSummary } from './resource-errors';
import { locationOf } from './resource-input';
import { addFileOptions, readInput, settleAll, type FileCliOptions } from './resource-targets';
import { checkResource, executeWrites, planWrites, type WriteAction } from './resource-write';
import { selectorWarnings } from './selector-warnings';
import type { Resource } from '../api/resource';
import { CliExit } from './run';

const PAST: Readonly<Record<WriteAction | 'validate', string>> = { create: 'created', apply: 'applied', replace: 'replaced', validate: 'validated' };

interface WriteOptions extends FileCliOptions {
  readonly skipExists?: boolean;
}

async function runWrite(deps: CliDeps, action: WriteAction | 'validate', opts: WriteOptions): Promise<void> {
  const input = await readInput(opts, deps.readStdin);
  if (input.length === 0) {
    deps.stdout('No resources specified\n');
    return;
  }
  const items = settleAll(input, opts, (i) => `Failed to execute command: ${locationOf(i)}: `);
  const kinds = items.map((i) => i.resource.kind);
  if (action === 'validate') {
    const errors: string[] = [];
    for (const item of items) {
      const checked = checkResource(item.resource, 'validate');
      if (typeof checked === 'string') errors.push(`${locationOf(item)}: ${checked}`);
    }
    if (errors.length > 0) throw new CliExit(1, failureSummary('validate', kinds, errors));
    deps.stdout(`${successSummary(PAST.validate, kinds)}\n`);
    return;
  }
  await withDatastore(deps, opts, async (ds) => {
    const { plan, errors } = await planWrites(ds, items, action, { skipExists: opts.skipExists ?? false });
    if (errors.length > 0) throw new CliExit(1, failureSummary(action, kinds, errors, action !== 'replace'));
    const result = await executeWrites(ds, plan);
    if (result.error !== undefined) throw new CliExit(1, failureSummary(action, kinds, [result.error], action !== 'replace'));
    const selecting = plan.filter((p) => p.op !== 'skip' && (p.next.kind === 'BGPPeer' || p.next.kind === 'IPPool')).map((p) => p.next);
    if (selecting.length > 0) {
      const nodes = await ds.list<Resource>('Node').catch(() => undefined);
      for (const w of selectorWarnings(selecting, nodes?.items ?? [])) deps.stderr(`Warning: ${w}\n`);
    }
  });
  deps.stdout(`${successSummary(PAST[action], kinds)}\n`);
}

const DESCRIPTIONS: Readonly<Record<WriteAction | 'validate', string>> = {
  create: 'create resources from a file, directory or stdin; fails if any already exists (nothing is written then)',
  apply: 'create or update resources from a file, directory or stdin (all or nothing)',
  replace: 'replace existing resources from a file, directory or stdin; fails if any does not exist',
  validate: 'check resources from a file, directory or stdin without contacting the datastore',
};

export function registerWriteCommands(program: Command, deps: CliDeps): void {
  for (const action of ['create', 'apply', 'replace', 'validate'] as const) {
    const cmd = program.command(action).description(DESCRIPTIONS[action]);
    addFileOptions(cmd, true);
    if (action === 'create') cmd.option('--skip-exists', 'skip over resources that already exist');
    cmd.action(async (opts: WriteOptions) => runWrite(deps, action, opts));
  }
}
