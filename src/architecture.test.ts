// The import rule of docs/architecture.md, checked on every test run: the table in the document and IMPORT_TABLE in
// eslint.config.js agree; every folder under src/ has a row; the eslint rule built from the table rejects one forbidden
// import per folder and a test helper imported by production code, and allows one import per folder; no circular
// imports anywhere under src/ (type imports included); every folder the document names exists; no citation of a file
// outside the repository; the production build leaves out every test helper.
import madge from 'madge';
import fs from 'node:fs';
import path from 'node:path';
import { Linter } from 'eslint';

const root = path.join(__dirname, '..');
const srcRoot = path.join(root, 'src');
const RULE = 'gingham/import-allow-list';

interface Row {
  folder: string;
  planned?: boolean;
  allow: string[];
  todo?: string[];
}

// eslint.config.js is CommonJS (read as a config file, by its path); Linter takes the flat config array the CLI loads.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const config = require(path.join(root, 'eslint.config.js')) as Linter.Config[];
const ruleBlock = config.find((c) => c.rules?.[RULE] !== undefined);
const options = (ruleBlock?.rules?.[RULE] as [string, { table: Row[]; testHelpers: string[] }])[1];
const table = options.table;
const linter = new Linter({ configType: 'flat', cwd: root });

/** Lints source text as if it were the file src/<rel>, with the project's real config; returns the rule's messages. */
function lint(rel: string, source: string): string[] {
  return linter
    .verify(source, config, { filename: path.join(srcRoot, rel) })
    .filter((m) => m.ruleId === RULE || m.fatal)
    .map((m) => m.message);
}

/** The import specifier that reaches src/<target> from a file in src/<fromFolder>. */
function spec(fromFolder: string, target: string): string {
  const rel = path.posix.relative(fromFolder === '.' ? '' : fromFolder, target);
  return rel.startsWith('.') ? rel : `./${rel}`;
}

/** Folders under src/ that hold .ts files (src/ itself is '.'). */
function codeFolders(dir = srcRoot, out: string[] = []): string[] {
  const entries = fs.readdirSync(dir, { withFileTypes: true });
  if (entries.some((e) => e.isFile() && e.name.endsWith('.ts'))) out.push(path.relative(srcRoot, dir).split(path.sep).join('/') || '.');
  for (const e of entries) if (e.isDirectory()) codeFolders(path.join(dir, e.name), out);
  return out;
}

/** The import table of docs/architecture.md, parsed from its markdown rows. */
function docTable(): { rows: Row[]; testHelpers: string[] } {
  const doc = fs.readFileSync(path.join(root, 'docs/architecture.md'), 'utf8');
  const names = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);
  const rows: Row[] = [];
  const start = doc.indexOf('| folder | may import |');
  expect(start).toBeGreaterThan(0);
  for (const line of doc.slice(start).split('\n').slice(2)) {
    if (!line.startsWith('|')) break;
    const [folderCell = '', allowCell = '', todoCell = ''] = line.split('|').slice(1, -1);
    const row: Row = { folder: names(folderCell)[0] as string, allow: names(allowCell) };
    if (folderCell.includes('(planned)')) row.planned = true;
    if (names(todoCell).length > 0) row.todo = names(todoCell);
    rows.push(row);
  }
  const helperLine = doc.split('\n').find((l) => l.startsWith('Test helpers: ')) ?? '';
  return { rows, testHelpers: names(helperLine) };
}

const rowFolders = table.map((r) => r.folder);
const isHelperFolder = (f: string) => /(^|\/)(testing|testdata)$/.test(f) || f === 'datastore/memory';

describe('the import table', () => {
  it('is the same in docs/architecture.md and eslint.config.js', () => {
    const doc = docTable();
    expect(doc.rows).toEqual(table.map((r) => ({ ...r })));
    expect(doc.testHelpers).toEqual(options.testHelpers);
  });

  it('has a row for every folder under src/, and every row not marked planned is a folder', () => {
    const folders = codeFolders();
    expect(folders.filter((f) => !rowFolders.includes(f))).toEqual([]);
    expect(table.filter((r) => !r.planned && !folders.includes(r.folder)).map((r) => r.folder)).toEqual([]);
    expect(new Set(rowFolders).size).toBe(rowFolders.length);
  });

  it('names only folders that have rows in its allow-lists', () => {
    const unknown = table.flatMap((r) => [...r.allow, ...(r.todo ?? [])].filter((f) => !rowFolders.includes(f)).map((f) => `${r.folder} -> ${f}`));
    expect(unknown).toEqual([]);
  });
});

