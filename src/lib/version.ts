// The product version (package.json), for `gingham version` and ClusterInformation.calicoVersion.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function packageVersion(): string {
  // dist/lib/version.js and src/lib/version.ts both sit two levels below the package root.
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}
