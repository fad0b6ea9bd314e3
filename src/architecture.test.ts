// The import rule of docs/architecture.md, checked on every test run: no circular imports anywhere under src/,
// and eslint's per-folder no-restricted-imports blocks really reject an upward import.
import madge from 'madge';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.join(__dirname, '..');

interface LintMessage {
  ruleId: string | null;
  message: string;
}

/** Lints source text as if it lived at filePath, with the project's real eslint config (run as a child process:
 * eslint loads its flat config with a dynamic import that jest's VM does not allow). */
function lint(source: string, filePath: string): LintMessage[] {
  const res = spawnSync(path.join(root, 'node_modules/.bin/eslint'), ['--format', 'json', '--stdin', '--stdin-filename', filePath], {
    cwd: root,
    input: source,
    encoding: 'utf8',
    timeout: 60000,
  });
  const results = JSON.parse(res.stdout) as Array<{ messages: LintMessage[] }>;
  return results.flatMap((r) => r.messages);
}

describe('architecture', () => {
  it('has no circular imports under src/', async () => {
    const graph = await madge(path.join(root, 'src'), {
      fileExtensions: ['ts'],
      tsConfig: path.join(root, 'tsconfig.json'),
      detectiveOptions: { ts: { skipTypeImports: true } },
    });
    expect(Object.keys(graph.obj()).length).toBeGreaterThan(5);
    expect(graph.circular()).toEqual([]);
  }, 60000);

  it('rejects an import of a lower layer (bgp/packet importing felix)', () => {
    const messages = lint("import { x } from '../../felix/calc';\nexport const y = x;\n", 'src/bgp/packet/example.ts').filter(
      (m) => m.ruleId === 'no-restricted-imports',
    );
    expect(messages).toHaveLength(1);
    expect(messages[0]?.message).toContain('may import only folders above it');
  }, 60000);

  it('allows an import of a higher layer (felix importing lib)', () => {
    const messages = lint("import { x } from '../lib/errors';\nexport const y = x;\n", 'src/felix/example.ts');
    expect(messages.filter((m) => m.ruleId === 'no-restricted-imports')).toEqual([]);
  }, 60000);
});
