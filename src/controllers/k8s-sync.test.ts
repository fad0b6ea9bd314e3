import { decodeK8sNetworkPolicy, decodeNamespace, decodeServiceAccount } from '../api/k8s';
import { type StoredResource } from '../datastore';
import { MemoryDatastore } from '../datastore/memory/memory-datastore';
import { nullLogger } from '../lib/logger';
import { applySyncActions, reconcileK8sSync, type K8sObjects } from './k8s-sync';

const np = decodeK8sNetworkPolicy({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'allow-web', namespace: 'shop' },
  spec: { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ ports: [{ port: 80 }] }] },
});
const ns = decodeNamespace({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { team: 'a' } } });
const sa = decodeServiceAccount({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web', namespace: 'shop' } });

async function pass(store: MemoryDatastore, k8s: K8sObjects): Promise<number> {
  const stored = { networkPolicies: (await store.list('NetworkPolicy')).items, profiles: (await store.list('Profile')).items };
  return applySyncActions(store, reconcileK8sSync(k8s, stored), nullLogger);
}

describe('policy, namespace and service-account sync (etcd mode)', () => {
  it('creates knp.default.*, kns.*, ksa.* objects, is idempotent, follows changes, deletes strays, leaves others alone', async () => {
    const store = new MemoryDatastore();
    const mine: StoredResource = { apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', metadata: { name: 'hand-made', namespace: 'shop' }, spec: { selector: 'all()', types: ['Ingress'] } };
    await store.create(mine);
    expect(await pass(store, { networkPolicies: [np], namespaces: [ns], serviceAccounts: [sa] })).toBe(3);
    const policy = await store.get('NetworkPolicy', 'knp.default.allow-web', 'shop');
    expect(policy.spec).toMatchObject({ tier: 'default', order: 1000, types: ['Ingress'] });
    expect((await store.get('Profile', 'kns.shop')).spec).toMatchObject({ labelsToApply: { 'pcns.team': 'a' } });
    expect((await store.get('Profile', 'ksa.shop.web')).spec).toMatchObject({ labelsToApply: { 'pcsa.projectcalico.org/name': 'web' } });
    expect(await pass(store, { networkPolicies: [np], namespaces: [ns], serviceAccounts: [sa] })).toBe(0);

    const relabelled = decodeNamespace({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { team: 'b' } } });
    expect(await pass(store, { networkPolicies: [], namespaces: [relabelled], serviceAccounts: [] })).toBe(3); // 1 update, 2 deletes
    expect((await store.get('Profile', 'kns.shop')).spec).toMatchObject({ labelsToApply: { 'pcns.team': 'b' } });
    expect((await store.list('NetworkPolicy')).items.map((p) => p.metadata.name)).toEqual(['hand-made']);
    expect((await store.list('Profile')).items.map((p) => p.metadata.name)).toEqual(['kns.shop']);
  });
});
