// `gingham version`: the client version (and, later, the cluster's).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function packageVersion(): string {
  // dist/cli/version.js and src/cli/version.ts both sit two levels below the package root.
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

export function versionText(): string {
  return `Client Version:    v${packageVersion()}\nNode.js Version:   ${process.version}\n`;
}
