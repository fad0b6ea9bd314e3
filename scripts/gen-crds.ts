// Writes charts/gingham/crds/ from src/api (src/api/crd-schema.ts): one crd.projectcalico.org/v1 CRD per file, and
// removes generated files of kinds that no longer exist. Run with `npm run gen:crds` after changing a kind's fields;
// src/api/crd-schema.test.ts fails while the committed files differ from what this writes.
//
//   usage: gen-crds [output-dir]   (default: charts/gingham/crds under the current directory)
import fs from 'node:fs';
import path from 'node:path';
import { CRD_GROUP, crdFiles } from '../src/api/crd-schema';

const dir = path.resolve(process.argv[2] ?? path.join('charts', 'gingham', 'crds'));
fs.mkdirSync(dir, { recursive: true });
const files = crdFiles();
for (const old of fs.readdirSync(dir)) {
  if (old.startsWith(`${CRD_GROUP}_`) && !files.has(old)) fs.rmSync(path.join(dir, old));
}
let changed = 0;
for (const [name, text] of files) {
  const p = path.join(dir, name);
  if (fs.existsSync(p) && fs.readFileSync(p, 'utf8') === text) continue;
  fs.writeFileSync(p, text);
  changed++;
}
process.stdout.write(`${files.size} CRDs in ${dir} (${changed} written)\n`);
