import { resolveKind } from './resource';
import { make, problemsOf } from './testing';

describe('KubeControllersConfiguration', () => {
  const cases: Array<{ name: string; resName?: string; spec: unknown; want: string[] }> = [
    { name: 'the defaults kube-controllers writes', spec: { logSeverityScreen: 'Info', healthChecks: 'Enabled', etcdV3CompactionPeriod: '10m0s', prometheusMetricsPort: 9094, controllers: { node: { leakGracePeriod: '15m0s' } } }, want: [] },
    { name: 'metrics off', spec: { prometheusMetricsPort: 0 }, want: [] },
    { name: 'only "default"', resName: 'other', spec: {}, want: ['metadata.name: must be "default"'] },
    { name: 'health checks enum', spec: { healthChecks: 'yes' }, want: ['spec.healthChecks: must be one of Enabled, Disabled'] },
    { name: 'port range', spec: { prometheusMetricsPort: 70000 }, want: ['spec.prometheusMetricsPort: must be between 0 and 65535'] },
    { name: 'controllers is an object', spec: { controllers: ['node'] }, want: ['spec.controllers: must be an object'] },
  ];
  it.each(cases)('$name', ({ resName, spec, want }) => {
    expect(problemsOf(make('KubeControllersConfiguration', resName ?? 'default', spec))).toEqual(want);
  });

  it('is named on the command line as calicoctl names it', () => {
    for (const n of ['kubecontrollersconfiguration', 'KubeControllersConfigurations', 'kubecontrollersconfig', 'kcc']) expect(resolveKind(n)?.kind).toBe('KubeControllersConfiguration');
  });
});
