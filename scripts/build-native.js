#!/usr/bin/env node
// Builds the native setns addon (native/setns.c -> build/Release/gingham_setns.node) with node-gyp; `npm ci` runs it
// as the package's install script (npm puts its own node-gyp on the PATH of lifecycle scripts). The headers come
// from the running Node's own install (<prefix>/include/node) when it has them, so no download is needed; otherwise
// node-gyp fetches them for this Node version.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const prefix = path.resolve(path.dirname(process.execPath), '..');
const args = ['rebuild'];
if (fs.existsSync(path.join(prefix, 'include', 'node', 'common.gypi'))) args.push(`--nodedir=${prefix}`);
const bundled = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'node-gyp-bin');
const env = { ...process.env, PATH: `${process.env.PATH ?? ''}${path.delimiter}${bundled}` };
const r = spawnSync('node-gyp', args, { cwd: path.join(__dirname, '..'), stdio: 'inherit', env });
if (r.error) {
  process.stderr.write(`build-native: node-gyp could not run: ${r.error.message}\n`);
  process.exit(1);
}
process.exit(r.status ?? 1);