describe('the import rule (eslint, on virtual files)', () => {
  const production = table.filter((r) => !isHelperFolder(r.folder));

  it.each(table.map((r) => [r.folder, r] as const))('rejects an import %s may not make', (_folder, row) => {
    const forbidden = rowFolders.filter(
      (f) => f !== row.folder && !row.allow.includes(f) && !(row.todo ?? []).includes(f) && !isHelperFolder(f) && f !== '.',
    );
    expect(forbidden.length).toBeGreaterThan(0);
    // The nearest forbidden row after this one in the table (the most tempting import), else the nearest before it.
    const index = rowFolders.indexOf(row.folder);
    const target = (forbidden.find((f) => rowFolders.indexOf(f) > index) ?? forbidden[forbidden.length - 1]) as string;
    const from = `${row.folder === '.' ? '' : `${row.folder}/`}example.ts`;
    // A type-only import counts as much as a value import.
    const messages = lint(from, `import type { X } from '${spec(row.folder, `${target}/some-module`)}';\nexport type Y = X;\n`);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain(`may not import src/${target}/`);
  });

  it.each(table.map((r) => [r.folder, r] as const))('allows an import %s may make', (_folder, row) => {
    const target = row.allow[0] ?? row.folder;
    const from = `${row.folder === '.' ? '' : `${row.folder}/`}example.ts`;
    expect(lint(from, `import { x } from '${spec(row.folder, `${target}/some-module`)}';\nexport const y = x;\n`)).toEqual([]);
  });

  it.each(production.map((r) => [r.folder] as const))('rejects a test helper imported by production code in %s', (folder) => {
    const helpers = ['lib/fake-clock', 'netlink/fake', 'datastore/memory/memory-datastore', 'bgp/testing/speaker', 'api/testing'];
    const helper = helpers[production.findIndex((r) => r.folder === folder) % helpers.length] as string;
    const from = `${folder === '.' ? '' : `${folder}/`}example.ts`;
    const messages = lint(from, `import { x } from '${spec(folder, helper)}';\nexport const y = x;\n`);
    expect(messages.some((m) => m.includes('is a test helper'))).toBe(true);
  });

  it('lets test code import test helpers, but not folders its row forbids', () => {
    expect(lint('ipam/example.test.ts', "import { MemoryDatastore } from '../datastore/memory/memory-datastore';\nexport const m = MemoryDatastore;\n")).toEqual([]);
    expect(lint('cni/testing/helper.ts', "import { FakeClock } from '../../lib/fake-clock';\nexport const c = FakeClock;\n")).toEqual([]);
    expect(lint('netlink/example.test.ts', "import { x } from '../datastore';\nexport const y = x;\n")).toHaveLength(1);
  });

  it('resolves each kind of import to its folder: index files, speaker-*.ts, export-from, import() and require()', () => {
    const cases: Array<[string, string]> = [
      ['netlink/example.ts', "import type { Datastore } from '../datastore';\nexport type D = Datastore;\n"],
      ['bgp/rib/example.ts', "import type { PeerRouting } from '../speaker-routing';\nexport type P = PeerRouting;\n"],
      ['bgp/packet/example.ts', "export * from '../speaker-status';\n"],
      ['bgp/packet/example.ts', "export { x } from '../session/peer';\n"],
      ['felix/example.ts', "export async function f() {\n  return import('../bgp/speaker');\n}\n"],
      ['felix/example.ts', "export type S = typeof import('../bgp/speaker');\n"],
      ['lib/example.ts', "// eslint-disable-next-line @typescript-eslint/no-require-imports\nexport const a = require('../api/asn');\n"],
      ['netlink/netlink-example.ts', "import { FakeNetlink } from './fake';\nexport const f = FakeNetlink;\n"],
      ['api/example.ts', "import { x } from '../../e2e/lib/process';\nexport const y = x;\n"],
      ['nowhere/example.ts', "import { x } from '../lib/ip';\nexport const y = x;\n"],
    ];
    for (const [file, source] of cases) expect([file, lint(file, source)]).toEqual([file, [expect.any(String)]]);
  });
});

describe('architecture', () => {
  it('has no circular imports under src/, type imports included', async () => {
    const graph = await madge(srcRoot, {
      fileExtensions: ['ts'],
      tsConfig: path.join(root, 'tsconfig.json'),
      detectiveOptions: { ts: { skipTypeImports: false } },
    });
    const edges = graph.obj();
    expect(Object.keys(edges).length).toBeGreaterThan(5);
    // cli/deps.ts imports only types; seeing them proves type imports are in the graph.
    expect(edges['cli/deps.ts']).toContain('datastore/index.ts');
    expect(graph.circular()).toEqual([]);
  }, 120000);

  it('names in docs/architecture.md only folders that exist', () => {
    const doc = fs.readFileSync(path.join(root, 'docs/architecture.md'), 'utf8');
    const layout = doc.slice(doc.indexOf('```\nsrc/'));
    const block = layout.slice(0, layout.indexOf('```', 4));
    const named = [...block.matchAll(/^ {2}([a-z][\w/-]*)\/\s/gm)].map((m) => `src/${m[1]}`);
    named.push(...[...block.matchAll(/^([a-z][\w/-]*)\/\s/gm)].map((m) => m[1] as string));
    expect(named.length).toBeGreaterThan(10);
    const planned = new Set(table.filter((r) => r.planned).map((r) => `src/${r.folder}`));
    expect(named.filter((f) => !planned.has(f) && !fs.existsSync(path.join(root, f)))).toEqual([]);
  });

  it('cites no file outside the repository (../shared, /work/shared) in code or docs', () => {
    const offenders: string[] = [];
    const visit = (p: string): void => {
      const st = fs.statSync(p);
      if (st.isDirectory()) {
        for (const name of fs.readdirSync(p)) if (name !== 'node_modules' && name !== 'testdata') visit(path.join(p, name));
      } else if (/\.(ts|md|js|json|ya?ml|sh)$/.test(p) && /(\.\.|\/work)\/shared\//.test(fs.readFileSync(p, 'utf8'))) {
        offenders.push(path.relative(root, p));
      }
    };
    for (const top of ['src', 'e2e', 'bench', 'docs', 'scripts', 'README.md', 'BENCHMARKS.md', 'eslint.config.js', 'eslint']) visit(path.join(root, top));
    visit(path.join(srcRoot, 'api/testdata/tutorial/README.md'));
    expect(offenders).toEqual([]);
  });

  it('leaves every test helper out of the production build', () => {
    const build = JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.build.json'), 'utf8')) as { exclude: string[] };
    expect(build.exclude).toEqual(['src/**/*.test.ts', ...options.testHelpers.map((h) => `src/${h}`)]);
  });
});
