import { MemoryDatastore } from '../datastore/memory/memory-datastore';
import { DEFAULT_KCC_SPEC, effectiveConfig, ensureControllersConfiguration, needsKubernetes, withEnabledControllers } from './config';

describe('KubeControllersConfiguration', () => {
  it('is created with the defaults when absent, and an existing one is kept as it is', async () => {
    const store = new MemoryDatastore();
    const created = await ensureControllersConfiguration(store);
    expect(created.spec).toEqual(DEFAULT_KCC_SPEC);
    expect(effectiveConfig(created.spec)).toEqual({ nodeController: true, leakGracePeriodMs: 900_000, reconcilerPeriodMs: 300_000, syncLabels: true, policyController: true, namespaceController: true, serviceAccountController: true, healthChecks: true, prometheusMetricsPort: 9094 });
    await store.update({ ...created, spec: { controllers: { node: { leakGracePeriod: '30s' } } } });
    expect(effectiveConfig((await ensureControllersConfiguration(store)).spec).leakGracePeriodMs).toBe(30_000);
  });

  it('names the field of a bad value; no controllers.node disables the node controller', () => {
    expect(() => effectiveConfig({ controllers: { node: { leakGracePeriod: 'soon' } } })).toThrow('spec.controllers.node.leakGracePeriod: "soon" is not');
    expect(() => effectiveConfig({ controllers: { node: { syncLabels: 'yes' } } })).toThrow('spec.controllers.node.syncLabels');
    expect(() => effectiveConfig({ prometheusMetricsPort: 70000 })).toThrow('spec.prometheusMetricsPort');
    expect(effectiveConfig({ controllers: {} }).nodeController).toBe(false);
  });

  it('ENABLED_CONTROLLERS: exactly the listed controllers run; an unknown name is an error', () => {
    const all = effectiveConfig(DEFAULT_KCC_SPEC);
    expect(withEnabledControllers(all, undefined)).toBe(all);
    const rr = withEnabledControllers(all, 'routereflector');
    expect([rr.nodeController, rr.policyController, rr.routeReflectorController, needsKubernetes(rr)]).toEqual([false, false, true, false]);
    expect(withEnabledControllers(all, 'node, profile')).toMatchObject({ nodeController: true, namespaceController: true, serviceAccountController: false, routeReflectorController: false });
    expect(() => withEnabledControllers(all, 'node,flannel')).toThrow('ENABLED_CONTROLLERS: unknown controller(s) flannel');
  });
});

