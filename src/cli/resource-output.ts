// `-o` for get: ps (the default table), wide, custom-columns=A,B, yaml, json, and name ("ippool/default-ipv4-ippool",
// kubectl's form). YAML and JSON as calicoctl prints them (src/api/parse.ts): one resource when one was named, a
// "<Kind>List" for a listing, a sequence when several were named.
import { toJson, toJsonArray, toJsonList, toYaml, toYamlArray, toYamlList } from '../api/parse';
import type { Resource } from '../api/resource';
import { renderTable, tableHeadings, type TableContext } from './resource-table';

export type OutputFormat =
  | { readonly t: 'table'; readonly wide: boolean; readonly headings?: readonly string[] }
  | { readonly t: 'yaml' }
  | { readonly t: 'json' }
  | { readonly t: 'name' };

/** Parses `-o`; a message naming the value when it is not one Gingham prints. */
export function parseOutputFormat(o: string | undefined): OutputFormat | string {
  const v = o ?? 'ps';
  if (v === 'ps') return { t: 'table', wide: false };
  if (v === 'wide') return { t: 'table', wide: true };
  if (v === 'yaml' || v === 'yml') return { t: 'yaml' };
  if (v === 'json') return { t: 'json' };
  if (v === 'name') return { t: 'name' };
  if (v.startsWith('custom-columns')) {
    const cols = v.slice('custom-columns'.length + 1).split(',').filter((c) => c !== '');
    if (!v.startsWith('custom-columns=') || cols.length === 0) return 'need to specify at least one column';
    return { t: 'table', wide: false, headings: cols.map((c) => c.toUpperCase()) };
  }
  return `unrecognized output format '${v}' (one of: ps, wide, custom-columns=..., yaml, json, name)`;
}

/** What a get found: a listing of one kind, or the resources named (by arguments or a file). */
export type GetResult =
  | { readonly t: 'list'; readonly kind: string; readonly items: readonly Resource[]; readonly revision?: string }
  | { readonly t: 'named'; readonly items: readonly Resource[] };

/** Groups by kind in first-seen order (a file may name several kinds; each gets its own table). */
function byKind(items: readonly Resource[]): Map<string, Resource[]> {
  const groups = new Map<string, Resource[]>();
  for (const r of items) groups.set(r.kind, [...(groups.get(r.kind) ?? []), r]);
  return groups;
}

export function renderGet(result: GetResult, format: OutputFormat, ctx: TableContext & { printNamespace: boolean }): string {
  switch (format.t) {
    case 'yaml':
      if (result.t === 'list') return toYamlList(result.kind, result.items, result.revision ? { resourceVersion: result.revision } : {});
      if (result.items.length === 1) return toYaml(result.items[0] as Resource);
      return result.items.length === 0 ? '' : toYamlArray(result.items);
    case 'json':
      if (result.t === 'list') return toJsonList(result.kind, result.items, result.revision ? { resourceVersion: result.revision } : {}) + '\n';
      if (result.items.length === 1) return toJson(result.items[0] as Resource) + '\n';
      return result.items.length === 0 ? '' : toJsonArray(result.items) + '\n';
    case 'name':
      return result.items.map((r) => `${r.kind.toLowerCase()}/${r.metadata.name}\n`).join('');
    case 'table': {
      const groups = result.t === 'list' ? new Map([[result.kind, [...result.items]]]) : byKind(result.items);
      let out = '';
      for (const [kind, items] of groups) {
        const headings = tableHeadings(kind, { wide: format.wide, ...(format.headings ? { headings: format.headings } : {}), printNamespace: ctx.printNamespace });
        if (typeof headings === 'string') throw new Error(headings);
        out += renderTable(kind, headings, items, ctx);
      }
      return out;
    }
  }
}
