#!/usr/bin/env node
// Builds the native parts; `npm ci` runs it as the package's install script:
// - the setns addon (native/setns.c -> build/Release/gingham_setns.node) with node-gyp (npm puts its own node-gyp on
//   the PATH of lifecycle scripts). The headers come from the running Node's own install (<prefix>/include/node)
//   when it has them, so no download is needed; otherwise node-gyp fetches them for this Node version;
// - the CNI shim executable (native/cni-shim.c -> build/Release/gingham-cni-shim) with the C compiler (cc), static
//   when the C library allows it, so the file copied into /opt/cni/bin runs on any host of the architecture.
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
if (r.status !== 0) process.exit(r.status ?? 1);
const root = path.join(__dirname, '..');
const out = path.join(root, 'build', 'Release', 'gingham-cni-shim');
const cc = (extra) => spawnSync('cc', ['-O2', '-Wall', '-Wextra', ...extra, '-o', out, path.join(root, 'native', 'cni-shim.c')], { stdio: 'inherit' });
let c = cc(['-static']);
if (c.status !== 0) c = cc([]);
if (c.error || c.status !== 0) {
  process.stderr.write(`build-native: cc could not build the CNI shim${c.error ? `: ${c.error.message}` : ''}\n`);
  process.exit(1);
}
