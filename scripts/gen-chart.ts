// Writes the chart's generated files from src/chart (src/chart/files.ts): Chart.yaml, values.yaml, values.schema.json,
// charts/gingham/testdata/*.{values,golden}.yaml and manifests/gingham.yaml. Run with `npm run gen:chart` after
// changing src/chart or src/api/rbac.ts; src/chart/chart.test.ts fails while the committed files differ.
//
//   usage: gen-chart                       (writes the files under the current directory)
//          gen-chart --values FILE.yaml    (prints the manifests for those values, as `helm template -f FILE` would)
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { chartFiles, renderYaml } from '../src/chart/files';

const args = process.argv.slice(2);
if (args[0] === '--values') {
  const file = args[1];
  if (!file) throw new Error('gen-chart: --values needs a file');
  process.stdout.write(renderYaml(parse(fs.readFileSync(file, 'utf8')) ?? {}));
} else {
  const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { version: string };
  const files = chartFiles(pkg.version);
  let changed = 0;
  for (const [rel, text] of files) {
    const p = path.resolve(rel);
    if (fs.existsSync(p) && fs.readFileSync(p, 'utf8') === text) continue;
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text);
    changed++;
  }
  process.stdout.write(`${files.size} chart files (${changed} written)\n`);
}
