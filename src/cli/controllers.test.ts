import { cliHarness } from './testing/cli-harness';

describe('gingham controllers run', () => {
  it('names the flag of a bad value', async () => {
    const res = await cliHarness().run('controllers', 'run', '--health-port', 'nope');
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('controllers run: --health-port: "nope" must be an integer from 0 to 65535');
    const ttl = await cliHarness().run('controllers', 'run', '--lease-ttl', '1');
    expect(ttl.stderr).toContain('--lease-ttl: "1" must be an integer from 2 to 3600');
  });

  it('says so when the build has no Kubernetes API client', async () => {
    const res = await cliHarness().run('controllers', 'run');
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('no Kubernetes API client');
  });
});
