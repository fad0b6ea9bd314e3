// The command runner: results never reject for a non-zero exit; runChecked turns one into a typed CommandError; the
// spawn runner feeds stdin, collects output, reports a missing command as 127 and kills a command past its timeout.
import { CommandError, runChecked, spawnCommandRunner, type CommandRunner } from './command-runner';
import { describeError } from './errors';

describe('runChecked', () => {
  it('resolves with the result of a command that exits 0', async () => {
    const run: CommandRunner = async (argv, stdin) => ({ code: 0, stdout: `${argv.join(' ')}|${stdin ?? ''}`, stderr: '' });
    expect(await runChecked(run, ['echo', 'x'], 'in')).toEqual({ code: 0, stdout: 'echo x|in', stderr: '' });
  });

  it('rejects with a CommandError carrying argv, the exit code and stderr', async () => {
    const run: CommandRunner = async () => ({ code: 3, stdout: '', stderr: 'bad line 2\n' });
    const err = (await runChecked(run, ['iptables-restore', '-w'], '', 'restoring x').catch((e: unknown) => e)) as CommandError;
    expect(err).toBeInstanceOf(CommandError);
    expect([err.code, err.exitCode, err.stderr, err.argv]).toEqual(['CommandFailed', 3, 'bad line 2\n', ['iptables-restore', '-w']]);
    expect(describeError(err)).toBe('CommandFailed: restoring x failed (exit 3): bad line 2');
  });
});

describe('spawnCommandRunner', () => {
  const run = spawnCommandRunner({ timeoutMs: 5000 });

  it('feeds stdin and collects stdout, stderr and the exit code', async () => {
    expect(await run(['sh', '-c', 'cat; echo oops >&2; exit 4'], 'hello')).toEqual({ code: 4, stdout: 'hello', stderr: 'oops\n' });
  });

  it('reports a command that cannot start as exit 127', async () => {
    const res = await run(['/nonexistent/gingham-no-such-command']);
    expect(res.code).toBe(127);
    expect(res.stderr).toContain('ENOENT');
  });

  it('kills a command that runs past its timeout (exit 137)', async () => {
    const quick = spawnCommandRunner({ timeoutMs: 200 });
    const started = Date.now();
    expect((await quick(['sleep', '10'])).code).toBe(137);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
