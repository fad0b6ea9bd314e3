// The resources a command reads with `-f`: a file, `-` for standard input, or a directory (its .yaml, .yml and .json
// files in name order; with -R, its subdirectories too), as calicoctl's file iterator reads them. Each resource keeps
// where it came from (file, document number, list item) so every later error can say where to look.
// Parsing and strict shape checks are src/api/parse.ts; this module only finds and reads the text.
import fs from 'node:fs';
import path from 'node:path';
import { ManifestError } from '../api/errors';
import { parseResources, type ParsedResource } from '../api/parse';
import type { Resource } from '../api/resource';
import { GinghamError, describeError } from '../lib/errors';

export interface LocatedResource {
  readonly resource: Resource;
  /** The file path, or "<stdin>". */
  readonly source: string;
  /** 1-based document number within the source. */
  readonly doc: number;
  /** 0-based position inside a List or sequence document. */
  readonly item?: number;
}

/** The input cannot be read (missing file, bad YAML, unknown kind...): calicoctl's "Failed to execute command". */
export class InputError extends GinghamError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BadInput', message, options);
  }
}

export interface InputOptions {
  readonly recursive?: boolean;
  /** Do not fail on files (or directories) with no resources. */
  readonly skipEmpty?: boolean;
}

/** "policy.yaml: document 3: " (with ", item 2" inside a List): the prefix of every per-resource message. */
export function locationOf(r: Pick<LocatedResource, 'source' | 'doc' | 'item'>): string {
  return `${r.source}: document ${r.doc}${r.item === undefined ? '' : `, item ${r.item}`}`;
}

const MANIFEST_EXT = new Set(['.yaml', '.yml', '.json']);

/** Files a directory contributes, in lexical order (Go's filepath.Walk order). */
function directoryFiles(dir: string, recursive: boolean): string[] {
  const out: string[] = [];
  const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (recursive) out.push(...directoryFiles(p, true));
    } else if (MANIFEST_EXT.has(path.extname(e.name).toLowerCase())) {
      out.push(p);
    }
  }
  return out;
}

function osMessage(err: unknown, file: string): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `open ${file}: no such file or directory`;
  if (code === 'EACCES') return `open ${file}: permission denied`;
  return `read ${file}: ${describeError(err)}`;
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(osMessage(err, file));
  }
}

function parse(text: string, source: string, skipEmpty: boolean): LocatedResource[] {
  let parsed: ParsedResource[];
  try {
    parsed = parseResources(text, source);
  } catch (err) {
    if (err instanceof ManifestError) throw new InputError(err.message);
    throw err;
  }
  if (parsed.length === 0 && !skipEmpty) throw new InputError(`No resources specified in file ${source}`);
  return parsed.map((p) => ({ resource: p.resource, source, doc: p.doc, ...(p.item === undefined ? {} : { item: p.item }) }));
}

/** Reads every resource the `-f` arguments name, in order. Throws InputError. */
export async function readResources(files: readonly string[], opts: InputOptions, readStdin: () => Promise<string>): Promise<LocatedResource[]> {
  const out: LocatedResource[] = [];
  for (const f of files) {
    if (f === '-') {
      out.push(...parse(await readStdin(), '<stdin>', opts.skipEmpty ?? false));
      continue;
    }
    let stat: fs.Stats;
    try {
      stat = fs.statSync(f);
    } catch (err) {
      throw new InputError(osMessage(err, f));
    }
    if (stat.isDirectory()) {
      const found: LocatedResource[] = [];
      for (const file of directoryFiles(f, opts.recursive ?? false)) found.push(...parse(readText(file), file, opts.skipEmpty ?? false));
      if (found.length === 0 && !opts.skipEmpty) throw new InputError(`No resources specified in directory ${f}`);
      out.push(...found);
      continue;
    }
    out.push(...parse(readText(f), f, opts.skipEmpty ?? false));
  }
  return out;
}
