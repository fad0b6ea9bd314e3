// `gingham get KIND [NAME...]` or `gingham get -f FILE`, with -o ps|wide|custom-columns=...|yaml|json|name, -n, -A and
// --export, as calicoctl's get (commands/get.go): a listing prints a table (or a "<Kind>List"), named resources that
// do not exist are reported after the output and make the exit code 1.
import type { Command } from 'commander';
import type { Resource } from '../api/resource';
import { DatastoreErrorCode, isDatastoreError, type Datastore } from '../datastore';
import { describeError } from '../lib/errors';
import type { CliDeps } from './deps';
import { withDatastore } from './datastore-options';
import { describeFailure } from './resource-errors';
import { locationOf } from './resource-input';
import { parseOutputFormat, renderGet, type GetResult } from './resource-output';
import { tableHeadings, type TableContext } from './resource-table';
import { addFileOptions, kindFromArg, readInput, refFromArgs, settleAll, type FileCliOptions } from './resource-targets';
import { settleNamespace } from './resource-namespace';
import { CliExit } from './run';

interface GetOptions extends FileCliOptions {
  readonly output?: string;
  readonly export?: boolean;
}

/** calicoctl --export: drop what only makes sense in this cluster, so the output can be applied elsewhere. */
function exported(r: Resource): Resource {
  const { namespace: _n, uid: _u, resourceVersion: _r, creationTimestamp: _c, deletionTimestamp: _d, ...metadata } = r.metadata;
  return { ...r, metadata };
}

function tableContext(ds: Datastore): TableContext & { prefetch(): Promise<void> } {
  let asn = '64512';
  return {
    globalAsn: () => asn,
    async prefetch() {
      try {
        const cfg = await ds.get<Resource>('BGPConfiguration', 'default');
        const n = (cfg.spec as { asNumber?: unknown } | undefined)?.asNumber;
        if (n !== undefined) asn = String(n);
      } catch (err) {
        // calicoctl: no BGPConfiguration means the default AS 64512; any other failure prints "unknown".
        if (!isDatastoreError(err, DatastoreErrorCode.NotFound)) asn = 'unknown';
      }
    },
  };
}

async function runGet(deps: CliDeps, kindArg: string | undefined, names: string[], opts: GetOptions): Promise<void> {
  const format = parseOutputFormat(opts.output);
  if (typeof format === 'string') throw new CliExit(1, format);
  const fromFile = (opts.filename ?? []).length > 0;
  if (fromFile && kindArg !== undefined) throw new CliExit(1, 'give either KIND [NAME...] or -f FILE, not both');
  if (!fromFile && kindArg === undefined) throw new CliExit(1, 'a resource type is required: gingham get KIND [NAME...] (or -f FILE)');
  const printNamespace = Boolean(opts.allNamespaces) || Boolean(opts.namespace);
  let targets: Resource[] = [];
  let listKind: string | undefined;
  let listNamespace: string | undefined;
  if (fromFile) {
    targets = settleAll(await readInput(opts, deps.readStdin), opts, (i) => `Failed to get resources: ${locationOf(i)}: `).map((i) => i.resource);
  } else {
    const info = kindFromArg(kindArg as string);
    if (names.length === 0) {
      const probe = settleNamespace(refFromArgs(info, '-', undefined), opts);
      if (typeof probe === 'string') throw new CliExit(1, `Failed to get resources: ${probe}`);
      listKind = info.kind;
      listNamespace = probe.metadata.namespace;
    } else {
      if (info.namespaced && opts.allNamespaces) throw new CliExit(1, 'Failed to get resources: cannot use --all-namespace flag for getting a single resource');
      targets = names.map((n) => {
        const settled = settleNamespace(refFromArgs(info, n, undefined), opts);
        if (typeof settled === 'string') throw new CliExit(1, `Failed to get resources: ${settled}`);
        return settled;
      });
    }
  }
  if (format.t === 'table') {
    for (const kind of new Set(listKind ? [listKind] : targets.map((t) => t.kind))) {
      const h = tableHeadings(kind, { wide: format.wide, ...(format.headings ? { headings: format.headings } : {}) });
      if (typeof h === 'string') throw new CliExit(1, h);
    }
  }
  await withDatastore(deps, opts, async (ds) => {
    const errors: string[] = [];
    let result: GetResult;
    try {
      if (listKind !== undefined) {
        const list = await ds.list<Resource>(listKind, listNamespace ? { namespace: listNamespace } : {});
        result = { t: 'list', kind: listKind, items: list.items, revision: list.revision };
      } else {
        const found: Resource[] = [];
        for (const t of targets) {
          try {
            const r = await ds.get<Resource>(t.kind, t.metadata.name, t.metadata.namespace);
            found.push(opts.export ? exported(r) : r);
          } catch (err) {
            if (!isDatastoreError(err, DatastoreErrorCode.NotFound)) throw err;
            errors.push(describeFailure(err, t));
          }
        }
        result = { t: 'named', items: found };
      }
    } catch (err) {
      throw new CliExit(1, `Failed to get resources: ${describeFailure(err)}`);
    }
    const ctx = tableContext(ds);
    if (format.t === 'table' && format.wide && result.items.some((r) => r.kind === 'Node')) await ctx.prefetch();
    try {
      deps.stdout(renderGet(result, format, { ...ctx, printNamespace }));
    } catch (err) {
      throw new CliExit(1, describeError(err, { codes: false }));
    }
    if (errors.length > 0) throw new CliExit(1, errors.join('\n'));
  });
}

export function registerGetCommand(program: Command, deps: CliDeps): void {
  const cmd = program
    .command('get')
    .description('show resources by type (and names) or by file: gingham get ippools; gingham get ippool default-ipv4-ippool -o yaml')
    .argument('[kind]', 'resource type, e.g. ippool(s), bgppeer(s), bgpconfig(s), node(s), networkpolicy, gnp, felixconfig')
    .argument('[names...]', 'names; all resources of the type when omitted');
  addFileOptions(cmd, false)
    .option('-o, --output <format>', 'ps (default), wide, custom-columns=A,B, yaml, json or name')
    .option('-A, --all-namespaces', 'list the requested resources across all namespaces')
    .option('--export', 'strip cluster-specific metadata (namespace, uid, resourceVersion, creationTimestamp) from named resources')
    .action(async (kind: string | undefined, names: string[], opts: GetOptions) => runGet(deps, kind, names, opts));
}
