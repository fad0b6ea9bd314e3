// Lint rules, and the import rule of docs/architecture.md: each folder under src/ has a row naming the folders it may
// import (an allow-list, matched on the resolved path of every relative import, type-only imports and `export ... from`
// included). IMPORT_TABLE is the table of docs/architecture.md written as data; src/architecture.test.ts checks that the
// two agree, that every folder under src/ has a row, and that the rule rejects one forbidden import per folder.
const tseslint = require('typescript-eslint');
const { rule: importAllowList } = require('./eslint/import-allow-list');

// folder (under src/; '.' is src/ itself) -> folders it may import besides itself. `todo`: allowed only until
// the work that removes it is done (none left). `planned`: the folder does not exist yet.
const IMPORT_TABLE = [
  { folder: '.', allow: [] },
  { folder: 'lib', allow: [] },
  { folder: 'lib/testing', allow: ['lib'] },
  { folder: 'api', allow: ['lib', 'api/selector', 'api/k8s'] },
  { folder: 'api/selector', allow: ['lib'] },
  { folder: 'api/k8s', allow: ['lib', 'api', 'api/selector'] },
  { folder: 'api/wire', allow: ['lib', 'api'] },
  { folder: 'datastore', allow: ['lib', 'api', 'datastore/etcd'] },
  { folder: 'datastore/etcd', allow: ['lib', 'api', 'datastore'] },
  { folder: 'datastore/kubernetes', allow: ['lib', 'api', 'api/k8s', 'datastore'] },
  { folder: 'datastore/memory', allow: ['lib', 'api', 'datastore'] },
  { folder: 'datastore/testing', allow: ['lib', 'api', 'datastore'] },
  { folder: 'netlink', allow: ['lib'] },
  { folder: 'bgp/packet', allow: ['lib'] },
  { folder: 'bgp/packet/testdata', allow: ['lib', 'bgp/packet'] },
  { folder: 'bgp/packet/testing', allow: ['lib', 'bgp/packet'] },
  { folder: 'bgp/fsm', allow: ['lib', 'bgp/packet'] },
  { folder: 'bgp/fsm/testing', allow: ['lib', 'bgp/packet', 'bgp/fsm'] },
  { folder: 'bgp/rib', allow: ['lib', 'bgp/packet'] },
  { folder: 'bgp/session', allow: ['lib', 'bgp/packet', 'bgp/fsm'] },
  { folder: 'bgp/session/testing', allow: ['lib', 'bgp/packet', 'bgp/session'] },
  { folder: 'bgp', allow: ['lib', 'bgp/packet', 'bgp/fsm', 'bgp/rib', 'bgp/session', 'bgp/config'] },
  { folder: 'bgp/config', allow: ['lib', 'bgp', 'bgp/packet', 'bgp/fsm', 'bgp/rib', 'bgp/session'] },
  { folder: 'bgp/testing', allow: ['lib', 'bgp', 'bgp/packet', 'bgp/fsm', 'bgp/rib', 'bgp/session'] },
  { folder: 'ipam', allow: ['lib', 'api', 'api/selector', 'datastore'] },
  { folder: 'felix/calc', allow: ['lib', 'api', 'api/selector', 'api/k8s'] },
  { folder: 'felix/rules', allow: ['lib', 'api', 'api/selector', 'api/k8s', 'felix/calc'] },
  { folder: 'felix/tables', allow: ['lib', 'felix/rules'] },
  { folder: 'felix', allow: ['lib', 'api', 'api/selector', 'api/k8s', 'netlink', 'felix/calc', 'felix/rules', 'felix/tables'] },
  { folder: 'cni', allow: ['lib', 'api', 'api/wire', 'datastore', 'netlink', 'ipam'] },
  { folder: 'cni/testing', allow: ['lib', 'api', 'datastore', 'netlink', 'ipam', 'cni'] },
  { folder: 'chart', allow: ['lib', 'api'] },
  { folder: 'controllers', allow: ['lib', 'api', 'api/selector', 'api/k8s', 'datastore', 'ipam'] },
  { folder: 'controllers/testing', allow: ['lib', 'api', 'api/k8s', 'datastore', 'controllers'] },
  {
    folder: 'node/calc',
    allow: ['lib', 'api', 'api/selector', 'api/k8s', 'datastore', 'netlink', 'bgp', 'bgp/config', 'ipam', 'felix', 'felix/calc', 'node'],
  },
  {
    folder: 'node',
    allow: [
      'lib', 'api', 'api/selector', 'api/k8s', 'api/wire', 'datastore', 'netlink', 'bgp', 'bgp/config', 'ipam', 'felix',
      'felix/calc', 'cni', 'node/calc',
    ],
  },
  { folder: 'lab', allow: ['lib', 'api', 'api/selector', 'api/k8s', 'api/wire', 'datastore', 'netlink', 'ipam', 'cni', 'node'] },
  {
    folder: 'cli',
    allow: ['lib', 'api', 'api/selector', 'api/k8s', 'api/wire', 'datastore', 'ipam', 'cni', 'controllers', 'node', 'lab', 'bgp', 'bgp/config'],
  },
  {
    folder: 'cli/testing',
    allow: ['lib', 'api', 'api/selector', 'api/wire', 'datastore', 'netlink', 'bgp', 'bgp/session', 'ipam', 'cni', 'node', 'lab', 'cli'],
  },
  {
    folder: 'cmd',
    allow: [
      'lib', 'api', 'api/selector', 'api/k8s', 'api/wire', 'datastore', 'datastore/etcd', 'datastore/kubernetes', 'netlink',
      'bgp', 'bgp/config', 'bgp/session', 'ipam', 'felix', 'cni', 'controllers', 'node', 'node/calc', 'lab', 'cli',
    ],
  },
];

// Files only test code (`*.test.ts` and other test helpers) may import; paths relative to src/.
const TEST_HELPERS = ['**/testing/**', '**/testing.ts', '**/testdata/**', 'lib/fake-clock.ts', 'netlink/fake.ts', 'datastore/memory/**'];

module.exports = tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '**/*.js'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { gingham: { rules: { 'import-allow-list': importAllowList } } },
    rules: { 'gingham/import-allow-list': ['error', { table: IMPORT_TABLE, testHelpers: TEST_HELPERS }] },
  },
);
