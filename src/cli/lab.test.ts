import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cliHarness } from './testing/cli-harness';

const root = typeof process.getuid === 'function' && process.getuid() === 0;

describe('gingham lab exec explains itself', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'gingham-lab-cli-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('without -- hands the command its own options instead of refusing them', async () => {
    const r = await cliHarness().run('lab', 'exec', '--state-dir', path.join(dir, 'none'), 'node1', 'ip', '-4', 'route');
    expect(r.stderr).not.toMatch(/unknown option/);
    // It got as far as looking for the lab (as root) or asking for root.
    expect(r.stderr).toMatch(root ? /^lab exec: no lab in .*none/ : /^lab exec: needs root/);
    expect(r.code).toBe(1);
  });

  it('without a command says to put it after --', async () => {
    const r = await cliHarness().run('lab', 'exec', 'node1');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/missing required argument 'command'/);
    expect(r.stderr).toContain('Put -- between the target and the command: gingham lab exec node1 -- ip -4 route.');
  });
});
