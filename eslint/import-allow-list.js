// The import rule of docs/architecture.md as an eslint rule. Its options are the allow-list table (eslint.config.js
// holds it; src/architecture.test.ts checks that it is the table in docs/architecture.md).
//
// For every relative import in a file under src/ (`import`, `import type`, `export ... from`, `import()`,
// `import('...')` in a type, `require()`), the specifier is resolved to a file (`x.ts`, `x/index.ts`, or `x.ts` when
// neither exists yet) and the file to its folder under src/. The importing folder must have a row in the table, and
// the imported folder must be the same folder or one its row allows (including the row's TODO column). Test helpers
// (the `testHelpers` patterns: testing/ folders, fakes, the memory datastore) may be imported only by test code: a
// `*.test.ts` file or another test helper. Test code may import any test helper besides what its folder allows.
const fs = require('node:fs');
const path = require('node:path');

/** Matches a path relative to src/ against a pattern where `**` is any number of folders and `*` part of a name. */
function globToRegExp(glob) {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    if (glob.startsWith('**/', i)) (re += '(?:.*/)?'), (i += 2);
    else if (glob.startsWith('**', i)) (re += '.*'), (i += 1);
    else if (glob[i] === '*') re += '[^/]*';
    else re += glob[i].replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function resolveTarget(fromFile, spec) {
  const base = path.resolve(path.dirname(fromFile), spec.replace(/\.js$/, ''));
  if (fs.existsSync(`${base}.ts`)) return `${base}.ts`;
  if (fs.existsSync(path.join(base, 'index.ts'))) return path.join(base, 'index.ts');
  return `${base}.ts`;
}

function srcRootOf(file) {
  const parts = file.split(path.sep);
  const i = parts.lastIndexOf('src');
  return i < 0 ? undefined : parts.slice(0, i + 1).join(path.sep);
}

const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'per-folder import allow-lists of docs/architecture.md' },
    schema: [
      {
        type: 'object',
        properties: {
          table: { type: 'array' },
          testHelpers: { type: 'array', items: { type: 'string' } },
        },
        required: ['table', 'testHelpers'],
        additionalProperties: false,
      },
    ],
  },
  create(context) {
    const { table, testHelpers } = context.options[0];
    const rows = new Map(table.map((r) => [r.folder, r]));
    const helperRes = testHelpers.map(globToRegExp);
    const isHelper = (rel) => helperRes.some((re) => re.test(rel));
    const file = path.resolve(context.filename);
    const src = srcRootOf(file);
    if (src === undefined) return {};
    const relFile = path.relative(src, file).split(path.sep).join('/');
    const folder = path.posix.dirname(relFile);
    const row = rows.get(folder);
    const isTestCode = /\.test\.ts$/.test(relFile) || isHelper(relFile);

    function check(node, spec) {
      if (typeof spec !== 'string' || !spec.startsWith('.')) return;
      if (row === undefined) {
        context.report({ node, message: `src/${folder}/ has no row in the import table of docs/architecture.md (and eslint.config.js).` });
        return;
      }
      const target = path.relative(src, resolveTarget(file, spec)).split(path.sep).join('/');
      if (target.startsWith('../')) {
        context.report({ node, message: `'${spec}' leaves src/: code under src/ imports only src/ and packages.` });
        return;
      }
      const targetFolder = path.posix.dirname(target);
      if (isHelper(target)) {
        if (!isTestCode) {
          context.report({ node, message: `'${spec}' is a test helper (src/${target}); production code never imports test helpers.` });
        }
        return;
      }
      if (targetFolder === folder) return;
      if (row.allow.includes(targetFolder)) return;
      if ((row.todo ?? []).includes(targetFolder)) return;
      context.report({
        node,
        message: `src/${folder}/ may not import src/${targetFolder}/ ('${spec}'); it may import: ${row.allow.join(', ') || 'nothing outside itself'} (docs/architecture.md, import table).`,
      });
    }
    const fromSource = (node) => check(node, node.source && node.source.value);
    return {
      ImportDeclaration: fromSource,
      ExportNamedDeclaration: fromSource,
      ExportAllDeclaration: fromSource,
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
      TSImportType: (node) => {
        const arg = node.argument;
        const lit = arg && arg.type === 'TSLiteralType' ? arg.literal : arg;
        if (lit && lit.type === 'Literal') check(node, lit.value);
      },
      TSExternalModuleReference: (node) => node.expression.type === 'Literal' && check(node, node.expression.value),
      CallExpression: (node) => {
        if (node.callee.type === 'Identifier' && node.callee.name === 'require' && node.arguments[0]?.type === 'Literal') {
          check(node, node.arguments[0].value);
        }
      },
    };
  },
};

module.exports = { rule, globToRegExp };
