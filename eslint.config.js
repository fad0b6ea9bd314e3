// Lint rules, and the import rule of docs/architecture.md: a folder under src/ may import only the folders listed
// above it in LAYERS. One `no-restricted-imports` block per folder forbids relative imports of every folder below it.
const tseslint = require('typescript-eslint');

const LAYERS = [
  ['lib', 'src/lib'],
  ['api', 'src/api'],
  ['datastore', 'src/datastore'],
  ['netlink', 'src/netlink'],
  ['packet', 'src/bgp/packet'],
  ['fsm', 'src/bgp/fsm'],
  ['rib', 'src/bgp/rib'],
  ['session', 'src/bgp/session'],
  ['speaker', 'src/bgp/speaker'],
  ['ipam', 'src/ipam'],
  ['felix', 'src/felix'],
  ['cni', 'src/cni'],
  ['controllers', 'src/controllers'],
  ['node', 'src/node'],
  ['lab', 'src/lab'],
  ['cli', 'src/cli'],
  ['cmd', 'src/cmd'],
];

function layerBlock(index) {
  const [name, dir] = LAYERS[index];
  const below = LAYERS.slice(index + 1).map(([n]) => n);
  const files = name === 'speaker' ? ['src/bgp/*.ts'] : [`${dir}/**/*.ts`];
  if (below.length === 0) return null;
  return {
    files,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `^\\.{1,2}/(.*/)?(${below.join('|')})(\\.js|\\.ts)?(/|$)`,
              message: `src/${name === 'speaker' ? 'bgp/speaker' : dir.slice(4)} may import only folders above it in docs/architecture.md (${below.join(', ')} are below).`,
            },
          ],
        },
      ],
    },
  };
}

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
  ...LAYERS.map((_, i) => layerBlock(i)).filter(Boolean),
);
