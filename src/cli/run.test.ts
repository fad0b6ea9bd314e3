import { oneLine } from './run';
import { cliHarness } from './testing/cli-harness';

describe('runCli', () => {
  it('prints the version and exits 0', async () => {
    const r = await cliHarness().run('version');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Client Version: {4}v\d+\.\d+\.\d+\n/);
  });

  it('exits non-zero with commander usage errors on stderr', async () => {
    const r = await cliHarness().run('no-such-verb');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("unknown command 'no-such-verb'");
  });

  it('keeps client errors on one line and drops HTTP dumps', () => {
    expect(oneLine('list x: HTTP-Code: 401\nMessage: Unauthorized\nBody: undefined\nHeaders: {"a":"b"}')).toBe('list x: HTTP-Code: 401; Message: Unauthorized');
    expect(oneLine('plain')).toBe('plain');
  });
});
