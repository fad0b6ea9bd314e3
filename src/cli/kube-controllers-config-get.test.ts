// `gingham get kubecontrollersconfiguration default`: the object `gingham controllers run` creates is an API kind.
import { ensureControllersConfiguration } from '../controllers/config';
import { cliHarness } from './testing/cli-harness';

describe('gingham get kubecontrollersconfiguration', () => {
  it('shows the default the controllers created, by any spelling of the kind, and lists it by name', async () => {
    const h = cliHarness();
    await ensureControllersConfiguration(h.store);
    const r = await h.run('get', 'kubecontrollersconfiguration', 'default', '-o', 'yaml');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^apiVersion: projectcalico.org\/v3\nkind: KubeControllersConfiguration\nmetadata:\n/);
    expect(r.stdout).toContain('  prometheusMetricsPort: 9094\n');
    expect(r.stdout).toContain('      leakGracePeriod: 15m0s\n');
    expect((await h.run('get', 'kcc')).stdout).toBe('NAME\ndefault\n\n');
  });

  it('refuses an invalid spec naming the field', async () => {
    const h = cliHarness();
    h.stdin = 'apiVersion: projectcalico.org/v3\nkind: KubeControllersConfiguration\nmetadata: {name: default}\nspec: {healthChecks: maybe}\n';
    const r = await h.run('create', '-f', '-');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('spec.healthChecks: must be one of Enabled, Disabled');
  });
});
