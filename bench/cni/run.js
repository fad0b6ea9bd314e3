// Runs a TypeScript bench file without a build step: .ts files are transpiled as they are required (no type check
// here; `npm run typecheck` covers bench/). Usage: node bench/cni/run.js bench/cni/add-del-latency.ts [args]
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

require.extensions['.ts'] = (mod, filename) => {
  const out = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    fileName: filename,
  }).outputText;
  mod._compile(out, filename);
};

const target = process.argv[2];
if (!target) {
  process.stderr.write('usage: node bench/cni/run.js <file.ts> [args]\n');
  process.exit(2);
}
require(path.resolve(target));
