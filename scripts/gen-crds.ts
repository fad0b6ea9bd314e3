// Writes charts/gingham/crds/ from src/api (src/api/crd-schema.ts): one CRD per file (Calico's crd.projectcalico.org/v1 and the admin policy kinds'), and
// removes generated files of kinds that no longer exist. Run with `npm run gen:crds` after changing a kind's fields;
// src/api/crd-schema.test.ts fails while the committed files differ from what this writes.
//
//   usage: gen-crds [output-dir]   (default: charts/gingham/crds under the current directory)
import fs from 'node:fs';
import path from 'node:path';
import { chartCrdKinds, crdFiles } from '../src/api/crd-schema';

const dir = path.resolve(process.argv[2] ?? path.join('charts', 'gingham', 'crds'));
fs.mkdirSync(dir, { recursive: true });
const files = crdFiles();
const groups = new Set(chartCrdKinds().map((k) => k.group ?? 'crd.projectcalico.org'));
for (const old of fs.readdirSync(dir)) {
  if ([...groups].some((g) => old.startsWith(`${g}_`)) && !files.has(old)) fs.rmSync(path.join(dir, old));
}
let changed = 0;
for (const [name, text] of files) {
  const p = path.join(dir, name);
  if (fs.existsSync(p) && fs.readFileSync(p, 'utf8') === text) continue;
  fs.writeFileSync(p, text);
  changed++;
}
process.stdout.write(`${files.size} CRDs in ${dir} (${changed} written)\n`);
